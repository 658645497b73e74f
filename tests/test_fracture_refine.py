"""Sinusoid-aligned refinement: strip geometry, the closed-form fit, the model's refined
outputs, warm starts and the learning-rate drop."""

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from nmskit.borehole import DenseDetectorConfig, FractureDETR, FractureDETRConfig
from nmskit.borehole.models.refine import SinusoidRefiner, fit_residual, sinusoid_strips, strip_azimuths
from nmskit.borehole.training.run import detector_config, fit, run_settings
from nmskit.cli import build_parser
from nmskit.nn import TrainConfig, train

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = dict(
    patch_height=32,
    patch_width=48,
    backbone_width=4,
    d_model=16,
    nhead=2,
    encoder_layers=1,
    decoder_layers=2,
    dim_feedforward=32,
    dropout=0.0,
    num_queries=4,
    refine_passes=1,
    refine_window=4,
    refine_columns=12,
    radius_rows=3.0,
)


def _drawn_sinusoid(h=120, w=360, z0=60.0, amp=20.0, az=70.0):
    """A dark one-pixel line along ``z0 + amp cos(x - az)`` on a grey image."""
    img = np.full((h, w), 0.5, np.float32)
    x = np.radians((np.arange(w) + 0.5) * 360 / w)
    rows = np.round(z0 + amp * np.cos(x - np.radians(az))).astype(int)
    img[rows, np.arange(w)] = 0.0
    return torch.as_tensor(img)[None, None]


def test_strips_straighten_the_sinusoid_they_follow():
    """Read along the drawn sinusoid, the line sits on the middle row of every column."""
    az = math.radians(70.0)
    img = _drawn_sinusoid()
    z0, p, q = (torch.tensor([[v]]) for v in (60.0, 20 * math.cos(az), 20 * math.sin(az)))
    strips = sinusoid_strips(img, z0, p, q, half_window=5, columns=18)
    assert strips.shape == (1, 2, 11, 18)
    values = strips[0, 0]  # [K, S], minus 0.5
    assert torch.all(values.argmin(0) == 5)  # the dark line is at offset 0 in every column
    assert torch.all(strips[0, 1] == 1)  # all inside the patch
    # The same strip at the opposite azimuth does not straighten it.
    off = sinusoid_strips(img, z0, -p, -q, half_window=5, columns=18)[0, 0]
    assert (off.argmin(0) == 5).float().mean() < 0.5


def test_strips_outside_the_patch_are_zero_and_flagged():
    img = torch.ones(1, 1, 20, 36)
    strips = sinusoid_strips(img, torch.tensor([[0.0]]), torch.zeros(1, 1), torch.zeros(1, 1), 3, 6)
    assert torch.all(strips[0, 1, :3] == 0) and torch.all(strips[0, 1, 3:] == 1)
    assert torch.all(strips[0, 0, :3] == 0) and torch.allclose(strips[0, 0, 3:], torch.full((4, 6), 0.5))


def test_strips_and_refiner_reject_bad_shapes():
    img, z = torch.ones(1, 1, 20, 36), torch.zeros(1, 2)
    with pytest.raises(ValueError, match="columns"):
        sinusoid_strips(img, z, z, z, 3, 7)
    with pytest.raises(ValueError, match="half_window"):
        sinusoid_strips(img, z, z, z, -1, 6)
    with pytest.raises(ValueError, match="patches"):
        sinusoid_strips(torch.ones(1, 2, 20, 36), z, z, z, 3, 6)
    with pytest.raises(ValueError, match="p must have shape"):
        sinusoid_strips(img, z, torch.zeros(1, 3), z, 3, 6)
    with pytest.raises(ValueError, match="z0 must have shape"):
        sinusoid_strips(img, torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(2, 2), 3, 6)
    with pytest.raises(ValueError, match="columns"):
        SinusoidRefiner(width=360, columns=7)


def test_fit_residual_recovers_a_residual_sinusoid():
    x = strip_azimuths(360, 18)
    basis = torch.stack([torch.ones_like(x), torch.cos(x), torch.sin(x)], 1)
    theta = torch.tensor([[2.0, -3.0, 1.5], [0.0, 0.5, -4.0]])
    rows = theta @ basis.T  # [2, S]
    fitted = fit_residual(rows, torch.ones(2, 18), basis, ridge=1e-6)
    assert torch.allclose(fitted, theta, atol=1e-4)
    # Weights select columns: corrupt half the columns and give them no weight.
    w = torch.ones(2, 18)
    w[:, ::2] = 0
    noisy = rows.clone()
    noisy[:, ::2] += 10
    assert torch.allclose(fit_residual(noisy, w, basis, ridge=1e-6), theta, atol=1e-3)
    # No evidence: the ridge keeps the geometry unchanged.
    assert torch.allclose(fit_residual(rows, torch.zeros(2, 18), basis, ridge=1.0), torch.zeros(2, 3))


def test_refiner_outputs_and_initial_objectness():
    torch.manual_seed(0)
    net = SinusoidRefiner(width=360, half_window=4, columns=18)
    delta, obj = net(torch.randn(5, 2, 9, 18))
    assert delta.shape == (5, 3) and obj.shape == (5,)
    assert torch.all(obj == 0)  # starts as a no-op on the class logits
    assert torch.isfinite(delta).all()


def test_refined_model_keeps_the_decoder_layers_as_auxiliary_outputs():
    torch.manual_seed(0)
    model = FractureDETR(FractureDETRConfig(**TINY)).eval()
    x = torch.rand(2, 1, 32, 48)
    with torch.no_grad():
        out = model(x)
    assert len(out["aux_outputs"]) == 2  # both decoder layers; the refined pass is the output
    assert out["depth"].shape == (2, 4) and out["azimuth"].shape == (2, 4, 2)
    assert torch.all((out["depth"] >= 0) & (out["depth"] <= 1))
    assert torch.all((out["dip"] >= 0) & (out["dip"] < 1))
    assert torch.allclose(out["azimuth"].norm(dim=-1), torch.ones(2, 4), atol=1e-2)
    # Objectness starts at zero, so the refined logits equal the last decoder layer's.
    assert torch.allclose(out["logits"], out["aux_outputs"][-1]["logits"])
    losses = model.compute_loss(x, [{"labels": [0], "depth": [0.5], "dip": [20.0], "azimuth": [90.0]}] * 2)
    assert "depth_1" in losses and torch.isfinite(losses["loss"])


def test_refinement_is_per_query():
    """Two queries with the same embedding and anchor give identical refined picks."""
    torch.manual_seed(0)
    cfg = FractureDETRConfig(**{**TINY, "anchored_queries": True, "row_queries": True})
    model = FractureDETR(cfg).eval()
    with torch.no_grad():
        model.query_embed.weight[1] = model.query_embed.weight[0]
        model.query_anchor[1] = model.query_anchor[0]
        model.refiner.objectness.bias.fill_(5.0)  # make every query fire
        picks = model.predict(torch.rand(1, 1, 32, 48))[0]
    assert {0, 1} <= set(picks["query"].tolist())
    i, j = list(picks["query"]).index(0), list(picks["query"]).index(1)
    for key in ("depth", "dip", "azimuth", "scores"):
        assert picks[key][i] == pytest.approx(picks[key][j], abs=1e-5)


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("refine_columns", 7, "divide patch_width"),
        ("refine_columns", 0, "refine_columns"),
        ("refine_passes", -1, "refine_passes"),
        ("refine_window", 1.5, "refine_window"),
        ("radius_rows", 0.0, "radius_rows"),
        ("radius_rows", float("nan"), "radius_rows"),
    ],
)
def test_refine_config_validation(field, value, match):
    with pytest.raises(ValueError, match=match):
        FractureDETRConfig(**{**TINY, field: value})


def test_init_weights_warm_starts_a_related_architecture(tmp_path):
    torch.manual_seed(0)
    plain = FractureDETR(FractureDETRConfig(**{**TINY, "refine_passes": 0}))
    plain.save(tmp_path / "plain.safetensors")
    torch.manual_seed(1)
    refined = FractureDETR(FractureDETRConfig(**TINY))
    fresh = refined.init_weights(tmp_path / "plain.safetensors")
    assert fresh and all(name.startswith("refiner.") for name in fresh)
    assert torch.equal(refined.class_head.weight, plain.class_head.weight)
    # The other way round, the refiner's tensors have no counterpart.
    refined.save(tmp_path / "refined.safetensors")
    with pytest.raises(ValueError, match="unexpected tensor"):
        plain.init_weights(tmp_path / "refined.safetensors")
    wider = FractureDETR(FractureDETRConfig(**{**TINY, "d_model": 32, "refine_passes": 0}))
    with pytest.raises(ValueError, match="shape"):
        wider.init_weights(tmp_path / "plain.safetensors")


def test_lr_drop_divides_both_rates_by_ten(tmp_path):
    torch.manual_seed(0)
    model = FractureDETR(FractureDETRConfig(**TINY))
    batch = (torch.rand(2, 1, 32, 48), [{"labels": [0], "depth": [0.5], "dip": [20.0], "azimuth": [90.0]}] * 2)
    cfg = TrainConfig(steps=3, lr=1e-3, lr_backbone=1e-4, lr_drop=2, progress=False, save_every=3)
    train(model, lambda step: batch, cfg, tmp_path)
    groups = json.loads((tmp_path / "last-optimizer.json").read_text())["config"]["param_groups"]
    assert [g["lr"] for g in groups] == pytest.approx([1e-4, 1e-5])
    train(model, lambda step: batch, dataclasses.replace(cfg, lr_drop=0), tmp_path / "constant")
    groups = json.loads((tmp_path / "constant" / "last-optimizer.json").read_text())["config"]["param_groups"]
    assert [g["lr"] for g in groups] == pytest.approx([1e-3, 1e-4])


@pytest.mark.slow
def test_fit_warm_starts_a_refined_detector_and_records_it(tmp_path):
    """``fit(init=...)`` copies a plain checkpoint into a refined model; the record keeps the
    loss weights, the learning-rate drop and the tensors that started fresh."""
    plain = FractureDETR(detector_config(4, refine_passes=0))
    plain.save(tmp_path / "plain.safetensors")
    settings = run_settings(
        refine_passes=1,
        steps=2,
        batch=2,
        val_every=2,
        n_val=2,
        real_share=0.0,
        lr_drop=1,
        depth_weight=40.0,
        dip_weight=10.0,
    )
    record = fit(tmp_path / "run", **settings, init=tmp_path / "plain.safetensors", train_only="refiner.")
    assert record["steps_done"] == 2 and record["config"]["refine_passes"] == 1
    assert record["loss_weights"]["depth"] == 40.0 and record["loss_weights"]["dip"] == 10.0
    assert record["train"]["lr_drop"] == 1 and record["train"]["lr"] == 2e-4  # the documented default
    assert record["initialised_fresh"] and all(n.startswith("refiner.") for n in record["initialised_fresh"])
    model = FractureDETR.load(tmp_path / "run" / "last.safetensors")
    assert model.config.refine_passes == 1
    # Only the refiner trained: everything else is still the initial checkpoint.
    assert torch.equal(model.class_head.weight, plain.class_head.weight)
    assert torch.equal(model.backbone.stem[0].weight, plain.backbone.stem[0].weight)
    with pytest.raises(ValueError, match="train_only"):
        fit(
            tmp_path / "bad",
            **run_settings(steps=1, batch=2, val_every=1, n_val=1, real_share=0.0),
            train_only="nothing.",
        )
    args = build_parser().parse_args(
        [
            "fractures",
            "train",
            "--out",
            "x",
            "--init",
            "m.safetensors",
            "--refine-passes",
            "1",
            "--depth-weight",
            "40",
            "--lr-drop",
            "9",
        ]
    )
    assert (args.init, args.refine_passes, args.depth_weight, args.lr_drop) == ("m.safetensors", 1, 40.0, 9)


def test_fit_refuses_to_resume_a_record_it_cannot_read(tmp_path):
    (tmp_path / "record.json").write_text('{"command": "nmskit fractures train", "lr": 2e-4}')
    with pytest.raises(ValueError, match="record.json"):
        fit(tmp_path, resume=True)
    with pytest.raises(ValueError, match="config"):
        fit(tmp_path / "new", config=DenseDetectorConfig, train_cfg=TrainConfig(steps=1))
