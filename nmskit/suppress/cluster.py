"""Fast NMS (Bolya et al. 2019, YOLACT) and Cluster-NMS (Zheng et al. 2021): greedy-like
suppression by whole-matrix operations, which suit accelerators."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, like
from .._checks import check_count, check_unit
from ._dense import column_reduce, dense_inputs, ranked_overlaps


def _kept(keep, order, cap, xp):
    """Input indices of the kept ranks, by rank, at most ``cap`` of them."""
    kept = order[keep][:cap]
    return kept.astype(np.int64) if xp is np else kept


def fast_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    iou_threshold: float = 0.5,
    *,
    labels: ArrayOrTensor | None = None,
    box_format: str = "xyxy",
    max_output: int | None = None,
) -> ArrayOrTensor:
    """Fast NMS: box j is dropped when its IoU with any box ranked above it is
    > ``iou_threshold``, whether or not that box is itself kept.

    This drops more boxes than greedy NMS (a suppressed box still suppresses), in exchange
    for one matrix reduction instead of a sequential loop.

    Compatibility: YOLACT's Fast NMS (its ``fast_nms``, per class with ``labels``).
    Dense ``[N, N]`` work: meant for the top few thousand candidates; tensors are computed
    on their own device.

    Args:
        boxes: ``[N, 4]`` in ``box_format`` (``xyxy``, ``yxyx``, ``cxcywh`` or ``xywh``).
        scores: ``[N]``; iou_threshold: in [0, 1].
        labels: ``[N]`` integer class ids, or None for one class.
        max_output: keep at most this many.

    Returns:
        int64 indices ``[K]`` of kept boxes by descending score (equal scores: lower index
        first); a tensor on the input's device for tensor input.
    """
    t = check_unit(iou_threshold, "iou_threshold")
    cap = check_count(max_output, "max_output")
    xp, b, _, lab, order = dense_inputs(boxes, scores, labels, box_format)
    iou, _ = ranked_overlaps(b, lab, order, xp)
    return like(_kept(column_reduce(iou, xp, "max") <= t, order, cap, xp), boxes)


def cluster_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    iou_threshold: float = 0.5,
    *,
    labels: ArrayOrTensor | None = None,
    box_format: str = "xyxy",
    max_output: int | None = None,
) -> ArrayOrTensor:
    """Cluster-NMS: Fast NMS iterated until it is stable, which gives exactly greedy NMS.

    Start with every box kept; repeatedly drop box j when a currently kept box ranked above
    it has IoU > ``iou_threshold`` with it, and restore the boxes that no kept box
    suppresses any more, until nothing changes. The fixed point is greedy NMS's result
    (:func:`nmskit.nms`, :func:`nmskit.batched_nms` with ``labels``): boxes ranked
    first settle first, and at most N rounds are needed, usually a few.

    Compatibility: the Cluster-NMS of Zheng et al. ("Enhancing Geometric Factors in Model
    Learning and Inference for Object Detection and Instance Segmentation", 2021), with
    plain IoU. Dense ``[N, N]`` work: meant for the top few thousand candidates; tensors
    are computed on their own device.

    Args:
        as in :func:`fast_nms`.

    Returns:
        int64 indices ``[K]`` of kept boxes by descending score; the same as ``nms``.
    """
    t = check_unit(iou_threshold, "iou_threshold")
    cap = check_count(max_output, "max_output")
    xp, b, _, lab, order = dense_inputs(boxes, scores, labels, box_format)
    iou, _ = ranked_overlaps(b, lab, order, xp)
    keep = column_reduce(iou, xp, "max") <= t
    for _ in range(len(order)):
        suppressor = xp.where(keep[:, None], iou, 0 * iou)
        again = column_reduce(suppressor, xp, "max") <= t
        if bool((again == keep).all()):
            break
        keep = again
    return like(_kept(keep, order, cap, xp), boxes)
