"""DenseFractureDetector: shapes, a toy task, circular loss, NMS in predict, checkpoints,
input checks and whole-log detection."""

import json

import numpy as np
import pytest
import torch

from nmskit.borehole import DenseDetectorConfig, DenseFractureDetector, FractureDETR, FractureDETRConfig, detect_picks
from nmskit.borehole.models.dense_loss import dense_loss
from nmskit.borehole.models.targets import encode_targets
from nmskit.borehole.picking.patchwise import log_picks
from nmskit.borehole.preprocessing.patches import patch_grid
from nmskit.borehole.preprocessing.scale import prepare_log
from nmskit.borehole.training.run import detector_config, fit, run_settings
from nmskit.cli import build_parser, main
from nmskit.data.borehole import read_picks
from nmskit.data.synth_borehole import synthesize_borehole
from nmskit.nn import TrainConfig, train
from tests.test_fracture_train import H, W, toy_batch

TINY = dict(patch_height=32, patch_width=48, downsample=1, backbone_width=4, d_model=8, head_layers=1)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return DenseFractureDetector(DenseDetectorConfig(**TINY)).eval()


def _fire_everywhere(model, logit=20.0):
    """Every cell says "fracture" with one score, offset 0.5, dip 45, azimuth 0 degrees."""
    with torch.no_grad():
        for head in (model.heat_head, model.box_head):
            head[-1].weight.zero_()
        model.heat_head[-1].bias[:] = torch.tensor([logit, -20.0])
        model.box_head[-1].bias[:] = torch.tensor([0.0, 0.0, 1.0, 0.0])


def test_default_model_shapes():
    """800 x 360 pooled by 4: one output cell per 8 patch rows, 100 cells."""
    torch.manual_seed(0)
    model = DenseFractureDetector().eval()
    assert model.config.row_cells == 100 and model.config.cell_rows == 8.0
    x = torch.randn(2, 1, 800, 360)
    with torch.no_grad():
        levels = model.backbone.levels(torch.nn.functional.avg_pool2d(x, 4))
        out = model(x)
    assert [tuple(t.shape[2:]) for t in levels] == [(100, 45), (50, 23), (25, 12), (13, 6), (13, 6)]
    assert out["logits"].shape == (2, 2, 100) and out["azimuth"].shape == (2, 100, 2)
    assert out["offset"].shape == (2, 100) and out["dip"].shape == (2, 100)
    assert torch.all((out["offset"] > 0) & (out["offset"] < 1))


@pytest.mark.slow
def test_learns_a_toy_task():
    torch.manual_seed(0)
    model = DenseFractureDetector(
        DenseDetectorConfig(patch_height=H, patch_width=W, downsample=1, backbone_width=8, d_model=32, head_layers=2)
    )
    history = train(model, toy_batch, TrainConfig(steps=100, lr=1e-3, lr_backbone=1e-3, progress=False))
    first = {k: np.mean([h[k] for h in history[:10]]) for k in ("loss", "heatmap", "azimuth")}
    last = {k: np.mean([h[k] for h in history[-10:]]) for k in ("loss", "heatmap", "azimuth")}
    assert last["loss"] < 0.6 * first["loss"]
    assert last["heatmap"] < 0.5 * first["heatmap"]  # it finds the rows
    assert last["azimuth"] < 0.7 * first["azimuth"]  # and where round the hole they dip


def test_targets_land_in_their_cells_and_azimuth_loss_is_circular():
    """A pick at depth 0.3 of 10 cells is cell 3, offset 0; the azimuth term sees 359 vs 1
    degrees as 2 degrees apart, like 90 vs 92."""

    def terms(pred_az, true_az, depth=0.3):
        rad = np.deg2rad(pred_az)
        azimuth = torch.zeros(1, 10, 2)
        azimuth[0, 3] = torch.tensor([np.cos(rad), np.sin(rad)])
        out = {
            "logits": torch.zeros(1, 2, 10),
            "offset": torch.zeros(1, 10),
            "dip": torch.full((1, 10), 0.5),
            "azimuth": azimuth,
        }
        target = encode_targets([{"labels": [0], "depth": [depth], "dip": [45.0], "azimuth": [true_az]}])
        return {k: float(v) for k, v in dense_loss(out, target).items()}

    assert terms(359, 1)["azimuth"] == pytest.approx(terms(90, 92)["azimuth"], abs=1e-6)
    assert terms(359, 1)["azimuth"] == pytest.approx(2 * np.sin(np.deg2rad(1.0)), abs=1e-6)
    assert terms(0, 180)["azimuth"] == pytest.approx(2.0, abs=1e-6)
    assert terms(0, 0)["offset"] == pytest.approx(0.0, abs=1e-6) and terms(0, 0)["dip"] == 0.0
    assert terms(0, 0, depth=0.35)["offset"] == pytest.approx(0.5, abs=1e-5)
    assert terms(0, 0, depth=0.45)["azimuth"] == pytest.approx(1.0)  # cell 4 predicts nothing


def test_predict_applies_sinusoid_nms(tiny):
    """Identical picks one cell (2 rows) apart: a tolerance above 2 rows keeps every other cell,
    below it keeps all; without NMS every cell above the threshold survives."""
    _fire_everywhere(tiny)
    x = torch.randn(1, 1, 32, 48)
    n, rows = tiny.config.row_cells, tiny.config.cell_rows
    assert len(tiny.predict(x, nms_tolerance=None)[0]["cell"]) == n == 16
    assert len(tiny.predict(x, nms_tolerance=0.5 * rows)[0]["cell"]) == n
    picks = tiny.predict(x, nms_tolerance=1.5 * rows)[0]
    assert picks["cell"].tolist() == list(range(0, n, 2))  # equal scores: upper cell first
    assert np.allclose(picks["row"], (picks["cell"] + 0.5) * rows)
    assert np.allclose(picks["depth"] * 32, picks["row"])
    assert np.allclose(picks["dip"], 45.0) and np.allclose(picks["azimuth"], 0.0)
    assert np.all(picks["labels"] == 0) and np.all(picks["scores"] > 0.99)
    assert len(tiny.predict(x, nms_tolerance=1000.0)[0]["cell"]) == 1


def test_predict_threshold_and_bad_options(tiny):
    _fire_everywhere(tiny, logit=-20.0)
    assert [len(p["scores"]) for p in tiny.predict(np.zeros((2, 1, 32, 48)))] == [0, 0]
    with pytest.raises(ValueError, match="threshold"):
        tiny.predict(np.zeros((32, 48)), threshold=1.5)
    with pytest.raises(ValueError, match="nms_tolerance"):
        tiny.predict(np.zeros((32, 48)), nms_tolerance=0.0)


@pytest.mark.parametrize("shape", [(1, 1, 800, 360), (1, 32, 48), (2, 2, 32, 48), (0, 1, 32, 48)])
def test_wrong_patch_shape_names_the_expected_one(tiny, shape):
    with pytest.raises(ValueError, match=r"\[B, 1, 32, 48\]"):
        tiny.predict(np.zeros(shape, np.float32))


def test_compute_loss_and_bad_targets(tiny):
    x = torch.randn(1, 1, 32, 48)
    target = [{"labels": [0, 1], "depth": [0.25, 1.0], "dip": [30.0, 5.0], "azimuth": [350.0, 10.0]}]
    assert torch.isfinite(tiny.compute_loss(x, target)["loss"])
    empty = [{"labels": [], "depth": [], "dip": [], "azimuth": []}]
    assert torch.isfinite(tiny.compute_loss(x, empty)["loss"])
    with pytest.raises(ValueError, match="one dict per patch"):
        tiny.compute_loss(x, target * 2)
    with pytest.raises(ValueError, match="depth"):
        tiny.compute_loss(x, [dict(target[0], depth=[0.2, 1.5])])


def test_config_validation():
    with pytest.raises(ValueError, match="downsample"):
        DenseDetectorConfig(downsample=7)
    with pytest.raises(ValueError, match="head_layers"):
        DenseDetectorConfig(head_layers=0)
    with pytest.raises(ValueError, match="norm"):
        DenseDetectorConfig(norm="layer")
    with pytest.raises(ValueError, match="DenseDetectorConfig"):
        DenseFractureDetector(FractureDETRConfig())


def test_checkpoint_round_trip_and_mismatch(tiny, tmp_path):
    path = tmp_path / "dense.safetensors"
    tiny.save(path)
    assert json.loads((tmp_path / "dense.json").read_text())["model"] == "DenseFractureDetector"
    loaded = DenseFractureDetector.load(path)
    x = torch.randn(1, 1, 32, 48)
    with torch.no_grad():
        assert torch.equal(tiny(x)["logits"], loaded(x)["logits"])
    other = DenseFractureDetector(DenseDetectorConfig(**dict(TINY, head_layers=2)))
    with pytest.raises(ValueError, match="head_layers"):
        other.load_weights(path)
    with pytest.raises(ValueError, match="not a FractureDETR checkpoint"):
        FractureDETR.load(path)


@pytest.fixture(scope="module")
def short_log():
    return synthesize_borehole(1500, [3, 1], tool="lwd")


def test_whole_log_detection_with_a_tiny_model(short_log):
    """Cut, predict with NMS, own, map back: sorted picks inside the log, one owner each."""
    torch.manual_seed(0)
    model = DenseFractureDetector(DenseDetectorConfig(backbone_width=4, d_model=8, head_layers=1))
    _fire_everywhere(model, logit=2.0)
    prepared = prepare_log(short_log[0])
    grid = patch_grid(prepared, 800, 200)
    assert len(grid) >= 2
    picks = log_picks(prepared, model, prepared=True, nms_tolerance=12.0)
    assert len(picks) > 0 and np.all(np.diff(picks.depth) >= 0)
    assert np.all((picks.depth >= prepared.depths[0]) & (picks.depth <= prepared.depths[-1]))
    assert np.allclose(picks.apparent_dip, 45.0, atol=1e-3) and np.all(picks.score > 0.45)
    # each patch keeps picks at least 12 rows apart (identical sinusoids), cores do not overlap
    owners = grid.owner(picks.depth)
    for p in np.unique(owners):
        assert np.all(np.diff(picks.depth[owners == p]) > 12 * prepared.step - 1e-9)
    blank = prepared.replace(values=np.full(prepared.shape, np.nan, np.float32))
    with pytest.warns(RuntimeWarning, match="no valid pixel"):
        assert len(log_picks(blank, model, prepared=True)) == 0


@pytest.mark.slow
def test_fit_trains_and_records_the_dense_model(tmp_path):
    record = fit(tmp_path, **run_settings("dense", steps=2, batch=2, val_every=2, n_val=2, real_share=0.0))
    assert record["model"] == "dense" and record["steps_done"] == 2
    assert record["config"] == DenseDetectorConfig().to_dict()
    assert DenseFractureDetector.load(tmp_path / "best.safetensors").config == DenseDetectorConfig()
    with pytest.raises(ValueError, match="model"):
        detector_config(4, "magic")
    args = build_parser().parse_args(["fractures", "train", "--out", "x", "--model", "dense"])
    assert args.model == "dense"
    args = build_parser().parse_args(["fractures", "detect", "--log", "l", "--out", "o", "--method", "dense"])
    assert args.method == "dense"


def test_detect_with_the_shipped_dense_model(tmp_path, short_log):
    """``detect_picks(method="dense")`` and the CLI use the shipped weights."""
    image, truth = short_log
    picks = detect_picks(image, method="dense")
    assert len(picks) > 0 and np.all(np.diff(picks.depth) >= 0)
    assert np.all(picks.score > 0.45) and set(picks.cls) <= {"fracture", "bed"}
    log, out = tmp_path / "log.npz", tmp_path / "pred.csv"
    np.savez(log, values=image.values, depths=image.depths)
    assert (
        main(["fractures", "detect", "--log", str(log), "--out", str(out), "--diameter", "8.5in", "--method", "dense"])
        == 0
    )
    assert len(read_picks(out)) == len(log_picks(image, "dense"))
