"""The training loop of the patch detectors (``FractureDETR``, ``DenseFractureDetector``):
AdamW, gradient clipping, validation, resume. It needs only the model's ``compute_loss``,
``save``, ``load_weights`` and ``backbone``.

Data protocol: ``data`` is either a callable ``data(step) -> (patches, targets)`` (preferred:
the batch is a pure function of the step, so a resumed run sees the batches it would have
seen) or an iterable of such pairs, re-iterated when exhausted (and restarted from its
beginning on resume). ``patches`` is
``[B, 1, patch_height, patch_width]``; ``targets`` is a list of ``B`` dicts as documented in
``FractureDETR.compute_loss`` (both detectors take the same targets).

Files in ``out_dir``: ``last.safetensors`` (+ ``.json``), the model after the latest save;
``last-optimizer.safetensors`` (+ ``.json``), the optimizer and RNG state plus the step, for
resuming; ``best.safetensors`` (+ ``.json``), the model with the best validation score.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ...nn import checkpoint
from ..models.patch_detector import PatchDetector


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (DETR's defaults for lr, backbone lr, weight decay and clip).

    Args:
        steps: total optimiser steps. lr, lr_backbone: AdamW learning rates of the
            transformer and heads, and of the backbone. weight_decay: AdamW's.
        max_norm: gradient-norm clip (0 disables). val_every: validate (and save the best)
            every this many steps, and after the last. save_every: write the resumable
            ``last`` checkpoint every this many steps, and after the last.
        monitor: key of the validation dict to maximise. seed: torch's seed at the start.
        progress: show a tqdm bar.
        lr_drop: from this step on, both learning rates are divided by 10 (DETR's step
            schedule; 0 keeps them constant).
    """

    steps: int = 1000
    lr: float = 1e-4
    lr_backbone: float = 1e-5
    weight_decay: float = 1e-4
    max_norm: float = 0.1
    val_every: int = 100
    save_every: int = 100
    monitor: str = "f1"
    seed: int = 0
    progress: bool = True
    lr_drop: int = 0


def build_optimizer(model: PatchDetector, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW with two parameter groups: the backbone (``lr_backbone``) and the rest (``lr``)."""
    backbone = [p for p in model.backbone.parameters() if p.requires_grad]
    ids = {id(p) for p in backbone}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return torch.optim.AdamW([{"params": rest, "lr": cfg.lr},
                              {"params": backbone, "lr": cfg.lr_backbone}],
                             lr=cfg.lr, weight_decay=cfg.weight_decay)


def train_step(model: PatchDetector, optimizer, patches, targets, max_norm: float = 0.1) -> dict:
    """One optimiser step on one batch; returns the loss terms as floats."""
    model.train()
    losses = model.compute_loss(patches, targets)
    optimizer.zero_grad(set_to_none=True)
    losses["loss"].backward()
    if max_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return {k: float(v.detach()) for k, v in losses.items()}


def _save_state(path: Path, optimizer, step: int, best: float) -> None:
    """Optimizer tensors and RNG state to safetensors, the rest to JSON (no pickling)."""
    state = optimizer.state_dict()
    tensors = {f"state.{i}.{k}": v for i, s in state["state"].items() for k, v in s.items()}
    tensors["rng"] = torch.get_rng_state()
    checkpoint.write(path, tensors, {"step": step, "best": best if math.isfinite(best) else None,
                                     "param_groups": state["param_groups"]})


def _load_state(path: Path, optimizer) -> tuple[int, float]:
    """Restore what ``_save_state`` wrote; returns ``(step, best)``."""
    tensors, info = checkpoint.read(path)
    state: dict = {}
    for name, value in tensors.items():
        if name.startswith("state."):
            _, i, key = name.split(".", 2)
            state.setdefault(int(i), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": info["param_groups"]})
    torch.set_rng_state(tensors["rng"])
    best = info["best"]
    return int(info["step"]), -math.inf if best is None else float(best)


def _batches(data, start: int):
    """``(step, batch)`` pairs from ``start`` on, for a callable or an iterable ``data``."""
    if callable(data):
        for step in itertools.count(start):
            yield step, data(step)
    else:
        step = start
        while True:
            empty = True
            for batch in data:
                empty = False
                yield step, batch
                step += 1
            if empty:
                raise ValueError("data yielded no batches")


def train(model: PatchDetector, data, cfg: TrainConfig = TrainConfig(), out_dir=None,
          validate=None, resume: bool = False) -> list[dict]:
    """Train ``model`` in place.

    Args:
        model: the detector, DETR or dense (its weights are updated).
        data: ``data(step) -> (patches, targets)`` or an iterable of such pairs.
        cfg: optimisation settings.
        out_dir: where checkpoints go (None: nowhere; resume then impossible).
        validate: ``validate(model) -> dict`` of floats including ``cfg.monitor``; called every
            ``cfg.val_every`` steps. The best model so far is saved as ``best.safetensors``.
        resume: continue from ``out_dir/last*.safetensors`` when present.

    Returns:
        The history: one dict per step (``step`` and the loss terms), with the validation
        results merged into the entries of the steps that ran it.
    """
    out = Path(out_dir) if out_dir is not None else None
    if resume and out is None:
        raise ValueError("resume=True needs out_dir")
    optimizer = build_optimizer(model, cfg)
    start, best = 0, -math.inf
    torch.manual_seed(cfg.seed)
    if resume and (out / "last.safetensors").is_file():
        model.load_weights(out / "last.safetensors")
        start, best = _load_state(out / "last-optimizer.safetensors", optimizer)
    history = []
    bar = tqdm(total=cfg.steps, initial=start, disable=not cfg.progress, desc="train")
    for step, (patches, targets) in _batches(data, start):
        if step >= cfg.steps:
            break
        scale = 0.1 if 0 < cfg.lr_drop <= step else 1.0
        for group, lr in zip(optimizer.param_groups, (cfg.lr, cfg.lr_backbone)):
            group["lr"] = lr * scale
        record = {"step": step + 1, **train_step(model, optimizer, patches, targets, cfg.max_norm)}
        done = step + 1
        if validate is not None and (done % cfg.val_every == 0 or done == cfg.steps):
            metrics = validate(model)
            if cfg.monitor not in metrics:
                raise ValueError(f"validate returned no {cfg.monitor!r} (cfg.monitor); got "
                                 f"{sorted(metrics)}")
            record.update({f"val_{k}": float(v) for k, v in metrics.items()})
            if float(metrics[cfg.monitor]) > best:
                best = float(metrics[cfg.monitor])
                if out is not None:
                    model.save(out / "best.safetensors")
        if out is not None and (done % cfg.save_every == 0 or done == cfg.steps):
            model.save(out / "last.safetensors")
            _save_state(out / "last-optimizer.safetensors", optimizer, done, best)
        history.append(record)
        bar.update(1)
        bar.set_postfix(loss=f"{record['loss']:.3f}")
    bar.close()
    return history

