"""Greedy NMS of rotated BEV boxes by their exact IoU."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, like
from .._checks import check_count, check_labels, check_real, check_unit, check_vector
from ..geometry.bev import prepare_bev
from ._greedy import rotated_keep
from ._groups import grouped_rank_order


def rotated_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    iou_threshold: float = 0.2,
    *,
    labels: ArrayOrTensor | None = None,
    score_threshold: float | None = None,
    max_output: int | None = None,
    max_per_label: int | None = None,
    pre_max_size: int | None = None,
) -> ArrayOrTensor:
    """Greedy NMS on rotated BEV rectangles ``(cx, cy, w, l, yaw)`` (see :func:`nmskit.bev_iou`).

    Boxes are visited by descending score (equal scores: lower index first); a box is
    suppressed when its IoU with an already kept box is > ``iou_threshold``. Zero-area
    boxes never suppress and are never suppressed. This is the rule of
    ``cv2.dnn.NMSBoxesRotated`` (with a box given to OpenCV as ``((cx, cy), (l, w),
    degrees(yaw))``) and of CenterPoint's rotated-IoU variant (IoU 0.2).

    Args:
        boxes: ``[N, 5]``; scores: ``[N]``.
        iou_threshold: in [0, 1].
        labels: ``[N]`` integer labels; suppression is per label.
        score_threshold: boxes with score <= this are dropped first.
        max_output: keep at most this many in total; max_per_label: per label.
        pre_max_size: per label, only the this-many highest-scored boxes take part.

    Returns:
        int64 indices ``[K]`` of kept boxes by descending score (ties: lower index first).
    """
    b = prepare_bev(boxes, "boxes")
    s = check_vector(scores, "scores", len(b), like="boxes")
    t = check_unit(iou_threshold, "iou_threshold")
    cap = check_count(max_output, "max_output")
    per = check_count(max_per_label, "max_per_label")
    pre = check_count(pre_max_size, "pre_max_size")
    groups = None if labels is None else check_labels(labels, "labels", len(b))
    cand = None
    if score_threshold is not None:
        cand = s > check_real(score_threshold, "score_threshold", allow_inf=True)
    rows, start, _ = grouped_rank_order(s, groups, cand)
    if pre is not None:
        within = np.arange(len(rows)) - np.repeat(start[:-1], np.diff(start))
        rows = rows[within < pre]
        start = np.concatenate([[0], np.cumsum(np.minimum(np.diff(start), pre))]).astype(np.int64)
    keep = rotated_keep(b.take(rows, axis=0), start, np.full(len(start) - 1, t), len(b) if per is None else per)
    kept = rows[keep]
    kept = kept[np.lexsort((kept, -s[kept]))]
    return like(kept[: len(b) if cap is None else cap].astype(np.int64), boxes)
