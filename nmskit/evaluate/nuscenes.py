"""The nuScenes detection evaluation (mAP, TP errors, NDS), reproduced exactly and vectorised.

Protocol, as in nuscenes-devkit's ``DetectionEval`` with the ``detection_cvpr_2019`` config:

1. Filtering (predictions and ground truth alike): a box is kept when its ground-plane
   distance from the ego vehicle is below its class range (50 m vehicles, 40 m pedestrians
   and cycles, 30 m cones and barriers) and it does not have ``num_pts == 0``. The official
   bicycle-rack filter (dropping bicycles and motorcycles inside rack annotations) needs the
   nuScenes map of rack boxes and is **not applied** here.
2. Matching, per class and threshold t in {0.5, 1, 2, 4} m: predictions by descending
   score (equal scores: the one later in the results file first) each take the nearest
   untaken ground truth of the same sample and class by BEV centre distance, if < t.
3. Precision/recall from cumulative TP/FP, interpolated onto 101 recall points with
   ``np.interp(..., right=0)``; AP = mean over points 11..100 of ``max(p - 0.1, 0)`` / 0.9.
4. TP errors at t = 2 m, each a cumulative mean re-sampled on the confidence axis and
   averaged over recall points 11..max recall (1 when the max recall is below 0.1):
   ATE centre distance, ASE ``1 - IoU`` of aligned sizes, AOE yaw difference (period pi for
   barrier), AVE velocity L2, AAE ``1 -`` attribute accuracy (ground truth without an
   attribute is ignored). Undefined by rule: AOE/AVE/AAE for traffic_cone, AVE/AAE for barrier.
5. mAP = mean over classes of the mean AP over thresholds; NDS = (5 mAP + sum of
   ``max(0, 1 - mean error)`` over the five TP errors) / 10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array, check_positive, check_real, check_unit
from ..data.detections3d import Detections3D
from ..data.ego import with_ego
from ..data.nuscenes_classes import CLASS_RANGE, DETECTION_NAMES, MAX_BOXES_PER_SAMPLE, NO_ATTRIBUTE
from ..geometry.yaw import angle_diff
from ._nuscenes_match import match_greedy
from .nuscenes_result import TP_METRICS, NuScenesDetectionResult

DIST_THRESHOLDS = (0.5, 1.0, 2.0, 4.0)
NELEM = 101


def nuscenes_detection(
    predictions: Detections3D,
    ground_truth: Detections3D,
    *,
    ego_poses: Mapping[str, ArrayLike] | None = None,
    class_range: Mapping[str, float] | None = None,
    dist_thresholds: Sequence[float] = DIST_THRESHOLDS,
    dist_threshold_tp: float = 2.0,
    min_recall: float = 0.1,
    min_precision: float = 0.1,
    mean_ap_weight: float = 5,
    max_boxes_per_sample: int = MAX_BOXES_PER_SAMPLE,
) -> NuScenesDetectionResult:
    """Evaluate 3-D detections with the official nuScenes detection protocol.

    Args:
        predictions: detections; every sample they name must be in the ground truth's
            sample table. Rows with unknown ``ego`` get it from ``ego_poses`` or, failing
            that, from the sample's ground truth (:func:`nmskit.data.with_ego`).
        ground_truth: boxes with ``ego`` known; ``num_pts == 0`` boxes are ignored.
            Samples listed without boxes count (their predictions are false positives).
        ego_poses: optional ``{sample_token: (x, y, z)}`` ego positions.
        class_range: ``{class_name: metres}`` (default: the official ranges).
        dist_thresholds, dist_threshold_tp, min_recall, min_precision, mean_ap_weight:
            the protocol constants (defaults: the official ones).
        max_boxes_per_sample: more predictions than this in one sample raises.

    Returns:
        :class:`NuScenesDetectionResult` with mAP, NDS, per-class AP per threshold, TP
        errors and the interpolated PR and error curves.
    """
    pred, gt = _checked(predictions, ground_truth, max_boxes_per_sample)
    ranges = dict(CLASS_RANGE if class_range is None else class_range)
    if set(ranges) != set(DETECTION_NAMES):
        raise ValueError(f"class_range must give a range for each of {list(DETECTION_NAMES)}")
    ranges = {name: check_positive(r, f"class_range[{name!r}]") for name, r in ranges.items()}
    ths = as_float_array(dist_thresholds, "dist_thresholds")
    if ths.ndim != 1 or not len(ths) or not np.isfinite(ths).all() or not (ths > 0).all():
        raise ValueError(f"dist_thresholds must be a non-empty list of finite distances > 0, got {dist_thresholds!r}")
    if check_positive(dist_threshold_tp, "dist_threshold_tp") not in ths:
        raise ValueError(f"dist_threshold_tp {dist_threshold_tp} must be one of dist_thresholds {ths.tolist()}")
    if not 0 <= check_real(min_precision, "min_precision") < 1:
        raise ValueError(f"min_precision must lie in [0, 1), got {min_precision}")
    check_unit(min_recall, "min_recall")
    if check_real(mean_ap_weight, "mean_ap_weight") < 0:
        raise ValueError(f"mean_ap_weight must be >= 0, got {mean_ap_weight}")
    sample_of = _pred_samples(pred, gt)
    pred_ego = with_ego(pred, gt, ego_poses, name="predictions").ego
    limit = np.array([ranges[c] for c in DETECTION_NAMES], np.float64)
    pkeep = _in_range(pred_ego, pred.label, limit) & (pred.num_pts != 0)
    gkeep = _in_range(gt.ego, gt.label, limit) & (gt.num_pts != 0)

    # Ground truth grouped by (sample, class), in the official order within a sample.
    n_cls = len(DETECTION_NAMES)
    g_rows = np.flatnonzero(gkeep)
    g_group = gt.sample[g_rows] * n_cls + gt.label[g_rows]
    g_rows = g_rows[np.argsort(g_group, kind="stable")]
    counts = np.bincount(gt.sample[g_rows] * n_cls + gt.label[g_rows], minlength=len(gt.sample_tokens) * n_cls)
    gt_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    npos = np.bincount(gt.label[g_rows], minlength=n_cls)

    # Predictions by class, then descending score, then later-in-file first.
    p_rows = np.flatnonzero(pkeep)
    file_pos = np.lexsort((p_rows, pred.sample[p_rows]))  # sample-table order, then row
    position = np.empty(len(p_rows), np.int64)
    position[file_pos] = np.arange(len(p_rows))
    p_rows = p_rows[np.lexsort((-position, -pred.score[p_rows], pred.label[p_rows]))]
    p_group = sample_of[p_rows] * n_cls + pred.label[p_rows]
    matched, dist = match_greedy(
        p_group,
        np.ascontiguousarray(pred.center[p_rows, :2]),
        gt_start,
        np.ascontiguousarray(gt.center[g_rows, :2]),
        ths,
    )

    p_label = pred.label[p_rows]
    bounds = np.searchsorted(p_label, np.arange(n_cls + 1))
    curves = np.empty((n_cls, len(ths), 2 + len(TP_METRICS), NELEM))
    for c in range(n_cls):
        lo, hi = bounds[c], bounds[c + 1]
        for t in range(len(ths)):
            m = matched[t, lo:hi]
            hit = m >= 0
            if npos[c] == 0 or not hit.any():
                curves[c, t] = _no_predictions()
                continue
            rows_p = p_rows[lo:hi][hit]
            rows_g = g_rows[m[hit]]
            errors = _tp_errors(
                pred, gt, rows_p, rows_g, dist[t, lo:hi][hit], np.pi if DETECTION_NAMES[c] == "barrier" else 2 * np.pi
            )
            curves[c, t] = _curves(hit, pred.score[p_rows[lo:hi]], npos[c], errors)
    return NuScenesDetectionResult.from_curves(
        curves,
        tuple(float(t) for t in ths),
        float(dist_threshold_tp),
        float(min_recall),
        float(min_precision),
        mean_ap_weight,
    )


def _checked(pred, gt, max_boxes):
    for obj, name in ((pred, "predictions"), (gt, "ground_truth")):
        if not isinstance(obj, Detections3D):
            raise ValueError(f"{name} must be a Detections3D, got {type(obj).__name__}")
    if max_boxes is not None and len(pred):
        per_sample = np.bincount(pred.sample, minlength=len(pred.sample_tokens))
        if per_sample.max() > max_boxes:
            s = int(np.argmax(per_sample))
            raise ValueError(
                f"predictions: sample {pred.sample_tokens[s]!r} has {per_sample[s]} "
                f"boxes; at most {max_boxes} are allowed per sample"
            )
    if len(gt) and np.isnan(gt.ego).any():
        row = int(np.argmax(np.isnan(gt.ego).any(axis=1)))
        raise ValueError(f"ground_truth row {row} has no ego (box centre relative to the ego vehicle)")
    if len(pred) and (pred.size <= 0).any():
        row = int(np.argmax((pred.size <= 0).any(axis=1)))
        raise ValueError(f"predictions row {row}: size must be > 0 in every dimension")
    if len(gt) and (gt.size <= 0).any():
        row = int(np.argmax((gt.size <= 0).any(axis=1)))
        raise ValueError(f"ground_truth row {row}: size must be > 0 in every dimension")
    return pred, gt


def _pred_samples(pred, gt) -> np.ndarray:
    """Prediction rows -> index into the ground truth's sample table."""
    index = {t: i for i, t in enumerate(gt.sample_tokens)}
    used = np.unique(pred.sample)
    table = np.full(len(pred.sample_tokens), -1, np.int64)
    for s in used:
        token = pred.sample_tokens[s]
        if token not in index:
            raise ValueError(f"predictions: sample {token!r} is not in the ground truth")
        table[s] = index[token]
    return table[pred.sample]


def _in_range(ego, label, limit) -> np.ndarray:
    return np.sqrt(ego[:, 0] ** 2 + ego[:, 1] ** 2) < limit[label]


def _tp_errors(pred, gt, rp, rg, dist, period) -> np.ndarray:
    """``[5, K]`` errors of the K matches (ATE, ASE, AOE, AVE, AAE; NaN where undefined)."""
    dv = pred.velocity[rp] - gt.velocity[rg]
    sp, sg = pred.size[rp], gt.size[rg]
    inter = np.prod(np.minimum(sp, sg), axis=1)
    scale = 1 - inter / (np.prod(sg, axis=1) + np.prod(sp, axis=1) - inter)
    orient = np.abs(angle_diff(gt.yaw[rg], pred.yaw[rp], period))
    ga = gt.attribute[rg]
    attr = np.where(ga == NO_ATTRIBUTE, np.nan, 1 - (ga == pred.attribute[rp]).astype(float))
    return np.stack([dist, scale, orient, np.sqrt(dv[:, 0] ** 2 + dv[:, 1] ** 2), attr])


def _cummean(x) -> np.ndarray:
    """Running mean ignoring NaN (0 before the first value; all ones if all NaN)."""
    valid = ~np.isnan(x)
    if not valid.any():
        return np.ones(len(x))
    total = np.nancumsum(x)
    count = np.cumsum(valid)
    return np.divide(total, count, out=np.zeros_like(total), where=count != 0)


def _curves(hit, conf, npos, errors) -> np.ndarray:
    """``[7, 101]``: precision, confidence and the five error curves on the recall grid."""
    tp = np.cumsum(hit).astype(float)
    fp = np.cumsum(~hit).astype(float)
    rec = tp / float(npos)
    grid = np.linspace(0, 1, NELEM)
    prec = np.interp(grid, rec, tp / (fp + tp), right=0)
    conf_i = np.interp(grid, rec, conf, right=0)
    match_conf = conf[hit][::-1]
    out = [prec, conf_i]
    for e in errors:
        out.append(np.interp(conf_i[::-1], match_conf, _cummean(e)[::-1])[::-1])
    return np.stack(out)


def _no_predictions() -> np.ndarray:
    out = np.ones((2 + len(TP_METRICS), NELEM))
    out[:2] = 0.0
    return out
