"""Rotated bird's-eye-view (BEV) rectangles ``(cx, cy, w, l, yaw)``: corners, exact IoU and
centre distances.

Convention: ``l`` (length) lies along the heading ``(cos yaw, sin yaw)`` and ``w`` (width)
across it, as in nuScenes' ``size = (w, l, h)``. Metres and radians, counter-clockwise yaw.
In OpenCV's ``RotatedRect`` terms a box is ``((cx, cy), (l, w), degrees(yaw))``.

The IoU is exact up to rounding: box b is expressed in box a's frame, where a is the
axis-aligned rectangle ``[-l/2, l/2] x [-w/2, w/2]``; b's corners are clipped against those
four bounds (Sutherland-Hodgman) and the shoelace formula gives the intersection area.
Pairs whose circumscribed circles do not meet are skipped. Boxes of zero area have IoU 0
with everything.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._arrays import ArrayOrTensor, like
from .._checks import as_float_array, check_finite, check_matrix
from .grid import grid_build, grid_span


def prepare_bev(boxes: ArrayOrTensor, name: str) -> np.ndarray:
    """Validate ``[N, 5]`` BEV boxes: finite, ``w >= 0`` and ``l >= 0``; returns float64."""
    b = check_matrix(boxes, name, 5)
    bad = (b[:, 2] < 0) | (b[:, 3] < 0)
    if bad.any():
        raise ValueError(f"{name} row {int(np.argmax(bad))} has a negative width or length")
    return np.ascontiguousarray(b)


def bev_corners(boxes: ArrayOrTensor) -> np.ndarray:
    """Corners of BEV boxes.

    Args:
        boxes: ``[N, 5]`` ``(cx, cy, w, l, yaw)``.

    Returns:
        ``[N, 4, 2]`` counter-clockwise corners, starting at front-right
        ``(+l/2, -w/2)`` in the box frame; same array kind as the input.
    """
    b = prepare_bev(boxes, "boxes")
    c, s = np.cos(b[:, 4]), np.sin(b[:, 4])
    u = np.array([1, 1, -1, -1]) * 0.5 * b[:, 3:4]  # along the heading
    v = np.array([-1, 1, 1, -1]) * 0.5 * b[:, 2:3]  # across it
    x = b[:, 0:1] + c[:, None] * u - s[:, None] * v
    y = b[:, 1:2] + s[:, None] * u + c[:, None] * v
    return like(np.stack([x, y], axis=2), boxes)


def bev_iou(a: ArrayOrTensor, b: ArrayOrTensor) -> ArrayOrTensor:
    """Pairwise IoU of rotated BEV rectangles.

    Args:
        a: ``[N, 5]`` ``(cx, cy, w, l, yaw)``; b: ``[M, 5]``.

    Returns:
        ``[N, M]`` IoU in [0, 1] (float64 for NumPy input; a tensor of the input's float
        dtype on its device for tensor input).
    """
    pa, pb = prepare_bev(a, "a"), prepare_bev(b, "b")
    out = iou_matrix(pa, pb)
    if type(a).__module__.startswith("torch"):
        return like(out, a).to(a.dtype if a.is_floating_point() else out.dtype)
    return out


def center_distance(a: ArrayOrTensor, b: ArrayOrTensor) -> ArrayOrTensor:
    """Pairwise ground-plane distance of centres: ``a[N, >=2]``, ``b[M, >=2]`` -> ``[N, M]``
    (only the first two columns, x and y, are read; they must be finite)."""
    pa, pb = as_float_array(a, "a"), as_float_array(b, "b")
    for arr, name in ((pa, "a"), (pb, "b")):
        if arr.ndim != 2 or arr.shape[1] < 2:
            raise ValueError(f"{name} must have shape [N, k] with k >= 2, got {tuple(arr.shape)}")
        check_finite(arr[:, :2], name)
    with np.errstate(over="ignore"):  # beyond 1e308 apart the distance is inf, which is right
        d = np.hypot(pa[:, None, 0] - pb[None, :, 0], pa[:, None, 1] - pb[None, :, 1])
    return like(d, a)


# ----- kernels ---------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _clip(xs, ys, n, along_x, sign, half, ox, oy):
    """Keep the part of polygon (xs, ys)[:n] with ``sign * x <= half`` (``along_x``) or
    ``sign * y <= half``; write it to (ox, oy) and return its vertex count."""
    m = 0
    u = xs if along_x else ys
    si = half - sign * u[0]
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        sj = half - sign * u[j]
        if si >= 0.0:
            ox[m] = xs[i]
            oy[m] = ys[i]
            m += 1
        if (si >= 0.0) != (sj >= 0.0):
            t = si / (si - sj)
            ox[m] = xs[i] + t * (xs[j] - xs[i])
            oy[m] = ys[i] + t * (ys[j] - ys[i])
            m += 1
        si = sj
    return m


@njit(cache=True, inline="always")
def pair_iou(a, i, b, j, cos_a, sin_a, cos_b, sin_b, bx, by, cx, cy):
    """IoU of ``a[i]`` and ``b[j]`` (rows ``(cx, cy, w, l, yaw)``, cos/sin of their yaws
    precomputed); ``bx, by, cx, cy`` are scratch buffers of length >= 16."""
    area_a = a[i, 2] * a[i, 3]
    area_b = b[j, 2] * b[j, 3]
    if area_a <= 0.0 or area_b <= 0.0:
        return 0.0
    dx = b[j, 0] - a[i, 0]
    dy = b[j, 1] - a[i, 1]
    ra = 0.5 * math.sqrt(a[i, 2] * a[i, 2] + a[i, 3] * a[i, 3])
    rb = 0.5 * math.sqrt(b[j, 2] * b[j, 2] + b[j, 3] * b[j, 3])
    if dx * dx + dy * dy > (ra + rb) * (ra + rb) * (1.0 + 1e-12):
        return 0.0
    # b's centre and axes in a's frame
    ox = cos_a[i] * dx + sin_a[i] * dy
    oy = -sin_a[i] * dx + cos_a[i] * dy
    c = cos_b[j] * cos_a[i] + sin_b[j] * sin_a[i]  # cos(yaw_b - yaw_a)
    s = sin_b[j] * cos_a[i] - cos_b[j] * sin_a[i]  # sin(yaw_b - yaw_a)
    hl = 0.5 * b[j, 3]
    hw = 0.5 * b[j, 2]
    for k in range(4):
        u = hl if k < 2 else -hl
        v = -hw if (k == 0 or k == 3) else hw
        bx[k] = ox + c * u - s * v
        by[k] = oy + s * u + c * v
    n = _clip(bx, by, 4, True, 1.0, 0.5 * a[i, 3], cx, cy)
    n = _clip(cx, cy, n, True, -1.0, 0.5 * a[i, 3], bx, by)
    n = _clip(bx, by, n, False, 1.0, 0.5 * a[i, 2], cx, cy)
    n = _clip(cx, cy, n, False, -1.0, 0.5 * a[i, 2], bx, by)
    if n < 3:
        return 0.0
    twice = 0.0
    for k in range(n):
        q = k + 1 if k + 1 < n else 0
        twice += bx[k] * by[q] - bx[q] * by[k]
    inter = min(max(0.5 * twice, 0.0), area_a, area_b)
    return inter / (area_a + area_b - inter)


@njit(cache=True)
def iou_matrix(a, b):
    """``[N, M]`` IoU of validated float64 boxes ``a[N, 5]``, ``b[M, 5]``.

    A uniform grid over b's centres limits each row to the boxes whose circumscribed
    circles can meet a's, so the cost grows with the overlapping pairs, not with N * M.
    """
    n, m = a.shape[0], b.shape[0]
    out = np.zeros((n, m))
    if n == 0 or m == 0:
        return out
    cos_a, sin_a = np.cos(a[:, 4]), np.sin(a[:, 4])
    cos_b, sin_b = np.cos(b[:, 4]), np.sin(b[:, 4])
    rb = 0.5 * np.sqrt(b[:, 2] ** 2 + b[:, 3] ** 2)
    x0, y0, cell, nx, ny, start, items = grid_build(b[:, 0], b[:, 1], rb > 0.0, 2.0 * np.median(rb))
    rb_max = rb.max()
    bx, by, cx, cy = np.empty(16), np.empty(16), np.empty(16), np.empty(16)
    for i in range(n):
        reach = (0.5 * math.sqrt(a[i, 2] ** 2 + a[i, 3] ** 2) + rb_max) * (1.0 + 1e-9)
        gx0, gx1 = grid_span(a[i, 0] - reach, a[i, 0] + reach, x0, cell, nx)
        gy0, gy1 = grid_span(a[i, 1] - reach, a[i, 1] + reach, y0, cell, ny)
        for gy in range(gy0, gy1 + 1):
            for gx in range(gx0, gx1 + 1):
                g = gy * nx + gx
                for k in range(start[g], start[g + 1]):
                    j = items[k]
                    out[i, j] = pair_iou(a, i, b, j, cos_a, sin_a, cos_b, sin_b, bx, by, cx, cy)
    return out
