"""Image logs as long-format CSV with two header lines (names, then units), gzip or plain.

Layout (one row per pixel; the rows of one depth are consecutive, one per azimuth bin, in
order)::

    wellName,datasetName,TDEP,RES_BD_IMG
    ,,ft,ohm.m
    48/19a-C2,Ream Up 3_3B,13375,4.630422
    ...
"""

from __future__ import annotations

import gzip
import io
import os
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ..._arrays import PathLike
from ...geometry.units import LENGTH_UNITS, canonical_unit
from ..files import atomic_write, file_error, read_text, reader
from .image import BoreholeImage

if TYPE_CHECKING:
    from .deviation import DeviationSurvey

TEXT_COLUMNS = ("wellName", "datasetName")


def _header(path, lines):
    if len(lines) < 3:
        raise file_error(
            path,
            f"expected two header lines (names, units) and data rows, found {len(lines)} line(s)",
            len(lines) or None,
        )
    names = [n.strip() for n in lines[0].rstrip("\r\n").split(",")]
    units = [u.strip() for u in lines[1].rstrip("\r\n").split(",")]
    if len(units) != len(names):
        raise file_error(path, f"the units line has {len(units)} fields but the names line has {len(names)}", 2)
    return names, units


def _pick_columns(path, names, depth_column, value_column):
    if depth_column not in names:
        raise file_error(path, f"no depth column {depth_column!r} among {names}", 1)
    if value_column is None:
        rest = [n for n in names if n not in TEXT_COLUMNS and n != depth_column]
        if len(rest) != 1:
            raise file_error(path, f"cannot tell the image column among {rest}; pass value_column", 1)
        value_column = rest[0]
    elif value_column not in names:
        raise file_error(path, f"no image column {value_column!r} among {names}", 1)
    return names.index(depth_column), names.index(value_column)


def _parse_rows(path, lines, n_fields, depth_i, value_i):
    """Data lines -> (depth [N], value [N]); empty values become NaN."""
    depth = np.empty(len(lines) - 2)
    value = np.empty(len(lines) - 2)
    for k, line in enumerate(lines[2:]):
        fields = line.rstrip("\r\n").split(",")
        if len(fields) != n_fields:
            raise file_error(path, f"ragged row: {len(fields)} fields where the header has {n_fields}", k + 3)
        try:
            depth[k] = float(fields[depth_i])
            value[k] = float(fields[value_i]) if fields[value_i].strip() else np.nan
        except ValueError:
            bad = fields[depth_i] if not _is_number(fields[depth_i]) else fields[value_i]
            raise file_error(path, f"non-numeric value {bad!r}", k + 3) from None
    return depth, value


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@reader
def read_image_csv(
    path: PathLike,
    *,
    depth_column: str = "TDEP",
    value_column: str | None = None,
    diameter: float | ArrayLike | str = 8.5,
    diameter_unit: str = "in",
    deviation: DeviationSurvey | None = None,
    **image_fields: Any,
) -> BoreholeImage:
    """Read a long-format image CSV (see module doc), gzip-compressed or not.

    Depths must be non-decreasing row by row, and every depth must have the same number of
    azimuth rows W (the image width); column k lies at azimuth ``(k + 0.5) * 360 / W``.
    Empty values become NaN (invalid); sentinels stay as read for
    :func:`nmskit.borehole.mask_sentinels`.

    Args:
        path: file path.
        depth_column: name of the depth column.
        value_column: name of the image column (default: the only numeric column left).
        diameter, diameter_unit, deviation, image_fields: passed to :class:`BoreholeImage`
            (the CSV does not carry them).

    Returns:
        :class:`BoreholeImage` ``[H, W]``.

    Raises:
        ValueError naming the file, the line and the problem: ragged rows, non-numeric
        values, decreasing depths, depths with unequal azimuth counts, unknown depth units.
    """
    lines = [ln for ln in io.StringIO(read_text(path), newline="") if ln.strip()]
    names, units = _header(path, lines)
    depth_i, value_i = _pick_columns(path, names, depth_column, value_column)
    try:
        unit = canonical_unit(units[depth_i])
    except ValueError:
        raise file_error(
            path,
            f"unknown depth unit {units[depth_i]!r} for column {depth_column!r}; use one of {sorted(LENGTH_UNITS)}",
            2,
        ) from None
    depth, value = _parse_rows(path, lines, len(names), depth_i, value_i)
    step = np.diff(depth)
    if np.any(step < 0):
        k = int(np.argmax(step < 0)) + 1
        raise file_error(path, f"depths are not monotonic: {depth[k]:g} follows {depth[k - 1]:g}", k + 3)
    starts = np.concatenate([[0], np.flatnonzero(step > 0) + 1, [len(depth)]])
    counts = np.diff(starts)
    width = int(counts[0])
    if np.any(counts != width):
        j = int(np.argmax(counts != width))
        raise file_error(
            path,
            f"depth {depth[starts[j]]:g} has {counts[j]} azimuth rows, expected {width} like the first depth",
            int(starts[j]) + 3,
        )
    if "wellName" in names:
        image_fields.setdefault("well", lines[2].split(",")[names.index("wellName")].strip())
    image_fields.setdefault("value_unit", units[value_i])
    image_fields.setdefault("metadata", {"source": os.fspath(path), "column": names[value_i]})
    return BoreholeImage(
        values=value.reshape(-1, width),
        depths=depth[starts[:-1]],
        depth_unit=unit,
        diameter=diameter,
        diameter_unit=diameter_unit,
        deviation=deviation,
        **image_fields,
    )


def write_image_csv(
    image: BoreholeImage, path: PathLike, *, value_column: str = "IMG", sentinel: float = -9999.0
) -> None:
    """Write ``image`` in the long CSV layout (gzip when ``path`` ends in ``.gz``); invalid
    pixels are written as ``sentinel``."""
    h, w = image.shape
    vals = np.where(image.mask, image.values, sentinel).reshape(-1)
    depth = np.repeat(image.depths, w)
    with (
        atomic_write(path, "wb") as raw,
        gzip.open(raw, "wt", newline="") if os.fspath(path).endswith(".gz") else io.TextIOWrapper(raw, newline="") as f,
    ):
        f.write(f"wellName,datasetName,TDEP,{value_column}\n,,{image.depth_unit},{image.value_unit}\n")
        well = image.well.replace(",", " ")
        f.writelines(f"{well},,{z!r},{v!r}\n" for z, v in zip(depth.tolist(), vals.tolist()))
