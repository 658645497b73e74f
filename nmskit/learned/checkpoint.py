"""Checkpoints: weights as safetensors plus a JSON file with the model config and a free
record (how it was trained). Loading never unpickles.

A checkpoint path names the pair without extension: ``PATH.safetensors`` + ``PATH.json``
(a path given with either extension means the same pair).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .config import ModelConfig, build_model

WEIGHTS = Path(__file__).parent / "weights"


def resolve_checkpoint(path, shipped) -> Path:
    """The checkpoint ``path`` names: a model name in ``shipped`` (its weights shipped with
    nmskit), a training output directory (its ``best`` checkpoint) or a checkpoint path."""
    if str(path) in shipped:
        return WEIGHTS / str(path)
    return Path(path) / "best" if Path(path).is_dir() else Path(path)


def _stem(path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".safetensors", ".json") else p


def save_checkpoint(path, model, record: dict | None = None, extra_tensors: dict | None = None) -> Path:
    """Write ``model``'s state and config (and ``record``) to ``path``; returns the stem."""
    stem = _stem(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    tensors.update(extra_tensors or {})
    save_file(tensors, str(stem.with_suffix(".safetensors")))
    meta = {"config": model.config.to_dict(), "record": record or {}}
    stem.with_suffix(".json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return stem


def read_checkpoint(path):
    """``(config, record, tensors)`` of a checkpoint."""
    stem = _stem(path)
    for suffix in (".json", ".safetensors"):
        if not stem.with_suffix(suffix).is_file():
            raise ValueError(f"checkpoint file {stem.with_suffix(suffix)} does not exist")
    meta = json.loads(stem.with_suffix(".json").read_text())
    if "config" not in meta:
        raise ValueError(f"checkpoint {stem.with_suffix('.json')} has no 'config'")
    return ModelConfig.from_dict(meta["config"]), meta.get("record", {}), load_file(str(stem.with_suffix(".safetensors")))


def load_into(model, path) -> dict:
    """Load a checkpoint into an existing ``model``; returns the checkpoint's record.

    Raises:
        ValueError: when the checkpoint's config differs from ``model.config``, naming
            the first differing field, or when a tensor is missing or misshapen.
    """
    config, record, tensors = read_checkpoint(path)
    for f in dataclasses.fields(ModelConfig):
        a, b = getattr(model.config, f.name), getattr(config, f.name)
        if a != b:
            raise ValueError(f"checkpoint config field {f.name!r} is {b!r} but the model has {a!r}")
    state = model.state_dict()
    for k, v in state.items():
        if k not in tensors or tensors[k].shape != v.shape:
            raise ValueError(f"checkpoint tensor {k!r} is missing or has the wrong shape")
    model.load_state_dict({k: tensors[k] for k in state})
    return record


def load_model(path):
    """Rebuild the model a checkpoint describes and load its weights (in eval mode)."""
    config, _, _ = read_checkpoint(path)
    model = build_model(config)
    load_into(model, path)
    return model.eval()


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """Split an optimizer state into safetensors-storable tensors and a JSON-able rest."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"optim.{pid}.{k}"] = v.detach().contiguous().clone()
            else:
                scalars[f"{pid}.{k}"] = v
    return tensors, {"scalars": scalars, "param_groups": sd["param_groups"]}


def restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict, rest: dict) -> None:
    """Inverse of :func:`optimizer_tensors`."""
    state: dict = {}
    for key, v in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = v
    for key, v in rest["scalars"].items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    optimizer.load_state_dict({"state": state, "param_groups": rest["param_groups"]})
