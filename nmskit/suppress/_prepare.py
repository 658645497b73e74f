"""Shared boundary work of the 2-D suppression functions: validation, score filtering and
the rank order (descending score, lower index first on ties)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .._checks import check_count, check_flag, check_real, check_unit, check_vector
from ..geometry.boxes import prepare_boxes


@njit(cache=True)
def _sort_tie_runs(order, v):
    """Sort ``order`` in place inside each run of equal values of ``v`` (``v`` sorted)."""
    n = v.shape[0]
    i = 0
    while i < n:
        j = i + 1
        while j < n and v[j] == v[i]:
            j += 1
        if j - i > 1:
            order[i:j] = np.sort(order[i:j])
        i = j


def rank_order(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score; equal scores keep the lower index first.

    A plain (fast, unstable) argsort, then each run of equal scores is put in index
    order in one linear pass (sorting only inside the runs).
    """
    order = np.argsort(-scores)
    _sort_tie_runs(order, scores[order])
    return order


def prepare(boxes, scores, iou_threshold, box_format, score_threshold, max_output, canonicalize):
    """Validate the common arguments.

    Returns:
        ``(b, s, candidates, t, max_output)``: float64 xyxy boxes ``[N, 4]``, float64
        scores ``[N]``, the indices that pass ``score > score_threshold`` in rank order,
        the IoU threshold and the output cap (N when None).
    """
    b = prepare_boxes(boxes, "boxes", box_format, check_flag(canonicalize, "canonicalize"))
    s = check_vector(scores, "scores", len(b), like="boxes")
    t = check_unit(iou_threshold, "iou_threshold")
    cap = check_count(max_output, "max_output")
    order = rank_order(s)
    if score_threshold is not None:
        thr = check_real(score_threshold, "score_threshold", allow_inf=True)
        order = order[s[order] > thr]
    return b, s, order, t, len(b) if cap is None else cap
