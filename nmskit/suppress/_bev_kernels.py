"""numba kernel for soft circle NMS (greedy circle and rotated NMS are ``_greedy.py``'s).

It takes rows **sorted by group, and by rank within a group** (rank 0 = highest priority)
plus ``group_start [G + 1]`` offsets; groups (labels, task heads, samples) are decayed
independently. Within a group a uniform grid over the centres limits every selected box to
the boxes within its reach, so the cost grows with the neighbours, not N^2.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..geometry.grid import grid_build, grid_query
from ._kernels import SLACK, sift_down  # the indexed heap shared with 2-D soft NMS


@njit(cache=True)
def soft_circle_keep(x, y, scores, index, group_start, sigma, cutoff, score_threshold, max_per_group, soft_sigma):
    """Soft circle NMS: Gaussian decay on centre distance, with an indexed max-heap.

    Repeatedly select the group's row with the highest current score (ties: the lower
    original ``index``),
    then multiply each remaining row j within ``cutoff[g]`` of it by a weight of the
    centre similarity ``sim = exp(-d^2 / (2 sigma[g]^2))``: ``1 - sim`` when
    ``soft_sigma == 0``, else Soft-NMS's ``exp(-sim^2 / soft_sigma)``.

    Args:
        x, y, scores: ``[N]`` float64, grouped and rank-ordered (scores descending).
        index: ``[N]`` int64 original index of each row.
        sigma, cutoff: ``[G]`` float64 per group.
        soft_sigma: 0, or the Soft-NMS width (> 0).
        score_threshold: a row is selected only while its decayed score is >= this.

    Returns:
        ``(rows, decayed)``: selected rows (group by group, in selection order) and their
        scores at selection.
    """
    n = x.shape[0]
    rows = np.empty(n, np.int64)
    decayed = np.empty(n)
    out = 0
    for g in range(group_start.shape[0] - 1):
        s, e = group_start[g], group_start[g + 1]
        m = e - s
        if m == 0 or max_per_group <= 0:
            continue
        gx, gy = x[s:e], y[s:e]
        cut = cutoff[g]
        inv = 1.0 / (2.0 * sigma[g] * sigma[g])
        grid = grid_build(gx, gy, np.ones(m, np.bool_), cut)
        near = np.empty(m, np.int64)
        sc = scores[s:e].copy()
        rank = index[s:e]
        heap = np.arange(m)  # sorted rows already form a valid heap
        pos = np.arange(m)
        size = m
        taken = 0
        while size > 0 and taken < max_per_group:
            i = heap[0]
            if sc[i] < score_threshold:
                break
            rows[out] = s + i
            decayed[out] = sc[i]
            out += 1
            taken += 1
            size -= 1
            pos[i] = -1
            if size > 0:
                heap[0] = heap[size]
                pos[heap[0]] = 0
                sift_down(heap, pos, sc, rank, 0, size)
            w = cut * (1.0 + SLACK) + SLACK * (abs(gx[i]) + abs(gy[i])) + 1e-300
            for k in range(grid_query(grid, gx[i] - w, gx[i] + w, gy[i] - w, gy[i] + w, near)):
                j = near[k]
                if pos[j] < 0:
                    continue
                dx = gx[i] - gx[j]
                dy = gy[i] - gy[j]
                d2 = dx * dx + dy * dy
                if d2 > cut * cut:
                    continue
                sim = math.exp(-d2 * inv)
                sc[j] *= math.exp(-sim * sim / soft_sigma) if soft_sigma > 0.0 else 1.0 - sim
                sift_down(heap, pos, sc, rank, pos[j], size)
    return rows[:out], decayed[:out]
