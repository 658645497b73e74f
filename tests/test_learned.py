"""Learned rescoring: models, checkpoints, bad input, matching, training and DDP.

Data are a few tiny simulated frames so that the whole file runs in well under a minute
of CPU time (the DDP test starts two processes)."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from nmskit.data.sim import simulate_columns
from nmskit.learned import FrameSet, ModelConfig, Rescorer, build_model, match_targets
from nmskit.learned.frames import FIELDS, pack
from nmskit.learned.graph import radius_graph
from nmskit.learned.train import RESCORE_TRAINING, EpochConfig, train_rescorer
from nmskit.nn import load_checkpoint

SMALL = dict(channels=16, heads=2, num_frequencies=4)


def small(model, **kw):
    return ModelConfig(model=model, layers=2, **{**SMALL, **kw})


@pytest.fixture(scope="module")
def frame():
    pre, _ = simulate_columns(2, seed=11)
    return {k: v[pre["frame"] == 0] for k, v in pre.items() if k != "frame"}


def trained_like(config, seed=0):
    """A model with a non-zero head (so outputs depend on the input), in eval mode."""
    torch.manual_seed(seed)
    model = build_model(config)
    torch.nn.init.normal_(model.head.out.weight, std=0.5)
    return model.eval()


@pytest.mark.parametrize("name", ["d2d", "gossip", "gcn"])
def test_untrained_model_returns_input_scores_exactly(name, frame):
    scores = Rescorer(build_model(small(name))).rescore(frame)
    np.testing.assert_allclose(scores, frame["score"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["d2d", "gossip", "gcn"])
def test_zero_detections_give_empty_results(name):
    r = Rescorer(build_model(small(name)))
    empty = {f: np.zeros(0) for f in FIELDS}
    assert r.rescore(empty).shape == (0,)
    assert r.select(empty, top_k=300).shape == (0,)


def test_d2d_padding_is_masked(frame):
    """A frame rescored alone equals the same frame inside a padded batch."""
    r = Rescorer(trained_like(small("d2d")))
    other = {k: v[:40] for k, v in frame.items()}
    both = {k: np.concatenate([frame[k], other[k]]) for k in frame}
    both["frame"] = np.r_[np.zeros(len(frame["x"]), int), np.ones(40, int)]
    np.testing.assert_allclose(r.rescore(both)[: len(frame["x"])], r.rescore(frame), rtol=0, atol=1e-4)
    np.testing.assert_allclose(r.rescore(both)[len(frame["x"]) :], r.rescore(other), rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", ["d2d", "gossip"])
def test_rescore_follows_row_permutation(name, frame):
    r = Rescorer(trained_like(small(name)))
    perm = np.random.default_rng(0).permutation(len(frame["x"]))
    np.testing.assert_allclose(
        r.rescore({k: v[perm] for k, v in frame.items()}), r.rescore(frame)[perm], rtol=0, atol=1e-4
    )  # float32 summation order


def test_select_keeps_top_k_by_refined_score(frame):
    r = Rescorer(trained_like(small("gcn")))
    keep = r.select(frame, top_k=50)
    scores = r.rescore(frame)
    assert len(keep) == 50 and len(set(keep)) == 50
    assert scores[keep].min() >= np.sort(scores)[-50]
    assert np.all(np.diff(scores[keep]) <= 0)


def test_5000_detections_gossip_memory_linear_in_neighbourhood():
    rng = np.random.default_rng(0)
    n = 5000
    cols = {
        "x": rng.uniform(-50, 50, n),
        "y": rng.uniform(-50, 50, n),
        "z": np.zeros(n),
        "w": np.full(n, 2.0),
        "l": np.full(n, 4.0),
        "h": np.full(n, 1.5),
        "yaw": rng.uniform(-3, 3, n),
        "vx": np.zeros(n),
        "vy": np.zeros(n),
        "score": rng.uniform(0.1, 1, n),
        "label": rng.integers(0, 10, n),
    }
    config = small("gossip")
    p = pack(cols)
    dst, src = radius_graph(p.raw[:, 0], p.raw[:, 1], p.offsets, config.radius, config.max_neighbors)
    assert len(dst) <= n * config.max_neighbors  # edges (and [E, C] activations) bounded per detection
    assert np.all(np.bincount(dst.numpy(), minlength=n) <= config.max_neighbors)
    for name in ("gossip", "d2d"):
        out = Rescorer(trained_like(small(name))).rescore(cols)
        assert out.shape == (n,) and np.all(np.isfinite(out))


@pytest.mark.parametrize("column", ["x", "score", "yaw"])
def test_nan_features_raise(column, frame):
    bad = {k: v.astype(float).copy() for k, v in frame.items()}
    bad[column][3] = np.nan
    with pytest.raises(ValueError, match=column):
        Rescorer(build_model(small("d2d"))).rescore(bad)


def test_missing_column_and_bad_scores_raise(frame):
    r = Rescorer(build_model(small("d2d")))
    with pytest.raises(ValueError, match="vx"):
        r.rescore({k: v for k, v in frame.items() if k != "vx"})
    with pytest.raises(ValueError, match="score"):
        r.rescore({**frame, "score": frame["score"] + 1.0})
    with pytest.raises(ValueError, match="top_k"):
        r.select(frame, top_k=-1)


def test_checkpoint_round_trip_is_safetensors(tmp_path, frame):
    model = trained_like(small("gossip"))
    path = model.save(tmp_path / "g", {"note": "test"})
    with open(path, "rb") as fh:
        header_len = int.from_bytes(fh.read(8), "little")
        assert json.loads(fh.read(header_len))  # a safetensors JSON header, not a pickle
    loaded = Rescorer.load(tmp_path / "g.safetensors")
    np.testing.assert_array_equal(loaded.rescore(frame), Rescorer(model).rescore(frame))
    assert load_checkpoint(tmp_path / "g")[0]["record"] == {"note": "test"}


def test_config_mismatch_names_the_field(tmp_path):
    build_model(small("d2d")).save(tmp_path / "d")
    with pytest.raises(ValueError, match="channels"):
        build_model(small("d2d", channels=32)).load_weights(tmp_path / "d")
    with pytest.raises(ValueError, match="num_frequencies"):
        build_model(small("d2d", num_frequencies=2)).load_weights(tmp_path / "d")
    with pytest.raises(ValueError, match="does not exist"):
        Rescorer.load(tmp_path / "missing")


def test_bad_config_raises():
    with pytest.raises(ValueError, match="model"):
        ModelConfig(model="detr")
    with pytest.raises(ValueError, match="heads"):
        ModelConfig(channels=30, heads=4)


def test_metric_aware_matching():
    # One GT car at the origin, one pedestrian at (10, 0). Detections: a car 0.3 m off
    # (lower score), a car 0.8 m off (higher score), a truck on the pedestrian's spot.
    det = {"x": np.array([0.3, 0.8, 10.0]), "y": np.zeros(3), "label": np.array([0, 0, 1])}
    gt = {"x": np.array([0.0, 10.0]), "y": np.zeros(2), "label": np.array([0, 5])}
    score = np.array([0.5, 0.9, 0.7])
    t = match_targets(det, score, [0, 3], gt, [0, 2])
    np.testing.assert_array_equal(t, [1, 0, 1])  # 0.5 m stage first; class-agnostic stage takes the truck
    t = match_targets(det, score, [0, 3], gt, [0, 2], method="hungarian")
    np.testing.assert_array_equal(t, [0, 1, 0])  # cost 0.8 + 2*0.1 < 0.3 + 2*0.5; classes must agree
    with pytest.raises(ValueError, match="method"):
        match_targets(det, score, [0, 3], gt, [0, 2], method="ot")


def _tiny_fit(out, epochs, resume=True, seed=0):
    frames = FrameSet.simulated(8, seed=21)
    torch.manual_seed(seed)
    model = build_model(small("d2d"))
    cfg = replace(RESCORE_TRAINING, lr=1e-2, warmup_steps=1, seed=seed, progress=False)
    train_rescorer(
        model, frames, frames.subset([0, 1]), out, cfg, EpochConfig(epochs=epochs, batch_size=4), resume=resume
    )
    return model, load_checkpoint(out / "last")[0]["record"]["history"]  # one entry per epoch


@pytest.mark.slow
def test_training_improves_loss_and_resume_matches(tmp_path):
    model_a, hist = _tiny_fit(tmp_path / "a", epochs=2)
    assert hist[1]["loss"] < hist[0]["loss"]
    assert (tmp_path / "a" / "best.safetensors").is_file()
    _tiny_fit(tmp_path / "b", epochs=1)
    model_b, hist_b = _tiny_fit(tmp_path / "b", epochs=2)  # resumes after epoch 1
    assert [h["step"] for h in hist_b] == [2, 4]  # two steps per epoch
    for (k, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=k)


DDP_TOL = 1e-5  # float32 reduction order only: statistics and loss normaliser are all-reduced


@pytest.mark.slow
def test_ddp_two_processes_match_single_process(tmp_path):
    args = [
        "-m",
        "nmskit.learned.train",
        "--model",
        "gossip",
        "--train-frames",
        "8",
        "--val-frames",
        "2",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--warmup-steps",
        "1",
        "--lr",
        "0.01",
        "--no-resume",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29531"]
    subprocess.run(torchrun + args + ["--out", str(tmp_path / "ddp")], check=True, env=env, capture_output=True)
    subprocess.run([sys.executable] + args + ["--out", str(tmp_path / "one")], check=True, env=env, capture_output=True)
    info_ddp, ddp = load_checkpoint(tmp_path / "ddp" / "last")
    info_one, one = load_checkpoint(tmp_path / "one" / "last")
    rec_ddp, rec_one = info_ddp["record"], info_one["record"]
    assert rec_ddp["world_size"] == 2 and rec_one["world_size"] == 1
    for k, v in one.items():
        torch.testing.assert_close(ddp[k], v, rtol=DDP_TOL, atol=DDP_TOL, msg=k)
    assert abs(rec_ddp["history"][0]["bce"] - rec_one["history"][0]["bce"]) < DDP_TOL


def test_detections3d_input_and_frameset_round_trip(frame):
    from nmskit.learned.dataset import to_detections

    cols = {**frame, "frame": np.zeros(len(frame["x"]), np.int64)}
    d = to_detections(cols, 1)
    r = Rescorer(trained_like(small("gossip")))
    np.testing.assert_array_equal(r.rescore(d), r.rescore(frame))
    fs = FrameSet.simulated(3, seed=5)
    back = FrameSet.from_detections(fs.detections(), fs.ground_truth())
    for k in ("x", "y", "score", "label"):
        np.testing.assert_array_equal(back.det[k], fs.det[k])
    np.testing.assert_array_equal(back.gt_offsets, fs.gt_offsets)
