"""Greedy hard NMS, class-agnostic and class-aware, on axis-aligned boxes."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, like, on_accelerator
from .._checks import check_choice, check_flag, check_labels
from ._greedy import box_keep
from ._prepare import prepare

METRICS = ("iou", "diou")


def nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    iou_threshold: float = 0.5,
    *,
    box_format: str = "xyxy",
    score_threshold: float | None = None,
    max_output: int | None = None,
    inclusive: bool = False,
    canonicalize: bool = False,
    metric: str = "iou",
) -> ArrayOrTensor:
    """Greedy non-maximum suppression.

    Boxes are visited by descending score (equal scores: lower index first). A box is
    suppressed when its IoU with an already kept box is > ``iou_threshold``
    (``>=`` with ``inclusive=True``). Zero-area boxes have IoU 0 with everything: they
    never suppress and are never suppressed.

    With ``metric="diou"`` the criterion is DIoU (Zheng et al. 2020): IoU minus the squared
    distance between the centres over the squared diagonal of the smallest enclosing box,
    the DIoU-NMS option of YOLOv4 / YOLOv5.

    Compatibility: strict mode keeps exactly the indices, in the same order, of
    ``cv2.dnn.NMSBoxes`` and ``tf.image.non_max_suppression`` (both suppress at IoU > t);
    ``inclusive=True`` gives the IoU >= t rule of tensorflow/models' padded NMS.
    Tensors on an accelerator (CUDA) are suppressed there, in torch, with the same result.

    Args:
        boxes: ``[N, 4]`` in ``box_format`` (``xyxy``, ``yxyx``, ``cxcywh`` or ``xywh``); any real dtype.
        scores: ``[N]``.
        iou_threshold: in [0, 1].
        score_threshold: boxes with score <= this are dropped first.
        max_output: keep at most this many.
        inclusive: suppress at IoU >= threshold instead of >.
        canonicalize: swap inverted corners instead of raising.
        metric: ``"iou"`` or ``"diou"``.

    Returns:
        int64 indices ``[K]`` of kept boxes, by descending score; a tensor (on the
        input's device) for tensor input.
    """
    diou = check_choice(metric, "metric", METRICS) == "diou"
    inclusive = check_flag(inclusive, "inclusive")
    if on_accelerator(boxes):
        from . import _device

        return _device.box_nms(
            boxes, scores, None, iou_threshold, box_format, score_threshold, max_output, inclusive, canonicalize, metric
        )
    b, _, order, t, cap = prepare(boxes, scores, iou_threshold, box_format, score_threshold, max_output, canonicalize)
    one_group = np.array([0, len(order)], np.int64)
    keep = box_keep(np.ascontiguousarray(b[order]), one_group, np.array([t]), inclusive, diou, cap)
    return like(order[keep].astype(np.int64), boxes)


def batched_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    labels: ArrayOrTensor,
    iou_threshold: float = 0.5,
    *,
    box_format: str = "xyxy",
    score_threshold: float | None = None,
    max_output: int | None = None,
    inclusive: bool = False,
    canonicalize: bool = False,
    metric: str = "iou",
) -> ArrayOrTensor:
    """Class-aware greedy NMS: a box only suppresses boxes of its own label.

    Each label is suppressed on its own grid in the original coordinates, so the result
    is exact at any coordinate magnitude (no coordinate-offset trick).

    Args:
        labels: ``[N]`` integer class ids. Other arguments as in :func:`nms`.

    Returns:
        int64 indices ``[K]`` of kept boxes over all labels, by descending score
        (equal scores: lower index first); ``max_output`` caps the total.
    """
    diou = check_choice(metric, "metric", METRICS) == "diou"
    inclusive = check_flag(inclusive, "inclusive")
    if on_accelerator(boxes):
        from . import _device

        return _device.box_nms(
            boxes,
            scores,
            labels,
            iou_threshold,
            box_format,
            score_threshold,
            max_output,
            inclusive,
            canonicalize,
            metric,
        )
    b, _, order, t, cap = prepare(boxes, scores, iou_threshold, box_format, score_threshold, max_output, canonicalize)
    lab = check_labels(labels, "labels", len(b))[order]
    by_label = np.argsort(lab, kind="stable")  # rank order is kept inside each label
    lab_sorted = lab[by_label]
    starts = np.flatnonzero(np.diff(lab_sorted)) + 1
    group_start = np.concatenate([[0], starts, [len(lab_sorted)]]).astype(np.int64)
    keep_sorted = box_keep(
        np.ascontiguousarray(b[order][by_label]),
        group_start,
        np.full(len(group_start) - 1, t),
        inclusive,
        diou,
        len(order),
    )
    kept_ranks = np.sort(by_label[keep_sorted])[:cap]
    return like(order[kept_ranks].astype(np.int64), boxes)
