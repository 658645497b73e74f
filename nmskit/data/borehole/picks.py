"""Dip picks: a table of sinusoids with their scores and classes, read from and written to CSV.

nmskit's own layout has optional ``# depth_unit: ft`` and ``# diameter: 0.708 ft`` comment
lines (the hole diameter, when every pick has the same one), then one header line::

    depth,apparent_dip,apparent_azimuth,true_dip,true_azimuth,score,class

``depth``, ``apparent_dip`` and ``apparent_azimuth`` are required; empty true columns (no
deviation known) read as NaN; ``score`` defaults to 1 and ``class`` to ``unknown``. An
optional ``diameter`` column (depth units) gives a hole diameter per pick.

The interpretation-export layout (two header lines, names then units; columns ``TDEP``,
``<image>_Azimuth``, ``<...>_APP``, ``<...>_TRU``, ``Azimuth``, ``AvgCali``, ``HDev``,
``HAzi``, ``Quality``, ``Type``) is read too.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..._arrays import PathLike
from ..._checks import as_float_array
from ...geometry.sinusoid import apparent_to_true
from ...geometry.units import canonical_unit, length_factor, parse_length
from ..files import atomic_write, file_error, read_text, reader

PICK_COLUMNS = ("depth", "apparent_dip", "apparent_azimuth", "true_dip", "true_azimuth", "score", "class")
REQUIRED_COLUMNS = PICK_COLUMNS[:3]
CLASSES = ("fracture", "bed", "unknown")
# (low, high, NaN allowed) of each numeric field; angles in degrees
RANGES = {
    "depth": (-1e7, 1e7, False),
    "apparent_dip": (0.0, 90.0, False),
    "apparent_azimuth": (-360.0, 360.0, False),
    "true_dip": (0.0, 90.0, True),
    "true_azimuth": (-360.0, 360.0, True),
    "score": (-1e300, 1e300, False),
    "diameter": (0.0, 1e7, True),
    "inclination": (0.0, 180.0, True),
    "hole_azimuth": (-360.0, 360.0, True),
}


@dataclass(frozen=True, init=False)
class PickTable:
    """N picks (one row each; all arrays ``[N]``).

    Attributes:
        depth: sinusoid centre depths, in ``depth_unit``.
        apparent_dip, apparent_azimuth: degrees, in the hole frame (azimuth from the high side).
        true_dip, true_azimuth: geographic degrees; NaN where unknown.
        score: confidence (1 for expert picks).
        cls: class names, ``fracture``, ``bed`` or ``unknown``.
        depth_unit: length unit of ``depth`` (None if the file did not say).
        diameter: hole diameter at each pick in depth units; NaN where unknown.
        inclination, hole_azimuth: hole direction at each pick (degrees); NaN where unknown.

    Every numeric field must lie in its range in ``RANGES`` (dips in [0, 90], azimuths in
    [-360, 360], |depth| <= 1e7, diameter > 0); only the true angles, the diameter and the
    hole direction may be NaN (unknown).
    """

    depth: np.ndarray
    apparent_dip: np.ndarray
    apparent_azimuth: np.ndarray
    true_dip: np.ndarray
    true_azimuth: np.ndarray
    score: np.ndarray
    cls: np.ndarray
    depth_unit: str | None
    diameter: np.ndarray
    inclination: np.ndarray
    hole_azimuth: np.ndarray

    def __init__(
        self,
        depth: ArrayLike,
        apparent_dip: ArrayLike,
        apparent_azimuth: ArrayLike,
        true_dip: ArrayLike,
        true_azimuth: ArrayLike,
        score: ArrayLike,
        cls: ArrayLike,
        depth_unit: str | None = None,
        diameter: ArrayLike | None = None,
        inclination: ArrayLike | None = None,
        hole_azimuth: ArrayLike | None = None,
    ) -> None:
        # The attributes hold validated ``[N]`` arrays (NaN where an optional column is None).
        given = dict(
            depth=depth,
            apparent_dip=apparent_dip,
            apparent_azimuth=apparent_azimuth,
            true_dip=true_dip,
            true_azimuth=true_azimuth,
            score=score,
            cls=cls,
            depth_unit=depth_unit,
            diameter=diameter,
            inclination=inclination,
            hole_azimuth=hole_azimuth,
        )
        for name, value in given.items():
            object.__setattr__(self, name, value)
        self._validate()

    def _validate(self) -> None:
        n = len(np.asarray(self.depth))
        for f in fields(self):
            if f.name == "depth_unit":
                continue
            v = getattr(self, f.name)
            if v is None:
                v = np.full(n, np.nan)
            v = np.asarray(v, object) if f.name == "cls" else as_float_array(v, f"picks {f.name}")
            if v.shape != (n,):
                raise ValueError(f"picks {f.name} must have shape [{n}], got {v.shape}")
            if f.name in RANGES:
                _check_range(v, f.name)
            object.__setattr__(self, f.name, v)
        if self.depth_unit is not None:
            object.__setattr__(self, "depth_unit", canonical_unit(self.depth_unit, "depth_unit"))
        bad = ~np.isin(self.cls, CLASSES)
        if bad.any():
            raise ValueError(f"picks class must be one of {CLASSES}, got {self.cls[bad][0]!r}")

    @classmethod
    def from_arrays(
        cls,
        picks: ArrayLike,
        score: ArrayLike | None = None,
        classes: str | ArrayLike = "fracture",
        depth_unit: str | None = None,
        **extra: Any,
    ) -> PickTable:
        """From ``[N, 3]`` (depth, apparent dip, apparent azimuth) rows; true angles unknown."""
        p = as_float_array(picks, "picks")
        if p.size % 3 or p.ndim > 2 or (p.ndim == 2 and p.shape[1] != 3):
            raise ValueError(f"picks must have shape [N, 3] (depth, dip, azimuth), got {p.shape}")
        p = p.reshape(-1, 3)
        n = len(p)
        return cls(
            p[:, 0],
            p[:, 1],
            p[:, 2],
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.ones(n) if score is None else score,
            np.broadcast_to(np.asarray(classes, object), (n,)),
            depth_unit,
            **extra,
        )

    def __len__(self) -> int:
        return len(self.depth)

    def apparent(self) -> np.ndarray:
        """``[N, 3]`` (depth, apparent dip, apparent azimuth), the geometry functions' input."""
        return np.stack([self.depth, self.apparent_dip, self.apparent_azimuth], -1)

    def select(self, which: ArrayLike) -> PickTable:
        """Rows picked by a boolean mask or index array."""
        return replace(self, **{f.name: getattr(self, f.name)[which] for f in fields(self) if f.name != "depth_unit"})

    def in_unit(self, unit: str) -> PickTable:
        """Depths and diameters converted to ``unit`` (needs ``depth_unit``)."""
        if self.depth_unit is None:
            raise ValueError("picks have no depth_unit; set it before converting")
        k = length_factor(self.depth_unit, unit)
        return replace(self, depth=self.depth * k, diameter=self.diameter * k, depth_unit=unit)

    def with_true(self, inclination: ArrayLike, hole_azimuth: ArrayLike) -> PickTable:
        """Fill the true columns from the hole direction (scalars or ``[N]`` degrees)."""
        inc = np.broadcast_to(np.asarray(inclination, np.float64), self.depth.shape)
        azi = np.broadcast_to(np.asarray(hole_azimuth, np.float64), self.depth.shape)
        td, ta = apparent_to_true(self.apparent_dip, self.apparent_azimuth, inc, azi)
        return replace(self, true_dip=td, true_azimuth=ta, inclination=inc, hole_azimuth=azi)


def _check_range(v: np.ndarray, name: str) -> None:
    low, high, nan_ok = RANGES[name]
    bad = (np.isnan(v) & (not nan_ok)) | ~((v >= low) & (v <= high) | np.isnan(v))
    if name == "diameter":
        bad |= v == 0
    if bad.any():
        i = int(np.argmax(bad))
        what = "(0" if name == "diameter" else f"[{low:g}"
        raise ValueError(
            f"picks {name} must lie in {what}, {high:g}]{' or be NaN (unknown)' if nan_ok else ''}; "
            f"row {i} holds {v[i]!r}"
        )


def _float(path, line, column, text, default=np.nan):
    text = text.strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise file_error(path, f"non-numeric value {text!r} in column {column!r}", line) from None


def _rows(path):
    """(line number, fields) of the non-empty, non-comment lines, and the ``key: value``
    comments (``# depth_unit: ft``, ``# diameter: 0.708 ft``) with their line numbers."""
    comments, rows = {}, []
    with io.StringIO(read_text(path), newline="") as f:
        for number, line in enumerate(f, 1):
            text = line.strip()
            if text.startswith("#"):
                key, _, value = text.lstrip("# ").partition(":")
                if key.strip() in ("depth_unit", "diameter") and value.strip():
                    comments[key.strip()] = (value.strip(), number)
                continue
            if text:
                rows.append((number, next(csv.reader([line]))))
    if not rows:
        raise file_error(path, "empty picks file: no header line")
    return comments, rows


def _comment_diameter(path, comments, unit):
    """The ``# diameter:`` comment in the picks' depth unit, or NaN."""
    if "diameter" not in comments:
        return np.nan
    text, line = comments["diameter"]
    try:
        value, given = parse_length(text, "diameter", unit)
        return value * length_factor(given, unit) if unit else value
    except ValueError as exc:
        raise file_error(path, str(exc), line) from None


def _columns(path, line, names, wanted):
    missing = [c for c in wanted if c not in names]
    if missing:
        raise file_error(path, f"missing columns {missing}; the header has {names}", line)


def _check_ragged(path, rows, width):
    for number, row in rows:
        if len(row) != width:
            raise file_error(path, f"ragged row: {len(row)} fields where the header has {width}", number)


def _unit(path, line, text, column):
    if not text.strip():
        return None
    try:
        return canonical_unit(text)
    except ValueError:
        raise file_error(path, f"unknown length unit {text!r} for column {column!r}", line) from None


def _class_name(text: str) -> str:
    name = text.strip().lower()
    return "unknown" if name in ("", "none") else name


def _read_export(path, rows):
    (line, names), (_, units) = rows[0], rows[1]
    name_of = {
        "apparent_azimuth": next((n for n in names if n.endswith("_Azimuth")), "<image>_Azimuth"),
        "apparent_dip": next((n for n in names if n.endswith("_APP")), "<...>_APP"),
        "true_dip": next((n for n in names if n.endswith("_TRU")), "<...>_TRU"),
    }
    _columns(path, line, names, ["TDEP", name_of["apparent_azimuth"], name_of["apparent_dip"]])
    _check_ragged(path, rows[2:], len(names))
    col = {n: i for i, n in enumerate(names)}
    unit = _unit(path, rows[1][0], units[col["TDEP"]], "TDEP")
    get = lambda row_line, row, name: _float(path, row_line, name, row[col[name]]) if name in col else np.nan
    data = {
        k: []
        for k in (
            "depth",
            "apparent_dip",
            "apparent_azimuth",
            "true_dip",
            "true_azimuth",
            "score",
            "diameter",
            "inclination",
            "hole_azimuth",
        )
    }
    cls = []
    cali_unit = _unit(path, rows[1][0], units[col["AvgCali"]], "AvgCali") if "AvgCali" in col else None
    cali_factor = length_factor(cali_unit or "in", unit) if "AvgCali" in col and unit else np.nan
    for number, row in rows[2:]:
        data["depth"].append(get(number, row, "TDEP"))
        data["apparent_dip"].append(get(number, row, name_of["apparent_dip"]))
        data["apparent_azimuth"].append(get(number, row, name_of["apparent_azimuth"]))
        data["true_dip"].append(get(number, row, name_of["true_dip"]))
        data["true_azimuth"].append(get(number, row, "Azimuth"))
        data["score"].append(get(number, row, "Quality") if "Quality" in col else 1.0)
        data["diameter"].append(get(number, row, "AvgCali") * cali_factor)
        data["inclination"].append(get(number, row, "HDev"))
        data["hole_azimuth"].append(get(number, row, "HAzi"))
        cls.append(_class_name(row[col["Type"]]) if "Type" in col else "unknown")
    return PickTable(**data, cls=np.array(cls, object), depth_unit=unit)


def _read_own(path, rows, comments):
    unit = comments["depth_unit"][0] if "depth_unit" in comments else None
    if unit is not None:
        unit = _unit(path, comments["depth_unit"][1], unit, "depth_unit")
    diameter = _comment_diameter(path, comments, unit)
    line, names = rows[0]
    names = [n.strip() for n in names]
    _columns(path, line, names, REQUIRED_COLUMNS)
    _check_ragged(path, rows[1:], len(names))
    col = {n: i for i, n in enumerate(names)}
    numeric = (*PICK_COLUMNS[:6], "diameter")
    data = {c: [] for c in numeric}
    cls = []
    for number, row in rows[1:]:
        for c in numeric:
            default = {"score": 1.0, "diameter": diameter}.get(c, np.nan)
            value = _float(path, number, c, row[col[c]], default) if c in col else default
            if c in REQUIRED_COLUMNS and np.isnan(value):
                raise file_error(path, f"empty value in required column {c!r}", number)
            data[c].append(value)
        cls.append(_class_name(row[col["class"]]) if "class" in col else "unknown")
    try:
        return PickTable(**data, cls=np.array(cls, object), depth_unit=unit)
    except ValueError as exc:
        raise file_error(path, str(exc)) from None


@reader
def read_picks(path: PathLike, depth_unit: str | None = None) -> PickTable:
    """Read picks from nmskit's CSV layout or the interpretation-export layout (see module doc).

    Args:
        path: CSV file.
        depth_unit: unit of the depths when the file does not state it (it overrides nothing
            the file states unless the file is silent).

    Returns:
        :class:`PickTable`.

    Raises:
        ValueError naming the file, the line and the problem (missing columns, ragged rows,
        non-numeric values, unknown units, unknown classes).
    """
    comments, rows = _rows(path)
    is_export = "TDEP" in [n.strip() for n in rows[0][1]]
    try:
        table = _read_export(path, rows) if is_export else _read_own(path, rows, comments)
    except ValueError as exc:
        if os.fspath(path) in str(exc):
            raise
        raise file_error(path, str(exc)) from None
    if table.depth_unit is None and depth_unit is not None:
        table = replace(table, depth_unit=canonical_unit(depth_unit, "depth_unit"))
    return table


def write_picks(picks: PickTable, path: PathLike) -> None:
    """Write ``picks`` in nmskit's layout (NaN true angles as empty fields). The hole
    diameter goes into a ``# diameter:`` comment when every pick has the same one, else
    into a ``diameter`` column, so :func:`read_picks` gives it back."""
    fmt = lambda v: "" if np.isnan(v) else repr(float(v))
    known = picks.diameter[np.isfinite(picks.diameter)]
    constant = len(known) == len(picks) and len(known) and np.all(known == known[0])
    column = len(known) and not constant
    with atomic_write(path, "w", newline="") as f:
        if picks.depth_unit is not None:
            f.write(f"# depth_unit: {picks.depth_unit}\n")
        if constant:
            f.write(f"# diameter: {float(known[0])!r}{' ' + picks.depth_unit if picks.depth_unit else ''}\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(PICK_COLUMNS + (("diameter",) if column else ()))
        for i in range(len(picks)):
            writer.writerow(
                [
                    fmt(picks.depth[i]),
                    fmt(picks.apparent_dip[i]),
                    fmt(picks.apparent_azimuth[i]),
                    fmt(picks.true_dip[i]),
                    fmt(picks.true_azimuth[i]),
                    fmt(picks.score[i]),
                    picks.cls[i],
                ]
                + ([fmt(picks.diameter[i])] if column else [])
            )
