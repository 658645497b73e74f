"""Axis-aligned 2-D boxes: formats, validation, area and pairwise IoU.

Formats (last axis of length 4):
  ``xyxy``   (x1, y1, x2, y2), corners; the default.
  ``yxyx``   (y1, x1, y2, x2), TensorFlow's order.
  ``cxcywh`` (cx, cy, w, h), centre and size.
  ``xywh``   (x, y, w, h), top-left corner and size (OpenCV's rectangles, COCO's bbox).

Supported range: coordinates within +-1e150 and box sides either 0 or at least 1e-150 when
computed in float64 (+-1e18 and 1e-18 in float32), so that areas and unions neither
overflow nor underflow; other boxes are refused with a ValueError naming the argument.
Torch tensors of float16/bfloat16 are computed in float32 and integer tensors in float64
(torchvision upcasts likewise), so neither half precision nor small integers overflow.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._arrays import ArrayOrTensor, is_tensor, like, namespace
from .._checks import as_float_array, check_choice, check_finite

BOX_FORMATS = ("xyxy", "yxyx", "cxcywh", "xywh")
# (largest |coordinate|, smallest non-zero side) by the dtype the areas are computed in
BOX_RANGE = {"float64": (1e150, 1e-150), "float32": (1e18, 1e-18)}


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
    return xp.stack(
        [(b[..., 0] + b[..., 2]) / 2, (b[..., 1] + b[..., 3]) / 2, b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]], -1
    )


def box_convert(boxes: ArrayOrTensor, in_fmt: str, out_fmt: str) -> ArrayOrTensor:
    """Convert boxes between formats.

    Args:
        boxes: ``[..., 4]`` NumPy array or torch tensor.
        in_fmt, out_fmt: one of ``"xyxy"``, ``"yxyx"``, ``"cxcywh"``, ``"xywh"``.

    Returns:
        ``[..., 4]`` of the same kind (a tensor stays on its device and keeps autograd), in
        the input's float dtype (float16 computed as float32, integers as float64).

    Raises:
        ValueError naming ``boxes``, ``in_fmt`` or ``out_fmt``: an unknown format, a last
        axis other than 4, a non-numeric dtype, or NaN/inf in a NumPy array (a tensor's
        values are not read, so the conversion can be compiled or exported).
    """
    check_choice(in_fmt, "in_fmt", BOX_FORMATS)
    check_choice(out_fmt, "out_fmt", BOX_FORMATS)
    xp = namespace(boxes)
    if is_tensor(boxes):
        b = (
            boxes
            if boxes.is_floating_point() and boxes.dtype.itemsize >= 4
            else boxes.float()
            if boxes.is_floating_point()
            else _torch_boxes_dtype(boxes)
        )
        finite = True  # a tensor's values are not read: it may be traced by torch.compile or export
    else:
        b = boxes if isinstance(boxes, np.ndarray) else as_float_array(boxes, "boxes")
        b = as_float_array(b, "boxes") if b.dtype.kind != "f" or b.dtype.itemsize < 4 else b
        finite = bool(np.isfinite(b).all())
    if b.ndim == 0 or b.shape[-1:] != (4,):
        raise ValueError(f"boxes must have shape [..., 4], got {tuple(b.shape)}")
    if not finite:
        raise ValueError("boxes contains NaN or inf; remove or repair non-finite entries")
    if in_fmt == out_fmt:
        return b
    return _from_xyxy(_to_xyxy(b, in_fmt, xp), out_fmt, xp)


def prepare_boxes(
    boxes: ArrayOrTensor, name: str = "boxes", box_format: str = "xyxy", canonicalize: bool = False
) -> np.ndarray:
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
    check_range(arr, name, np)
    xyxy = _to_xyxy(arr, box_format, np)
    inverted = (xyxy[:, 2] < xyxy[:, 0]) | (xyxy[:, 3] < xyxy[:, 1])
    if inverted.any():
        if not canonicalize:
            i = int(np.argmax(inverted))
            raise ValueError(
                f"{name} has inverted corners at index {i} ({xyxy[i].tolist()} as xyxy); "
                f"check box_format={box_format!r} or pass canonicalize=True to swap them"
            )
        xyxy = np.stack(
            [
                np.minimum(xyxy[:, 0], xyxy[:, 2]),
                np.minimum(xyxy[:, 1], xyxy[:, 3]),
                np.maximum(xyxy[:, 0], xyxy[:, 2]),
                np.maximum(xyxy[:, 1], xyxy[:, 3]),
            ],
            1,
        )
    check_range(xyxy, name, np, sides=True)
    return np.ascontiguousarray(xyxy)


def check_range(b, name: str, xp, sides: bool = False) -> None:
    """Raise naming ``name`` unless ``b [..., 4]`` (computed in its dtype) lies within
    :data:`BOX_RANGE`: coordinates, or with ``sides`` the xyxy sides, which must be 0 or
    at least the smallest side."""
    float32 = b.dtype == (np.float32 if xp is np else xp.float32)
    big, small = BOX_RANGE["float32" if float32 else "float64"]
    if math.prod(b.shape) == 0:
        return
    if sides:
        s = abs(b[..., 2:] - b[..., :2])  # [..., 2]: the two sides
        if float(s.min()) >= small:  # the usual case, decided by one reduction
            return
        bad, what = (s > 0) & (s < small), f"sides must be 0 or at least {small:g}"
    else:
        if -big <= float(b.min()) and float(b.max()) <= big:
            return
        bad, what = (b > big) | (b < -big), f"coordinates must lie within +-{big:g}"
    if bool(bad.any()):
        flat = bad.reshape(-1, bad.shape[-1]).any(-1)
        i = int(flat.nonzero()[0][0]) if xp is not np else int(np.argmax(flat))
        row = b.reshape(-1, 4)[i].tolist()
        raise ValueError(
            f"{name} row {i} ({row}) is out of the supported range: {what} "
            f"(computing in {'float32' if float32 else 'float64'})"
        )


def _torch_boxes_dtype(x):
    """A non-float tensor as float64 (rejecting bool and complex)."""
    if x.dtype.is_complex or str(x.dtype) == "torch.bool":
        raise ValueError(f"boxes must have a real dtype, got {x.dtype}")
    return x.double()


def _torch_boxes(x, name: str, box_format: str, like_tensor=None):
    """Validate a box tensor ``[N, 4]`` (or array-like, made a tensor on ``like_tensor``'s
    device) and return it as xyxy, upcast: float16/bfloat16 -> float32, integers -> float64."""
    import torch

    if not is_tensor(x):
        x = torch.as_tensor(as_float_array(x, name), device=like_tensor.device)
    if x.dtype == torch.bool or x.is_complex():
        raise ValueError(f"{name} must have a real dtype, got {x.dtype}")
    if x.ndim != 2 or x.shape[1] != 4:
        raise ValueError(f"{name} must have shape [N, 4], got {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.double()
    elif x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    if not bool(torch.isfinite(x).all()):
        check_finite(x.detach().cpu().double().numpy(), name)
    check_range(x, name, torch)
    xyxy = _to_xyxy(x, box_format, torch)
    inverted = (xyxy[:, 2] < xyxy[:, 0]) | (xyxy[:, 3] < xyxy[:, 1])
    if bool(inverted.any()):
        i = int(inverted.nonzero()[0][0])
        raise ValueError(
            f"{name} has inverted corners at index {i} ({xyxy[i].tolist()} as xyxy); check box_format={box_format!r}"
        )
    check_range(xyxy, name, torch, sides=True)
    return xyxy


def box_area(boxes: ArrayOrTensor, box_format: str = "xyxy") -> ArrayOrTensor:
    """Areas of boxes.

    Args:
        boxes: ``[N, 4]`` in ``box_format``, NumPy (computed in float64) or a torch tensor
            (float16 and integer tensors are upcast, see the module doc).

    Returns:
        ``[N]`` areas, same array kind as the input.

    Raises:
        ValueError naming ``boxes`` or ``box_format``: a wrong shape, NaN/inf, inverted
        corners, values beyond the supported range, or an unknown format.
    """
    check_choice(box_format, "box_format", BOX_FORMATS)
    b = _torch_boxes(boxes, "boxes", box_format) if is_tensor(boxes) else prepare_boxes(boxes, "boxes", box_format)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(a: ArrayOrTensor, b: ArrayOrTensor, box_format: str = "xyxy") -> ArrayOrTensor:
    """Pairwise IoU of two box sets.

    Args:
        a: ``[N, 4]`` boxes; b: ``[M, 4]`` boxes, both in ``box_format``.

    Returns:
        ``[N, M]`` IoU, same kind as ``a``. A pair in which either box has zero area has
        IoU 0. Torch tensors are computed natively (device and autograd are kept; float16
        and integers upcast, see the module doc); NumPy input is computed in float64.

    Raises:
        ValueError naming ``a`` or ``b``: a wrong shape, NaN/inf, inverted corners
        (x2 < x1 or y2 < y1) or values beyond the supported range.
    """
    check_choice(box_format, "box_format", BOX_FORMATS)
    if is_tensor(a) or is_tensor(b):
        fa = _torch_boxes(a, "a", box_format, b)
        fb = _torch_boxes(b, "b", box_format, fa)
        if fb.device != fa.device:
            raise ValueError(f"a and b must be on one device, got {fa.device} and {fb.device}")
        dtype = fa.dtype if fa.dtype.itemsize >= fb.dtype.itemsize else fb.dtype
        return overlap_matrix(fa.to(dtype), fb.to(dtype), namespace(fa))
    fa = prepare_boxes(a, "a", box_format)
    fb = prepare_boxes(b, "b", box_format)
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
