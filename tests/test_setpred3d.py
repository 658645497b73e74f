"""The NMS-free set predictor for 3-D detections (nmskit.learned.setpred3d, setloss3d)."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from nmskit.learned import FrameSet, ModelConfig, Rescorer, SetPredictor, build_model
from nmskit.learned.dataset import to_detections
from nmskit.learned.predictor import predict
from nmskit.learned.setloss3d import set_loss
from nmskit.learned.setpred3d import PRIOR_OTHER

pytestmark = pytest.mark.usefixtures("one_thread")


def small(**kw):
    return ModelConfig(
        **{"model": "setpred", "channels": 16, "heads": 2, "layers": 2, "num_frequencies": 4, "queries": 20, **kw}
    )


def trained_like(config, seed=0):
    """A model with non-zero output heads (outputs depend on the input), in eval mode."""
    torch.manual_seed(seed)
    model = build_model(config)
    for head in (model.class_head, model.box_head):
        torch.nn.init.normal_(head[2].weight, std=0.3)
    return model.eval()


@pytest.fixture(scope="module")
def frames():
    return FrameSet.simulated(3, seed=11)


def test_shapes_and_auxiliary_layers(frames):
    model = trained_like(small())
    out = model(frames.packed())
    assert len(out) == 3
    for (o, anchor), n in zip(out, frames.packed().counts):
        q = min(20, n)
        assert anchor.shape == (q,)
        shapes = {"logits": 11, "center": 2, "z": 1, "log_size": 3, "yaw": 2, "velocity": 2}
        for layer in [o, *o["aux_outputs"]]:
            assert {k: v.shape for k, v in layer.items() if k != "aux_outputs"} == {
                k: (1, q, c) for k, c in shapes.items()
            }
        assert len(o["aux_outputs"]) == 1


def test_untrained_model_returns_its_anchors(frames):
    d = frames.detections()
    post = SetPredictor(build_model(small())).predict(d)
    assert len(post) == 60  # 20 queries in each of the 3 frames
    for f in range(3):
        rows = np.flatnonzero(d.sample == f)
        top = rows[np.argsort(-d.score[rows], kind="stable")[:20]]
        got = post[post.sample == f]
        np.testing.assert_allclose(got.score, d.score[top] * (1 - PRIOR_OTHER), rtol=1e-5)
        np.testing.assert_allclose(got.center, d.center[top], atol=1e-4)
        np.testing.assert_allclose(got.size, d.size[top], rtol=1e-5)
        np.testing.assert_array_equal(got.label, d.label[top])


def test_identical_queries_both_survive(frames):
    """Nothing compares queries: two copies of a detection, with the same learned query
    embedding in both slots, give two identical boxes, and both are kept."""
    d = frames.detections()
    one = d[np.flatnonzero(d.sample == 0)[:1]]
    twice = one[[0, 0]]
    model = trained_like(small())
    with torch.no_grad():
        model.query_embed[1] = model.query_embed[0]
    post = SetPredictor(model).predict(twice)
    assert len(post) == 2
    np.testing.assert_allclose(post.score[0], post.score[1], rtol=1e-5)
    np.testing.assert_allclose(post.center[0], post.center[1], rtol=1e-5)


def test_empty_frame_gives_no_boxes(frames):
    d = frames.detections()
    model = trained_like(small())
    assert len(predict(model, d[np.zeros(0, np.int64)])) == 0
    only_first = d[np.flatnonzero(d.sample == 0)]  # samples 1 and 2 have no detections
    post = predict(model, only_first)
    assert set(post.sample) == {0} and len(post) == 20
    with pytest.raises(ValueError, match="top_k"):
        predict(model, only_first, top_k=-1)
    empty = frames.subset([0])
    empty.det = {k: v[:0] for k, v in empty.det.items()}
    empty.det_offsets = np.zeros(2, np.int64)
    assert set_loss(model.train(), empty).item() == 0.0


@pytest.mark.slow
def test_hungarian_loss_decreases_quickly():
    fs = FrameSet.simulated(2, seed=3)
    torch.manual_seed(0)
    model = build_model(small(queries=40)).train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        loss = set_loss(model, fs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_save_load_round_trip(tmp_path, frames):
    model = trained_like(small())
    model.save(tmp_path / "s", {"note": "test"})
    d = frames.detections()
    a, b = SetPredictor(model).predict(d), SetPredictor.load(tmp_path / "s").predict(d)
    np.testing.assert_array_equal(a.score, b.score)
    np.testing.assert_array_equal(a.center, b.center)
    with pytest.raises(ValueError, match="set predictor"):
        Rescorer.load(tmp_path / "s")
    build_model(ModelConfig(model="d2d", channels=16, heads=2)).save(tmp_path / "d")
    with pytest.raises(ValueError, match="rescorer"):
        SetPredictor.load(tmp_path / "d")


def test_config_mismatch_names_the_field(tmp_path):
    build_model(small()).save(tmp_path / "s")
    with pytest.raises(ValueError, match="queries"):
        build_model(small(queries=30)).load_weights(tmp_path / "s")
    with pytest.raises(ValueError, match="queries"):
        small(queries=0)


def test_ego_offset_is_kept(frames):
    """Outputs are placed back in the caller's frame: centre = ego-relative + ego position."""
    cols = {k: v[frames.det["frame"] == 0] for k, v in frames.det.items()}
    d = to_detections(cols, 1)
    moved = replace(d, center=d.center + [100.0, -50.0, 1.0])
    model = trained_like(small())
    a, b = predict(model, d), predict(model, moved)
    np.testing.assert_allclose(b.center - a.center, np.tile([100.0, -50.0, 1.0], (len(a), 1)), atol=1e-9)
    np.testing.assert_array_equal(a.ego, b.ego)


def test_shipped_weights_load():
    p = SetPredictor.load()
    assert p.config.model == "setpred"


def test_train_and_suppress_from_the_command_line(tmp_path):
    from nmskit.cli import main
    from nmskit.data import read_nuscenes_results

    for name, frames, seed in (("train", 4, 21), ("val", 2, 22)):
        assert main(["simulate", "--frames", str(frames), "--seed", str(seed), "--out", str(tmp_path / name)]) == 0
    ckpt = tmp_path / "setpred"
    assert (
        main(
            [
                "rescore",
                "train",
                "--train",
                str(tmp_path / "train"),
                "--val",
                str(tmp_path / "val"),
                "--model",
                "setpred",
                "--out",
                str(ckpt),
                "--epochs",
                "1",
                "--batch-size",
                "2",
            ]
        )
        == 0
    )
    assert SetPredictor.load(ckpt).config.model == "setpred"
    post = tmp_path / "post.json"
    assert (
        main(
            [
                "suppress",
                "--method",
                "setpred",
                "--weights",
                str(ckpt),
                "--top-k",
                "40",
                "--in",
                str(tmp_path / "val" / "pre_nms.json"),
                "--out",
                str(post),
            ]
        )
        == 0
    )
    kept, _ = read_nuscenes_results(post)
    assert (np.bincount(kept.sample, minlength=2) == 40).all()
