"""nuscenes-devkit as the test oracle, plus synthetic nuScenes-like scenes.

The devkit's own functions do every step (filtering, accumulate, calc_ap, calc_tp,
DetectionMetrics); only its database access is replaced: the scenes carry their ego-relative
centres, and the bicycle-rack lookup sees no racks (nmskit does not apply that filter).
"""

import numpy as np

from nmskit.data import ATTRIBUTE_NAMES, DETECTION_NAMES, Detections3D
from nmskit.data.random3d import random_detection_set as scene  # noqa: F401 - re-exported for tests
from nmskit.geometry.yaw import yaw_to_quaternion


class _NoRacks:
    """Stands in for the NuScenes database: every sample has no annotations of bike racks."""

    def get(self, table, token):
        return {"anns": []}


def to_eval_boxes(d: Detections3D, ground_truth: bool):
    """Detections3D -> the devkit's EvalBoxes, samples in table order, rows in order."""
    from nuscenes.eval.common.data_classes import EvalBoxes
    from nuscenes.eval.detection.data_classes import DetectionBox

    boxes = EvalBoxes()
    quat = yaw_to_quaternion(d.yaw)
    order, start = d.sample_groups()
    for s, token in enumerate(d.sample_tokens):
        rows = order[start[s] : start[s + 1]]
        boxes.add_boxes(
            token,
            [
                DetectionBox(
                    sample_token=token,
                    translation=tuple(d.center[i].tolist()),
                    size=tuple(d.size[i].tolist()),
                    rotation=tuple(quat[i].tolist()),
                    velocity=tuple(d.velocity[i].tolist()),
                    ego_translation=tuple(d.ego[i].tolist()),
                    num_pts=int(d.num_pts[i]),
                    detection_name=DETECTION_NAMES[d.label[i]],
                    detection_score=-1.0 if ground_truth else float(d.score[i]),
                    attribute_name="" if d.attribute[i] < 0 else ATTRIBUTE_NAMES[d.attribute[i]],
                )
                for i in rows
            ],
        )
    return boxes


def devkit_evaluate(pred: Detections3D, gt: Detections3D):
    """The official pipeline on already ego-annotated boxes.

    Returns:
        ``(metric_data, metrics)``: ``{(class, th): DetectionMetricData}`` and the
        devkit's ``DetectionMetrics``.
    """
    from nuscenes.eval.common.config import config_factory
    from nuscenes.eval.common.loaders import filter_eval_boxes
    from nuscenes.eval.detection.algo import accumulate, calc_ap, calc_tp
    from nuscenes.eval.detection.constants import TP_METRICS
    from nuscenes.eval.detection.data_classes import DetectionMetrics

    cfg = config_factory("detection_cvpr_2019")
    pred_boxes = filter_eval_boxes(_NoRacks(), to_eval_boxes(pred, False), cfg.class_range)
    gt_boxes = filter_eval_boxes(_NoRacks(), to_eval_boxes(gt, True), cfg.class_range)
    data = {}
    metrics = DetectionMetrics(cfg)
    for name in cfg.class_names:
        for th in cfg.dist_ths:
            data[name, th] = accumulate(gt_boxes, pred_boxes, name, cfg.dist_fcn_callable, th)
            metrics.add_label_ap(name, th, calc_ap(data[name, th], cfg.min_recall, cfg.min_precision))
        for metric in TP_METRICS:
            if (name == "traffic_cone" and metric in ("attr_err", "vel_err", "orient_err")) or (
                name == "barrier" and metric in ("attr_err", "vel_err")
            ):
                metrics.add_label_tp(name, metric, np.nan)
            else:
                metrics.add_label_tp(name, metric, calc_tp(data[name, cfg.dist_th_tp], cfg.min_recall, metric))
    return data, metrics
