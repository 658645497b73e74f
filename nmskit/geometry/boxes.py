"""Axis-aligned 2-D boxes: formats, validation, area and pairwise IoU.

Formats (last axis of length 4):
  ``xyxy``   (x1, y1, x2, y2), corners; the default.
  ``yxyx``   (y1, x1, y2, x2), TensorFlow's order.
  ``cxcywh`` (cx, cy, w, h), centre and size.
  ``xywh``   (x, y, w, h), top-left corner and size (OpenCV's rectangles, COCO's bbox).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._arrays import ArrayOrTensor, is_tensor, like, namespace
from .._checks import as_float_array, check_choice, check_finite

BOX_FORMATS = ("xyxy", "yxyx", "cxcywh", "xywh")


def _to_xyxy(b, fmt: str, xp):
    """``[..., 4]`` in ``fmt`` -> ``[..., 4]`` xyxy, with the namespace's own ops."""
    if fmt == "xyxy":
        return b
    if fmt == "yxyx":
        return xp.stack([b[..., 1], b[..., 0], b[..., 3], b[..., 2]], -1)
    if fmt == "xywh":
        return xp.stack([b[..., 0], b[..., 1], b[..., 0] + b[..., 2], b[..., 1] + b[..., 3]], -1)
    half_w, half_h = b[..., 2] / 2, b[..., 3] / 2
    return xp.stack([b[..., 0] - half_w, b[..., 1] - half_h, b[..., 0] + half_w, b[..., 1] + half_h], -1)


def _from_xyxy(b, fmt: str, xp):
    """``[..., 4]`` xyxy -> ``[..., 4]`` in ``fmt``."""
    if fmt == "xyxy":
        return b
    if fmt == "yxyx":
        return xp.stack([b[..., 1], b[..., 0], b[..., 3], b[..., 2]], -1)
    if fmt == "xywh":
        return xp.stack([b[..., 0], b[..., 1], b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]], -1)
    return xp.stack([(b[..., 0] + b[..., 2]) / 2, (b[..., 1] + b[..., 3]) / 2, b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]], -1)


def box_convert(boxes: ArrayOrTensor, in_fmt: str, out_fmt: str) -> ArrayOrTensor:
    """Convert boxes between formats.

    Args:
        boxes: ``[..., 4]`` NumPy array or torch tensor.
        in_fmt, out_fmt: one of ``"xyxy"``, ``"yxyx"``, ``"cxcywh"``, ``"xywh"``.

    Returns:
        ``[..., 4]`` of the same kind (a tensor stays on its device and keeps autograd).
    """
    check_choice(in_fmt, "in_fmt", BOX_FORMATS)
    check_choice(out_fmt, "out_fmt", BOX_FORMATS)
    xp = namespace(boxes)
    b = boxes if is_tensor(boxes) else np.asarray(boxes)
    if b.shape[-1:] != (4,):
        raise ValueError(f"boxes must have shape [..., 4], got {tuple(b.shape)}")
    if in_fmt == out_fmt:
        return b
    return _from_xyxy(_to_xyxy(b, in_fmt, xp), out_fmt, xp)


def prepare_boxes(boxes: ArrayOrTensor, name: str = "boxes", box_format: str = "xyxy",
                  canonicalize: bool = False) -> np.ndarray:
    """Validate boxes at a public boundary and return them as float64 ``[N, 4]`` xyxy.

    Raises ValueError for a wrong shape, NaN/inf (naming the first bad row) and inverted
    corners (x2 < x1 or y2 < y1) unless ``canonicalize=True``, which swaps them instead.
    Zero-area boxes are valid input.
    """
    check_choice(box_format, "box_format", BOX_FORMATS)
    arr = as_float_array(boxes, name)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must have shape [N, 4], got {tuple(arr.shape)}")
    check_finite(arr, name)
    xyxy = _to_xyxy(arr, box_format, np)
    inverted = (xyxy[:, 2] < xyxy[:, 0]) | (xyxy[:, 3] < xyxy[:, 1])
    if inverted.any():
        if not canonicalize:
            i = int(np.argmax(inverted))
            raise ValueError(
                f"{name} has inverted corners at index {i} ({xyxy[i].tolist()} as xyxy); "
                f"check box_format={box_format!r} or pass canonicalize=True to swap them"
            )
        xyxy = np.stack([np.minimum(xyxy[:, 0], xyxy[:, 2]), np.minimum(xyxy[:, 1], xyxy[:, 3]),
                         np.maximum(xyxy[:, 0], xyxy[:, 2]), np.maximum(xyxy[:, 1], xyxy[:, 3])], 1)
    return np.ascontiguousarray(xyxy)


def box_area(boxes: ArrayOrTensor, box_format: str = "xyxy") -> ArrayOrTensor:
    """Areas ``[N]`` of boxes ``[N, 4]``, same array kind as the input."""
    xp = namespace(boxes)
    b = _to_xyxy(boxes if is_tensor(boxes) else np.asarray(boxes, dtype=np.float64), box_format, xp)
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


def box_iou(a: ArrayOrTensor, b: ArrayOrTensor, box_format: str = "xyxy") -> ArrayOrTensor:
    """Pairwise IoU of two box sets.

    Args:
        a: ``[N, 4]`` boxes; b: ``[M, 4]`` boxes, both in ``box_format``.

    Returns:
        ``[N, M]`` IoU, same kind as ``a``. A pair in which either box has zero area has
        IoU 0. Torch tensors are computed natively (device and autograd are kept); NumPy
        input is computed in float64.
    """
    if is_tensor(a):
        import torch

        for arr, name in ((a, "a"), (b, "b")):
            if arr.ndim != 2 or arr.shape[1] != 4:
                raise ValueError(f"{name} must have shape [N, 4], got {tuple(arr.shape)}")
            if not bool(torch.isfinite(arr).all()):
                check_finite(arr.detach().cpu().double().numpy(), name)
        fa = _to_xyxy(a if a.is_floating_point() else a.double(), box_format, torch)
        fb = _to_xyxy(b.to(fa), box_format, torch)
        return overlap_matrix(fa, fb, torch)
    fa = prepare_boxes(a, "a", box_format, canonicalize=True)
    fb = prepare_boxes(b, "b", box_format, canonicalize=True)
    return like(overlap_matrix(fa, fb, np), a)


def overlap_matrix(a: ArrayOrTensor, b: ArrayOrTensor, xp: Any, metric: str = "iou") -> ArrayOrTensor:
    """Dense ``[N, M]`` overlap of xyxy boxes ``a [N, 4]`` and ``b [M, 4]`` (callers keep
    N*M small), in the namespace ``xp`` (``numpy`` or ``torch``).

    ``metric="iou"``: intersection over union. ``metric="diou"``: IoU minus the squared
    centre distance over the squared diagonal of the smallest enclosing box (Zheng et al.
    2020). A pair in which either box has zero area has overlap 0 under both.
    """
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    iw = xp.clip(xp.minimum(a[:, None, 2], b[None, :, 2]) - xp.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = xp.clip(xp.minimum(a[:, None, 3], b[None, :, 3]) - xp.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    union = area_a[:, None] + area_b[None, :] - inter
    positive = (area_a[:, None] > 0) & (area_b[None, :] > 0)
    value = inter / xp.where(positive, union, 1)
    if metric == "diou":
        dx = (a[:, None, 0] + a[:, None, 2]) - (b[None, :, 0] + b[None, :, 2])
        dy = (a[:, None, 1] + a[:, None, 3]) - (b[None, :, 1] + b[None, :, 3])
        cw = xp.maximum(a[:, None, 2], b[None, :, 2]) - xp.minimum(a[:, None, 0], b[None, :, 0])
        ch = xp.maximum(a[:, None, 3], b[None, :, 3]) - xp.minimum(a[:, None, 1], b[None, :, 1])
        value = value - (dx * dx + dy * dy) / xp.where(positive, 4 * (cw * cw + ch * ch), 1)
    return xp.where(positive, value, 0 * inter)
