"""The 3-D simulator's public surface: nuScenes-format output, determinism, bad options."""

import numpy as np
import pytest

from nmskit.cli import main
from nmskit.data import read_nuscenes_gt, read_nuscenes_results
from nmskit.data.sim import simulate_centerpoint, write_simulation


def test_outputs_are_detections_over_the_same_samples():
    pre, gt = simulate_centerpoint(5, seed=2)
    assert pre.sample_tokens == gt.sample_tokens == tuple(f"sim2-{i:05d}" for i in range(5))
    assert (pre.num_pts == -1).all() and (gt.score == -1).all() and (gt.num_pts >= 0).all()
    np.testing.assert_array_equal(gt.ego, gt.center)  # ego at the origin of each frame


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write_simulation(tmp_path / "a", 8, seed=5)
    b = write_simulation(tmp_path / "b", 8, seed=5)
    c = write_simulation(tmp_path / "c", 8, seed=6)
    for x, y, z in zip(a, b, c):
        assert x.read_bytes() == y.read_bytes()
        assert x.read_bytes() != z.read_bytes()
    pre, _ = read_nuscenes_results(a[0], max_boxes_per_sample=None)
    gt = read_nuscenes_gt(a[1])
    ref_pre, ref_gt = simulate_centerpoint(8, seed=5)
    assert len(pre) == len(ref_pre) and len(gt) == len(ref_gt)
    np.testing.assert_allclose(pre.score, ref_pre.score)


def test_cli_writes_files(tmp_path, capsys):
    assert main(["simulate", "--frames", "3", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "pre_nms.json").stat().st_size > 0 and (tmp_path / "ground_truth.json").stat().st_size > 0
    assert main(["simulate", "--frames", "3", "--out", str(tmp_path / "dense"), "--crowd-spacing", "0.4"]) == 0
    assert main(["simulate", "--frames", "3", "--out", str(tmp_path / "bad"), "--crowd-spacing", "0.2"]) == 2
    assert "crowd_spacing" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(num_frames=-1), r"num_frames must be >= 0"),
        (dict(num_frames=2.5), r"num_frames must be a non-negative integer"),
        (dict(num_frames=2, crowd_rate=-1), r"crowd_rate must be >= 0"),
        (dict(num_frames=2, crowd_spacing=0.3), r"crowd_spacing must be >= 0.36 m"),
        (dict(num_frames=2, crowd_spacing=float("nan")), r"crowd_spacing must be a finite number"),
        (dict(num_frames=2, confusion={"car": 1.5}), r"confusion\['car'\] is a probability and must lie in \[0, 1\]"),
        (dict(num_frames=2, yaw_flip={"bus": -0.1}), r"yaw_flip\['bus'\] is a probability"),
        (dict(num_frames=2, candidates={"car": -3}), r"candidates\['car'\] must be >= 0"),
        (dict(num_frames=2, scatter={"tram": 1.0}), r"scatter: unknown class 'tram'"),
        (dict(num_frames=2, ghost=1.2), r"ghost is a probability"),
        (dict(num_frames=2, ambiguity_points=0), r"ambiguity_points must be > 0"),
        (dict(num_frames=2, heatmap_width=-1), r"heatmap_width must be > 0"),
        (dict(num_frames=2, confusion=0.3), r"confusion must be a \{class_name: value\} mapping"),
        (dict(num_frames=2, warp_speed=9), r"unknown simulator option 'warp_speed'"),
        (dict(num_frames=2, score_noise=float("nan")), r"score_noise must be a finite number"),
    ],
)
def test_invalid_options_name_the_option(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        simulate_centerpoint(**kwargs)


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"out: cannot write to"):
        write_simulation(blocker / "sub", 1)
    assert main(["simulate", "--frames", "1", "--out", str(blocker / "sub")]) == 2


def test_zero_frames():
    pre, gt = simulate_centerpoint(0)
    assert len(pre) == 0 and len(gt) == 0 and pre.sample_tokens == ()
