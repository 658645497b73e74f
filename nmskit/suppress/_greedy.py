"""The greedy suppression kernel: one loop, parametrised by the geometry.

Rows arrive **sorted by group, and by rank within a group** (rank 0 = highest priority),
with ``group_start [G + 1]`` offsets; groups (labels, classes, task heads) are suppressed
independently. Inside a group the loop is greedy NMS: rows are visited by rank, and a row
not yet suppressed is kept and suppresses every later row of its group that it overlaps.
Uniform grids over one reference point per row, one grid per size level
(:func:`nmskit.geometry.grid.grid_levels`), limit each kept row to the rows within its
reach, so the cost grows with the neighbours, not with N^2. The grids work in halved
coordinates, so any finite extent (even +-1.8e308) is indexed without overflow.

A geometry is three numba functions, which :func:`greedy_keep` takes as arguments:

- ``index(g, t, flag) -> (state, active, levels)``: per-group precomputation for the rows
  ``g`` at threshold ``t``; ``active [n]`` says which rows can suppress at all;
  ``levels`` is the result of ``grid_levels``;
- ``window(g, state, i, lo, hi) -> (xlo, xhi, ylo, yhi)``: the grid-point rectangle holding
  every row with a size in ``[lo, hi]`` (one level) that row i may suppress; empty
  (``xlo > xhi``) to skip the level;
- ``suppresses(g, state, i, j) -> bool``.

Each geometry has its own entry point (:func:`box_keep`, :func:`circle_keep`,
:func:`rotated_keep`), compiled and cached with its functions built in.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..geometry.bev import pair_iou
from ..geometry.grid import grid_levels, grid_query, level_grid
from ._kernels import SLACK, box_levels, box_overlap, box_window


@njit(cache=True, inline="always")
def greedy_keep(g, group_start, t, flag, max_per_group, index, window, suppresses):
    """Greedy suppression within each group.

    Args:
        g: ``[N, D]`` float64 rows of the geometry, grouped and rank-ordered.
        group_start: ``[G + 1]`` int64 row offsets of the groups.
        t: ``[G]`` float64 threshold of each group.
        flag: a geometry option (``inclusive`` for boxes, ``squared`` for circles).
        max_per_group: stop a group after this many kept rows.
        index, window, suppresses: the geometry (module docstring).

    Returns:
        ``[N]`` bool mask of kept rows.
    """
    keep = np.zeros(g.shape[0], np.bool_)
    if max_per_group <= 0:
        return keep
    for grp in range(group_start.shape[0] - 1):
        s, e = group_start[grp], group_start[grp + 1]
        if e == s:
            continue
        rows = g[s:e]
        state, active, (lo, hi, parts) = index(rows, t[grp], flag)
        near = np.empty(e - s, np.int64)
        suppressed = np.zeros(e - s, np.bool_)
        kept = 0
        for i in range(e - s):
            if suppressed[i]:
                continue
            keep[s + i] = True
            kept += 1
            if kept >= max_per_group:
                break
            if not active[i]:
                continue
            for lv in range(lo.shape[0]):
                xlo, xhi, ylo, yhi = window(rows, state, i, lo[lv], hi[lv])
                if xlo > xhi:
                    continue
                for k in range(grid_query(level_grid(parts, lv), xlo, xhi, ylo, yhi, near)):
                    j = near[k]
                    if j > i and not suppressed[j] and suppresses(rows, state, i, j):
                        suppressed[j] = True
    return keep


# Axis-aligned boxes [n, 4] xyxy: IoU (or DIoU) > t (>= t when inclusive); grid points are
# the centres, levelled by size. Zero-area boxes never suppress and are never suppressed.
# The flag packs inclusive (bit 0) and DIoU (bit 1).
@njit(cache=True)
def _box_index(b, t, flag):
    inclusive = flag & 1 != 0
    area, valid, levels = box_levels(b)
    if (not inclusive) and t >= 1.0:
        valid[:] = False  # IoU > 1 never holds
    return (area, t, inclusive, flag & 2 != 0), valid, levels


@njit(cache=True, inline="always")
def _box_window(b, state, i, lo, hi):
    _, t, inclusive, _ = state
    return box_window(b, i, t, lo, hi, inclusive and t <= 0.0)


@njit(cache=True, inline="always")
def _box_suppresses(b, state, i, j):
    area, t, inclusive, diou = state
    o = box_overlap(b, i, j, area, diou)
    return o > t or (inclusive and o >= t)


@njit(cache=True)
def box_keep(b, group_start, t, inclusive, diou, max_per_group):
    """Greedy NMS of axis-aligned boxes ``b [N, 4]`` (xyxy) on IoU, or DIoU with ``diou``;
    other arguments as in :func:`greedy_keep`."""
    return greedy_keep(
        b, group_start, t, int(inclusive) | (2 * int(diou)), max_per_group, _box_index, _box_window, _box_suppresses
    )


# Centres [n, 2]: distance <= r (squared distance <= r when squared).
@njit(cache=True)
def _circle_index(c, r, squared):
    reach = math.sqrt(r) if squared else r
    everyone = np.ones(c.shape[0], np.bool_)
    return (reach, r, squared), everyone, grid_levels(c[:, 0], c[:, 1], np.full(c.shape[0], reach), everyone)


@njit(cache=True, inline="always")
def _circle_window(c, state, i, lo, hi):
    w = state[0] * (1.0 + SLACK) + SLACK * (abs(c[i, 0]) + abs(c[i, 1])) + 1e-300
    return c[i, 0] - w, c[i, 0] + w, c[i, 1] - w, c[i, 1] + w


@njit(cache=True, inline="always")
def _circle_suppresses(c, state, i, j):
    _, r, squared = state
    dx = c[i, 0] - c[j, 0]
    dy = c[i, 1] - c[j, 1]
    d2 = dx * dx + dy * dy
    return d2 <= r if squared else math.sqrt(d2) <= r


@njit(cache=True)
def circle_keep(c, group_start, radius, squared, max_per_group):
    """Greedy circle NMS of centres ``c [N, 2]``; ``radius [G]`` per group."""
    return greedy_keep(
        c, group_start, radius, squared, max_per_group, _circle_index, _circle_window, _circle_suppresses
    )


# Rotated BEV boxes [n, 5] (cx, cy, w, l, yaw): IoU > t; grid points are the centres.
# Zero-area boxes never suppress and are never suppressed.
@njit(cache=True)
def _rotated_index(b, t, _):
    area = b[:, 2] * b[:, 3]
    rad = 0.5 * np.sqrt(b[:, 2] ** 2 + b[:, 3] ** 2)
    valid = area > 0.0
    levels = grid_levels(b[:, 0], b[:, 1], np.full(b.shape[0], 2.0 * np.median(rad)), valid)
    scratch = (np.empty(16), np.empty(16), np.empty(16), np.empty(16))  # polygon buffers
    state = (area, rad, rad.max(), np.cos(b[:, 4]), np.sin(b[:, 4]), t, scratch)
    return state, valid & (t < 1.0), levels


@njit(cache=True, inline="always")
def _rotated_window(b, state, i, lo, hi):
    w = (state[1][i] + state[2]) * (1.0 + SLACK) + 1e-300
    return b[i, 0] - w, b[i, 0] + w, b[i, 1] - w, b[i, 1] + w


@njit(cache=True, inline="always")
def _rotated_suppresses(b, state, i, j):
    area, _, _, cos, sin, t, (bx, by, cx, cy) = state
    if min(area[i], area[j]) <= t * max(area[i], area[j]):
        return False  # IoU <= smaller / larger area <= t
    return pair_iou(b, i, b, j, cos, sin, cos, sin, bx, by, cx, cy) > t


@njit(cache=True)
def rotated_keep(b, group_start, t, max_per_group):
    """Greedy NMS of rotated BEV boxes ``b [N, 5]``; ``t [G]`` per group."""
    return greedy_keep(b, group_start, t, False, max_per_group, _rotated_index, _rotated_window, _rotated_suppresses)
