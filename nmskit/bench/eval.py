"""``nmskit bench eval``: the nuScenes detection evaluation against nuscenes-devkit.

Both evaluate the same random nuScenes-like set (1000 samples; 200 with ``--quick``). The
devkit is timed on its accumulation and metric steps (``accumulate`` for every class and
threshold, ``calc_ap``, ``calc_tp``) with its boxes already built and filtered; nmskit is
timed on the whole of ``nuscenes_detection``, filtering included. Before timing, every AP
and TP error is checked to agree to 1e-9.
"""

from __future__ import annotations

import numpy as np

from .._table import format_table
from ..data.random3d import random_detection_set
from ..evaluate import nuscenes_detection
from .timing import median_seconds


def _devkit(pred, gt):
    """The devkit's evaluation steps as a callable, on its own box classes."""
    from nuscenes.eval.common.config import config_factory
    from nuscenes.eval.common.data_classes import EvalBoxes
    from nuscenes.eval.detection.algo import accumulate, calc_ap, calc_tp
    from nuscenes.eval.detection.constants import TP_METRICS
    from nuscenes.eval.detection.data_classes import DetectionBox, DetectionMetrics

    from ..data.nuscenes_classes import ATTRIBUTE_NAMES, DETECTION_NAMES
    from ..geometry.yaw import yaw_to_quaternion

    cfg = config_factory("detection_cvpr_2019")

    def boxes(d, is_gt):
        keep = d.ego_distance() < np.array([cfg.class_range[n] for n in DETECTION_NAMES])[d.label]
        keep &= d.num_pts != 0
        out = EvalBoxes()
        q = yaw_to_quaternion(d.yaw)
        for token, rows in zip(d.sample_tokens, np.split(*_grouped(d))):
            out.add_boxes(
                token,
                [
                    DetectionBox(
                        sample_token=token,
                        translation=tuple(d.center[i]),
                        size=tuple(d.size[i]),
                        rotation=tuple(q[i]),
                        velocity=tuple(d.velocity[i]),
                        ego_translation=tuple(d.ego[i]),
                        num_pts=int(d.num_pts[i]),
                        detection_name=DETECTION_NAMES[d.label[i]],
                        detection_score=-1.0 if is_gt else float(d.score[i]),
                        attribute_name="" if d.attribute[i] < 0 else ATTRIBUTE_NAMES[d.attribute[i]],
                    )
                    for i in rows
                    if keep[i]
                ],
            )
        return out

    pb, gb = boxes(pred, False), boxes(gt, True)

    def run():
        metrics = DetectionMetrics(cfg)
        for name in cfg.class_names:
            for th in cfg.dist_ths:
                md = accumulate(gb, pb, name, cfg.dist_fcn_callable, th)
                metrics.add_label_ap(name, th, calc_ap(md, cfg.min_recall, cfg.min_precision))
                if th == cfg.dist_th_tp:
                    for m in TP_METRICS:
                        undefined = (name == "traffic_cone" and m in ("attr_err", "vel_err", "orient_err")) or (
                            name == "barrier" and m in ("attr_err", "vel_err")
                        )
                        metrics.add_label_tp(name, m, np.nan if undefined else calc_tp(md, cfg.min_recall, m))
        return metrics

    return run


def _grouped(d):
    order, start = d.sample_groups()
    return order, start[1:-1]


def run(quick: bool = False) -> None:
    n = 200 if quick else 1000
    pred, gt = random_detection_set(0, n_samples=n, objects=(20, 60))
    print(f"nuScenes detection evaluation: {n} samples, {len(pred)} predictions, {len(gt)} GT boxes")
    ours = nuscenes_detection(pred, gt)
    try:
        devkit = _devkit(pred, gt)
    except ImportError:
        print("nuscenes-devkit not installed: skipped")
        return
    ref = devkit()
    if abs(ref.mean_ap - ours.mean_ap) > 1e-9 or abs(ref.nd_score - ours.nds) > 1e-9:
        print(f"devkit disagrees (mAP {ref.mean_ap} vs {ours.mean_ap}): not timed")
        return
    t_ours = median_seconds(lambda: nuscenes_detection(pred, gt), repeats=5)
    t_ref = median_seconds(devkit, repeats=1, warmup=0)
    rows = [
        ["nmskit nuscenes_detection", f"{1e3 * t_ours:.1f}", "1.0"],
        ["nuscenes-devkit accumulate + calc_ap + calc_tp", f"{1e3 * t_ref:.1f}", f"{t_ref / t_ours:.0f}x slower"],
    ]
    print(format_table(["implementation", "ms", "vs nmskit"], rows))
    print(f"mAP {ours.mean_ap:.6f} and NDS {ours.nds:.6f} agree with the devkit to 1e-9")
