"""Training loop for the rescoring models (plain PyTorch).

AdamW with weight decay, linear warm-up then cosine decay (per step), gradient-norm
clipping, batches of 32 frames, BCE on targets from :mod:`.matching` (recomputed every
step from the current refined scores; the set predictor instead takes the Hungarian set
loss of :mod:`.setloss3d`, in one process), validation by nuScenes mAP/NDS after every epoch,
the best checkpoint kept (by mAP + NDS), and resume from the last checkpoint.

Distributed: under ``torchrun --nproc_per_node=P`` it runs DDP with gloo. Each process
takes every P-th frame of each global batch; batch-norm statistics and the loss
normaliser are all-reduced, so P processes follow single-process training with the same
global batch up to floating-point reduction order.

    python -m nmskit.learned.train --model d2d --out runs/d2d --epochs 12
    python -m nmskit.learned.train --model setpred --out runs/setpred
    torchrun --nproc_per_node=2 -m nmskit.learned.train --model d2d --out runs/d2d
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, asdict
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from .checkpoint import load_into, optimizer_tensors, read_checkpoint, restore_optimizer, save_checkpoint
from .config import MODELS, build_model, default_config
from .dataset import FrameSet
from ..evaluate import nuscenes_detection
from .matching import match_targets
from .rescorer import refine, select_top_k
from .setloss3d import set_loss
from .setpred3d import SetPredictor3D, predict


@dataclass
class TrainConfig:
    """Optimisation settings (recorded in every checkpoint)."""

    epochs: int = 12
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 50
    clip_norm: float = 1.0
    seed: int = 0
    matching: str = "metric"  # rescorers only; the set predictor always matches by Hungarian set matching
    top_k: int = 300


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def _world():
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def train_step(model, optimizer, frames: FrameSet, cfg: TrainConfig) -> float:
    """One optimisation step on this process's share of a global batch; returns the
    global mean BCE."""
    p = frames.packed()
    delta = model(p)
    logit = torch.logit(p.raw[:, -2].clamp(1e-6, 1 - 1e-6)) + delta
    target = torch.from_numpy(match_targets(frames.det, torch.sigmoid(logit).detach().numpy(), frames.det_offsets,
                                            frames.gt, frames.gt_offsets, cfg.matching))
    loss_sum = torch.nn.functional.binary_cross_entropy_with_logits(logit, target, reduction="sum")
    count = torch.tensor([float(len(target)), loss_sum.item()])
    rank, world = _world()
    if world > 1:
        dist.all_reduce(count)
    _update(model, optimizer, loss_sum * world / count[0].clamp_min(1.0), cfg)  # DDP averages gradients
    return float(count[1] / count[0].clamp_min(1.0))


def set_train_step(model, optimizer, frames: FrameSet, cfg: TrainConfig) -> float:
    """One optimisation step of the set predictor (one process); returns its set loss."""
    loss = set_loss(model, frames)
    if loss.requires_grad:
        _update(model, optimizer, loss, cfg)
    return loss.item()


def _update(model, optimizer, loss: torch.Tensor, cfg: TrainConfig) -> None:
    """Backward, clip the gradient norm at ``cfg.clip_norm``, step."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
    optimizer.step()


def rescore_frames(model, frames: FrameSet, chunk: int = 32) -> np.ndarray:
    """Refined scores ``[M]`` of all detections of ``frames`` (model in eval mode)."""
    model.eval()
    out = [refine(model, frames.subset(np.arange(a, min(a + chunk, frames.num_frames))).packed())
           for a in range(0, frames.num_frames, chunk)]
    return np.concatenate(out) if out else np.zeros(0)


def evaluate_model(model, frames: FrameSet, top_k: int = 300):
    """:class:`nmskit.evaluate.NuScenesDetectionResult` of the model's top-K selection (a
    rescorer), or of its top-K boxes per frame (the set predictor)."""
    if isinstance(model, SetPredictor3D):
        return nuscenes_detection(predict(model, frames.detections(), top_k), frames.ground_truth())
    scores = rescore_frames(model, frames)
    keep = select_top_k(scores, frames.packed(), top_k)
    return nuscenes_detection(frames.detections(keep, scores[keep]), frames.ground_truth())


def fit(model, train: FrameSet, val: FrameSet, out, cfg: TrainConfig, resume: bool = True, record: dict | None = None):
    """Train ``model`` and write ``out/last`` and ``out/best`` checkpoints.

    Returns:
        The history: one dict per epoch (loss, mAP, NDS, seconds).
    """
    rank, world = _world()
    if world > 1 and isinstance(model, SetPredictor3D):
        raise ValueError("model: the set predictor trains in one process only")
    step = set_train_step if isinstance(model, SetPredictor3D) else train_step
    out = Path(out)
    torch.manual_seed(cfg.seed)
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    steps_per_epoch = math.ceil(train.num_frames / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, total, cfg.warmup_steps))
    history, start, best = [], 0, -math.inf
    if resume and (out / "last.json").is_file():
        rec = load_into(model, out / "last")
        _, _, tensors = read_checkpoint(out / "last")
        restore_optimizer(optimizer, tensors, rec["optimizer"])
        history, start, best = rec["history"], rec["epoch"], rec["best"]
        sched.last_epoch = start * steps_per_epoch
        for g in optimizer.param_groups:
            g["lr"] = g["initial_lr"] * lr_factor(sched.last_epoch, total, cfg.warmup_steps)
    for epoch in range(start, cfg.epochs):
        t0 = time.time()
        model.train()
        order = np.random.default_rng(cfg.seed + epoch).permutation(train.num_frames)
        losses = []
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=rank != 0, leave=False)
        for s in bar:
            batch = order[s * cfg.batch_size:(s + 1) * cfg.batch_size][rank::world]
            losses.append(step(net, optimizer, train.subset(batch), cfg))
            sched.step()
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if rank == 0:
            m = evaluate_model(model, val, cfg.top_k)
            history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "mAP": m.mean_ap, "NDS": m.nds,
                            "seconds": round(time.time() - t0, 1)})
            print(json.dumps(history[-1]), flush=True)
            meta = {**(record or {}), "train": asdict(cfg), "history": history}
            if m.mean_ap + m.nds > best:
                best = m.mean_ap + m.nds
                save_checkpoint(out / "best", model, {**meta, "epoch": epoch + 1})
            opt_t, opt_rest = optimizer_tensors(optimizer)
            save_checkpoint(out / "last", model, {**meta, "epoch": epoch + 1, "best": best, "optimizer": opt_rest},
                            extra_tensors=opt_t)
        if world > 1:
            dist.barrier()
    return history


def train_rescorer(model: str, train: FrameSet, val: FrameSet, out, cfg: TrainConfig | None = None,
                   resume: bool = True, record: dict | None = None) -> Path:
    """Train a fresh ``model`` (``"d2d"``, ``"gossip"``, ``"gcn"`` or the set predictor
    ``"setpred"``; default config, initialised from ``cfg.seed``) and return its best
    checkpoint, ``out/best``, which :meth:`nmskit.learned.Rescorer.load` (or
    :meth:`nmskit.learned.SetPredictor.load`) reads, as it does ``out`` itself."""
    cfg = cfg or TrainConfig()
    torch.manual_seed(cfg.seed)
    net = build_model(default_config(model))
    fit(net, train, val, out, cfg, resume=resume, record={**(record or {}), "world_size": _world()[1]})
    return Path(out) / "best"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nmskit.learned.train", description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=MODELS, default="d2d")
    ap.add_argument("--out", required=True, help="directory for last/best checkpoints")
    ap.add_argument("--train-frames", type=int, default=2048, help="simulated training frames")
    ap.add_argument("--train-seed", type=int, default=100, help="simulator seed of the training frames")
    ap.add_argument("--val-frames", type=int, default=200)
    ap.add_argument("--val-seed", type=int, default=1, help="simulator seed of the validation frames")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process")
    ap.add_argument("--no-resume", action="store_true")
    for f, v in asdict(TrainConfig()).items():
        ap.add_argument("--" + f.replace("_", "-"), type=type(v), default=v)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("gloo")
    cfg = TrainConfig(**{f: getattr(a, f) for f in asdict(TrainConfig())})
    train = FrameSet.simulated(a.train_frames, a.train_seed)
    val = FrameSet.simulated(a.val_frames, a.val_seed)
    record = {"command": " ".join(["python -m nmskit.learned.train", *(sys.argv[1:] if argv is None else argv)]),
              "data": {"simulator": "nmskit.data.sim default", "train_frames": a.train_frames, "train_seed": a.train_seed,
                       "val_frames": a.val_frames, "val_seed": a.val_seed}}
    train_rescorer(a.model, train, val, a.out, cfg, resume=not a.no_resume, record=record)
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
