"""Static and dynamic normalisation of image values to [0, 1].

Static: one linear stretch between two percentiles of the whole log. Dynamic: rank
(histogram) equalisation in a sliding depth window, so every depth uses its own contrast;
this is what borehole-image interpreters look at, and what the detector is trained on.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..._checks import check_positive
from ...data.borehole.image import BoreholeImage
from ...geometry.units import length_factor
from .impute import PARALLEL_PIXELS


def _transformed(values: np.ndarray, log: bool) -> np.ndarray:
    return np.log(np.maximum(values, np.finfo(np.float32).tiny)) if log else values


def _valid_sample(image: BoreholeImage, log: bool, size: int = 1 << 20) -> np.ndarray:
    """Up to ``size`` valid values on a regular stride (deterministic)."""
    flat_mask = image.mask.reshape(-1)
    idx = np.flatnonzero(flat_mask[:: max(1, flat_mask.size // size)]) * max(1, flat_mask.size // size)
    if len(idx) == 0:
        raise ValueError("image has no valid pixel: cannot normalise (all null or sentinel)")
    return _transformed(image.values.reshape(-1)[idx].astype(np.float64), log)


def normalize_static(image: BoreholeImage, low: float = 1.0, high: float = 99.0, log: bool = False) -> BoreholeImage:
    """Linear stretch of the whole log: the ``low`` and ``high`` percentiles of the valid
    values map to 0 and 1, values beyond are clipped.

    Args:
        image: ``[H, W]`` (impute first if invalid pixels must get a value).
        low, high: percentiles in [0, 100], ``low < high``.
        log: stretch ``log(value)`` instead (resistivity-like values).

    Returns:
        :class:`BoreholeImage` with float32 values in [0, 1], same mask.
    """
    if not 0 <= low < high <= 100:
        raise ValueError(f"need 0 <= low < high <= 100, got low={low}, high={high}")
    lo, hi = np.percentile(_valid_sample(image, log), [low, high])
    span = hi - lo if hi > lo else 1.0
    out = np.clip((_transformed(image.values, log) - lo) / span, 0.0, 1.0).astype(np.float32)
    return image.derive(values=out)


def _sliding_rank(values, mask, lo, scale, bins, half, chunk, out):
    """Rank of each pixel among the valid pixels of rows [i - half, i + half], from a
    sliding histogram of ``bins`` bins (linear inside a bin); chunks of rows in parallel,
    each with the bin of every pixel it touches computed once."""
    h, w = values.shape
    top = bins - 1e-6
    for c in prange((h + chunk - 1) // chunk):
        r0 = c * chunk
        r1 = min(h, r0 + chunk)
        a = max(0, r0 - half)
        b = min(h, r1 + half)
        pos = np.empty((b - a, w), np.float64)  # position on the bin axis, in [0, bins)
        for r in range(a, b):
            for j in range(w):
                pos[r - a, j] = min(top, max(0.0, (values[r, j] - lo) * scale))
        hist = np.zeros(bins, np.int64)
        below = np.zeros(bins + 1, np.int64)
        for r in range(a, min(h, r0 + half + 1)):
            for j in range(w):
                if mask[r, j]:
                    hist[int(pos[r - a, j])] += 1
        for i in range(r0, r1):
            if i > r0:
                add, drop = i + half, i - half - 1
                if add < h:
                    for j in range(w):
                        if mask[add, j]:
                            hist[int(pos[add - a, j])] += 1
                if drop >= 0:
                    for j in range(w):
                        if mask[drop, j]:
                            hist[int(pos[drop - a, j])] -= 1
            for k in range(bins):
                below[k + 1] = below[k] + hist[k]
            total = below[bins]
            for j in range(w):
                if total == 0:
                    out[i, j] = 0.5
                    continue
                x = pos[i - a, j]
                k = int(x)
                out[i, j] = (below[k] + (x - k) * hist[k]) / total


_sliding_rank_serial = njit(cache=True)(_sliding_rank)
_sliding_rank_parallel = njit(cache=True, parallel=True)(_sliding_rank)


def normalize_dynamic(
    image: BoreholeImage, window: float = 2.0, window_unit: str = "ft", bins: int = 512, log: bool = False
) -> BoreholeImage:
    """Rank equalisation in a sliding depth window.

    Each pixel becomes the fraction of valid pixels in the window of rows centred on its
    row (``window`` long) whose value is below its own, read from a histogram of ``bins``
    equal bins between the 0.1 and 99.9 percentiles of the log (linear within a bin, so
    the map is continuous and monotone). Only valid pixels enter the statistics; every
    pixel, imputed ones included, gets a value. Cost O(H W + H bins), one pass.

    Args:
        image: ``[H, W]``.
        window: window length (default 2 ft), in ``window_unit``.
        bins: histogram resolution.
        log: equalise ``log(value)`` (only changes how bins are spread).

    Returns:
        :class:`BoreholeImage` with float32 values in [0, 1], same mask.
    """
    length = check_positive(window, "window") * length_factor(window_unit, image.depth_unit)
    if not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    lo, hi = np.percentile(_valid_sample(image, log), [0.1, 99.9])
    step = image.step if image.step > 0 else length
    half = max(0, int(round(length / step / 2)))
    out = np.empty(image.shape, np.float32)
    vals = np.ascontiguousarray(_transformed(image.values, log), dtype=np.float32)
    kernel = _sliding_rank_parallel if vals.size >= PARALLEL_PIXELS else _sliding_rank_serial
    kernel(
        vals,
        image.mask,
        float(lo),
        float(bins / (hi - lo) if hi > lo else 0.0),
        int(bins),
        half,
        max(4096, 8 * half),
        out,
    )
    return image.derive(values=out)
