"""The simulator's acceptance test: CircleNMS on the shipped defaults reproduces the
published CircleNMS operating point (Tables I and II of the learned-NMS paper) on seeds
the calibration never used (it tuned on seeds 100 and 101)."""

import numpy as np
import pytest

from nmskit.bench.calibration import PAPER_CIRCLE_AP, PAPER_CIRCLE_MAP, simulated_ap
from nmskit.data import DETECTION_NAMES
from nmskit.data.sim import simulate_centerpoint
from nmskit.evaluate import nuscenes_detection
from nmskit.suppress.centerpoint import centerpoint_nms

TARGET = np.array([PAPER_CIRCLE_AP[c] for c in DETECTION_NAMES])
PAPER_TP_ERRORS = np.array([29.05, 25.35, 32.88, 28.52])  # Table I, CircleNMS: ATE, ASE, AOE, AVE (x 100)

# Seed-to-seed standard deviation of CircleNMS AP at 400 frames over the held-out seeds
# 200-207 (nuScenes class order); rare classes vary most.
SPREAD_400 = np.array([0.4, 1.82, 1.08, 1.59, 3.08, 0.58, 2.97, 5.76, 1.34, 1.18])
MAP_SPREAD_400 = 0.61


@pytest.mark.slow
def test_acceptance_on_held_out_seeds():
    """The issue's goal, on the acceptance seeds 200-203 (400 frames each): mAP within 2,
    every class within 6 AP and the TP errors within 3 points of the paper."""
    aps, maps, errors = [], [], []
    for seed in (200, 201, 202, 203):
        pre, gt = simulate_centerpoint(400, seed)
        result = nuscenes_detection(centerpoint_nms(pre, method="circle"), gt)
        aps.append(100 * np.array(list(result.class_ap().values())))
        maps.append(100 * result.mean_ap)
        errors.append(100 * result.mean_tp_errors[:4])
    ap, m, err = np.mean(aps, axis=0), np.mean(maps), np.mean(errors, axis=0)
    assert np.all(np.abs(ap - TARGET) <= 6.0), dict(zip(DETECTION_NAMES, np.round(ap - TARGET, 2)))
    assert abs(m - PAPER_CIRCLE_MAP) <= 2.0
    assert np.all(np.abs(err - PAPER_TP_ERRORS) <= 3.0), np.round(err - PAPER_TP_ERRORS, 2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [208, 209])
def test_calibration_holds_for_other_seeds(seed):
    """One more held-out seed at a time, within the goal plus three measured deviations."""
    ap, m = simulated_ap(400, seed=seed)
    assert np.all(np.abs(ap - TARGET) <= 6.0 + 3 * SPREAD_400), dict(zip(DETECTION_NAMES, np.round(ap - TARGET, 2)))
    assert abs(m - PAPER_CIRCLE_MAP) <= 2.0 + 3 * MAP_SPREAD_400
