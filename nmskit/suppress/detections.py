"""A detector's final post-processing in fixed shapes: tensorflow/models' detection
generator v2 (``_generate_detections_v2`` in ``official/vision/modeling/layers``)."""

from __future__ import annotations

import torch

from .._checks import check_count, check_flag, check_real, check_unit
from .padded import check_tile, sorted_nms_padded, stable_top_k, tf_padded_select, tile_rows


def generate_detections(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    *,
    pre_nms_top_k: int = 5000,
    pre_nms_score_threshold: float = 0.05,
    nms_iou_threshold: float = 0.5,
    max_num_detections: int = 100,
    class_agnostic: bool = False,
    tile_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-class top-k, score filter, per-class padded NMS and a top-k across classes.

    Class-aware (default): for each class c, the ``pre_nms_top_k`` highest scores of c;
    scores <= ``pre_nms_score_threshold`` are dropped; :func:`sorted_nms_padded` keeps
    ``max_num_detections`` per class (IoU >= threshold, tensorflow/models' conventions,
    so boxes with no positive coordinate are not output); then the
    ``max_num_detections`` best over all classes. ``class_agnostic=True``: each box keeps
    only its best class (ties: lower class), the ``pre_nms_top_k`` best boxes with score
    > ``pre_nms_score_threshold`` go through one NMS with the rules of
    ``tf.image.non_max_suppression_padded`` (as above, except that boxes at negative
    coordinates do suppress), and padded slots are zero. Boxes must have y1 <= y2 and
    x1 <= x2.

    Args:
        boxes: ``[B, N, 4]`` (shared by all classes) or ``[B, N, C, 4]`` (per class), yxyx.
        scores: ``[B, N, C]`` class probabilities.
        tile_size: passed to the NMS.

    Returns:
        ``(boxes [B, K, 4], scores [B, K], classes [B, K] int64, num_detections [B] int64)``
        with K = ``max_num_detections``, by descending score. Class-aware:
        ``num_detections`` counts the scores > 0 and, as in tensorflow/models, padded
        slots keep a class id. Class-agnostic: slots past ``num_detections`` are zero.
    """
    if not isinstance(scores, torch.Tensor) or scores.ndim != 3:
        raise ValueError(f"scores must be a [B, N, C] tensor, got {getattr(scores, 'shape', type(scores))}")
    if not isinstance(boxes, torch.Tensor) or boxes.shape[-1:] != (4,) or boxes.ndim not in (3, 4):
        raise ValueError(
            f"boxes must be a [B, N, 4] or [B, N, C, 4] tensor, got {getattr(boxes, 'shape', type(boxes))}"
        )
    bsz, n, c = scores.shape
    if boxes.ndim == 3:
        boxes = boxes[:, :, None, :]
    if boxes.shape[:2] != (bsz, n) or boxes.shape[2] not in (1, c):
        raise ValueError(
            f"boxes {tuple(boxes.shape)} must match scores {tuple(scores.shape)}: [B, N, 4] or [B, N, C, 4]"
        )
    top_k = check_count(pre_nms_top_k, "pre_nms_top_k", allow_none=False)
    thr = check_real(pre_nms_score_threshold, "pre_nms_score_threshold")
    t = check_unit(nms_iou_threshold, "nms_iou_threshold")
    k_out = check_count(max_num_detections, "max_num_detections", allow_none=False, sizes_output=True)
    k_in = min(n, top_k)
    if bsz == 0:  # an empty batch: empty outputs of the documented shapes
        zeros = scores.new_zeros(0, k_out)
        return boxes.new_zeros(0, k_out, 4), zeros, zeros.long(), zeros.sum(1).long()
    tile = check_tile(tile_size)
    if check_flag(class_agnostic, "class_agnostic"):
        best, cls = scores.max(-1)  # first maximum: the lower class on ties
        if boxes.shape[2] > 1:
            boxes = boxes.gather(2, cls[:, :, None, None].expand(-1, -1, 1, 4))
        top_scores, idx = stable_top_k(best, k_in)
        top_boxes = boxes[:, :, 0].gather(1, idx[..., None].expand(-1, -1, 4))
        top_cls = cls.gather(1, idx)
        if k_out == 0 or k_in == 0:
            zeros = scores.new_zeros(bsz, k_out)
            return boxes.new_zeros(bsz, k_out, 4), zeros, zeros.long(), zeros.sum(1).long()
        passed = top_scores > thr
        keep, count = tf_padded_select(
            top_boxes * passed[..., None], passed, k_out, t, tile_rows(tile, bsz, k_in), negative_inert=False
        )
        valid = torch.arange(k_out, device=scores.device)[None, :] < count[:, None]
        out_boxes = torch.where(valid[..., None], top_boxes.gather(1, keep[..., None].expand(-1, -1, 4)), 0)
        out_scores = torch.where(valid, top_scores.gather(1, keep), 0)
        return out_boxes, out_scores, torch.where(valid, top_cls.gather(1, keep), 0), count

    per_class, idx = stable_top_k(scores.transpose(1, 2).reshape(bsz * c, n), k_in)  # [B*C, k]
    class_boxes = boxes.expand(-1, -1, c, -1).transpose(1, 2).reshape(bsz * c, n, 4)
    class_boxes = class_boxes.gather(1, idx[..., None].expand(-1, -1, 4))
    passed = per_class > thr
    per_class = torch.where(passed, per_class, -1.0)
    class_boxes = class_boxes * passed[..., None]
    nms_scores, nms_boxes = sorted_nms_padded(per_class, class_boxes, k_out, t, tile_size=tile)
    flat_scores = nms_scores.reshape(bsz, c * k_out)
    flat_boxes = nms_boxes.reshape(bsz, c * k_out, 4)
    classes = torch.arange(c, device=scores.device).repeat_interleave(k_out).expand(bsz, -1)
    out_scores, pick = stable_top_k(flat_scores, k_out)
    out_boxes = flat_boxes.gather(1, pick[..., None].expand(-1, -1, 4))
    return out_boxes, out_scores, classes.gather(1, pick), (out_scores > 0).sum(1)
