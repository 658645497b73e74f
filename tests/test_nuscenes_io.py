"""The Detections3D container and nuScenes results / ground-truth files, round trips and
compatibility with nuscenes-devkit's own loaders, and every malformed-input error."""

import json
import math

import numpy as np
import pytest

from nmskit.data import (
    Detections3D,
    read_nuscenes_gt,
    read_nuscenes_results,
    with_ego,
    write_nuscenes_gt,
    write_nuscenes_results,
)
from nmskit.geometry.yaw import angle_diff, quaternion_to_yaw

from .nuscenes_devkit import scene


def _same(a: Detections3D, b: Detections3D, yaw_tol=1e-12):
    assert a.sample_tokens == b.sample_tokens
    for f in ("center", "size", "velocity", "label", "score", "attribute", "sample", "ego", "num_pts"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert np.abs(angle_diff(a.yaw, b.yaw, 2 * np.pi)).max(initial=0) <= yaw_tol


@pytest.fixture(scope="module")
def data():
    return scene(seed=5, n_samples=12)


def test_results_round_trip(tmp_path, data):
    pred, _ = data
    write_nuscenes_results(pred, tmp_path / "r.json", meta={"use_lidar": True})
    back, meta = read_nuscenes_results(tmp_path / "r.json")
    assert meta == {"use_lidar": True}
    _same(back, pred)
    assert len(list(back.per_sample())) == 12  # samples without boxes survive


def test_gt_round_trip(tmp_path, data):
    _, gt = data
    write_nuscenes_gt(gt, tmp_path / "g.json")
    _same(read_nuscenes_gt(tmp_path / "g.json"), gt)
    wrapped = {"meta": {}, "results": json.loads((tmp_path / "g.json").read_text())}
    _same(read_nuscenes_gt(wrapped), gt)


def test_files_load_in_nuscenes_devkit(tmp_path, data):
    pytest.importorskip("nuscenes")
    from nuscenes.eval.common.data_classes import EvalBoxes
    from nuscenes.eval.common.loaders import load_prediction
    from nuscenes.eval.common.utils import quaternion_yaw
    from nuscenes.eval.detection.data_classes import DetectionBox
    from pyquaternion import Quaternion

    pred, gt = data
    write_nuscenes_results(pred, tmp_path / "r.json")
    boxes, _ = load_prediction(str(tmp_path / "r.json"), 500, DetectionBox)
    flat = boxes.all
    assert [b.detection_score for b in flat] == pred.score.tolist()
    yaws = np.array([quaternion_yaw(Quaternion(b.rotation)) for b in flat])
    assert np.abs(angle_diff(yaws, pred.yaw, 2 * np.pi)).max() < 1e-12
    write_nuscenes_gt(gt, tmp_path / "g.json")
    gt_boxes = EvalBoxes.deserialize(json.loads((tmp_path / "g.json").read_text()), DetectionBox)
    assert [b.num_pts for b in gt_boxes.all] == gt.num_pts.tolist()
    # ... and what the devkit writes, nmskit reads.
    (tmp_path / "dk.json").write_text(json.dumps(gt_boxes.serialize()))
    _same(read_nuscenes_gt(tmp_path / "dk.json"), gt, yaw_tol=1e-12)


def test_quaternion_yaw_matches_pyquaternion():
    pyq = pytest.importorskip("pyquaternion")
    from nuscenes.eval.common.utils import quaternion_yaw

    rng = np.random.default_rng(0)
    q = rng.normal(size=(200, 4)) * rng.uniform(0.1, 10, (200, 1))  # unnormalised, any tilt
    ref = [quaternion_yaw(pyq.Quaternion(v)) for v in q]
    np.testing.assert_allclose(quaternion_to_yaw(q), ref, atol=1e-12)


def _box(token="s", **change):
    box = {
        "sample_token": token,
        "translation": [1.0, 2.0, 0.5],
        "size": [1.9, 4.5, 1.6],
        "rotation": [1.0, 0.0, 0.0, 0.0],
        "velocity": [0.0, 0.0],
        "detection_name": "car",
        "detection_score": 0.5,
        "attribute_name": "vehicle.parked",
    }
    box.update(change)
    return {k: v for k, v in box.items() if v is not ...}


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(translation=...), "field 'translation' is missing"),
        (dict(translation=[1, 2]), "field 'translation' must be a list of 3 numbers"),
        (dict(size=["a", 1, 1]), "field 'size' must be a list of 3 numbers"),
        (dict(size=[1, -1, 1]), "field 'size' has a negative entry"),
        (dict(rotation=[0, 0, 0, 0]), "field 'rotation' is the zero quaternion"),
        (dict(rotation=[1, 0, 0, math.nan]), "field 'rotation' is not finite"),
        (dict(velocity=[0.0]), "field 'velocity' must be a list of 2 numbers"),
        (dict(detection_name="tram"), "field 'detection_name' has unknown value 'tram'"),
        (dict(attribute_name="vehicle.flying"), "field 'attribute_name' has unknown value"),
        (dict(detection_score="high"), "field 'detection_score' must be a number"),
        (dict(detection_score=math.nan), "field 'detection_score' is not finite"),
        (dict(sample_token="t"), "field 'sample_token' is 't'"),
    ],
)
def test_malformed_result_box_names_sample_box_and_field(change, message):
    results = {"meta": {}, "results": {"a": [_box("a")], "s": [_box(), _box(**change)]}}
    with pytest.raises(ValueError, match=f"sample 's', box 1: {message}"):
        read_nuscenes_results(results)


def test_results_file_errors(tmp_path):
    with pytest.raises(ValueError, match="has 501 boxes; at most 500"):
        read_nuscenes_results({"results": {"s": [_box()] * 501}})
    dets, _ = read_nuscenes_results({"results": {"s": [_box()] * 501}}, max_boxes_per_sample=None)
    assert len(dets) == 501
    with pytest.raises(ValueError, match="'results' field"):
        read_nuscenes_results({"s": [_box()]})
    with pytest.raises(ValueError, match="sample 's': expected a list"):
        read_nuscenes_results({"results": {"s": _box()}})
    with pytest.raises(ValueError, match="sample 's', box 0: field '\\(box\\)' must be an object"):
        read_nuscenes_results({"results": {"s": [[1, 2]]}})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_nuscenes_results(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="cannot write"):
        write_nuscenes_results(Detections3D.empty(), tmp_path / "missing-dir" / "r.json")


def test_gt_file_errors():
    gt_box = dict(_box(), ego_translation=[1.0, 2.0, 0.0], num_pts=3, detection_score=-1.0)
    assert len(read_nuscenes_gt({"s": [gt_box]})) == 1
    for field, value, message in [
        ("ego_translation", ..., "field 'ego_translation' is missing"),
        ("num_pts", ..., "field 'num_pts' is missing"),
        ("num_pts", 2.5, "field 'num_pts' must be an integer"),
        ("ego_translation", [0, math.nan, 0], "field 'ego_translation' is not finite"),
    ]:
        bad = {k: v for k, v in dict(gt_box, **{field: value}).items() if v is not ...}
        with pytest.raises(ValueError, match=f"sample 's', box 1: {message}"):
            read_nuscenes_gt({"s": [gt_box, bad]})
    with pytest.raises(ValueError, match="ground truth row 0 has no ego"):
        write_nuscenes_gt(Detections3D.create([[0, 0, 0]], [[1, 1, 1]], [0], [0]), "unused.json")


def test_container_selection_views_and_concat():
    pred, _ = scene(seed=6, n_samples=6)
    top = pred[pred.score > 0.5]
    assert (top.score > 0.5).all() and top.sample_tokens == pred.sample_tokens
    assert len(pred[3]) == 1 and pred[3].center[0].tolist() == pred.center[3].tolist()
    views = dict(pred.per_sample())
    assert sum(len(v) for v in views.values()) == len(pred)
    token = pred.sample_tokens[2]
    np.testing.assert_array_equal(pred.sample_view(token).center, views[token].center)
    halves = Detections3D.concat([pred[pred.sample >= 3], pred[pred.sample < 3]])
    assert halves.sample_tokens == pred.sample_tokens  # merged by token
    assert sorted(halves.score.tolist()) == sorted(pred.score.tolist())
    order, start = halves.sample_groups()
    assert len(start) == len(pred.sample_tokens) + 1
    assert (np.diff(halves.sample[order]) >= 0).all()
    np.testing.assert_array_equal(pred.bev(), np.c_[pred.x, pred.y, pred.w, pred.l, pred.yaw])
    t = pred.as_tensors()
    assert t["center"].shape == (len(pred), 3) and str(t["label"].dtype) == "torch.int64"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(center=np.zeros((2, 2))), "center must have shape"),
        (dict(size=np.ones((3, 3))), "size must have shape"),
        (dict(size=-np.ones((2, 3))), "size must be >= 0"),
        (dict(yaw=[0, np.nan]), "yaw contains NaN"),
        (dict(label=["car", "tram"]), "label: unknown name 'tram'"),
        (dict(label=[0, 10]), "label must lie in"),
        (dict(attribute=[0, 8]), "attribute must lie in"),
        (dict(sample=[0, 2], sample_tokens=["a", "b"]), "sample must index sample_tokens"),
        (dict(sample_tokens=["a", "a"]), "sample_tokens must be unique"),
        (dict(ego=[[0, np.nan, 0], [0, 0, 0]]), "ego rows must be all finite or all NaN"),
        (dict(num_pts=[1.5, 2]), "num_pts must hold integers"),
        (dict(score=[1.0, np.inf]), "score contains inf"),
    ],
)
def test_container_rejects_bad_fields(kwargs, message):
    args = dict(center=np.zeros((2, 3)), size=np.ones((2, 3)), yaw=[0, 0], label=[0, 1])
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Detections3D.create(**args)
    with pytest.raises(ValueError, match="unknown sample token 'zz'"):
        Detections3D.create(np.zeros((1, 3)), np.ones((1, 3)), [0], [0]).sample_view("zz")


def test_with_ego_places_samples_from_poses_then_ground_truth(data):
    pred, gt = data
    bare = Detections3D(**{**pred.__dict__, "ego": np.full_like(pred.ego, np.nan)})
    with pytest.raises(ValueError, match="detections in sample .* no ground truth is given"):
        with_ego(bare)
    placed = set(gt.sample.tolist())
    rows = np.isin(pred.sample, list(placed))
    filled = with_ego(Detections3D(**{**bare.__dict__, "ego": np.where(rows[:, None], np.nan, pred.ego)}), gt)
    np.testing.assert_allclose(filled.ego, pred.ego, atol=1e-9)
    poses = {pred.sample_tokens[s]: (pred.center - pred.ego)[pred.sample == s][0] for s in np.unique(pred.sample)}
    np.testing.assert_allclose(with_ego(bare, gt, poses).ego, pred.ego, atol=1e-9)
    wrong = {token: xyz + 1.0 for token, xyz in poses.items()}  # explicit poses take precedence
    np.testing.assert_allclose(with_ego(bare, gt, wrong).ego, pred.ego - 1.0, atol=1e-9)
    assert with_ego(pred) is pred
    with pytest.raises(ValueError, match=r"ego_poses\['s'\]"):
        with_ego(bare, gt, {"s": (1.0, 2.0)})
