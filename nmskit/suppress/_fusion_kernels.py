"""numba kernels for the ensemble fusion methods (weighted boxes fusion and non-maximum
weighting).

Both take rows **sorted by group (label), and by rank within a group**, plus
``group_start [G + 1]``; a row only ever joins a cluster of its own group. Clusters are
created in rank order. Weighted scores are >= 0; a cluster whose members all weigh 0 keeps
its first box (where ensemble-boxes would divide by zero). Fused coordinates and confidences are rounded to float32 the way
ensemble-boxes stores them, so cluster assignments agree with it even at the threshold.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _iou(a, b):
    """IoU of xyxy rows ``a`` (a cluster) and ``b`` (a candidate), with ensemble-boxes'
    order of operations (so equal inputs give bitwise-equal IoUs)."""
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    inter = iw * ih
    if inter == 0.0:
        return 0.0
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area_a + area_b - inter)


@njit(cache=True)
def _best_cluster(anchor, c0, c1, box, t):
    """The first cluster in ``[c0, c1)`` whose anchor box has the highest IoU with ``box``,
    if that IoU is > t; else -1."""
    best = -1
    best_iou = t
    for c in range(c0, c1):
        o = _iou(anchor[c], box)
        if o > best_iou:
            best_iou = o
            best = c
    return best


@njit(cache=True)
def wbf_clusters(boxes, ws, wt, group_start, t, use_max):
    """Weighted boxes fusion (Solovyev et al. 2021) before the final confidence rescaling.

    A row joins the cluster whose current fused box overlaps it most, if that IoU is > t;
    otherwise it starts a cluster. A cluster's fused box is the ``ws``-weighted mean of its
    members' corners.

    Args:
        boxes: ``[R, 4]`` float64 xyxy; ws: ``[R]`` weighted scores (score * model weight);
            wt: ``[R]`` model weights; grouped and rank-ordered.
        use_max: the cluster confidence is the largest member ``ws`` instead of the mean.

    Returns:
        ``(fused [C, 4], conf [C], weight_sum [C], size [C], cluster [R])``: per cluster
        the fused box, its confidence, the sum of its members' model weights and its
        member count, and the cluster of each row. Clusters are numbered group by group.
    """
    n = boxes.shape[0]
    fused = np.empty((n, 4), np.float64)
    acc = np.zeros((n, 4), np.float32)
    conf = np.empty(n, np.float64)
    total = np.zeros(n, np.float64)
    top = np.empty(n, np.float64)
    wsum = np.zeros(n, np.float64)
    weight = np.empty(n, np.float64)
    size = np.zeros(n, np.int64)
    cluster = np.empty(n, np.int64)
    nc = 0
    for g in range(group_start.shape[0] - 1):
        c0 = nc
        for r in range(group_start[g], group_start[g + 1]):
            c = _best_cluster(fused, c0, nc, boxes[r], t)
            if c < 0:
                c = nc
                nc += 1
                fused[c] = boxes[r]
                conf[c] = ws[r]
                weight[c] = wt[r]
                top[c] = ws[r]
            cluster[r] = c
            for k in range(4):
                acc[c, k] = np.float32(np.float64(acc[c, k]) + ws[r] * boxes[r, k])
            total[c] += ws[r]
            wsum[c] += wt[r]
            top[c] = max(top[c], ws[r])
            size[c] += 1
            if size[c] > 1 and total[c] > 0.0:  # all-zero weights: the first box stays
                for k in range(4):
                    fused[c, k] = np.float64(np.float32(np.float64(acc[c, k]) / total[c]))
                mean = top[c] if use_max else total[c] / size[c]
                conf[c] = np.float64(np.float32(mean))
                weight[c] = np.float64(np.float32(wsum[c]))
    return fused[:nc], conf[:nc], weight[:nc], size[:nc], cluster


@njit(cache=True)
def nmw_clusters(boxes, ws, group_start, t):
    """Non-maximum weighting (Zhou et al. 2017).

    A row joins the cluster whose first (highest-ranked) box overlaps it most, if that IoU
    is > t; otherwise it starts a cluster. The fused box is the mean of the members'
    corners weighted by ``ws * IoU(member, first box)``; its confidence is the first box's.

    Args:
        boxes: ``[R, 4]`` float64 xyxy; ws: ``[R]`` weighted scores; grouped, rank-ordered.

    Returns:
        ``(fused [C, 4], conf [C], cluster [R])``: fused boxes and confidences, float32 as
        ensemble-boxes computes them, and the cluster of each row.
    """
    n = boxes.shape[0]
    head = np.empty(n, np.int64)
    anchor = np.empty((n, 4), np.float64)
    acc = np.zeros((n, 4), np.float32)
    total = np.zeros(n, np.float64)
    cluster = np.empty(n, np.int64)
    nc = 0
    for g in range(group_start.shape[0] - 1):
        c0 = nc
        for r in range(group_start[g], group_start[g + 1]):
            best = _best_cluster(anchor, c0, nc, boxes[r], t)
            if best < 0:
                best = nc
                head[nc] = r
                anchor[nc] = boxes[r]
                nc += 1
            cluster[r] = best
            w = ws[r] * _iou(boxes[r], boxes[head[best]])
            for k in range(4):
                acc[best, k] = np.float32(np.float64(acc[best, k]) + w * boxes[r, k])
            total[best] += w
    fused = np.empty((nc, 4), np.float32)
    conf = np.empty(nc, np.float32)
    for c in range(nc):
        for k in range(4):  # all-zero weights: the first box
            fused[c, k] = np.float32(np.float64(acc[c, k]) / total[c]) if total[c] > 0.0 else anchor[c, k]
        conf[c] = np.float32(ws[head[c]])
    return fused, conf, cluster
