"""Ensemble fusion: weighted boxes fusion and non-maximum weighting of several models'
detections, with the inputs, outputs and semantics of the ensemble-boxes package."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._arrays import Array
from .._checks import as_float_array, check_choice, check_finite, check_labels, check_real, check_unit
from ._fusion_kernels import nmw_clusters, wbf_clusters

CONF_TYPES = ("avg", "max", "box_and_model_avg", "absent_model_aware_avg")


def _check_weights(weights, n_models: int) -> np.ndarray:
    if weights is None:
        return np.ones(n_models)
    w = as_float_array(weights, "weights")
    if w.shape != (n_models,):
        raise ValueError(f"weights must have one entry per model ({n_models}), got shape {w.shape}")
    check_finite(w, "weights")
    if (w <= 0).any():
        raise ValueError(f"weights must be > 0, got {w.tolist()}")
    return w


def _gather(boxes_list, scores_list, labels_list, weights, skip_box_thr):
    """Validate the per-model lists and apply ensemble-boxes' prefilter: drop scores below
    ``skip_box_thr``, swap inverted corners, clip to [0, 1], drop zero-area boxes.

    Returns:
        ``(boxes [R, 4], weighted_scores [R], model_weights [R], model [R], group_start,
        group_labels)``, rows sorted by label (labels in order of first appearance) and
        within a label by descending weighted score, as ensemble-boxes orders them.
    """
    for name, lst in (("boxes_list", boxes_list), ("scores_list", scores_list), ("labels_list", labels_list)):
        if isinstance(lst, (str, bytes)) or not hasattr(lst, "__len__"):
            raise ValueError(f"{name} must be a list with one entry per model")
    m = len(boxes_list)
    if len(scores_list) != m or len(labels_list) != m:
        raise ValueError(
            f"boxes_list, scores_list and labels_list must have one entry per model; "
            f"got {m}, {len(scores_list)} and {len(labels_list)}"
        )
    thr = check_real(skip_box_thr, "skip_box_thr", allow_inf=True)
    parts = []
    for t in range(m):
        b = as_float_array(boxes_list[t], f"boxes_list[{t}]")
        if b.size == 0:
            b = b.reshape(0, 4)
        if b.ndim != 2 or b.shape[1] != 4:
            raise ValueError(f"boxes_list[{t}] must have shape [N, 4], got {b.shape}")
        check_finite(b, f"boxes_list[{t}]")
        s = as_float_array(scores_list[t], f"scores_list[{t}]").reshape(-1)
        if len(s) != len(b):
            raise ValueError(f"scores_list[{t}] has length {len(s)} but boxes_list[{t}] has {len(b)} rows")
        check_finite(s, f"scores_list[{t}]")
        if (s < 0).any():
            raise ValueError(f"scores_list[{t}] must be >= 0, got {s.min()} at index {int(np.argmin(s))}")
        lab = check_labels(np.asarray(labels_list[t]).reshape(-1), f"labels_list[{t}]", len(b), like=f"boxes_list[{t}]")
        x1, x2 = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
        y1, y2 = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
        b = np.clip(np.stack([x1, y1, x2, y2], 1), 0.0, 1.0)
        ok = (s >= thr) & ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) != 0.0)
        parts.append(
            (
                b[ok],
                s[ok] * weights[t],
                np.full(int(ok.sum()), weights[t]),
                np.full(int(ok.sum()), t, np.int64),
                lab[ok],
            )
        )
    boxes, ws, wt, model, lab = (np.concatenate([p[k] for p in parts]) for k in range(5))
    group_labels, first = np.unique(lab, return_index=True)
    group_labels = group_labels[np.argsort(first)]
    rows = [np.flatnonzero(lab == g) for g in group_labels]
    rows = [r[np.argsort(ws[r])[::-1]] for r in rows]  # the peer's (unstable) descending sort
    group_start = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    order = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
    return (np.ascontiguousarray(boxes[order]), ws[order], wt[order], model[order], group_start, group_labels)


def weighted_boxes_fusion(
    boxes_list: Sequence[ArrayLike],
    scores_list: Sequence[ArrayLike],
    labels_list: Sequence[ArrayLike],
    weights: Sequence[float] | None = None,
    iou_thr: float = 0.55,
    skip_box_thr: float = 0.0,
    conf_type: str = "avg",
    allows_overflow: bool = False,
) -> tuple[Array, Array, Array]:
    """Weighted boxes fusion (Solovyev, Wang and Gabruseva 2021) of several models' boxes.

    Per label, boxes of all models are visited by descending ``score * weight``; each joins
    the cluster whose fused box overlaps it most when that IoU is > ``iou_thr``, else starts
    a new cluster. A fused box is the score-weighted mean of its members' corners. Its
    confidence is the members' mean weighted score (``max``: their maximum), then rescaled:

    - ``avg``: times ``min(M, n) / sum(weights)`` (``n / sum(weights)`` with
      ``allows_overflow``), for a cluster of n boxes from M models;
    - ``max``: divided by ``max(weights)``;
    - ``box_and_model_avg``: times ``n / (members' weight sum)``, times the weight sum of
      the distinct models present over ``sum(weights)``;
    - ``absent_model_aware_avg``: times ``n / (members' weight sum + absent models' weights)``.

    Compatibility: ``ensemble_boxes.weighted_boxes_fusion``: same inputs, the same output
    rows in the same order, values equal to float32 precision (fused values are rounded to
    float32 as that package stores them). Like it, boxes are clipped to [0, 1] and inverted
    corners are swapped; zero-area boxes and scores below ``skip_box_thr`` are dropped.
    Scores must be >= 0; a cluster whose scores are all 0 keeps its first box (the peer
    returns NaN there).

    Args:
        boxes_list: M arrays ``[N_m, 4]``, normalised xyxy, one per model.
        scores_list: M arrays ``[N_m]``; labels_list: M integer arrays ``[N_m]``.
        weights: ``[M]`` positive model weights (default all 1).
        iou_thr: in [0, 1]; skip_box_thr: real.
        conf_type: one of ``avg``, ``max``, ``box_and_model_avg``, ``absent_model_aware_avg``.
        allows_overflow: with ``avg``, let confidences exceed 1.

    Returns:
        ``(boxes [K, 4] float64, scores [K] float64, labels [K] int64)``, by descending score.
    """
    check_choice(conf_type, "conf_type", CONF_TYPES)
    t = check_unit(iou_thr, "iou_thr")
    w = _check_weights(weights, len(boxes_list))
    boxes, ws, wt, model, group_start, group_labels = _gather(boxes_list, scores_list, labels_list, w, skip_box_thr)
    fused, conf, wsum, size, cluster = wbf_clusters(boxes, ws, wt, group_start, t, conf_type == "max")
    present = np.zeros((len(conf), len(w)), bool)
    present[cluster, model] = True
    if conf_type == "box_and_model_avg":
        conf = conf * size / wsum * np.where(present, w, 0.0).sum(1) / w.sum()
    elif conf_type == "absent_model_aware_avg":
        conf = conf * size / (wsum + np.where(present, 0.0, w).sum(1))
    elif conf_type == "max":
        conf = conf / w.max()
    elif allows_overflow:
        conf = conf * size / w.sum()
    else:
        conf = conf * np.minimum(len(w), size) / w.sum()
    order = np.argsort(conf)[::-1]
    return fused[order], conf[order], _cluster_labels(cluster, group_start, group_labels, len(conf))[order]


def non_maximum_weighted(
    boxes_list: Sequence[ArrayLike],
    scores_list: Sequence[ArrayLike],
    labels_list: Sequence[ArrayLike],
    weights: Sequence[float] | None = None,
    iou_thr: float = 0.55,
    skip_box_thr: float = 0.0,
) -> tuple[Array, Array, Array]:
    """Non-maximum weighting (Zhou et al. 2017, "CAD: Scale Invariant Framework for
    Real-Time Object Detection") of several models' boxes.

    Model weights are divided by their maximum. Per label, boxes are visited by descending
    ``score * weight``; each joins the cluster whose first (highest-scored) box overlaps it
    most when that IoU is > ``iou_thr``, else starts a cluster. A cluster's output box is
    the mean of its members' corners weighted by ``score * weight * IoU(member, first)``;
    its score is the first box's weighted score.

    Compatibility: ``ensemble_boxes.non_maximum_weighted``: same inputs, the same output
    rows in the same order, values equal to float32 precision (that package computes them
    in float32). Boxes are clipped to [0, 1] and inverted corners swapped; zero-area boxes
    and scores below ``skip_box_thr`` are dropped. Scores must be >= 0; a cluster whose
    scores are all 0 keeps its first box (the peer returns NaN there).

    Args:
        boxes_list, scores_list, labels_list, weights, iou_thr, skip_box_thr: as in
            :func:`weighted_boxes_fusion`.

    Returns:
        ``(boxes [K, 4] float64, scores [K] float64, labels [K] int64)``, by descending score.
    """
    t = check_unit(iou_thr, "iou_thr")
    w = _check_weights(weights, len(boxes_list))
    boxes, ws, _, _, group_start, group_labels = _gather(
        boxes_list, scores_list, labels_list, w / w.max(), skip_box_thr
    )
    fused, conf, cluster = nmw_clusters(boxes, ws, group_start, t)
    order = np.argsort(conf)[::-1]  # float32 scores, sorted as the peer sorts them
    return (
        fused[order].astype(np.float64),
        conf[order].astype(np.float64),
        _cluster_labels(cluster, group_start, group_labels, len(conf))[order],
    )


def _cluster_labels(cluster, group_start, group_labels, n_clusters):
    """The label ``[C]`` of each cluster, from the cluster of each row."""
    labels = np.empty(n_clusters, np.int64)
    labels[cluster] = np.repeat(group_labels, np.diff(group_start))
    return labels
