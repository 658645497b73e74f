"""BEV radius neighbourhoods of detections, from the uniform-grid spatial index.

Cost and memory are linear in the number of detections times the neighbourhood size
(capped at ``max_neighbors``); no N x N matrix is formed. Positions arrive validated
(within +-1e7 m, see :func:`nmskit.learned.frames.pack`).
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

from ..geometry.grid import grid_build, grid_query


@njit(cache=True)
def _radius_edges(px, py, offsets, radius, max_neighbors):
    n = px.shape[0]
    max_neighbors = min(max_neighbors, n)
    nbr = np.empty((n, max_neighbors), np.int64)
    cnt = np.zeros(n, np.int64)
    buf = np.empty(n, np.int64)
    dist = np.empty(n, np.float64)
    r2 = radius * radius
    for f in range(offsets.shape[0] - 1):
        lo, hi = offsets[f], offsets[f + 1]
        if hi == lo:
            continue
        grid = grid_build(px[lo:hi], py[lo:hi], np.ones(hi - lo, np.bool_), radius)
        for i in range(lo, hi):
            m = grid_query(grid, px[i] - radius, px[i] + radius, py[i] - radius, py[i] + radius, buf)
            k = 0
            for q in range(m):
                j = buf[q] + lo
                d2 = (px[j] - px[i]) ** 2 + (py[j] - py[i]) ** 2
                if j != i and d2 <= r2:
                    buf[k] = j
                    dist[k] = d2
                    k += 1
            if k > max_neighbors:  # keep the nearest (ties: lower index)
                sel = np.argsort(dist[:k], kind="mergesort")[:max_neighbors]
                for q in range(max_neighbors):
                    nbr[i, q] = buf[sel[q]]
                k = max_neighbors
            else:
                for q in range(k):
                    nbr[i, q] = buf[q]
            cnt[i] = k
    total = cnt.sum()
    dst = np.empty(total, np.int64)
    src = np.empty(total, np.int64)
    e = 0
    for i in range(n):
        for q in range(cnt[i]):
            dst[e] = i
            src[e] = nbr[i, q]
            e += 1
    return dst, src


def radius_graph(x: torch.Tensor, y: torch.Tensor, offsets: np.ndarray, radius: float, max_neighbors: int):
    """Directed edges ``j -> i`` between detections of the same frame whose BEV centres lie
    within ``radius`` (self excluded), at most ``max_neighbors`` nearest per receiver.

    Args:
        x, y: ``[M]`` centres, rows grouped by frame.
        offsets: ``[B + 1]`` frame row offsets.

    Returns:
        ``(dst, src)``: ``[E]`` int64 tensors, receivers ``i`` ascending.
    """
    px = x.detach().double().cpu().numpy()
    py = y.detach().double().cpu().numpy()
    dst, src = _radius_edges(px, py, np.asarray(offsets, np.int64), float(radius), int(max_neighbors))
    return torch.from_numpy(dst).to(x.device), torch.from_numpy(src).to(x.device)
