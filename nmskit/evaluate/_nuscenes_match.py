"""The greedy centre-distance matching of the nuScenes detection protocol, as a numba kernel.

Predictions are visited in the protocol's order (by descending score, ties as the
official code breaks them). Each one takes the nearest ground-truth box of its own
(sample, class) group that no earlier prediction has taken, if the distance is strictly
below the threshold; among equally near boxes the earlier one in the group wins.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def match_greedy(group, pxy, gt_start, gxy, thresholds):
    """Match predictions to ground truth at several distance thresholds.

    Args:
        group: ``[P]`` int64 (sample, class) group of each prediction, in visiting order.
        pxy: ``[P, 2]`` float64 prediction centres (x, y).
        gt_start: ``[G + 1]`` offsets: group g owns ground-truth rows
            ``gt_start[g]:gt_start[g + 1]``, in the official within-sample order.
        gxy: ``[M, 2]`` float64 ground-truth centres.
        thresholds: ``[T]`` float64 match distances.

    Returns:
        ``(matched, dist)``: ``[T, P]`` int64 ground-truth row taken by each prediction
        (-1 for a false positive) and ``[T, P]`` float64 centre distance to it.
    """
    n_t = thresholds.shape[0]
    p = group.shape[0]
    matched = np.full((n_t, p), -1, np.int64)
    dist = np.full((n_t, p), np.nan)
    taken = np.zeros(gxy.shape[0], np.bool_)
    for t in range(n_t):
        taken[:] = False
        th = thresholds[t]
        for i in range(p):
            g = group[i]
            best = math.inf
            arg = -1
            for k in range(gt_start[g], gt_start[g + 1]):
                if taken[k]:
                    continue
                dx = pxy[i, 0] - gxy[k, 0]
                dy = pxy[i, 1] - gxy[k, 1]
                d = math.sqrt(dx * dx + dy * dy)
                if d < best:
                    best = d
                    arg = k
            if best < th:
                taken[arg] = True
                matched[t, i] = arg
                dist[t, i] = best
    return matched, dist
