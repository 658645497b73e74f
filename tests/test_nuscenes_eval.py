"""nuscenes_detection against nuscenes-devkit's own accumulate / calc_ap / calc_tp /
DetectionMetrics, number by number, to 1e-9."""

import json

import numpy as np
import pytest

from nmskit.data import DETECTION_NAMES, Detections3D
from nmskit.evaluate import nuscenes_detection
from nmskit.evaluate.nuscenes_result import TP_METRICS

from .nuscenes_devkit import devkit_evaluate, scene

pytest.importorskip("nuscenes")

SCENES = {
    "random": dict(seed=11, n_samples=60),
    "ties-lattice": dict(seed=12, score_levels=4, grid=True),
    "few-levels-dense": dict(seed=13, score_levels=2, grid=True, objects=(20, 60), n_samples=20),
    "empty-classes": dict(seed=14, drop_gt=("bus", "trailer"), drop_pred=("construction_vehicle",), score_levels=10),
    "no-predictions-half": dict(seed=15, n_samples=30, empty_samples=15),
    "sparse": dict(seed=16, objects=(0, 4), n_samples=50),
}


def assert_same_as_devkit(result, data, metrics):
    for c, name in enumerate(DETECTION_NAMES):
        for i, th in enumerate(result.dist_thresholds):
            md = data[name, th]
            for k, key in enumerate(("precision", "confidence") + TP_METRICS):
                np.testing.assert_allclose(
                    result.curves[c, i, k], getattr(md, key), rtol=0, atol=1e-9, err_msg=f"{name} {th} {key}"
                )
            np.testing.assert_allclose(md.recall, np.linspace(0, 1, 101), rtol=0, atol=0)
            assert abs(result.ap[c, i] - metrics.get_label_ap(name, th)) <= 1e-9
        for k, metric in enumerate(TP_METRICS):
            ref = metrics.get_label_tp(name, metric)
            mine = result.tp_errors[c, k]
            assert np.isnan(ref) == np.isnan(mine), (name, metric)
            if not np.isnan(ref):
                assert abs(mine - ref) <= 1e-9, (name, metric, mine, ref)
    for k, metric in enumerate(TP_METRICS):
        assert abs(result.mean_tp_errors[k] - metrics.tp_errors[metric]) <= 1e-9
        assert abs(result.tp_scores[k] - metrics.tp_scores[metric]) <= 1e-9
    assert abs(result.mean_ap - metrics.mean_ap) <= 1e-9
    assert abs(result.nds - metrics.nd_score) <= 1e-9
    for name, value in metrics.mean_dist_aps.items():
        assert abs(result.class_ap()[name] - value) <= 1e-9


@pytest.mark.parametrize("name", SCENES)
def test_every_number_matches_devkit(name):
    pred, gt = scene(**SCENES[name])
    result = nuscenes_detection(pred, gt)
    data, metrics = devkit_evaluate(pred, gt)
    assert_same_as_devkit(result, data, metrics)
    assert 0.0 < result.mean_ap < 1.0


def test_scene_exercises_the_protocol():
    """The synthetic data hits every branch: ties, both filters, NaN velocity, no attribute,
    classes without ground truth and samples without predictions."""
    pred, gt = scene(**SCENES["empty-classes"])
    assert len(np.unique(pred.score)) < len(pred) / 10
    assert (gt.num_pts == 0).any() and (gt.ego_distance() >= 30).any()
    assert np.isnan(gt.velocity).any() and (gt.attribute == -1).any()
    assert not (gt.label == DETECTION_NAMES.index("bus")).any()
    assert set(pred.sample_tokens) == set(gt.sample_tokens)
    assert np.bincount(pred.sample, minlength=len(pred.sample_tokens))[-3:].sum() == 0


def test_equal_scores_visit_the_later_box_first():
    gt = Detections3D.create([[0, 0, 0]], [[1, 2, 1]], [0], ["car"], ego=[[0, 0, 0]], num_pts=[5], sample_tokens=["s"])
    pred = Detections3D.create(
        [[0.3, 0, 0], [0.1, 0, 0]],
        [[1, 2, 1]] * 2,
        [0, 0],
        ["car"] * 2,
        [0.5, 0.5],
        velocity=[[0, 0]] * 2,
        ego=[[0.3, 0, 0], [0.1, 0, 0]],
        sample_tokens=["s"],
    )
    result = nuscenes_detection(pred, gt)
    data, metrics = devkit_evaluate(pred, gt)
    assert_same_as_devkit(result, data, metrics)
    assert result.tp_errors[0, 0] == pytest.approx(0.1)  # the second row took the match


def test_nearest_untaken_ground_truth_is_taken_first_on_distance_ties():
    tokens = ["s"]
    gt = Detections3D.create(
        [[-1, 0, 0], [1, 0, 0]],
        [[1, 1, 1]] * 2,
        [0, 0.5],
        ["car"] * 2,
        ego=[[-1, 0, 0], [1, 0, 0]],
        num_pts=[3, 3],
        sample_tokens=tokens,
    )
    pred = Detections3D.create(
        [[0, 0, 0], [1.4, 0, 0]],
        [[1, 1, 1]] * 2,
        [0, 0],
        ["car"] * 2,
        [0.9, 0.8],
        ego=[[0, 0, 0], [1.4, 0, 0]],
        sample_tokens=tokens,
    )
    result = nuscenes_detection(pred, gt)
    data, metrics = devkit_evaluate(pred, gt)
    assert_same_as_devkit(result, data, metrics)


def test_ego_positions_are_inferred_from_ground_truth():
    pred, gt = scene(seed=21, grid=True, n_samples=20)
    reference = nuscenes_detection(pred, gt)
    unknown = Detections3D(**{**pred.__dict__, "ego": np.full_like(pred.ego, np.nan)})
    with pytest.raises(ValueError, match="sample-21-000.*ego_poses"):
        nuscenes_detection(unknown, gt)  # sample 0 has predictions but no ground truth
    without_gt = set(range(len(gt.sample_tokens))) - set(gt.sample.tolist())
    poses = {
        gt.sample_tokens[s]: (pred.center - pred.ego)[pred.sample == s][0]
        for s in without_gt
        if (pred.sample == s).any()
    }
    inferred = nuscenes_detection(unknown, gt, ego_poses=poses)
    np.testing.assert_array_equal(inferred.curves, reference.curves)
    assert inferred.nds == reference.nds


def test_no_predictions_at_all():
    _, gt = scene(seed=22, n_samples=10)
    result = nuscenes_detection(Detections3D.empty(gt.sample_tokens), gt)
    assert result.mean_ap == 0.0 and np.all(result.tp_errors[~np.isnan(result.tp_errors)] == 1.0)
    assert result.nds == 0.0


@pytest.mark.slow
def test_result_json_and_plots(tmp_path):
    pred, gt = scene(seed=23, n_samples=15)
    result = nuscenes_detection(pred, gt)
    result.write_json(tmp_path / "m.json")
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["mean_ap"] == result.mean_ap and saved["nd_score"] == result.nds
    assert saved["label_tp_errors"]["traffic_cone"]["attr_err"] is None
    assert saved["label_aps"]["car"]["2.0"] == result.ap[0, 2]
    assert len(saved["pr_curves"]["car:0.5"]["precision"]) == 101
    paths = result.plot_pr_curves(tmp_path / "plots")
    assert len(paths) == 11
    import matplotlib.image

    assert matplotlib.image.imread(paths[0]).shape[2] in (3, 4)
    table = result.format_tables()
    assert "mAP" in table and "Barrier" in table and f"{100 * result.mean_ap:.2f}" in table


def test_bad_inputs():
    pred, gt = scene(seed=24, n_samples=5)
    with pytest.raises(ValueError, match="predictions must be a Detections3D"):
        nuscenes_detection([], gt)
    many = Detections3D.create(
        np.zeros((501, 3)),
        np.ones((501, 3)),
        np.zeros(501),
        np.zeros(501, int),
        np.ones(501),
        ego=np.zeros((501, 3)),
        sample_tokens=[gt.sample_tokens[1]],
    )
    with pytest.raises(ValueError, match="has 501 boxes; at most 500"):
        nuscenes_detection(many, gt)
    stranger = Detections3D.create([[0, 0, 0]], [[1, 1, 1]], [0], [0], [1.0], sample_tokens=["other"])
    with pytest.raises(ValueError, match="sample 'other' is not in the ground truth"):
        nuscenes_detection(stranger, gt)
    no_ego = Detections3D(**{**gt.__dict__, "ego": np.full_like(gt.ego, np.nan)})
    with pytest.raises(ValueError, match="ground_truth row 0 has no ego"):
        nuscenes_detection(pred, no_ego)
    flat = Detections3D(**{**pred.__dict__, "size": pred.size * [1, 0, 1]})
    with pytest.raises(ValueError, match="size must be > 0"):
        nuscenes_detection(flat, gt)
    with pytest.raises(ValueError, match="class_range"):
        nuscenes_detection(pred, gt, class_range={"car": 50})
    with pytest.raises(ValueError, match="dist_thresholds"):
        nuscenes_detection(pred, gt, dist_thresholds=(0.5, 1.0), dist_threshold_tp=2.0)
