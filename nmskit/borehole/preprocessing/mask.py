"""Sentinel and null values -> the validity mask."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from ...data.borehole.image import BoreholeImage
from .impute import PARALLEL_PIXELS

#: the usual absent-value markers of image logs (LAS and DLIS null, exported -9999)
DEFAULT_SENTINELS = (-9999.0, -999.25)


def mask_sentinels(
    image: BoreholeImage, sentinels: Sequence[float] = DEFAULT_SENTINELS, valid_range: tuple[float, float] | None = None
) -> BoreholeImage:
    """Mark NaN, +-inf, sentinel values and (optionally) out-of-range values as invalid.

    Args:
        image: the log; its existing mask is kept (pixels only ever become invalid).
        sentinels: values that mean "absent", compared exactly at the image's float32
            precision (default ``-9999`` and ``-999.25``; pass more, e.g. ``(-9999, 0)``).
        valid_range: optional ``(low, high)``; values outside are invalid too.

    Returns:
        A :class:`BoreholeImage` with the same values and the updated ``mask [H, W]``.
    """
    lo, hi = (-np.inf, np.inf) if valid_range is None else (float(valid_range[0]), float(valid_range[1]))
    marks = np.asarray(sentinels, np.float32).reshape(-1)
    mask = np.empty(image.shape, np.bool_)
    kernel = _valid_parallel if image.values.size >= PARALLEL_PIXELS else _valid_serial
    kernel(image.values, image.mask, marks, lo, hi, mask)
    return image.derive(mask=mask)


def _valid(values, mask, marks, lo, hi, out):
    """One pass: valid = old mask, finite, no sentinel, inside [lo, hi]."""
    h, w = values.shape
    for i in prange(h):
        for j in range(w):
            v = values[i, j]
            ok = mask[i, j] and np.isfinite(v) and lo <= v <= hi
            for s in marks:
                ok = ok and v != s
            out[i, j] = ok


_valid_serial = njit(cache=True)(_valid)
_valid_parallel = njit(cache=True, parallel=True)(_valid)
