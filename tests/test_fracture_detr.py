"""FractureDETR: the published shapes, circular backbone, per-query inference, checkpoints."""

import json

import numpy as np
import pytest
import torch

from nmskit.borehole import FractureDETR, FractureDETRConfig, ResNetBackbone

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
)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return FractureDETR(FractureDETRConfig(**TINY)).eval()


def _targets(n=2):
    return [{"labels": [0, 1][:n], "depth": [0.25, 0.6][:n], "dip": [30.0, 5.0][:n], "azimuth": [350.0, 10.0][:n]}]


def test_default_model_gives_the_published_shapes():
    """800 x 360 -> [B, 256, 50, 23] (ceil(360 / 16) = 23), 4 + 4 layers, 3 classes."""
    torch.manual_seed(0)
    model = FractureDETR().eval()
    assert model.config.grid_shape == (50, 23)
    assert len(model.transformer.encoder) == 4 and len(model.transformer.decoder) == 4
    x = torch.randn(1, 1, 800, 360)
    with torch.no_grad():
        assert model.backbone(x).shape == (1, 256, 50, 23)
        out = model(x)
    assert out["logits"].shape == (1, 100, 3) and out["azimuth"].shape == (1, 100, 2)
    assert out["depth"].shape == (1, 100) and out["dip"].shape == (1, 100)
    assert len(out["aux_outputs"]) == 3


def test_resnet18_option_and_odd_sizes():
    net = ResNetBackbone(depth=18, width=4, out_channels=8).eval()
    assert len(net.stages[0]) == 2
    with torch.no_grad():
        assert net(torch.randn(2, 1, 40, 50)).shape == (2, 8, 3, 4)
    with pytest.raises(ValueError, match="depth"):
        ResNetBackbone(depth=34)


def test_backbone_is_circular_in_azimuth():
    """Without coordinate planes, rolling the image by 16 columns rolls the map by one cell."""
    torch.manual_seed(0)
    net = ResNetBackbone(width=4, out_channels=8, coords=False).eval()
    x = torch.randn(1, 1, 32, 64)
    with torch.no_grad():
        a = net(x)
        b = net(torch.roll(x, 16, dims=3))
    assert torch.allclose(torch.roll(a, 1, dims=3), b, atol=1e-5)


def test_predict_does_no_cross_query_pruning(tiny):
    with torch.no_grad():
        tiny.query_embed.weight[1] = tiny.query_embed.weight[0]  # two identical queries
        tiny.class_head.bias[:] = torch.tensor([20.0, -20.0, -20.0])  # all say "fracture"
    picks = tiny.predict(torch.randn(1, 1, 32, 48), threshold=0.5)[0]
    assert picks["query"].tolist() == [0, 1, 2, 3]  # every query survives, duplicates too
    assert picks["depth"][0] == picks["depth"][1] and picks["azimuth"][0] == picks["azimuth"][1]
    assert np.all(picks["labels"] == 0) and np.all(picks["scores"] > 0.99)
    assert np.allclose(picks["row"], picks["depth"] * 32)
    assert np.all((picks["azimuth"] >= 0) & (picks["azimuth"] < 360))
    assert np.all((picks["dip"] >= 0) & (picks["dip"] <= 90))


def test_predict_threshold_is_per_query(tiny):
    with torch.no_grad():
        tiny.class_head.bias[:] = torch.tensor([0.0, 0.0, 20.0])  # all say "no object"
    assert [len(p["scores"]) for p in tiny.predict(np.zeros((2, 1, 32, 48)))] == [0, 0]
    with pytest.raises(ValueError, match="threshold"):
        tiny.predict(np.zeros((32, 48)), threshold=1.5)


@pytest.mark.parametrize("shape", [(1, 1, 800, 360), (1, 32, 48), (2, 2, 32, 48), (0, 1, 32, 48)])
def test_wrong_patch_shape_names_the_expected_one(tiny, shape):
    with pytest.raises(ValueError, match=r"\[B, 1, 32, 48\]"):
        tiny.predict(np.zeros(shape, np.float32))


def test_non_finite_patch_is_rejected(tiny):
    x = np.zeros((32, 48))
    x[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny.predict(x)


def test_attention_maps_live_on_the_grid(tiny):
    maps = tiny.attention_maps(torch.randn(2, 1, 32, 48))
    assert maps.shape == (2, 4) + tiny.config.grid_shape == (2, 4, 2, 3)
    assert torch.allclose(maps.sum((-2, -1)), torch.ones(2, 4), atol=1e-5)


def test_checkpoint_round_trip(tiny, tmp_path):
    path = tmp_path / "model.safetensors"
    tiny.save(path)
    assert json.loads((tmp_path / "model.json").read_text())["config"]["d_model"] == 16
    loaded = FractureDETR.load(path)
    x = torch.randn(1, 1, 32, 48)
    with torch.no_grad():
        assert torch.equal(tiny(x)["logits"], loaded(x)["logits"])


def test_checkpoint_config_mismatch_names_the_field(tiny, tmp_path):
    path = tmp_path / "model.safetensors"
    tiny.save(path)
    other = FractureDETR(FractureDETRConfig(**dict(TINY, num_queries=5)))
    with pytest.raises(ValueError, match="num_queries"):
        other.load_weights(path)
    data = json.loads((tmp_path / "model.json").read_text())
    data["config"]["d_model"] = 32  # JSON edited: it no longer describes the weights
    (tmp_path / "model.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="d_model"):
        tiny.load_weights(path)
    with pytest.raises(ValueError, match="shape"):
        FractureDETR.load(path)
    data["config"]["colour"] = "red"
    (tmp_path / "model.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="colour"):
        FractureDETR.load(path)


def test_checkpoint_bad_paths(tiny, tmp_path):
    with pytest.raises(ValueError, match="safetensors"):
        tiny.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match="does not exist"):
        FractureDETR.load(tmp_path / "missing.safetensors")


def test_compute_loss_and_bad_targets(tiny):
    tiny.train()
    x = torch.randn(1, 1, 32, 48)
    losses = tiny.compute_loss(x, _targets())
    assert torch.isfinite(losses["loss"]) and {"class_0", "azimuth_0"} <= set(losses)
    empty = [{"labels": [], "depth": [], "dip": [], "azimuth": []}]
    assert torch.isfinite(tiny.compute_loss(x, empty)["loss"])
    bad = [
        ({"labels": [0], "depth": [0.5], "dip": [10.0]}, "azimuth"),
        ({"labels": [2], "depth": [0.5], "dip": [10.0], "azimuth": [0.0]}, "labels"),
        ({"labels": [0], "depth": [1.5], "dip": [10.0], "azimuth": [0.0]}, "depth"),
        ({"labels": [0], "depth": [0.5], "dip": [95.0], "azimuth": [0.0]}, "dip"),
        ({"labels": [0, 1], "depth": [0.5], "dip": [10.0], "azimuth": [0.0]}, "depth"),
    ]
    for target, name in bad:
        with pytest.raises(ValueError, match=name):
            tiny.compute_loss(x, [target])
    with pytest.raises(ValueError, match="one dict per patch"):
        tiny.compute_loss(x, _targets() * 2)


def test_azimuth_loss_is_circular():
    """The azimuth loss sees 359 vs 1 degrees as 2 degrees apart, like 90 vs 92."""
    from nmskit.borehole.models.detr_loss import build_criterion
    from nmskit.borehole.models.targets import encode_targets

    term = dict(build_criterion().loss_terms)["azimuth"][1]

    def gap(a, b):
        t = encode_targets([{"labels": [0, 0], "depth": [0, 0], "dip": [0, 0], "azimuth": [a, b]}])
        return float(term({"azimuth": t[0]["azimuth"][:1]}, {"azimuth": t[0]["azimuth"][1:]}))

    assert gap(359, 1) == pytest.approx(gap(90, 92), abs=1e-6)
    assert gap(359, 1) == pytest.approx(2 * np.sin(np.deg2rad(1.0)), abs=1e-6)
    assert gap(0, 180) == pytest.approx(2.0, abs=1e-6)


def test_config_validation():
    with pytest.raises(ValueError, match="backbone_depth"):
        FractureDETRConfig(backbone_depth=34)
    with pytest.raises(ValueError, match="downsample"):
        FractureDETRConfig(downsample=7)
    with pytest.raises(ValueError, match="num_queries"):
        FractureDETRConfig(num_queries=0)
    assert FractureDETRConfig(downsample=2).grid_shape == (25, 12)
    with pytest.raises(ValueError, match="FractureDETRConfig"):
        FractureDETR({"d_model": 16})


def test_small_preset_fits_the_shipping_budget(tmp_path):
    """The CPU variant takes the same patches and its checkpoint stays under 30 MB."""
    model = FractureDETR(FractureDETRConfig.small())
    assert model.config.grid_shape == (25, 12)
    assert model.config.patch_height == 800 and model.config.patch_width == 360
    model.save(tmp_path / "small.safetensors")
    assert (tmp_path / "small.safetensors").stat().st_size < 30e6


def test_anchored_queries_predict_offsets_from_their_reference_depths():
    """With a zero depth head each query reports its own reference depth, spread evenly."""
    torch.manual_seed(0)
    model = FractureDETR(FractureDETRConfig(**TINY, anchored_queries=True)).eval()
    with torch.no_grad():
        last = model.depth_head.layers[-1]
        last.weight.zero_()
        last.bias.zero_()
        out = model(torch.randn(2, 1, 32, 48))
    assert torch.allclose(out["depth"], torch.tensor([0.125, 0.375, 0.625, 0.875]).expand(2, 4))
    assert out["logits"].shape == (2, 4, 3) and len(out["aux_outputs"]) == 1
    loss = model.compute_loss(torch.randn(1, 1, 32, 48), _targets())
    loss["loss"].backward()
    assert model.query_anchor.grad is not None and torch.isfinite(model.query_anchor.grad).all()
    with pytest.raises(ValueError, match="anchored_queries"):
        FractureDETRConfig(anchored_queries=1)


def test_row_queries_read_fine_row_features_at_the_anchors():
    from nmskit.borehole.models.detr import _sample_rows

    rows = torch.arange(8.0).view(1, 1, 8).expand(2, 3, 8)  # cell i holds i
    depth = torch.tensor([0.0625, 0.125, 0.5, 1.0])  # cell centres at (i + 0.5) / 8
    got = _sample_rows(rows, depth)  # [2, 4, 3]
    assert got.shape == (2, 4, 3)
    assert torch.allclose(got[0, :, 0], torch.tensor([0.0, 0.5, 3.5, 7.0]))
    torch.manual_seed(0)
    model = FractureDETR(FractureDETRConfig(**TINY, anchored_queries=True, row_queries=True))
    loss = model.compute_loss(torch.randn(1, 1, 32, 48), _targets())
    loss["loss"].backward()
    assert model.rows.collapse[0].weight.grad is not None
    with pytest.raises(ValueError, match="row_queries needs anchored_queries"):
        FractureDETRConfig(row_queries=True)


def test_query_selection_seeds_the_queries_from_the_dense_first_stage(tmp_path):
    """The first stage is the dense detector (its weights load by name); with zeroed heads
    every query reports its cell's geometry, for the best cells in depth order."""
    from nmskit.borehole import DenseDetectorConfig, DenseFractureDetector

    torch.manual_seed(0)
    dense = DenseFractureDetector(
        DenseDetectorConfig(patch_height=32, patch_width=48, downsample=1, backbone_width=4, d_model=16, head_layers=4)
    ).eval()
    dense.save(tmp_path / "dense.safetensors")
    model = FractureDETR(FractureDETRConfig(**dict(TINY, norm="group", query_selection=True, num_queries=6)))
    fresh = model.init_weights(tmp_path / "dense.safetensors")
    assert fresh and not [n for n in fresh if n.startswith(("backbone.", "rows.", "heat_head.", "box_head."))]
    model.eval()
    for head in (model.depth_head, model.dip_head, model.azimuth_head):
        torch.nn.init.zeros_(head.layers[-1].weight)
        torch.nn.init.zeros_(head.layers[-1].bias)
    x = torch.randn(2, 1, 32, 48)
    with torch.no_grad():
        want, out = dense(x), model(x)
    for key, value in want.items():
        assert torch.allclose(out["dense"][key], value, atol=1e-6)
    cells = want["logits"].max(1).values.topk(6, dim=1).indices.sort(dim=1).values  # [2, 6]
    assert torch.allclose(out["depth"], (cells + want["offset"].gather(1, cells)) / 16, atol=1e-5)
    assert torch.allclose(out["dip"], want["dip"].gather(1, cells).clamp(1e-4, 1 - 1e-4), atol=1e-5)
    az = torch.nn.functional.normalize(want["azimuth"].gather(1, cells[..., None].expand(-1, -1, 2)), dim=-1)
    assert torch.allclose(out["azimuth"], az, atol=1e-5)
    model.train()
    loss = model.compute_loss(torch.randn(1, 1, 32, 48), _targets())
    assert {"dense_heatmap", "dense_offset", "class", "depth_0"} <= set(loss)
    loss["loss"].backward()
    assert model.rows.collapse[0].weight.grad is not None and model.proposal_embed.layers[0].weight.grad is not None


def test_query_selection_config():
    cfg = FractureDETRConfig.two_stage()
    assert cfg.query_selection and not cfg.anchored_queries and cfg.row_cells == 100 and cfg.num_queries == 64
    with pytest.raises(ValueError, match="exclude each other"):
        FractureDETRConfig(query_selection=True, anchored_queries=True)
    with pytest.raises(ValueError, match="must not exceed the row cells"):
        FractureDETRConfig(downsample=4, query_selection=True, num_queries=101)
    with pytest.raises(ValueError, match="query_selection"):
        FractureDETRConfig(query_selection="yes")


def test_run_settings_select_the_two_stage_preset_and_the_reuse():
    from nmskit.borehole.training.run import run_settings

    settings = run_settings(query_selection=True, reuse=16, depth_weight=20.0)
    assert settings["config"] == FractureDETRConfig.two_stage() and settings["data"].reuse == 16
    assert settings["loss_weights"].depth == 20.0
    assert run_settings()["data"].reuse == 4 and not run_settings()["config"].query_selection
    with pytest.raises(ValueError, match="reuse"):
        run_settings(reuse=0)
    with pytest.raises(ValueError, match="query_selection"):
        run_settings("dense", query_selection=True)


def test_run_settings_published_preset_and_device():
    from nmskit.borehole.training.run import run_settings

    settings = run_settings(published=True, device="cpu")
    assert settings["config"] == FractureDETRConfig() and settings["train_cfg"].device == "cpu"
    assert run_settings(published=True, downsample=2)["config"] == FractureDETRConfig(downsample=2)
    with pytest.raises(ValueError, match="exclude each other"):
        run_settings(published=True, query_selection=True)
    with pytest.raises(ValueError, match="device"):
        run_settings(device="abacus")
