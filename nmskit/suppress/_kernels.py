"""numba pieces for axis-aligned boxes: IoU, the grid index and query window that the
greedy kernel (``_greedy.py``) uses for them, the indexed max-heap, and Soft-NMS.

Boxes are float64 ``[N, 4]`` xyxy **already in rank order** (row 0 has the highest
priority) and validated by the public functions. Each kept box is compared only with the
boxes whose top-left corner falls in the grid cells that could overlap it, so the cost
grows with the number of neighbours, not with N^2.

Pruning rule for hard suppression at IoU threshold t > 0: IoU(i, j) > t implies
w_j < w_i / t and h_j < h_i / t, so box j's corner lies within w_i / t (h_i / t) of box i's.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..geometry.grid import grid_build, grid_query

SLACK = 1e-9  # relative widening of query windows, so rounding never hides a neighbour


@njit(cache=True, inline="always")
def box_iou(b, i, j, area):
    """IoU of rows i and j of ``b [N, 4]`` (xyxy), given the areas ``[N]``."""
    iw = min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0])
    if iw <= 0.0:
        return 0.0
    ih = min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1])
    if ih <= 0.0:
        return 0.0
    inter = iw * ih
    return inter / (area[i] + area[j] - inter)


@njit(cache=True)
def box_index(b):
    """Areas, a validity mask (area > 0), the largest valid width and height, and a grid
    over the top-left corners of valid boxes with a cell of about the median box size."""
    n = b.shape[0]
    w = b[:, 2] - b[:, 0]
    h = b[:, 3] - b[:, 1]
    area = w * h
    valid = area > 0.0
    max_w = 0.0
    max_h = 0.0
    nvalid = 0
    for i in range(n):
        if valid[i]:
            nvalid += 1
            max_w = max(max_w, w[i])
            max_h = max(max_h, h[i])
    cell = 0.0
    if nvalid > 0:
        cell = max(np.median(w[valid]), np.median(h[valid]))
    grid = grid_build(b[:, 0], b[:, 1], valid, cell)
    return area, valid, max_w, max_h, grid


@njit(cache=True)
def box_window(b, i, t, max_w, max_h, everything):
    """Corner-coordinate window ``(xlo, xhi, ylo, yhi)`` holding every box that box i may
    suppress at threshold t (t = 0: any overlap)."""
    if everything:
        return -math.inf, math.inf, -math.inf, math.inf
    w = b[i, 2] - b[i, 0]
    h = b[i, 3] - b[i, 1]
    rx = min(w / t, max_w) if t > 0.0 else max_w
    ry = min(h / t, max_h) if t > 0.0 else max_h
    sx = SLACK * (abs(b[i, 0]) + abs(b[i, 2]) + rx) + 1e-300
    sy = SLACK * (abs(b[i, 1]) + abs(b[i, 3]) + ry) + 1e-300
    return b[i, 0] - rx - sx, b[i, 2] + sx, b[i, 1] - ry - sy, b[i, 3] + sy


@njit(cache=True, inline="always")
def _before(s, hi, a, b):
    """Heap order: higher score first, lower original index on ties."""
    return s[a] > s[b] or (s[a] == s[b] and hi[a] < hi[b])


@njit(cache=True)
def sift_down(heap, pos, s, hi, k, size):
    while True:
        left = 2 * k + 1
        best = k
        if left < size and _before(s, hi, heap[left], heap[best]):
            best = left
        if left + 1 < size and _before(s, hi, heap[left + 1], heap[best]):
            best = left + 1
        if best == k:
            return
        heap[k], heap[best] = heap[best], heap[k]
        pos[heap[k]] = k
        pos[heap[best]] = best
        k = best


@njit(cache=True)
def soft_keep(b, scores, method, sigma, t, score_threshold, max_keep):
    """Soft-NMS (Bodla et al. 2017) with an indexed max-heap and grid neighbourhoods.

    Args:
        b: ``[N, 4]`` float64 xyxy in rank order; ``scores``: ``[N]`` float64, descending.
        method: 0 hard (drop if IoU > t), 1 linear (``s *= 1 - IoU`` if IoU > t),
            2 gaussian (``s *= exp(-IoU^2 / sigma)``).
        score_threshold: a box is selected only while its decayed score is >= this.

    Returns:
        ``(order, decayed)``: selected row indices in selection order and their scores.
    """
    n = b.shape[0]
    order = np.empty(n, np.int64)
    decayed = np.empty(n, np.float64)
    if n == 0 or max_keep <= 0:
        return order[:0], decayed[:0]
    area, valid, max_w, max_h, grid = box_index(b)
    near = np.empty(n, np.int64)
    s = scores.copy()
    rank = np.arange(n)
    heap = np.arange(n)  # rows arrive sorted, which is already a valid heap
    pos = np.arange(n)
    size = n
    any_overlap = method == 2 or t <= 0.0
    out = 0
    while size > 0 and out < max_keep:
        i = heap[0]
        if s[i] < score_threshold:
            break
        order[out] = i
        decayed[out] = s[i]
        out += 1
        size -= 1
        pos[i] = -1
        if size > 0:
            heap[0] = heap[size]
            pos[heap[0]] = 0
            sift_down(heap, pos, s, rank, 0, size)
        if not valid[i]:
            continue
        xlo, xhi, ylo, yhi = box_window(b, i, 0.0 if any_overlap else t, max_w, max_h, False)
        for k in range(grid_query(grid, xlo, xhi, ylo, yhi, near)):
            j = near[k]
            if pos[j] < 0:
                continue
            o = box_iou(b, i, j, area)
            if o <= 0.0:
                continue
            if method == 2:
                s[j] *= math.exp(-(o * o) / sigma)
            elif o > t:
                if method == 1:
                    s[j] *= 1.0 - o
                else:
                    s[j] = -math.inf
            else:
                continue
            sift_down(heap, pos, s, rank, pos[j], size)
    return order[:out], decayed[:out]
