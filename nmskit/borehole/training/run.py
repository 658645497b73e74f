"""A recorded training run of a fracture detector (DETR or dense): data, validation,
checkpoints and a record, with the loop of :func:`nmskit.nn.train`.

``fit`` trains in chunks of ``train.val_every`` steps, each resumed from the last
checkpoint, so it can stop cleanly at a wall-clock deadline and be resumed later. The real
log's training interval and validation interval are cut from the raw log *before* any
preparation, so no pixel or pick of the validation interval reaches training.

Files in ``out_dir`` (besides the loop's ``last``, ``last-optimizer`` and ``best``):
``validation.jsonl`` (every validation) and ``record.json`` (command, configurations,
steps, wall time, best score), updated after every chunk.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..._arrays import PathLike
from ..._checks import check_positive_int
from ...data.borehole.wells import load_well
from ...nn.checkpoint import checkpoint_paths, load_checkpoint
from ...nn.engine import TrainConfig, train
from ..models.dense import DenseFractureDetector
from ..models.dense_config import DenseDetectorConfig
from ..models.detr import FractureDETR
from ..models.detr_config import FractureDETRConfig
from ..models.detr_loss import LossWeights
from ..models.patch_detector import PatchDetector
from .stream import TrainingStream
from .validation import PickValidator

TRAIN_INTERVAL = (13375.0, 13405.0)
VALIDATION_INTERVAL = (13405.0, 13435.0)
VALIDATION_SEED = 1_000_003
MODELS: dict[str, type[PatchDetector]] = {"detr": FractureDETR, "dense": DenseFractureDetector}

# The optimisation of the shipped detectors' runs (docs/detr.md, docs/dense.md).
DETECTOR_TRAINING = TrainConfig(
    steps=3000, lr=2e-4, lr_backbone=1e-4, val_every=200, save_every=200, monitor="score", progress=False
)


@dataclass(frozen=True)
class DataConfig:
    """What a run trains and validates on.

    Args:
        batch: patches per step.
        real_share: share of real-log crops (training interval only) per batch; 0 trains on
            synthetic patches alone.
        n_val: held-out synthetic validation patches (seed :data:`VALIDATION_SEED`).
        reuse: uses of each synthetic log, on average (``TrainingStream``); rendering logs
            dominates a CPU step, so a higher value trains faster on fewer distinct logs.
    """

    batch: int = 8
    real_share: float = 0.25
    n_val: int = 32
    reuse: int = 4

    def __post_init__(self):
        check_positive_int(self.batch, "batch")
        check_positive_int(self.reuse, "reuse")
        if not isinstance(self.n_val, int) or self.n_val < 0:
            raise ValueError(f"n_val must be a non-negative integer, got {self.n_val!r}")
        if not 0.0 <= self.real_share <= 1.0:
            raise ValueError(f"real_share must lie in [0, 1], got {self.real_share!r}")


def real_split(well: str = "48_19a-C2"):
    """The embedded well cut into ``((image, picks) train, (image, picks) validation)`` by
    :data:`TRAIN_INTERVAL` and :data:`VALIDATION_INTERVAL` (ft)."""
    image, picks = load_well(well)
    parts = []
    for top, bottom in (TRAIN_INTERVAL, VALIDATION_INTERVAL):
        parts.append((image.interval(top, bottom), picks.select((picks.depth >= top) & (picks.depth < bottom))))
    return parts[0], parts[1]


def detector_config(
    downsample: int | None = None,
    model: str = "detr",
    refine_passes: int | None = None,
    query_selection: bool = False,
    published: bool = False,
):
    """The trained configuration of ``model``: ``FractureDETRConfig.small()`` pooled by
    ``downsample`` (default 4; ``FractureDETRConfig.two_stage()`` with ``query_selection``;
    the full-resolution published ``FractureDETRConfig()`` with ``published``, pooled only
    when ``downsample`` is given; with ``refine_passes`` when given), or
    ``DenseDetectorConfig`` (the same backbone as ``small()``) at that pooling."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
    if model == "dense" and (query_selection or published):
        raise ValueError("query_selection and published apply to the DETR model only")
    if query_selection and published:
        raise ValueError("query_selection and published exclude each other (two presets)")
    if published:
        cfg = FractureDETRConfig() if downsample is None else FractureDETRConfig(downsample=downsample)
        return cfg if refine_passes is None else dataclasses.replace(cfg, refine_passes=refine_passes)
    downsample = 4 if downsample is None else downsample
    if model == "dense":
        return DenseDetectorConfig(downsample=downsample)
    cfg = (
        FractureDETRConfig.two_stage(downsample)
        if query_selection
        else dataclasses.replace(FractureDETRConfig.small(), downsample=downsample)
    )
    return cfg if refine_passes is None else dataclasses.replace(cfg, refine_passes=refine_passes)


# Option name -> (settings, field) for :func:`run_settings` (the ``nmskit fractures train``
# options): the optimisation, the data and DETR's loss weights.
OPTIONS = {
    "steps": ("train", "steps"),
    "seed": ("train", "seed"),
    "val_every": ("train", "val_every"),
    "lr": ("train", "lr"),
    "lr_drop": ("train", "lr_drop"),
    "batch": ("data", "batch"),
    "real_share": ("data", "real_share"),
    "n_val": ("data", "n_val"),
    "reuse": ("data", "reuse"),
    "device": ("train", "device"),
    "eos_coef": ("loss", "eos_coef"),
    "depth_weight": ("loss", "depth"),
    "dip_weight": ("loss", "dip"),
}


def run_settings(
    model: str = "detr",
    downsample: int | None = None,
    refine_passes: int | None = None,
    query_selection: bool = False,
    published: bool = False,
    **given,
) -> dict:
    """The arguments of :func:`fit` (``config``, ``train_cfg``, ``data``, ``loss_weights``)
    from option values: each of :data:`OPTIONS` given and not None replaces the default of
    :data:`DETECTOR_TRAINING`, :class:`DataConfig` or ``LossWeights``; the model config is
    :func:`detector_config` (downsample 4 unless given)."""
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a training option; the options are {sorted(OPTIONS)}")
    parts: dict = {"train": {}, "data": {}, "loss": {}}
    for name, value in given.items():
        if value is not None:
            part, field = OPTIONS[name]
            parts[part][field] = value
    if model == "dense" and (parts["loss"] or refine_passes is not None):
        raise ValueError("eos_coef, depth_weight, dip_weight and refine_passes apply to the DETR model only")
    config = detector_config(downsample, model, refine_passes, query_selection, published)
    return {
        "config": config,
        "train_cfg": dataclasses.replace(DETECTOR_TRAINING, **parts["train"]),
        "data": DataConfig(**parts["data"]),
        "loss_weights": LossWeights(**parts["loss"]) if model == "detr" else None,
    }


def fit(
    out_dir: PathLike,
    config: FractureDETRConfig | DenseDetectorConfig | None = None,
    train_cfg: TrainConfig = DETECTOR_TRAINING,
    data: DataConfig = DataConfig(),
    loss_weights: LossWeights | None = None,
    init: PathLike | None = None,
    train_only: str | None = None,
    deadline: float | None = None,
    resume: bool = False,
    command: str = "",
) -> dict:
    """Train a detector and record the run.

    Args:
        out_dir: checkpoint directory.
        config: a ``FractureDETRConfig`` (trains ``FractureDETR``) or a
            ``DenseDetectorConfig`` (trains ``DenseFractureDetector``); default
            :func:`detector_config`. A resumed run keeps the recorded one.
        train_cfg: optimisation settings; ``steps`` is the run's total, ``val_every`` the
            chunk (validation and checkpoints after each), ``seed`` seeds the initial
            weights and the training stream.
        data: batch, real share and validation patches.
        loss_weights: DETR only: matching and loss weights (default ``LossWeights()``).
        init: optional checkpoint to warm-start from (:meth:`nmskit.nn.Model.init_weights`).
        train_only: train only the parameters whose names start with this prefix (e.g.
            ``"refiner."``: a second stage on top of a trained, frozen detector).
        deadline: optional UNIX time after which no new chunk starts.
        resume: continue from ``out_dir``'s checkpoints and record.
        command: the command line, for the record.

    Returns:
        The record (also written to ``out_dir/record.json``).
    """
    torch.set_num_threads(1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / "record.json"
    now = time.strftime("%Y-%m-%dT%H:%M:%S")
    if resume and record_path.is_file():
        record = json.loads(record_path.read_text())
        missing = [
            k
            for k in ("model", "config", "train", "data", "loss_weights")
            if not isinstance(record, dict) or k not in record
        ]
        if missing:
            raise ValueError(
                f"{str(record_path)!r} has no {missing[0]!r}: it is not the record of a run this "
                "version can resume; start a new run in another directory"
            )
        record.setdefault("resumed", []).append({"command": command, "at": now})
    else:
        config = detector_config() if config is None else config
        name = next((k for k, cls in MODELS.items() if isinstance(config, cls.config_class)), None)
        if name is None:
            raise ValueError(
                f"config must be a FractureDETRConfig or a DenseDetectorConfig, got {type(config).__name__}"
            )
        if name == "dense" and loss_weights is not None:
            raise ValueError("loss_weights: the dense detector takes none (DETR only)")
        record = {
            "command": command,
            "model": name,
            "config": config.to_dict(),
            "train": dataclasses.asdict(dataclasses.replace(train_cfg, save_every=train_cfg.val_every)),
            "data": dataclasses.asdict(data),
            "loss_weights": dataclasses.asdict(loss_weights or LossWeights()) if name == "detr" else None,
            "validation_seed": VALIDATION_SEED,
            "train_interval_ft": TRAIN_INTERVAL,
            "validation_interval_ft": VALIDATION_INTERVAL,
            "init": None if init is None else str(init),
            "train_only": train_only,
            "started": now,
            "train_seconds": 0.0,
            "steps_done": 0,
        }
    cfg = dataclasses.replace(
        TrainConfig(**record["train"]), steps=train_cfg.steps, progress=train_cfg.progress, device=train_cfg.device
    )
    data = DataConfig(**record["data"])
    cls = MODELS[record["model"]]
    torch.manual_seed(cfg.seed)  # the initial weights
    extra = (LossWeights(**record["loss_weights"]),) if record["loss_weights"] is not None else ()
    detector = cls(cls.config_class.from_dict(record["config"]), *extra)
    done = _steps_done(out) if resume else 0
    if record["init"] and done == 0:
        record["initialised_fresh"] = detector.init_weights(record["init"])
    prefix = record["train_only"]
    if prefix:
        if not any(name.startswith(prefix) for name, _ in detector.named_parameters()):
            raise ValueError(f"train_only={prefix!r} matches no parameter of the model")
        for name, param in detector.named_parameters():
            param.requires_grad_(name.startswith(prefix))
    real_train, real_val = real_split()
    stream = TrainingStream(
        data.batch, cfg.seed, real_train if data.real_share > 0 else None, data.real_share, reuse=data.reuse
    )
    validate = PickValidator(data.n_val, VALIDATION_SEED, real_val, out / "validation.jsonl")
    facts = {k: record[k] for k in ("command", "model", "data", "loss_weights", "init", "train_only")}
    while done < cfg.steps and (deadline is None or time.time() < deadline):
        until = min(cfg.steps, (done // cfg.val_every + 1) * cfg.val_every)
        start = time.time()
        train(detector, stream, cfg, out, validate, resume=done > 0 or resume, record=facts, until=until)
        done = until
        record["train_seconds"] = round(record["train_seconds"] + time.time() - start, 1)
        record["steps_done"] = done
        record["best_score"] = _best(out)
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def _steps_done(out: Path) -> int:
    return int(load_checkpoint(out / "last-optimizer")[0]["record"]["step"]) if _exists(out / "last-optimizer") else 0


def _best(out: Path) -> float:
    best = load_checkpoint(out / "last-optimizer")[0]["record"]["best"] if _exists(out / "last-optimizer") else None
    return float(best) if best is not None and math.isfinite(best) else float("nan")


def _exists(path: Path) -> bool:
    return all(p.is_file() for p in checkpoint_paths(path))
