"""The 3-D simulator's scene and detector model: determinism, composition, scale."""

import numpy as np
import pytest

from nmskit.bench.rescoring import close_pedestrian_share
from nmskit.data import DETECTION_NAMES as CLASSES
from nmskit.data.sim import detector_model, simulate_columns


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
    car, cv, bike = (
        counts[CLASSES.index("car")],
        counts[CLASSES.index("construction_vehicle")],
        counts[CLASSES.index("bicycle")],
    )
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


@pytest.mark.slow
def test_crowd_spacing_packs_crowds_closer_than_the_nms_radius():
    loose = simulate_columns(60, seed=7, crowd_rate=3)[1]
    dense = simulate_columns(60, seed=7, crowd_rate=3, crowd_spacing=0.4)[1]
    wide = simulate_columns(60, seed=7, crowd_rate=3, crowd_spacing=1.0)[1]
    assert close_pedestrian_share(loose) < 0.15 < 0.4 < close_pedestrian_share(dense)
    assert close_pedestrian_share(wide) < 0.05  # the option sets the spacing, both ways
    ped = CLASSES.index("pedestrian")
    assert abs(np.sum(dense["label"] == ped) / np.sum(loose["label"] == ped) - 1) < 0.2  # as many people


def _nearest_gt(pre, gt):
    """Per candidate: distance to the nearest ground-truth object of its frame (any class)."""
    out = np.full(len(pre["x"]), np.inf)
    for f in np.unique(pre["frame"]):
        p, g = pre["frame"] == f, gt["frame"] == f
        if g.any():
            d = np.hypot(pre["x"][p, None] - gt["x"][None, g], pre["y"][p, None] - gt["y"][None, g])
            out[p] = d.min(axis=1)
    return out


def test_structure_false_positives_come_in_clusters_and_vanish_when_rejected():
    pre, gt = simulate_columns(60, seed=11)
    far = _nearest_gt(pre, gt) > 5.0  # no object within 5 m: a structure (or a ghost) was detected
    assert far.mean() > 0.02  # about 4 % of all candidates
    # a structure yields a cluster of candidates, as a real object does: most such
    # candidates have another candidate of their class within 1 m
    xy = np.c_[pre["x"], pre["y"]]
    rows = np.flatnonzero(far & (pre["score"] > 0.2))
    company = [
        np.any(
            (pre["frame"] == pre["frame"][i])
            & (pre["label"] == pre["label"][i])
            & (np.hypot(*(xy - xy[i]).T) < 1.0)
            & (np.arange(len(xy)) != i)
        )
        for i in rows
    ]
    assert np.mean(company) > 0.5
    clean, _ = simulate_columns(60, seed=11, model=detector_model(structure_penalty=50.0, ghost=0.0))
    assert (_nearest_gt(clean, gt) > 5.0).mean() < far.mean() / 10


def test_localisation_error_grows_with_range():
    pre, gt = simulate_columns(150, seed=12)
    car = CLASSES.index("car")
    near, far = [], []
    for f in range(150):
        p = np.flatnonzero((pre["frame"] == f) & (pre["label"] == car))
        for j in np.flatnonzero((gt["frame"] == f) & (gt["label"] == car) & (gt["num_pts"] > 0)):
            close = p[np.hypot(pre["x"][p] - gt["x"][j], pre["y"][p] - gt["y"][j]) < 2.0]
            if len(close):
                peak = close[np.argmax(pre["score"][close])]  # the cluster's centre cell
                r = np.hypot(gt["x"][j], gt["y"][j])
                err = np.hypot(pre["x"][peak] - gt["x"][j], pre["y"][peak] - gt["y"][j])
                (near if r < 15 else far if r > 35 else []).append(err)
    assert len(near) > 50 and len(far) > 50
    assert np.median(far) > 2 * np.median(near)
