"""The training loop (nmskit.nn.train) on a patch detector: it learns a toy task, resumes exactly,
keeps the best checkpoint, stops on a non-finite loss."""

import math

import pytest
import torch

from nmskit.borehole import FractureDETR, FractureDETRConfig
from nmskit.nn import TrainConfig, train, train_step

H, W = 64, 48


pytestmark = pytest.mark.usefixtures("one_thread")


def toy_batch(step, batch=8):
    """Bright sinusoids ``z(x) = z0 + (W / 2 pi) tan(dip) cos(x - azimuth)`` on noise.

    One or two per patch; a pure function of ``step``.
    """
    g = torch.Generator().manual_seed(1000 + step)
    patches = torch.randn(batch, 1, H, W, generator=g) * 0.3
    cols = (torch.arange(W) + 0.5) * 2 * math.pi / W
    targets = []
    for b in range(batch):
        n = int(torch.randint(1, 3, (1,), generator=g))
        depth = torch.rand(n, generator=g) * 0.6 + 0.2
        dip = torch.rand(n, generator=g) * 50
        az = torch.rand(n, generator=g) * 360
        for d, p, a in zip(depth, dip, az):
            z = d * H + W / (2 * math.pi) * torch.tan(torch.deg2rad(p)) * torch.cos(cols - torch.deg2rad(a))
            patches[b, 0, z.round().long().clamp(0, H - 1), torch.arange(W)] += 2.0
        targets.append({"labels": torch.zeros(n, dtype=torch.long), "depth": depth, "dip": dip, "azimuth": az})
    return patches, targets


def tiny_model(dropout=0.0, seed=0):
    torch.manual_seed(seed)
    return FractureDETR(
        FractureDETRConfig(
            patch_height=H,
            patch_width=W,
            backbone_width=8,
            d_model=32,
            nhead=4,
            encoder_layers=1,
            decoder_layers=2,
            dim_feedforward=64,
            dropout=dropout,
            num_queries=6,
            norm="group",
        )
    )


@pytest.mark.slow
def test_learns_a_toy_task():
    model = tiny_model()
    history = train(model, toy_batch, TrainConfig(steps=80, lr=1e-3, lr_backbone=1e-3, progress=False))
    first = {k: sum(h[k] for h in history[:5]) / 5 for k in ("loss", "depth", "class")}
    last = {k: sum(h[k] for h in history[-10:]) / 10 for k in ("loss", "depth", "class")}
    assert last["loss"] < 0.7 * first["loss"]
    assert last["depth"] < 0.6 * first["depth"]  # it localises, not only classifies
    assert last["class"] < 0.6 * first["class"]


def test_resume_continues_exactly(tmp_path):
    cfg = dict(lr=1e-3, lr_backbone=1e-4, save_every=2, progress=False, seed=3)

    def data(step):
        return toy_batch(step, batch=2)

    straight = tiny_model(dropout=0.1)  # dropout: the RNG state must be restored too
    train(straight, data, TrainConfig(steps=4, **cfg))
    interrupted = tiny_model(dropout=0.1)
    train(interrupted, data, TrainConfig(steps=2, **cfg), out_dir=tmp_path)
    resumed = tiny_model(dropout=0.1, seed=99)  # fresh weights: everything comes from disk
    history = train(resumed, data, TrainConfig(steps=4, **cfg), out_dir=tmp_path, resume=True)
    assert [h["step"] for h in history] == [3, 4]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_validation_keeps_the_best_checkpoint(tmp_path):
    scores = iter([0.1, 0.5, 0.3])
    snapshots = {}

    def validate(model):
        score = next(scores)
        snapshots[score] = {k: v.clone() for k, v in model.state_dict().items()}
        return {"f1": score, "recall": 1.0}

    model = tiny_model()
    history = train(
        model,
        [toy_batch(0, 2), toy_batch(1, 2)],  # an iterable, cycled
        TrainConfig(steps=3, val_every=1, lr=1e-3, progress=False, monitor="f1"),
        out_dir=tmp_path,
        validate=validate,
    )
    assert [h["val_f1"] for h in history] == [0.1, 0.5, 0.3]
    best = FractureDETR.load(tmp_path / "best.safetensors")
    for name, value in best.state_dict().items():
        assert torch.equal(value, snapshots[0.5][name]), name
    with pytest.raises(ValueError, match="monitor"):
        train(
            model,
            [toy_batch(0, 2)],
            TrainConfig(steps=1, val_every=1, progress=False, monitor="f1"),
            validate=lambda m: {"loss": 1.0},
        )


def test_a_metric_without_value_is_logged_as_null(tmp_path):
    """A validation share of zero matches is NaN; the checkpoints' JSON log keeps it as null."""
    import json

    model = tiny_model()
    train(
        model,
        [toy_batch(0, 2)],
        TrainConfig(steps=1, val_every=1, lr=1e-3, progress=False, monitor="f1"),
        out_dir=tmp_path,
        validate=lambda m: {"f1": 0.0, "dip_within": float("nan")},
    )
    history = json.loads((tmp_path / "best.json").read_text())["record"]["history"]
    assert history[-1]["val_dip_within"] is None and history[-1]["val_f1"] == 0.0


def test_optimizer_groups_and_train_step():
    model = tiny_model()
    cfg = TrainConfig(lr=1e-3, lr_backbone=1e-5)
    opt = torch.optim.AdamW(model.param_groups(cfg), lr=cfg.lr, weight_decay=cfg.weight_decay)
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 1e-5]
    n_backbone = sum(p.numel() for p in model.backbone.parameters())
    assert sum(p.numel() for p in opt.param_groups[1]["params"]) == n_backbone
    before = model.query_embed.weight.detach().clone()
    losses = train_step(model, opt, toy_batch(0, 2))
    assert isinstance(losses["loss"], float) and not torch.equal(before, model.query_embed.weight)
    with pytest.raises(ValueError, match="out_dir"):
        train(model, toy_batch, TrainConfig(steps=1, progress=False), resume=True)


def test_a_non_finite_loss_stops_training(tmp_path):
    model = tiny_model()
    patches, targets = toy_batch(0, 2)

    def nan_loss(net, batch):
        return {"loss": net.compute_loss(*batch)["loss"] * float("nan")}

    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="training loss is nan"):
        train(model, lambda step: (patches, targets), TrainConfig(steps=3, progress=False), tmp_path, loss=nan_loss)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name  # nothing was updated
    assert not (tmp_path / "last.json").exists()


def test_train_config_rejects_bad_values():
    for field, value in (
        ("steps", 0),
        ("lr", -1.0),
        ("schedule", "linear"),
        ("device", "toaster"),
        ("warmup_steps", -2),
        ("max_norm", float("inf")),
    ):
        with pytest.raises(ValueError, match=field):
            TrainConfig(**{field: value})


def test_warmup_cosine_and_drop_schedule():
    cfg = TrainConfig(steps=10, warmup_steps=2, schedule="cosine")
    assert [cfg.lr_factor(s) for s in (0, 1)] == [0.5, 1.0]
    assert cfg.lr_factor(2) == pytest.approx(1.0) and cfg.lr_factor(10) == pytest.approx(0.0)
    assert cfg.lr_factor(6) == pytest.approx(0.5 * (1 + math.cos(math.pi * 4 / 8)))
    dropped = TrainConfig(steps=10, lr_drop=5)
    assert [dropped.lr_factor(s) for s in (4, 5, 9)] == [1.0, 0.1, 0.1]
