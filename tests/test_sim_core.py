"""The 3-D simulator's scene and detector model: determinism, composition, scale."""
import numpy as np

from nmskit.bench.rescoring import close_pedestrian_share
from nmskit.data import DETECTION_NAMES as CLASSES
from nmskit.data.sim import simulate_columns


def test_same_seed_same_frames_other_seed_other_frames():
    a_pre, a_gt = simulate_columns(20, seed=3)
    b_pre, b_gt = simulate_columns(20, seed=3)
    c_pre, _ = simulate_columns(20, seed=4)
    for k in a_pre:
        np.testing.assert_array_equal(a_pre[k], b_pre[k])
    for k in a_gt:
        np.testing.assert_array_equal(a_gt[k], b_gt[k])
    assert len(c_pre["x"]) != len(a_pre["x"]) or not np.array_equal(c_pre["x"], a_pre["x"])


def test_scene_composition_and_detector_output():
    pre, gt = simulate_columns(200, seed=0)
    counts = np.bincount(gt["label"], minlength=len(CLASSES))
    car, cv, bike = counts[CLASSES.index("car")], counts[CLASSES.index("construction_vehicle")], counts[CLASSES.index("bicycle")]
    assert car == counts.max() and cv < car / 10 and bike < car / 10  # car dominates, rare classes rare
    per_frame = np.bincount(pre["frame"], minlength=200)
    assert 100 < np.median(per_frame) < 3000  # several hundred to a few thousand candidates
    assert pre["score"].min() >= 0.1 and pre["score"].max() < 1.0  # CenterPoint's 0.1 threshold
    assert np.all(np.diff(pre["frame"]) >= 0)  # grouped by frame
    assert (gt["num_pts"] == 0).any() and (gt["num_pts"] > 0).mean() > 0.7  # some invisible objects
    ped = gt["label"] == CLASSES.index("pedestrian")
    # crowds: some pedestrians stand closer than CenterPoint's pedestrian radius (sqrt 0.175 m)
    close = 0
    for f in np.unique(gt["frame"][ped]):
        p = np.c_[gt["x"], gt["y"]][ped & (gt["frame"] == f)]
        d = np.hypot(*(p[:, None] - p[None]).transpose(2, 0, 1))
        close += int((d[np.triu_indices(len(p), 1)] < np.sqrt(0.175)).sum())
    assert close > 0


def test_crowd_spacing_packs_crowds_closer_than_the_nms_radius():
    loose = simulate_columns(60, seed=7, crowd_rate=3)[1]
    dense = simulate_columns(60, seed=7, crowd_rate=3, crowd_spacing=0.4)[1]
    wide = simulate_columns(60, seed=7, crowd_rate=3, crowd_spacing=1.0)[1]
    assert close_pedestrian_share(loose) < 0.15 < 0.4 < close_pedestrian_share(dense)
    assert close_pedestrian_share(wide) < 0.05  # the option sets the spacing, both ways
    ped = CLASSES.index("pedestrian")
    assert abs(np.sum(dense["label"] == ped) / np.sum(loose["label"] == ped) - 1) < 0.2  # as many people
