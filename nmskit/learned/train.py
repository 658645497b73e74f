"""Training the rescorers and the 3-D set predictor with :func:`nmskit.nn.train`.

The rescorers learn BCE on targets from :mod:`.matching` (recomputed every step from the
current refined scores); the set predictor takes the Hungarian set loss of
:mod:`.setloss3d`, in one process. Every epoch (one pass over the training frames in a
seeded order) ends with a validation by nuScenes mAP and NDS; the best checkpoint is kept by
mAP + NDS, and a run resumes from its last checkpoint. The optimisation is
:data:`RESCORE_TRAINING`: AdamW, linear warm-up then cosine decay (per step), clipping.

Distributed: under ``torchrun --nproc_per_node=P`` the rescorers run DDP with gloo. Each
process takes every P-th frame of each global batch; batch-norm statistics and the loss
normaliser are all-reduced, so P processes follow single-process training with the same
global batch up to floating-point reduction order.

    python -m nmskit.learned.train --model d2d --out runs/d2d --epochs 12
    python -m nmskit.learned.train --model setpred --out runs/setpred
    torchrun --nproc_per_node=2 -m nmskit.learned.train --model d2d --out runs/d2d
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.distributed as dist

from .._arrays import PathLike
from .._checks import check_positive_int
from ..evaluate import nuscenes_detection
from ..nn.engine import TrainConfig, rank_and_world, train
from .build import build_model
from .config import MODELS, default_config
from .dataset import FrameSet
from .matching import match_targets
from .predictor import predict
from .rescorer import refine, select_top_k
from .setloss3d import set_loss
from .setpred3d import SetPredictor3D

if TYPE_CHECKING:
    from ..nn.model import Model

# The optimisation of the shipped models' runs (docs/learned.md); ``steps`` and the
# validation interval follow from the epochs and the batch size.
RESCORE_TRAINING = TrainConfig(
    lr=2e-3, weight_decay=0.01, max_norm=1.0, schedule="cosine", warmup_steps=50, monitor="score"
)


@dataclass(frozen=True)
class EpochConfig:
    """How a learned model walks through its frames.

    Args:
        epochs: passes over the training frames. batch_size: frames per step (the global
            batch under DDP). matching: rescorers' target matching, ``"metric"`` or
            ``"hungarian"`` (the set predictor always matches by Hungarian set matching).
        top_k: boxes kept per frame in validation.
    """

    epochs: int = 12
    batch_size: int = 32
    matching: str = "metric"
    top_k: int = 300

    def __post_init__(self):
        for name in ("epochs", "batch_size", "top_k"):
            check_positive_int(getattr(self, name), name)
        if self.matching not in ("metric", "hungarian"):
            raise ValueError(f"matching must be 'metric' or 'hungarian', got {self.matching!r}")


class FrameBatches:
    """``batches(step) -> FrameSet``: this process's share of the global batch of ``step``;
    epoch ``e`` visits the frames in the order of ``default_rng(seed + e)``."""

    def __init__(self, frames: FrameSet, batch_size: int, seed: int):
        self.frames, self.batch_size, self.seed = frames, batch_size, seed
        self.steps_per_epoch = math.ceil(frames.num_frames / batch_size)
        self._order = (-1, np.zeros(0, np.int64))  # (epoch, its frame order); no epoch yet

    def __call__(self, step: int) -> FrameSet:
        epoch, k = divmod(step, self.steps_per_epoch)
        if self._order[0] != epoch:
            self._order = (epoch, np.random.default_rng(self.seed + epoch).permutation(self.frames.num_frames))
        rank, world = rank_and_world()
        return self.frames.subset(self._order[1][k * self.batch_size : (k + 1) * self.batch_size][rank::world])


def rescore_loss(net, frames: FrameSet, matching: str = "metric") -> dict:
    """BCE of a rescorer's refined logits against matched targets: ``loss`` (what this
    process backpropagates; DDP averages gradients over processes) and ``bce``, the mean over
    the global batch."""
    p = frames.packed()
    logit = torch.logit(p.raw[:, -2].clamp(1e-6, 1 - 1e-6)) + net(p)
    target = torch.from_numpy(
        match_targets(
            frames.det,
            torch.sigmoid(logit).detach().numpy(),
            frames.det_offsets,
            frames.gt,
            frames.gt_offsets,
            matching,
        )
    )
    loss_sum = torch.nn.functional.binary_cross_entropy_with_logits(logit, target, reduction="sum")
    count = torch.tensor([float(len(target)), loss_sum.item()])
    _, world = rank_and_world()
    if world > 1:
        dist.all_reduce(count)
    return {"loss": loss_sum * world / count[0].clamp_min(1.0), "bce": count[1] / count[0].clamp_min(1.0)}


def rescore_frames(model, frames: FrameSet, chunk: int = 32) -> np.ndarray:
    """Refined scores ``[M]`` of all detections of ``frames`` (model in eval mode)."""
    model.eval()
    out = [
        refine(model, frames.subset(np.arange(a, min(a + chunk, frames.num_frames))).packed())
        for a in range(0, frames.num_frames, chunk)
    ]
    return np.concatenate(out) if out else np.zeros(0)


def evaluate_model(model, frames: FrameSet, top_k: int = 300):
    """:class:`nmskit.evaluate.NuScenesDetectionResult` of the model's top-K selection (a
    rescorer), or of its top-K boxes per frame (the set predictor)."""
    if isinstance(model, SetPredictor3D):
        return nuscenes_detection(predict(model, frames.detections(), top_k), frames.ground_truth())
    scores = rescore_frames(model, frames)
    keep = select_top_k(scores, frames.packed(), top_k)
    return nuscenes_detection(frames.detections(keep, scores[keep]), frames.ground_truth())


def train_rescorer(
    model: str | Model,
    train_frames: FrameSet,
    val: FrameSet,
    out: PathLike,
    cfg: TrainConfig = RESCORE_TRAINING,
    epochs: EpochConfig = EpochConfig(),
    resume: bool = True,
    record: dict | None = None,
) -> Path:
    """Train a learned model and return its best checkpoint, ``out/best``, which
    :meth:`nmskit.learned.Rescorer.load` (or :meth:`nmskit.learned.SetPredictor.load`) reads,
    as it does ``out`` itself.

    Args:
        model: ``"d2d"``, ``"gossip"``, ``"gcn"`` or ``"setpred"`` (a fresh model of the
            default config, initialised from ``cfg.seed``), or a built model.
        train_frames, val: training and validation frames.
        out: checkpoint directory.
        cfg: optimisation settings; ``steps``, ``val_every`` and ``save_every`` are set
            from ``epochs`` (validation and checkpoints after every epoch).
        epochs: epochs, batch size, matching and validation top-K.
        resume: continue from ``out/last`` when present.
        record: facts stored in the checkpoints' records.
    """
    if torch.device(cfg.device).type != "cpu":
        raise ValueError(f"cfg.device: the learned models train on the CPU, got {cfg.device!r}")
    if isinstance(model, str):
        torch.manual_seed(cfg.seed)
        model = build_model(default_config(model))
    data = FrameBatches(train_frames, epochs.batch_size, cfg.seed)
    spe = data.steps_per_epoch
    cfg = dataclasses.replace(cfg, steps=epochs.epochs * spe, val_every=spe, save_every=spe)
    if isinstance(model, SetPredictor3D):
        loss = lambda net, frames: {"loss": set_loss(net, frames)}  # noqa: E731
    else:
        loss = lambda net, frames: rescore_loss(net, frames, epochs.matching)  # noqa: E731

    def validate(m) -> dict:
        result = evaluate_model(m, val, epochs.top_k)
        return {"mAP": result.mean_ap, "NDS": result.nds, "score": result.mean_ap + result.nds}

    facts = {**(record or {}), "epochs": dataclasses.asdict(epochs), "world_size": rank_and_world()[1]}
    train(model, data, cfg, out, validate, resume=resume, loss=loss, record=facts)
    return Path(out) / "best"


def rescore_configs(**given) -> tuple[TrainConfig, EpochConfig]:
    """``(TrainConfig, EpochConfig)`` from option values: each field of :data:`OPTIONS` that
    is given and not None replaces the default of :data:`RESCORE_TRAINING` or
    :class:`EpochConfig`."""
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a training option; the options are {sorted(OPTIONS)}")
    chosen = {k: v for k, v in given.items() if v is not None}
    cfg = dataclasses.replace(RESCORE_TRAINING, **{k: v for k, v in chosen.items() if OPTIONS[k] is TrainConfig})
    return cfg, EpochConfig(**{k: v for k, v in chosen.items() if OPTIONS[k] is EpochConfig})


OPTIONS = {
    "epochs": EpochConfig,
    "batch_size": EpochConfig,
    "matching": EpochConfig,
    "top_k": EpochConfig,
    "lr": TrainConfig,
    "weight_decay": TrainConfig,
    "warmup_steps": TrainConfig,
    "max_norm": TrainConfig,
    "seed": TrainConfig,
}


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
    defaults = {**dataclasses.asdict(EpochConfig()), **dataclasses.asdict(RESCORE_TRAINING)}
    for name in OPTIONS:
        ap.add_argument("--" + name.replace("_", "-"), type=type(defaults[name]), help=f"default {defaults[name]}")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("gloo")
    cfg, epochs = rescore_configs(**{name: getattr(a, name) for name in OPTIONS})
    train_frames = FrameSet.simulated(a.train_frames, a.train_seed)
    val = FrameSet.simulated(a.val_frames, a.val_seed)
    record = {
        "command": " ".join(["python -m nmskit.learned.train", *(sys.argv[1:] if argv is None else argv)]),
        "data": {
            "simulator": "nmskit.data.sim default",
            "train_frames": a.train_frames,
            "train_seed": a.train_seed,
            "val_frames": a.val_frames,
            "val_seed": a.val_seed,
        },
    }
    train_rescorer(a.model, train_frames, val, a.out, cfg, epochs, resume=not a.no_resume, record=record)
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
