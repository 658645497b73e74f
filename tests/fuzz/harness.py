"""The fuzz tables' rules: what counts as a right outcome for one call.

A :class:`Case` is one call with a known right outcome: either a ``ValueError`` whose
message names the argument or file (``reject``), or a result (``expect``: the call whose
result it must equal, or ``check``: a predicate on it). A case with both ``reject`` and an
expected result accepts either, for inputs that may be computed or refused with a
documented range (e.g. coordinates near the float64 limit).

:func:`classify` sorts one call's outcome into the categories reported for the fuzz suite:

- ``ok``: a valid call gave the right result;
- ``clean``: a bad call raised a ValueError naming the argument or file;
- ``other``: another exception type escaped (or the process crashed);
- ``unclear``: a ValueError that does not name the argument or file;
- ``hang``: the call ran past its time limit;
- ``wrong``: a valid call gave a wrong result, or emitted a numeric RuntimeWarning;
- ``silent``: a bad call returned as if the input were fine.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

CATEGORIES = ("ok", "clean", "other", "unclear", "hang", "wrong", "silent")
GOOD = ("ok", "clean")


@dataclass
class Case:
    """One fuzz call.

    Attributes:
        defect: the class of defect it probes (``"1 range"``, ``"2 dtype"``, ...).
        target: the public function or reader called.
        label: what is special about the input.
        call: runs the call, returns its result.
        reject: text a right ValueError must contain (the argument or file name).
        expect: computes the result the call must equal.
        check: a predicate the result must satisfy.
        seconds: time limit.
        rtol: relative tolerance of the comparison with ``expect`` (looser for float16 input,
            whose results may come back in float16).
    """

    defect: str
    target: str
    label: str
    call: Callable[[], Any]
    reject: str | None = None
    expect: Callable[[], Any] | None = None
    check: Callable[[Any], bool] | None = None
    seconds: float = 10.0
    rtol: float = 1e-5

    @property
    def name(self) -> str:
        return f"{self.target}: {self.label}"


class HalfWritten(Exception):
    """Raised by a CLI case when a failed command left an output file behind."""


def to_plain(x):
    """Results -> nested lists / NumPy arrays for comparison (tensors, dataclasses)."""
    if type(x).__module__.startswith("torch") and hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: to_plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, (list, tuple)):
        return [to_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: to_plain(v) for k, v in x.items()}
    return x


def same(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Deep equality with a float tolerance (NaN equals NaN)."""
    a, b = to_plain(a), to_plain(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(same(a[k], b[k], rtol, atol) for k in a)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)) or a is None or b is None:
        return a == b
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape:
        return False
    if x.dtype.kind in "fc" or y.dtype.kind in "fc":
        return bool(np.allclose(x.astype(np.float64), y.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(x, y))


def classify(case: Case) -> tuple[str, str]:
    """Run ``case`` and return ``(category, detail)``. A call past its time limit is run
    once more (the first call of a kernel includes its compilation) before it counts as
    a hang."""
    category, detail = _classify_once(case)
    if category == "hang":
        category, detail = _classify_once(case)
    return category, detail


def _classify_once(case: Case) -> tuple[str, str]:
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.call()
        except ValueError as exc:
            if time.perf_counter() - start > case.seconds:
                return "hang", f"raised after {time.perf_counter() - start:.1f} s"
            message = str(exc)
            if case.reject is not None and case.reject in message and "\n" not in message.strip():
                return "clean", message
            if case.reject is None:
                return "wrong", f"valid input refused: {message}"
            return "unclear", message
        except HalfWritten as exc:
            return "wrong", f"half-written output: {exc}"
        except Exception as exc:  # noqa: BLE001 - the point is to sort every exception
            return "other", f"{type(exc).__name__}: {exc}"[:300]
    elapsed = time.perf_counter() - start
    if elapsed > case.seconds:
        return "hang", f"took {elapsed:.1f} s"
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if case.expect is None and case.check is None:
        return "silent", f"returned {type(result).__name__}"
    if numeric:
        return "wrong", f"RuntimeWarning: {numeric[0].message}"
    if case.expect is not None:
        try:
            wanted = case.expect()
        except Exception as exc:  # noqa: BLE001
            return "wrong", f"the reference call failed: {type(exc).__name__}: {exc}"
        if not same(result, wanted, rtol=case.rtol, atol=case.rtol / 10):
            return "wrong", f"got {_short(result)}, expected {_short(wanted)}"
    if case.check is not None and not case.check(result):
        return "wrong", f"check failed on {_short(result)}"
    return "ok", ""


def _short(x) -> str:
    text = repr(to_plain(x))
    return text if len(text) < 200 else text[:200] + "..."


def tally(outcomes) -> dict:
    """``{(defect, category): count}`` plus ``("all", category)`` totals, from
    ``(case, category)`` pairs."""
    counts: dict = {}
    for case, category in outcomes:
        for key in ((case.defect, category), ("all", category)):
            counts[key] = counts.get(key, 0) + 1
    return counts
