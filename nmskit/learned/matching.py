"""Training targets: one-to-one assignment of detections to ground truth, BCE targets.

Metric-aware greedy matching (the default) mirrors how the nuScenes evaluation counts
true positives. In each frame:
1. per class, detections sorted by their current refined score (descending, ties by
   index) are matched, in turn for each threshold 0.5, 1, 2 and 4 m, to the nearest
   unmatched same-class ground truth whose BEV centre distance is < the threshold;
2. a class-agnostic stage then matches still-unmatched detections to the nearest
   unmatched ground truth of any class within 0.5, then 1 m (well-localised but
   misclassified detections).

Hungarian matching (scipy's ``linear_sum_assignment``) is the alternative: per frame and
class it minimises ``HUNGARIAN_DISTANCE_WEIGHT * distance_m + HUNGARIAN_SCORE_WEIGHT *
(1 - refined_score)`` over pairs closer than 4 m; pairs at >= 4 m are never matched.

Matched detections are positives (target 1), all others negatives (0).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numba import njit
from scipy.optimize import linear_sum_assignment

from .._arrays import Array

THRESHOLDS = (0.5, 1.0, 2.0, 4.0)
AGNOSTIC_THRESHOLDS = (0.5, 1.0)
HUNGARIAN_DISTANCE_WEIGHT = 1.0  # cost per metre of centre distance
HUNGARIAN_SCORE_WEIGHT = 2.0  # cost of a refined score of 0 instead of 1


@njit(cache=True)
def _greedy(dx, dy, dl, order, doff, gx, gy, gl, goff, thresholds, agnostic):
    target = np.zeros(dx.shape[0], np.float32)
    for f in range(doff.shape[0] - 1):
        taken = np.zeros(goff[f + 1] - goff[f], np.bool_)
        for stage in range(2):
            ths = thresholds if stage == 0 else agnostic
            for t in ths:
                for q in range(doff[f], doff[f + 1]):
                    i = order[q]
                    if target[i] > 0:
                        continue
                    best, bd = -1, t
                    for g in range(goff[f], goff[f + 1]):
                        if taken[g - goff[f]] or (stage == 0 and gl[g] != dl[i]):
                            continue
                        d = np.sqrt((gx[g] - dx[i]) ** 2 + (gy[g] - dy[i]) ** 2)
                        if d < bd:
                            best, bd = g, d
                    if best >= 0:
                        taken[best - goff[f]] = True
                        target[i] = 1.0
    return target


def _hungarian(det, score, doff, gt, goff):
    target = np.zeros(len(score), np.float32)
    for f in range(len(doff) - 1):
        d_rows, g_rows = np.arange(doff[f], doff[f + 1]), np.arange(goff[f], goff[f + 1])
        for c in np.intersect1d(det["label"][d_rows], gt["label"][g_rows]):
            di, gi = d_rows[det["label"][d_rows] == c], g_rows[gt["label"][g_rows] == c]
            dist = np.hypot(det["x"][di, None] - gt["x"][None, gi], det["y"][di, None] - gt["y"][None, gi])
            cost = HUNGARIAN_DISTANCE_WEIGHT * dist + HUNGARIAN_SCORE_WEIGHT * (1.0 - score[di, None])
            cost = np.where(dist < THRESHOLDS[-1], cost, 1e6)
            r, k = linear_sum_assignment(cost)
            target[di[r[dist[r, k] < THRESHOLDS[-1]]]] = 1.0
    return target


def match_targets(
    det: Mapping[str, Array],
    refined_score: Array,
    det_offsets: Array,
    gt: Mapping[str, Array],
    gt_offsets: Array,
    method: str = "metric",
) -> np.ndarray:
    """Assign detections to ground truth, frame by frame.

    Args:
        det: columns ``x, y, label`` ``[M]``, rows grouped by frame (``det_offsets`` ``[B+1]``).
        refined_score: ``[M]`` current refined scores (orders the greedy matching).
        gt: columns ``x, y, label`` ``[G]``, grouped by frame (``gt_offsets`` ``[B+1]``).
        method: ``"metric"`` (metric-aware greedy) or ``"hungarian"``.

    Returns:
        ``[M]`` float32 targets: 1 for matched detections, 0 otherwise.
    """
    det = {k: np.asarray(det[k], np.float64) for k in ("x", "y", "label")}
    gt = {k: np.asarray(gt[k], np.float64) for k in ("x", "y", "label")}
    score = np.asarray(refined_score, np.float64)
    doff, goff = np.asarray(det_offsets, np.int64), np.asarray(gt_offsets, np.int64)
    if method == "hungarian":
        return _hungarian(det, score, doff, gt, goff)
    if method != "metric":
        raise ValueError(f"method must be 'metric' or 'hungarian', got {method!r}")
    frame = np.repeat(np.arange(len(doff) - 1), np.diff(doff))
    order = np.lexsort((np.arange(len(score)), -score, frame))
    return _greedy(
        det["x"],
        det["y"],
        det["label"],
        order,
        doff,
        gt["x"],
        gt["y"],
        gt["label"],
        goff,
        np.array(THRESHOLDS),
        np.array(AGNOSTIC_THRESHOLDS),
    )
