"""The one training loop of every nmskit model: AdamW, a learning-rate schedule, gradient
clipping, a stop on a non-finite loss, validation with best-checkpoint saving, resume, a
progress bar, a device, and DDP for the models that support it.

Data protocol: ``data`` is a callable ``data(step) -> batch`` (the batch is a pure function of
the step, so a resumed run sees the batches it would have seen) or an iterable of batches,
re-iterated when exhausted (and restarted from its beginning on resume). ``loss(net, batch)``
returns a dict of scalar tensors with the total under ``"loss"``; the default calls
``net.compute_loss(*batch)``.

Files in ``out_dir``: ``last`` (the model after the latest save), ``last-optimizer`` (the
optimizer and RNG state, the step and the best score), ``best`` (the model with the best
validation score), each a checkpoint of :mod:`nmskit.nn.checkpoint`.

Distributed: under ``torchrun --nproc_per_node=P`` with a process group initialised, a model
with ``supports_ddp`` is wrapped in ``DistributedDataParallel``; each process draws its own
share of every batch from ``data`` (see ``rank_and_world``); rank 0 validates and saves.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from tqdm.auto import tqdm

from .._arrays import PathLike
from .checkpoint import load_training_state, save_training_state
from .model import Model

SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (the defaults are DETR's lr, backbone lr, weight decay and clip).

    Args:
        steps: total optimiser steps.
        lr: AdamW learning rate. lr_backbone: that of a model's backbone (models that have
            one put it in its own parameter group). weight_decay: AdamW's.
        max_norm: gradient-norm clip (0 disables).
        schedule: ``"constant"``, or ``"cosine"`` (decay to 0 at ``steps``).
        warmup_steps: linear warm-up from ``lr / warmup_steps`` at the first step.
        lr_drop: from this step on, every learning rate is divided by 10 (DETR's step
            schedule; 0: never).
        val_every: validate (and save the best) every this many steps, and after the last.
        save_every: write the resumable ``last`` checkpoint every this many steps, and after
            the last.
        monitor: key of the validation dict to maximise.
        seed: torch's seed at the start.
        progress: show a tqdm bar.
        device: where the model trains (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).
    """

    steps: int = 1000
    lr: float = 1e-4
    lr_backbone: float = 1e-5
    weight_decay: float = 1e-4
    max_norm: float = 0.1
    schedule: str = "constant"
    warmup_steps: int = 0
    lr_drop: int = 0
    val_every: int = 100
    save_every: int = 100
    monitor: str = "score"
    seed: int = 0
    progress: bool = True
    device: str = "cpu"

    def __post_init__(self):
        for name in ("steps", "val_every", "save_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("warmup_steps", "lr_drop"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {getattr(self, name)!r}")
        for name in ("lr", "lr_backbone", "weight_decay", "max_norm"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        try:
            torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', got {self.device!r}") from None

    def lr_factor(self, step: int) -> float:
        """Multiplier of every base learning rate at ``step`` (0-based)."""
        if step < self.warmup_steps:
            factor = (step + 1) / self.warmup_steps
        elif self.schedule == "cosine":
            done = min(1.0, (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps))
            factor = 0.5 * (1.0 + math.cos(math.pi * done))
        else:
            factor = 1.0
        return factor * (0.1 if 0 < self.lr_drop <= step else 1.0)


def rank_and_world() -> tuple[int, int]:
    """``(rank, world size)`` of this process: ``(0, 1)`` outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def default_loss(net: Any, batch: Sequence[Any]) -> dict:
    """``net.compute_loss(*batch)``: the loss of models that define it (the patch detectors)."""
    return net.compute_loss(*batch)


def train_step(
    net: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Any,
    loss: Callable[[torch.nn.Module, Any], dict] = default_loss,
    max_norm: float = 0.1,
) -> dict:
    """One optimiser step on one batch; returns the loss terms as floats.

    Raises:
        ValueError: when the loss is NaN or infinite (nothing is updated).
    """
    net.train()
    terms = loss(net, batch)
    total = terms["loss"]
    if not torch.isfinite(total.detach()).all():
        raise ValueError(
            f"the training loss is {float(total.detach())}: stopped before the update (lower the "
            "learning rate, or check the batch for NaN or inf; resume from the last checkpoint)"
        )
    if total.requires_grad:
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        if max_norm > 0:
            torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        optimizer.step()
    return {k: float(v.detach()) if torch.is_tensor(v) else float(v) for k, v in terms.items()}


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


def train(
    model: Model,
    data: Callable[[int], Any] | Iterable[Any],
    cfg: TrainConfig = TrainConfig(),
    out_dir: PathLike | None = None,
    validate: Callable[[Model], dict] | None = None,
    resume: bool = False,
    loss: Callable[[torch.nn.Module, Any], dict] = default_loss,
    record: dict | None = None,
    until: int | None = None,
) -> list[dict]:
    """Train ``model`` in place.

    Args:
        model: a :class:`nmskit.nn.Model` (its ``param_groups`` give the optimiser's groups).
        data: ``data(step) -> batch`` or an iterable of batches.
        cfg: optimisation settings (``cfg.device``: the model is moved there).
        out_dir: where checkpoints go (None: nowhere; resume then impossible).
        validate: ``validate(model) -> dict`` of floats including ``cfg.monitor``; called every
            ``cfg.val_every`` steps on rank 0. The best model so far is saved as ``best``.
        resume: continue from ``out_dir/last`` when present.
        loss: ``loss(net, batch) -> dict`` of scalar tensors with ``"loss"``.
        record: JSON-able facts stored in every checkpoint's record beside ``train`` (these
            settings), ``step`` and ``history``: one entry per validation, with the mean
            loss terms since the previous one, ``val_*`` results and the seconds it took.
        until: stop after this step (default ``cfg.steps``), validating and saving there: a
            run cut into chunks keeps the schedule of all ``cfg.steps``.

    Returns:
        One dict per step run here (``step`` and the loss terms), with the validation
        results merged into the entries of the steps that ran it.
    """
    out = Path(out_dir) if out_dir is not None else None
    if resume and out is None:
        raise ValueError("resume=True needs out_dir")
    rank, world = rank_and_world()
    if world > 1 and not model.supports_ddp:
        raise ValueError(f"model: a {type(model).__name__} trains in one process only (no DDP)")
    model.to(cfg.device)
    optimizer = torch.optim.AdamW(model.param_groups(cfg), lr=cfg.lr, weight_decay=cfg.weight_decay)
    base = [group["lr"] for group in optimizer.param_groups]
    start, best, log = 0, -math.inf, []
    torch.manual_seed(cfg.seed)
    if resume and out is not None and (out / "last.json").is_file():
        log = model.load_weights(out / "last").get("history", [])
        start, best = load_training_state(out / "last-optimizer", optimizer)
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    meta = {**(record or {}), "train": asdict(cfg)}
    history, losses, clock = [], [], time.perf_counter()
    stop = cfg.steps if until is None else min(until, cfg.steps)
    bar = tqdm(total=stop, initial=start, disable=not cfg.progress or rank != 0, desc="train")
    for step, batch in _batches(data, start):
        if step >= stop:
            break
        for group, lr in zip(optimizer.param_groups, base):
            group["lr"] = lr * cfg.lr_factor(step)
        entry = {"step": step + 1, **train_step(net, optimizer, batch, loss, cfg.max_norm)}
        done = step + 1
        losses.append(entry)
        if rank == 0 and validate is not None and (done % cfg.val_every == 0 or done == stop):
            metrics = validate(model)
            if cfg.monitor not in metrics:
                raise ValueError(f"validate returned no {cfg.monitor!r} (cfg.monitor); got {sorted(metrics)}")
            entry.update({f"val_{k}": float(v) for k, v in metrics.items()})
            means = {k: sum(e[k] for e in losses) / len(losses) for k in losses[0] if k != "step"}
            # A metric without a value (e.g. a share of zero matches) is NaN; the log is JSON.
            log.append(
                {
                    "step": done,
                    **means,
                    **{k: v if math.isfinite(v) else None for k, v in entry.items() if k.startswith("val_")},
                    "seconds": round(time.perf_counter() - clock, 1),
                }
            )
            losses, clock = [], time.perf_counter()
            if float(metrics[cfg.monitor]) > best:
                best = float(metrics[cfg.monitor])
                if out is not None:
                    model.save(out / "best", {**meta, "step": done, "history": log})
        if rank == 0 and out is not None and (done % cfg.save_every == 0 or done == stop):
            model.save(out / "last", {**meta, "step": done, "history": log})
            save_training_state(out / "last-optimizer", optimizer, done, best)
        if world > 1 and (done % cfg.save_every == 0 or done % cfg.val_every == 0 or done == stop):
            dist.barrier()
        history.append(entry)
        bar.update(1)
        bar.set_postfix(loss=f"{entry['loss']:.3f}")
    bar.close()
    return history
