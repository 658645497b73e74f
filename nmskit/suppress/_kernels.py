"""numba pieces for axis-aligned boxes: IoU and DIoU, the size-levelled grid index and
the query window that the greedy kernel (``_greedy.py``) and Soft-NMS use for them, the
indexed max-heap, and Soft-NMS.

Boxes are float64 ``[N, 4]`` xyxy **already in rank order** (row 0 has the highest
priority) and validated by the public functions. Each kept box is compared only with the
boxes whose centre falls in the grid cells that could hold a box it suppresses, in the
size levels that could hold one, so the cost grows with the number of neighbours of
similar size, not with N^2 nor with the spread of sizes.

Pruning rules for suppression at IoU threshold t (``>`` or ``>=``), with w, h the sizes:
IoU(i, j) >= t implies that the overlap width is >= t max(w_i, w_j) (likewise heights), so
w_j lies in [t w_i, w_i / t] and the centres are at most
``(w_i + w_j) / 2 - t max(w_i, w_j)`` apart along x. DIoU <= IoU, so the same holds for it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..geometry.grid import grid_levels, grid_query, level_grid

SLACK = 1e-9  # relative widening of query windows, so rounding never hides a neighbour


@njit(cache=True, inline="always")
def box_overlap(b, i, j, area, diou):
    """IoU of rows i and j of ``b [N, 4]`` (xyxy), given the areas ``[N]``; with ``diou``,
    minus the squared centre distance over the squared diagonal of the enclosing box
    (the arithmetic of ``geometry.boxes.overlap_matrix``)."""
    iw = max(min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0]), 0.0)
    ih = max(min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1]), 0.0)
    inter = iw * ih
    o = inter / (area[i] + area[j] - inter)
    if diou:
        dx = (b[i, 0] + b[i, 2]) - (b[j, 0] + b[j, 2])
        dy = (b[i, 1] + b[i, 3]) - (b[j, 1] + b[j, 3])
        cw = max(b[i, 2], b[j, 2]) - min(b[i, 0], b[j, 0])
        ch = max(b[i, 3], b[j, 3]) - min(b[i, 1], b[j, 1])
        o = o - (dx * dx + dy * dy) / (4 * (cw * cw + ch * ch))
    return o


@njit(cache=True)
def box_levels(b):
    """Areas, a validity mask (area > 0), and the size-levelled grid
    (:func:`nmskit.geometry.grid.grid_levels`) over the centres of valid boxes, with size
    ``max(w, h)``."""
    w = b[:, 2] - b[:, 0]
    h = b[:, 3] - b[:, 1]
    area = w * h
    valid = area > 0.0
    levels = grid_levels((b[:, 0] + b[:, 2]) * 0.5, (b[:, 1] + b[:, 3]) * 0.5, np.maximum(w, h), valid)
    return area, valid, levels


@njit(cache=True, inline="always")
def _reach(wi, cap, t):
    """Largest centre offset along one axis at which box i (extent ``wi``) can still reach
    overlap ``t * max(wi, wj)`` with a box of extent ``wj <= cap``."""
    near = min(cap, wi)
    return max((wi + near) * 0.5 - t * max(wi, near), (wi + cap) * 0.5 - t * max(wi, cap))


@njit(cache=True)
def box_window(b, i, t, lo, hi, everything):
    """Centre window ``(xlo, xhi, ylo, yhi)`` holding every box with size (``max(w, h)``)
    in ``[lo, hi]`` that box i may suppress at threshold t (t = 0: any overlap); an empty
    window (xlo > xhi) when no size in ``[lo, hi]`` qualifies."""
    if everything:
        return -math.inf, math.inf, -math.inf, math.inf
    w = b[i, 2] - b[i, 0]
    h = b[i, 3] - b[i, 1]
    if t > 0.0:
        size = max(w, h)
        if hi < size * t * (1.0 - SLACK) or lo > size / t * (1.0 + SLACK):
            return 1.0, 0.0, 1.0, 0.0
    rx = _reach(w, min(hi, w / t) if t > 0.0 else hi, t)
    ry = _reach(h, min(hi, h / t) if t > 0.0 else hi, t)
    cx = (b[i, 0] + b[i, 2]) * 0.5
    cy = (b[i, 1] + b[i, 3]) * 0.5
    rx += SLACK * (abs(cx) + w + hi) + 1e-300
    ry += SLACK * (abs(cy) + h + hi) + 1e-300
    return cx - rx, cx + rx, cy - ry, cy + ry


@njit(cache=True, inline="always")
def _before(s, hi, a, b):
    """Heap order: higher score first, lower ``hi`` (the original index) on ties."""
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
def soft_keep(b, scores, index, method, sigma, t, score_threshold, max_keep):
    """Soft-NMS (Bodla et al. 2017) with an indexed max-heap and grid neighbourhoods.

    Args:
        b: ``[N, 4]`` float64 xyxy in rank order; ``scores``: ``[N]`` float64, descending.
        index: ``[N]`` int64 original index of each row: equal current scores select the
            lower original index first.
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
    area, valid, (lo, hi, parts) = box_levels(b)
    near = np.empty(n, np.int64)
    s = scores.copy()
    rank = index
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
        for lv in range(lo.shape[0]):
            xlo, xhi, ylo, yhi = box_window(b, i, 0.0 if any_overlap else t, lo[lv], hi[lv], False)
            for k in range(grid_query(level_grid(parts, lv), xlo, xhi, ylo, yhi, near)):
                j = near[k]
                if pos[j] < 0:
                    continue
                o = box_overlap(b, i, j, area, False)
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
