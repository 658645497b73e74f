"""Region proposals from several feature-pyramid levels in fixed shapes: the proposal step
of tensorflow/models' ``MultilevelROIGenerator`` (``official/vision/modeling/layers``)."""

from __future__ import annotations

import torch

from .._checks import check_count, check_real, check_unit
from .padded import sorted_nms_padded, stable_top_k


def propose_rois(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    *,
    pre_nms_top_k: int = 2000,
    pre_nms_score_threshold: float = 0.0,
    nms_iou_threshold: float = 0.7,
    num_proposals: int = 1000,
    tile_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per level: score filter, top-k and padded NMS; then a top-k over all levels.

    The boxes are already decoded (and clipped, if wanted) and the scores are
    probabilities, level by level. For each level with ``N_l`` boxes: scores <=
    ``pre_nms_score_threshold`` are dropped when that threshold is > 0; the
    ``min(N_l, pre_nms_top_k)`` best go through :func:`sorted_nms_padded`, which keeps
    ``min(N_l, num_proposals)``; with ``nms_iou_threshold == 0`` there is no NMS, only that
    top-k. The levels' outputs are concatenated and the ``min(total, num_proposals)`` best
    are returned. Defaults are ``MultilevelROIGenerator``'s.

    Args:
        boxes: sequence of ``[B, N_l, 4]`` yxyx tensors, one per level, in level order.
        scores: sequence of ``[B, N_l]`` tensors, one per level.
        tile_size: passed to the NMS.

    Returns:
        ``(rois [B, K, 4], roi_scores [B, K])`` by descending score, with
        ``K = min(sum of the levels' kept counts, num_proposals)``; slots without a
        proposal are zero.
    """
    if len(boxes) != len(scores) or len(boxes) == 0:
        raise ValueError(
            f"boxes and scores must be equally long non-empty sequences of levels, got {len(boxes)} and {len(scores)}"
        )
    top_k = check_count(pre_nms_top_k, "pre_nms_top_k", allow_none=False)
    thr = check_real(pre_nms_score_threshold, "pre_nms_score_threshold")
    t = check_unit(nms_iou_threshold, "nms_iou_threshold")
    total = check_count(num_proposals, "num_proposals", allow_none=False)
    rois, roi_scores = [], []
    for level, (b, s) in enumerate(zip(boxes, scores)):
        if not isinstance(b, torch.Tensor) or b.ndim != 3 or b.shape[2] != 4 or s.shape != b.shape[:2]:
            raise ValueError(
                f"level {level}: boxes must be [B, N, 4] and scores [B, N], "
                f"got {tuple(getattr(b, 'shape', ()))} and {tuple(getattr(s, 'shape', ()))}"
            )
        n = b.shape[1]
        if thr > 0.0 and t > 0.0:
            passed = s > thr
            s, b = torch.where(passed, s, -1.0), b * passed[..., None]
        _, idx = stable_top_k(s, min(n, top_k) if t > 0.0 else min(n, total))
        s, b = s.gather(1, idx), b.gather(1, idx[..., None].expand(-1, -1, 4))
        if t > 0.0:
            s, b = sorted_nms_padded(s, b, min(n, total), t, tile_size=tile_size)
        rois.append(b)
        roi_scores.append(s)
    all_rois, all_scores = torch.cat(rois, 1), torch.cat(roi_scores, 1)
    _, idx = stable_top_k(all_scores, min(all_scores.shape[1], total))
    return all_rois.gather(1, idx[..., None].expand(-1, -1, 4)), all_scores.gather(1, idx)
