"""A uniform-grid spatial index over 2-D points, in CSR form, for neighbourhood queries in
numba kernels. Cost: O(N) to build; a rectangle query visits only the cells it covers.

Coordinates are halved before bucketing, so that the extent of any finite point set, even
one spanning -1.8e308 to 1.8e308, is a finite number.

Layout returned by :func:`grid_build` (all arrays int64 except the floats):
    x0, y0   grid origin (half the minimum point coordinates)
    cell     cell side length, in halved coordinates
    nx, ny   number of columns and rows
    start    ``[nx*ny + 1]`` offsets into ``items``
    items    ``[n_active]`` point indices, cell by cell, ascending within a cell

:func:`grid_levels` builds one such grid per size level of the points (for objects of
very different sizes) and :func:`level_grid` reads one level back as a grid.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def grid_build(px, py, active, cell):
    """Bucket the active points ``(px[i], py[i])`` into square cells of side ``cell``.

    The cell is enlarged (doubled) until the grid has at most ``4 n + 16`` cells, so memory
    stays linear in n whatever the coordinate range. ``cell <= 0`` (e.g. a radius of 0)
    picks a side giving about n cells over the points' extent.
    """
    n = px.shape[0]
    x0 = math.inf
    y0 = math.inf
    x1 = -math.inf
    y1 = -math.inf
    count = 0
    for i in range(n):
        if active[i]:
            count += 1
            x0 = min(x0, px[i])
            y0 = min(y0, py[i])
            x1 = max(x1, px[i])
            y1 = max(y1, py[i])
    if count == 0:
        return 0.0, 0.0, 1.0, 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int64)
    x0 *= 0.5
    y0 *= 0.5
    ex = 0.5 * x1 - x0  # extents in halved coordinates: finite
    ey = 0.5 * y1 - y0
    cell *= 0.5
    if not cell > 0:
        cell = max(ex, ey) / math.sqrt(count)
        if not cell > 0:  # every point at one place
            cell = 1.0
    limit = 4.0 * count + 16.0
    while (ex / cell + 1.0) * (ey / cell + 1.0) > limit:
        cell *= 2.0
    nx = int(ex / cell) + 1
    ny = int(ey / cell) + 1
    start = np.zeros(nx * ny + 1, np.int64)
    cell_of = np.empty(n, np.int64)
    for i in range(n):
        if active[i]:
            cx = min(int((0.5 * px[i] - x0) / cell), nx - 1)
            cy = min(int((0.5 * py[i] - y0) / cell), ny - 1)
            c = cy * nx + cx
            cell_of[i] = c
            start[c + 1] += 1
    for c in range(nx * ny):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    items = np.empty(count, np.int64)
    for i in range(n):
        if active[i]:
            c = cell_of[i]
            items[fill[c]] = i
            fill[c] += 1
    return x0, y0, cell, nx, ny, start, items


@njit(cache=True, inline="always")
def grid_span(lo, hi, origin, cell, size):
    """Inclusive range ``(first, last)`` of cell indices along one axis covering [lo, hi]
    (full coordinates; ``origin`` and ``cell`` halved as built); ``first > last`` when the
    interval misses the grid."""
    a = (0.5 * lo - origin) / cell
    b = (0.5 * hi - origin) / cell
    if not (a <= b) or b < 0.0 or a >= size:
        return 1, 0
    first = 0 if a <= 0.0 else int(a)
    last = size - 1 if b >= size - 1.0 else int(b)
    return first, last


@njit(cache=True)
def grid_query(grid, xlo, xhi, ylo, yhi, out):
    """Write into ``out`` the indices of the points in every cell that meets the rectangle
    [xlo, xhi] x [ylo, yhi] (a superset of the points inside it); return their count.

    ``grid`` is the tuple from :func:`grid_build`; ``out`` needs room for every point.
    """
    x0, y0, cell, nx, ny, start, items = grid
    cx0, cx1 = grid_span(xlo, xhi, x0, cell, nx)
    cy0, cy1 = grid_span(ylo, yhi, y0, cell, ny)
    m = 0
    for cy in range(cy0, cy1 + 1):
        for cx in range(cx0, cx1 + 1):
            c = cy * nx + cx
            for k in range(start[c], start[c + 1]):
                out[m] = items[k]
                m += 1
    return m


@njit(cache=True)
def grid_levels(px, py, size, active):
    """Active points bucketed by ``size`` into levels a factor of 2 apart, each level a
    uniform grid (:func:`grid_build`) whose cell is the level's largest size.

    A query then visits only the levels whose sizes can matter, each with a window fitted
    to that level's sizes, so a scene that mixes tiny and huge objects costs about what
    each size class costs alone. Equal sizes give one level.

    Returns:
        ``(lo, hi, parts)``: the smallest and largest size ``[L]`` of each level (L >= 1),
        and the grids packed for :func:`level_grid`.
    """
    n = px.shape[0]
    smin = math.inf
    for i in range(n):
        if active[i]:
            smin = min(smin, size[i])
    level = np.zeros(n, np.int64)
    count = 1
    if smin < math.inf:
        base = max(smin, 1e-300)
        for i in range(n):
            if active[i]:
                level[i] = int(math.log2(max(size[i], base) / base))
                count = max(count, level[i] + 1)
    lo = np.full(count, math.inf)
    hi = np.full(count, -math.inf)
    for i in range(n):
        if active[i]:
            lo[level[i]] = min(lo[level[i]], size[i])
            hi[level[i]] = max(hi[level[i]], size[i])
    scalars = np.empty((count, 5))  # x0, y0, cell, nx, ny
    bounds = np.zeros(count + 1, np.int64)  # level l's cell offsets: start[bounds[l]:bounds[l + 1] + 1]
    starts, items = [], []
    used = 0
    for lv in range(count):
        x0, y0, cell, nx, ny, start, its = grid_build(px, py, active & (level == lv), max(hi[lv], 0.0))
        scalars[lv, 0], scalars[lv, 1], scalars[lv, 2], scalars[lv, 3], scalars[lv, 4] = x0, y0, cell, nx, ny
        starts.append(start + used)
        items.append(its)
        used += its.shape[0]
        bounds[lv + 1] = bounds[lv] + nx * ny
    start = np.empty(bounds[count] + 1, np.int64)
    item = np.empty(used, np.int64)
    for lv in range(count):
        start[bounds[lv] : bounds[lv + 1] + 1] = starts[lv]
        item[starts[lv][0] : starts[lv][-1]] = items[lv]
    return lo, hi, (scalars, bounds, start, item)


@njit(cache=True, inline="always")
def level_grid(parts, lv):
    """Level ``lv`` of :func:`grid_levels`' packed grids, as a grid for :func:`grid_query`."""
    scalars, bounds, start, item = parts
    return (
        scalars[lv, 0],
        scalars[lv, 1],
        scalars[lv, 2],
        int(scalars[lv, 3]),
        int(scalars[lv, 4]),
        start[bounds[lv] : bounds[lv + 1] + 1],
        item,
    )
