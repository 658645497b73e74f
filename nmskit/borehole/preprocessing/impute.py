"""Filling invalid pixels: circular interpolation across azimuth within a row, then linear
interpolation along depth for rows with no valid pixel. The mask is kept unchanged so a
model can still tell measured from filled pixels."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...data.borehole.image import BoreholeImage

#: images at least this large use the multi-threaded kernels (thread start-up costs more
#: than it saves on a single patch)
PARALLEL_PIXELS = 1 << 22


def _fill_rows(values, mask, out, has_valid):
    """Per row, each invalid pixel gets the linear blend of the nearest valid pixels on
    either side, walking around the circle."""
    h, w = values.shape
    for i in prange(h):
        n_valid = 0
        for j in range(w):
            n_valid += mask[i, j]
        has_valid[i] = n_valid > 0
        if n_valid == 0:
            continue
        if n_valid == w:
            out[i] = values[i]
            continue
        first = 0
        while not mask[i, first]:
            first += 1
        a = first  # previous valid position, unwrapped
        out[i, first] = values[i, first]
        for k in range(first + 1, first + w + 1):
            col = k % w
            if not mask[i, col]:
                continue
            out[i, col] = values[i, col]
            va = values[i, a % w]
            vb = values[i, col]
            for m in range(a + 1, k):
                t = (m - a) / (k - a)
                out[i, m % w] = va * (1 - t) + vb * t
            a = k


_fill_rows_serial = njit(cache=True)(_fill_rows)
_fill_rows_parallel = njit(cache=True, parallel=True)(_fill_rows)


def impute(image: BoreholeImage) -> BoreholeImage:
    """Fill every invalid pixel; keep the mask.

    Within a row, gaps are interpolated linearly between the nearest valid pixels, around
    the circle (a gap across column 0 blends the last and first valid columns). Rows with
    no valid pixel are interpolated linearly in depth between the nearest rows that have
    one, or copied from the nearest such row beyond the ends.

    Args:
        image: ``[H, W]`` log with its mask (see :func:`mask_sentinels`).

    Returns:
        :class:`BoreholeImage` with filled ``values`` and the original ``mask``.

    Raises:
        ValueError if no pixel is valid (e.g. an all-sentinel interval).
    """
    if not image.mask.any():
        raise ValueError(
            f"image has no valid pixel in {image.depths[0]:g}-{image.depths[-1]:g} "
            f"{image.depth_unit} (all null or sentinel): nothing to impute from"
        )
    out = np.empty_like(image.values)
    has_valid = np.empty(image.shape[0], np.bool_)
    kernel = _fill_rows_parallel if image.values.size >= PARALLEL_PIXELS else _fill_rows_serial
    kernel(image.values, image.mask, out, has_valid)
    if not has_valid.all():
        rows = np.arange(len(has_valid))
        prev = np.maximum.accumulate(np.where(has_valid, rows, -1))
        nxt = np.minimum.accumulate(np.where(has_valid, rows, len(rows))[::-1])[::-1]
        missing = np.flatnonzero(~has_valid)
        p = prev[missing]
        n = nxt[missing]
        p_ok, n_ok = p >= 0, n < len(rows)
        p = np.where(p_ok, p, n)
        n = np.where(n_ok, n, p)
        z = image.depths
        span = z[n] - z[p]
        t = np.where(span > 0, (z[missing] - z[p]) / np.where(span > 0, span, 1.0), 0.0)
        out[missing] = (out[p] * (1 - t)[:, None] + out[n] * t[:, None]).astype(out.dtype)
    return image.derive(values=out)
