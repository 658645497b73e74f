"""Greedy NMS over a given overlap matrix, for any geometry (masks, polygons, ...)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._arrays import ArrayOrTensor, like
from .._checks import as_float_array, check_count, check_finite, check_real, check_vector
from ._prepare import rank_order


@njit(cache=True)
def _overlaps_keep(overlaps, order, t, max_keep):
    """Visit rows in ``order``; keep row j unless ``overlaps[j, i] > t`` for a kept i.
    Returns the kept rows in visiting order."""
    kept = np.empty(order.shape[0], np.int64)
    k = 0
    for j in order:
        if k >= max_keep:
            break
        free = True
        for m in range(k):
            if overlaps[j, kept[m]] > t:
                free = False
                break
        if free:
            kept[k] = j
            k += 1
    return kept[:k]


def nms_overlaps(
    overlaps: ArrayOrTensor,
    scores: ArrayOrTensor,
    overlap_threshold: float = 0.5,
    *,
    score_threshold: float | None = None,
    max_output: int | None = None,
) -> ArrayOrTensor:
    """Greedy NMS on a precomputed ``[N, N]`` overlap matrix.

    Boxes with score > ``score_threshold`` are visited by descending score (equal scores:
    lower index first); box j is suppressed when ``overlaps[j, i] > overlap_threshold``
    for an already kept box i. The matrix need not be symmetric, nor hold IoUs: any
    similarity works (mask IoU, polygon IoU, intersection over the smaller area, ...).

    Compatibility: ``tf.image.non_max_suppression_overlaps`` (same row/column convention,
    strict ``>``, score filter ``>``), with ``max_output`` as its ``max_output_size``.

    Args:
        overlaps: ``[N, N]`` real and finite.
        scores: ``[N]`` finite.
        overlap_threshold: a real number.
        score_threshold: only boxes with a higher score take part (None: all).
        max_output: keep at most this many (None: no limit).

    Returns:
        int64 indices ``[K]`` of kept boxes by descending score; a tensor (on the input's
        device) for tensor input.
    """
    ov = as_float_array(overlaps, "overlaps")
    if ov.ndim != 2 or ov.shape[0] != ov.shape[1]:
        raise ValueError(f"overlaps must be a square matrix [N, N], got shape {ov.shape}")
    check_finite(ov, "overlaps")
    s = as_float_array(scores, "scores")
    if s.shape != (len(ov),):
        raise ValueError(f"scores must have shape [{len(ov)}] to match overlaps, got {s.shape}")
    s = check_vector(s, "scores")
    t = check_real(overlap_threshold, "overlap_threshold")
    cap = check_count(max_output, "max_output")
    order = rank_order(s)
    if score_threshold is not None:
        order = order[s[order] > check_real(score_threshold, "score_threshold", allow_inf=True)]
    kept = _overlaps_keep(np.ascontiguousarray(ov), order, t, len(ov) if cap is None else cap)
    return like(kept, overlaps)
