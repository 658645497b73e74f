"""Tables of bad (and tricky but valid) values, by the kind of argument they replace.

Each generator yields ``(defect, label, value, mode, equivalent)``: ``mode`` is
``"reject"`` (a ValueError naming the argument is the only right outcome), ``"same"``
(the call must give the result it gives with ``equivalent``) or ``"either"`` (reject or
the same result as with ``equivalent``).
"""

from __future__ import annotations

import datetime

import numpy as np
import torch

NAN, INF = float("nan"), float("inf")
REJECT = None


def _with(arr, value, index=(0, 0)):
    out = np.array(arr, np.float64)
    out[index if out.ndim == 2 else index[0]] = value
    return out


def _common_array_rejects(good, one_dim: bool):
    """Values that no numeric-array argument may accept."""
    yield "1 range", "NaN", _with(good, NAN), "reject", None
    yield "1 range", "+inf", _with(good, INF), "reject", None
    yield "1 range", "-inf", _with(good, -INF), "reject", None
    yield "1 range", "float32 inf (1e39 overflowed)", _with(good, INF).astype(np.float32), "reject", None
    yield "6 leniency", "strings", good.astype(str), "reject", None
    yield "6 leniency", "complex", good.astype(complex), "reject", None
    yield "6 leniency", "datetime64", np.round(good).astype("int64").astype("datetime64[s]"), "reject", None
    yield "6 leniency", "timedelta64", np.round(good).astype("int64").astype("timedelta64[s]"), "reject", None
    yield "6 leniency", "object with None", np.where(np.ones_like(good, bool), None, None), "reject", None
    yield "6 leniency", "None", None, "reject", None
    yield "6 leniency", "a string", "1,2,3,4", "reject", None
    yield "6 leniency", "a dict", {"x": 1}, "reject", None
    yield "6 leniency", "datetime object", datetime.datetime(2020, 1, 1), "reject", None
    yield "6 leniency", "ragged list", [[1, 2], [3]], "reject", None
    if one_dim:
        yield "3 counts", "too short", good[:-1], "reject", None
        yield "3 counts", "2-D", good[:, None], "reject", None
    else:
        yield "3 counts", "flattened", good.ravel(), "reject", None
        yield "3 counts", "3-D", good[None], "reject", None
        yield "3 counts", "a column too many", np.c_[good, good[:, :1]], "reject", None
    yield "3 counts", "a scalar", 5.0, "reject", None


def _dtype_sames(good):
    """Valid dtypes that must give the float64 result (upcast, never overflow)."""
    yield "2 dtype", "list", good.tolist(), "same", good
    if np.array_equal(good.astype(np.float32), good):
        yield "2 dtype", "float32", good.astype(np.float32), "same", good
    if np.array_equal(good.astype(np.float16), good):  # exact in half precision
        yield "2 dtype", "float16", good.astype(np.float16), "same", good
        yield "2 dtype", "torch float16", torch.from_numpy(good.astype(np.float16)), "same", torch.from_numpy(good)
    yield "2 dtype", "torch float64", torch.from_numpy(good.copy()), "same", torch.from_numpy(good)
    if np.array_equal(np.round(good), good) and np.abs(good).max(initial=0) < 100:
        for dt in (np.int8, np.int16, np.int32, np.int64):
            yield "2 dtype", np.dtype(dt).name, good.astype(dt), "same", good
        if good.min(initial=0) >= 0:
            yield "2 dtype", "uint8", good.astype(np.uint8), "same", good
        yield "2 dtype", "torch int8", torch.from_numpy(good.astype(np.int8)), "same", torch.from_numpy(good)
        yield "2 dtype", "torch int16", torch.from_numpy(good.astype(np.int16)), "same", torch.from_numpy(good)


def coordinates(good, scale_invariant: bool = True, one_dim: bool = False):
    """A real array of coordinates ``[N, k]`` (or ``[N]`` with ``one_dim``)."""
    good = np.asarray(good, np.float64)
    yield from _common_array_rejects(good, one_dim)
    yield from _dtype_sames(good)
    if scale_invariant:
        for k in (1e200, 1e-200, 1e300, 2.0**-1000):
            yield "1 range", f"scaled by {k:g}", good * k, "either", good


def scores(good):
    """Scores ``[N]``: any real values; order matters, magnitude does not."""
    good = np.asarray(good, np.float64)
    yield from _common_array_rejects(good, one_dim=True)
    yield from _dtype_sames(good)
    yield "2 dtype", "int8 (x8)", (good * 8).astype(np.int8), "same", good * 8


def labels(good):
    """Integer class labels ``[N]``."""
    good = np.asarray(good, np.int64)
    yield "1 range", "1e30 and 2e30 (collide as int64)", np.where(good == good[0], 1e30, 2e30), "reject", None
    yield "1 range", "2**70 as float", good * 0.0 + 2.0**70, "reject", None
    yield "1 range", "NaN", _with(good.astype(float), NAN), "reject", None
    yield "1 range", "0.5", _with(good.astype(float), 0.5), "reject", None
    yield "6 leniency", "strings", good.astype(str), "reject", None
    yield "6 leniency", "complex", good.astype(complex), "reject", None
    yield "6 leniency", "datetime64", good.astype("datetime64[s]"), "reject", None
    yield "6 leniency", "None", None, "reject", None
    yield "3 counts", "too short", good[:-1], "reject", None
    yield "3 counts", "2-D", good[:, None], "reject", None
    yield "2 dtype", "int8", good.astype(np.int8), "same", good
    yield "2 dtype", "uint64", good.astype(np.uint64), "same", good
    yield "2 dtype", "integral float", good.astype(float), "same", good
    yield "2 dtype", "list", good.tolist(), "same", good
    yield "2 dtype", "labels + 2**40", good + 2**40, "same", good


def unit(good):
    """A threshold in [0, 1]."""
    yield "1 range", "NaN", NAN, "reject", None
    yield "1 range", "inf", INF, "reject", None
    yield "1 range", "-0.1", -0.1, "reject", None
    yield "1 range", "1.5", 1.5, "reject", None
    yield from _scalar_leniency(good)


def real(good, allow_inf: bool = False):
    """A real scalar."""
    yield "1 range", "NaN", NAN, "reject", None
    if not allow_inf:
        yield "1 range", "inf", INF, "reject", None
    yield from _scalar_leniency(good)


def positive(good):
    """A real scalar > 0."""
    yield "1 range", "0", 0.0, "reject", None
    yield "1 range", "-1", -1.0, "reject", None
    yield from real(good)


def _scalar_leniency(good):
    yield "6 leniency", "True", True, "reject", None
    yield "6 leniency", "a string", str(good), "reject", None
    yield "6 leniency", "complex", complex(good), "reject", None
    yield "6 leniency", "datetime64", np.datetime64("2020-01-01"), "reject", None
    yield "6 leniency", "timedelta", datetime.timedelta(seconds=1), "reject", None
    yield "6 leniency", "a list", [good], "reject", None
    yield "6 leniency", "an array of two", np.array([good, good]), "reject", None
    yield "2 dtype", "np.float32", np.float32(good), "same", float(np.float32(good))
    yield "2 dtype", "0-d array", np.array(good), "same", good
    yield "2 dtype", "torch scalar", torch.tensor(float(good), dtype=torch.float64), "same", good


def count(good, huge=None):
    """A count. ``huge`` is what counts like 10**30 must act as (e.g. ``None``, no cap), or
    the string ``"reject"`` where they must be refused."""
    yield "3 counts", "-1", -1, "reject", None
    yield "6 leniency", "1.5", 1.5, "reject", None
    yield "6 leniency", "2.0", 2.0, "reject", None
    yield "6 leniency", "True", True, "reject", None
    yield "6 leniency", "'3'", "3", "reject", None
    yield "6 leniency", "NaN", NAN, "reject", None
    yield "6 leniency", "complex", 3 + 0j, "reject", None
    yield "2 dtype", "np.int8", np.int8(good), "same", good
    yield "2 dtype", "np.uint64", np.uint64(good), "same", good
    for big in (10**30, 2**63, np.uint64(2**64 - 1), 2**40):
        if isinstance(huge, str):
            yield "3 counts", f"{big}", big, "reject", None
        else:
            yield "3 counts", f"{big}", big, "same", huge


def flag(good: bool):
    """A bool."""
    for label, v in (
        ("'False'", "False"),
        ("'True'", "True"),
        ("2", 2),
        ("NaN", NAN),
        ("1.0", 1.0),
        ("'yes'", "yes"),
        ("a list", [good]),
    ):
        yield "6 leniency", label, v, "reject", None
    yield "2 dtype", "np.bool_", np.bool_(good), "same", good


def choice(good: str):
    """One of a fixed set of strings."""
    for label, v in (
        ("unknown", "bogus"),
        ("upper case", good.upper() if good.upper() != good else "X" + good),
        ("None", None),
        ("5", 5),
        ("bytes", good.encode()),
    ):
        yield "4 twins" if label == "unknown" else "6 leniency", label, v, "reject", None


KINDS = {
    "coords": coordinates,
    "scores": scores,
    "labels": labels,
    "unit": unit,
    "real": real,
    "positive": positive,
    "count": count,
    "flag": flag,
    "choice": choice,
}
