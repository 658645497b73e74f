"""The simulator's acceptance test: CircleNMS on the shipped defaults reproduces the
published CircleNMS operating point (Table II of the learned-NMS paper), and
Soft-CircleNMS falls below it, as in the paper."""
import numpy as np
import pytest

from nmskit.bench.calibration import PAPER_CIRCLE_AP, PAPER_CIRCLE_MAP, simulated_ap
from nmskit.data import DETECTION_NAMES

TARGET = np.array([PAPER_CIRCLE_AP[c] for c in DETECTION_NAMES])

# Seed-to-seed standard deviation of per-class AP at 400 frames, measured over seeds 1-8
# (nuScenes class order); rare classes vary most. The tolerance at 400 frames is the
# 1000-frame bound plus three of these.
SPREAD_400 = np.array([0.3, 1.9, 2.8, 2.3, 3.0, 0.8, 3.6, 2.1, 1.2, 1.6])
MAP_SPREAD_400 = 0.61


@pytest.mark.slow
def test_default_calibration_seed0_1000_frames():
    ap, m = simulated_ap(1000, seed=0)
    assert np.all(np.abs(ap - TARGET) <= 8.0), dict(zip(DETECTION_NAMES, np.round(ap - TARGET, 2)))
    assert abs(m - PAPER_CIRCLE_MAP) <= 3.0
    assert simulated_ap(1000, seed=0, method="soft-circle")[1] < m


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_calibration_holds_for_other_seeds(seed):
    ap, m = simulated_ap(400, seed=seed)
    assert np.all(np.abs(ap - TARGET) <= 8.0 + 3 * SPREAD_400), dict(zip(DETECTION_NAMES, np.round(ap - TARGET, 2)))
    assert abs(m - PAPER_CIRCLE_MAP) <= 3.0 + 3 * MAP_SPREAD_400
