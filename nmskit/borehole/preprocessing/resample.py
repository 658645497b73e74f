"""Resampling the azimuth axis (circularly, to any width) and the depth axis (to a step).

Both are linear interpolations. A resampled pixel is valid only if every source pixel
with a non-zero weight is valid.
"""

from __future__ import annotations

import numpy as np

from ..._checks import check_positive
from ...data.borehole.image import BoreholeImage, column_azimuths
from ...geometry.units import length_factor


def _blend(values, mask, i0, i1, t, axis):
    """Linear blend of slices ``i0`` and ``i1`` with weight ``t`` on ``i1``, along ``axis``."""
    shape = [1, 1]
    shape[axis] = -1
    tt = t.reshape(shape).astype(np.float32)
    a, b = np.take(values, i0, axis), np.take(values, i1, axis)
    ma, mb = np.take(mask, i0, axis), np.take(mask, i1, axis)
    out = a * (1 - tt) + b * tt
    valid = (ma | (tt >= 1)) & (mb | (tt <= 0))
    return out.astype(np.float32), valid


def resample_azimuth(image: BoreholeImage, width: int = 360) -> BoreholeImage:
    """Resample the columns to ``width`` evenly spaced azimuths ``(k + 0.5) * 360 / width``,
    interpolating linearly around the circle (column 0 neighbours column W-1).

    Downsampling by linear interpolation skips detail between the new columns; that is
    intended for the modest changes used here (56 <-> 360 columns).

    Args:
        image: ``[H, W]``.
        width: new number of columns (>= 3).

    Returns:
        :class:`BoreholeImage` ``[H, width]`` in the same azimuth frame.
    """
    if not isinstance(width, (int, np.integer)) or width < 3:
        raise ValueError(f"width must be an integer >= 3, got {width!r}")
    new_az = column_azimuths(int(width))
    w = image.shape[1]
    if w == width and np.allclose(image.azimuths, new_az):
        return image
    u = np.mod((new_az - image.azimuths[0]) / (360.0 / w), w)
    i0 = np.floor(u).astype(np.int64) % w
    t = u - np.floor(u)
    values, mask = _blend(image.values, image.mask, i0, (i0 + 1) % w, t, axis=1)
    return image.replace(values=values, mask=mask, azimuths=new_az)


def resample_depth(
    image: BoreholeImage, step: float, step_unit: str | None = None, max_gap: float | None = None
) -> BoreholeImage:
    """Resample the rows to a regular depth grid ``depths[0] + k * step``.

    Args:
        image: ``[H, W]`` with H >= 2.
        step: new depth step, in ``step_unit`` (default: the log's depth unit).
        max_gap: rows falling inside a source gap longer than this (depth units; default 3x
            the median source step) are marked invalid instead of bridged.

    Returns:
        :class:`BoreholeImage` ``[H', W]``; a per-row diameter is interpolated too.
    """
    dz = check_positive(step, "step") * length_factor(step_unit or image.depth_unit, image.depth_unit)
    z = image.depths
    if len(z) < 2:
        raise ValueError("resample_depth needs at least 2 rows")
    new_z = z[0] + dz * np.arange(int(np.floor((z[-1] - z[0]) / dz + 1e-9)) + 1)
    i0 = np.clip(np.searchsorted(z, new_z, side="right") - 1, 0, len(z) - 2)
    gap = z[i0 + 1] - z[i0]
    t = np.clip((new_z - z[i0]) / gap, 0.0, 1.0)
    values, mask = _blend(image.values, image.mask, i0, i0 + 1, t, axis=0)
    limit = 3 * image.step if max_gap is None else float(max_gap)
    mask &= (gap <= limit)[:, None]
    diameter = image.diameter if np.ndim(image.diameter) == 0 else np.interp(new_z, z, image.diameter)
    return image.replace(values=values, mask=mask, depths=new_z, diameter=diameter)
