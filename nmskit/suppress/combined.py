"""Batched multi-class NMS with padded outputs: ``tf.image.combined_non_max_suppression``."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, like
from .._checks import as_float_array, check_count, check_finite, check_flag, check_real, check_unit
from ._greedy import box_keep


def combined_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    max_output_size_per_class: int,
    max_total_size: int,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    pad_per_class: bool = False,
    clip_boxes: bool = True,
) -> tuple[ArrayOrTensor, ArrayOrTensor, ArrayOrTensor, ArrayOrTensor]:
    """Per-class greedy NMS for a batch, merged across classes into fixed-size outputs.

    Semantics of ``tf.image.combined_non_max_suppression``: boxes are ``[y1, x1, y2, x2]``
    with corners in either order; per class, candidates need score > ``score_threshold``
    and are suppressed at IoU > ``iou_threshold``, at most ``max_output_size_per_class``
    of them kept; then all classes' survivors are sorted by score and the first
    ``max_total_size`` are returned. nmskit breaks score ties deterministically (lower
    class, then lower box index); TensorFlow's sort is unstable there.

    Args:
        boxes: ``[B, N, q, 4]`` with q = 1 (shared) or q = C (per class).
        scores: ``[B, N, C]``.
        pad_per_class: output size ``min(max_total_size, max_output_size_per_class * C)``
            instead of ``max_total_size``.
        clip_boxes: clip output coordinates to [0, 1].

    Returns:
        ``(boxes [B, M, 4], scores [B, M], classes [B, M] float, valid_detections [B] int32)``,
        zero past each item's valid count; float32 like TensorFlow.
    """
    bx = as_float_array(boxes, "boxes")
    sc = as_float_array(scores, "scores")
    if bx.ndim != 4 or bx.shape[3] != 4:
        raise ValueError(f"boxes must have shape [B, N, q, 4], got {tuple(bx.shape)}")
    if sc.ndim != 3 or sc.shape[:2] != bx.shape[:2]:
        raise ValueError(
            f"scores must have shape [B, N, C] with B, N as boxes {tuple(bx.shape)}, got {tuple(sc.shape)}"
        )
    nb, n, q, _ = bx.shape
    c = sc.shape[2]
    if q not in (1, c):
        raise ValueError(f"boxes' third dimension q must be 1 or the number of classes {c}, got {q}")
    check_finite(bx.reshape(nb * n, -1) if nb * n else bx.reshape(0, 1), "boxes")
    check_finite(sc.reshape(nb * n, -1) if nb * n else sc.reshape(0, 1), "scores")
    per_class = check_count(max_output_size_per_class, "max_output_size_per_class", allow_none=False)
    total = check_count(max_total_size, "max_total_size", allow_none=False, sizes_output=True)
    if total == 0:
        raise ValueError("max_total_size must be > 0, as in TensorFlow")
    t = check_unit(iou_threshold, "iou_threshold")
    thr = check_real(score_threshold, "score_threshold", allow_inf=True)
    clip_boxes = check_flag(clip_boxes, "clip_boxes")
    size = min(total, per_class * c) if check_flag(pad_per_class, "pad_per_class") else total

    out_boxes = np.zeros((nb, size, 4), np.float32)
    out_scores = np.zeros((nb, size), np.float32)
    out_classes = np.zeros((nb, size), np.float32)
    valid = np.zeros(nb, np.int32)
    lo = np.minimum(bx[..., :2], bx[..., 2:])
    hi = np.maximum(bx[..., :2], bx[..., 2:])
    xyxy = np.concatenate([lo[..., ::-1], hi[..., ::-1]], -1)  # [B, N, q, 4] as x1 y1 x2 y2
    for item in range(nb):
        box_i, cls_i = np.nonzero(sc[item] > thr)  # candidates, sorted by box then class
        s = sc[item, box_i, cls_i]
        order = np.lexsort((box_i, -s, cls_i))  # by class, then score desc, then index
        box_i, cls_i, s = box_i[order], cls_i[order], s[order]
        starts = np.searchsorted(cls_i, np.arange(c + 1))
        geometry = xyxy[item, box_i, cls_i if q > 1 else 0]
        keep = box_keep(np.ascontiguousarray(geometry), starts.astype(np.int64), np.full(c, t), False, False, per_class)
        box_i, cls_i, s = box_i[keep], cls_i[keep], s[keep]
        final = np.lexsort((box_i, cls_i, -s))[:size]
        k = len(final)
        valid[item] = k
        picked = bx[item, box_i[final], cls_i[final] if q > 1 else 0]
        out_boxes[item, :k] = np.clip(picked, 0.0, 1.0) if clip_boxes else picked
        out_scores[item, :k] = s[final]
        out_classes[item, :k] = cls_i[final]
    return tuple(like(a, boxes) for a in (out_boxes, out_scores, out_classes, valid))
