"""A full training run of a fracture detector (DETR or dense): data, validation,
checkpoints, record.

``fit`` trains in chunks of ``val_every`` steps, each resumed from the last checkpoint, so
it can stop cleanly at a wall-clock deadline and be resumed later. The real log's training
interval and validation interval are cut from the raw log *before* any preparation, so no
pixel or pick of the validation interval reaches training.

Files in ``out_dir`` (besides those of :func:`nmskit.borehole.train`): ``validation.jsonl``
(every validation), ``record.json`` (command, seeds, configuration, steps, wall time, best
score), updated after every chunk.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import torch

from ...data.borehole.wells import load_well
from ...nn.checkpoint import read
from ..models.detr_config import FractureDETRConfig
from ..models.dense import DenseFractureDetector
from ..models.dense_config import DenseDetectorConfig
from ..models.detr_loss import LossWeights
from ..models.detr import FractureDETR
from .stream import TrainingStream
from .loop import TrainConfig, train
from .validation import PickValidator

TRAIN_INTERVAL = (13375.0, 13405.0)
VALIDATION_INTERVAL = (13405.0, 13435.0)
VALIDATION_SEED = 1_000_003


def real_split(well: str = "48_19a-C2"):
    """The embedded well cut into ``((image, picks) train, (image, picks) validation)`` by
    :data:`TRAIN_INTERVAL` and :data:`VALIDATION_INTERVAL` (ft)."""
    image, picks = load_well(well)
    parts = []
    for top, bottom in (TRAIN_INTERVAL, VALIDATION_INTERVAL):
        parts.append((image.interval(top, bottom), picks.select((picks.depth >= top) & (picks.depth < bottom))))
    return parts[0], parts[1]


MODELS = {"detr": FractureDETR, "dense": DenseFractureDetector}


def detector_config(downsample: int = 4, model: str = "detr", refine_passes: int | None = None):
    """The trained configuration of ``model``: ``FractureDETRConfig.small()`` pooled by
    ``downsample`` (and with ``refine_passes`` when given), or ``DenseDetectorConfig`` (the
    same backbone) at that pooling."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    if model == "dense":
        return DenseDetectorConfig(downsample=downsample)
    cfg = dataclasses.replace(FractureDETRConfig.small(), downsample=downsample)
    return cfg if refine_passes is None else dataclasses.replace(cfg, refine_passes=refine_passes)


def fit(out_dir, steps: int = 3000, batch: int = 8, seed: int = 0, downsample: int = 4,
        real_share: float = 0.25, val_every: int = 200, n_val: int = 32, lr: float = 2e-4,
        lr_backbone: float = 1e-4, eos_coef: float = 1.0, deadline: float | None = None, resume: bool = False,
        command: str = "", progress: bool = False, model: str = "detr", init=None,
        lr_drop: int = 0, refine_passes: int | None = None, depth_weight: float = 5.0,
        dip_weight: float = 2.0, train_only: str | None = None) -> dict:
    """Train a detector and record the run.

    Args:
        out_dir: checkpoint directory.
        steps: optimiser steps in all.
        batch: patches per step. seed: seeds torch and the training stream (validation
            patches use :data:`VALIDATION_SEED`, disjoint).
        downsample: input pooling of the ``small()`` preset.
        real_share: share of real-log crops (training interval only) per batch; 0 trains on
            synthetic patches alone.
        val_every: steps per chunk; validation and checkpoints run after each.
        n_val: held-out synthetic patches.
        lr, lr_backbone: AdamW learning rates.
        eos_coef: DETR only: weight of the no-object class in the loss. DETR's 0.1 suits a few objects
            among 100 queries; with about 40 picks per patch it makes every query fire (a comb
            of picks at the anchors), so the default here is 1.
        deadline: optional UNIX time after which no new chunk starts.
        resume: continue from ``out_dir``'s checkpoints.
        command: the command line, for the record.
        model: ``"detr"`` (``FractureDETR``) or ``"dense"`` (``DenseFractureDetector``);
            a resumed run keeps the recorded one.
        init: optional checkpoint to warm-start from (``PatchDetector.init_weights``: tensors
            of the same name and shape are copied, new ones keep their initial values).
        lr_drop: step from which both learning rates are divided by 10 (0: never).
        refine_passes: DETR only: override the preset's sinusoid-refinement passes.
        depth_weight, dip_weight: DETR only: ``LossWeights.depth`` and ``.dip`` (matching
            cost and loss). DETR's 5 suits boxes; picks lie about 0.025 of a patch apart, so
            at 5 the matching barely tells neighbouring picks apart.
        train_only: train only the parameters whose names start with this prefix (e.g.
            ``"refiner."``: a second stage on top of a trained, frozen detector).

    Returns:
        The record (also written to ``out_dir/record.json``).
    """
    torch.set_num_threads(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / "record.json"
    record = json.loads(record_path.read_text()) if resume and record_path.is_file() else {
        "command": command, "seed": seed, "validation_seed": VALIDATION_SEED, "batch": batch,
        "real_share": real_share, "train_interval_ft": TRAIN_INTERVAL,
        "validation_interval_ft": VALIDATION_INTERVAL, "lr": lr, "lr_backbone": lr_backbone,
        "model": model, "config": detector_config(downsample, model, refine_passes).to_dict(),
        "init": None if init is None else str(init), "lr_drop": lr_drop, "train_only": train_only,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "train_seconds": 0.0, "steps_done": 0}
    if model == "detr" and not (resume and record_path.is_file()):
        record.update(eos_coef=eos_coef, depth_weight=depth_weight, dip_weight=dip_weight)
    if resume and record_path.is_file():
        record.setdefault("resumed", []).append({"command": command, "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
    cls = MODELS[record.get("model", "detr")]
    torch.manual_seed(record["seed"])  # the initial weights
    extra = (LossWeights(eos_coef=record.get("eos_coef", 0.1), depth=record.get("depth_weight", 5.0),
                         dip=record.get("dip_weight", 2.0)),) if cls is FractureDETR else ()
    detector = cls(cls.config_class.from_dict(record["config"]), *extra)
    done = _steps_done(out) if resume else 0
    if record.get("init") and done == 0:
        record["initialised_fresh"] = detector.init_weights(record["init"])
    prefix = record.get("train_only")
    if prefix:
        if not any(name.startswith(prefix) for name, _ in detector.named_parameters()):
            raise ValueError(f"train_only={prefix!r} matches no parameter of the model")
        for name, param in detector.named_parameters():
            param.requires_grad_(name.startswith(prefix))
    real_train, real_val = real_split()
    data = TrainingStream(record["batch"], record["seed"], real_train if record["real_share"] > 0 else None,
                          record["real_share"])
    validate = PickValidator(n_val, VALIDATION_SEED, real_val, out / "validation.jsonl")
    cfg = TrainConfig(steps=steps, lr=record["lr"], lr_backbone=record["lr_backbone"], val_every=val_every,
                      save_every=val_every, monitor="score", seed=record["seed"], progress=progress,
                      lr_drop=record.get("lr_drop", 0))
    while done < steps and (deadline is None or time.time() < deadline):
        target = min(steps, (done // val_every + 1) * val_every)
        start = time.time()
        train(detector, data, dataclasses.replace(cfg, steps=target), out, validate, resume=done > 0 or resume)
        done = target
        record["train_seconds"] = round(record["train_seconds"] + time.time() - start, 1)
        record["steps_done"] = done
        record["best_score"] = _best(out)
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def _steps_done(out: Path) -> int:
    path = out / "last-optimizer.safetensors"
    return int(read(path)[1]["step"]) if path.is_file() else 0


def _best(out: Path) -> float:
    path = out / "last-optimizer.safetensors"
    best = read(path)[1]["best"] if path.is_file() else None
    return float(best) if best is not None and math.isfinite(best) else float("nan")
