"""The one checkpoint format of every nmskit model: a safetensors file and a JSON file.

``NAME.safetensors`` holds the tensors. ``NAME.json`` beside it holds everything else::

    {"model": "<class name>", "config": {...}, "record": {...}, "sha256": "<hex>"}

``sha256`` is the SHA-256 of the whole safetensors file; it is checked on every load, so
a truncated, corrupted or swapped tensor file is refused. Nothing is ever unpickled. A
checkpoint path may name the pair with either suffix or with none (``out/best``).

The optimizer's state, for resuming a training run, is saved the same way
(:func:`save_training_state`): its tensors and the RNG state in the safetensors file, the
parameter groups, step and best validation score in the JSON.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from .._arrays import PathLike


def checkpoint_paths(path: PathLike) -> tuple[Path, Path]:
    """``(NAME.safetensors, NAME.json)`` for ``path`` given with either suffix or none; any
    other suffix raises a ``ValueError``."""
    p = Path(path)
    if p.suffix not in ("", ".safetensors", ".json"):
        raise ValueError(
            f"path: a checkpoint is NAME.safetensors + NAME.json; give NAME with either suffix or "
            f"none, got {str(path)!r}"
        )
    stem = p.with_suffix("") if p.suffix else p
    return stem.with_name(stem.name + ".safetensors"), stem.with_name(stem.name + ".json")


def save_checkpoint(path: PathLike, tensors: dict, model: str, config: dict, record: dict | None = None) -> Path:
    """Write ``tensors`` (name -> tensor) and the JSON beside them.

    Args:
        path: the checkpoint (see :func:`checkpoint_paths`); parent folders are created.
        tensors: name -> tensor (moved to the CPU and made contiguous).
        model: the model's class name. config: its configuration (JSON-able).
        record: how it was trained (JSON-able); ``{}`` when None.

    Returns:
        The safetensors path.
    """
    tensor_path, json_path = checkpoint_paths(path)
    tensor_path.parent.mkdir(parents=True, exist_ok=True)
    data = save_tensors({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, metadata={"model": model})
    info = {"model": model, "config": config, "record": record or {}, "sha256": hashlib.sha256(data).hexdigest()}
    text = json.dumps(info, indent=2, sort_keys=True, allow_nan=False) + "\n"
    tensor_path.write_bytes(data)
    json_path.write_text(text)
    return tensor_path


def load_checkpoint(path: PathLike) -> tuple[dict, dict]:
    """``(info, tensors)`` of a checkpoint: ``info`` is its JSON (``model``, ``config``,
    ``record``, ``sha256``), ``tensors`` name -> CPU tensor.

    Raises:
        ValueError: naming the file, when either file is missing, the JSON is not an object
            with those four fields, the tensor file's SHA-256 differs from the recorded one,
            or the tensor file cannot be parsed.
    """
    tensor_path, json_path = checkpoint_paths(path)
    for p in (json_path, tensor_path):
        if not p.is_file():
            raise ValueError(f"{p}: checkpoint file does not exist")
    try:
        info = json.loads(json_path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{json_path}: checkpoint JSON is not valid: {exc}") from None
    fields = {"model": str, "config": dict, "record": dict, "sha256": str}
    if not isinstance(info, dict) or any(not isinstance(info.get(k), t) for k, t in fields.items()):
        raise ValueError(
            f'{json_path}: a checkpoint JSON must be an object with "model" (a string), '
            f'"config" and "record" (objects) and "sha256" (a string); got {str(info)[:80]}'
        )
    data = tensor_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise ValueError(
            f"{tensor_path}: does not match the SHA-256 recorded in {json_path}: the file is "
            "truncated, corrupted or from another checkpoint"
        )
    try:
        tensors = load_tensors(data)
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(f"{tensor_path}: not a readable safetensors file: {exc}") from None
    return info, tensors


def check_state(expected: dict, found: dict, source: PathLike) -> None:
    """Raise ``ValueError`` naming the first missing, unexpected or mis-shaped tensor."""
    for name, tensor in expected.items():
        if name not in found:
            raise ValueError(f"{source}: tensor {name!r} is missing")
        if tuple(found[name].shape) != tuple(tensor.shape):
            raise ValueError(
                f"{source}: tensor {name!r} has shape {tuple(found[name].shape)}, the model needs {tuple(tensor.shape)}"
            )
    extra = sorted(set(found) - set(expected))
    if extra:
        raise ValueError(f"{source}: unexpected tensor {extra[0]!r}")


def save_training_state(path: PathLike, optimizer: torch.optim.Optimizer, step: int, best: float) -> Path:
    """Write what resuming needs besides the weights: the optimizer's state, the RNG state,
    the number of steps done and the best validation score so far."""
    state = optimizer.state_dict()
    tensors, scalars = {"rng": torch.get_rng_state()}, {}
    for i, entries in state["state"].items():
        for key, value in entries.items():
            if torch.is_tensor(value):
                tensors[f"state.{i}.{key}"] = value
            else:
                scalars[f"{i}.{key}"] = value
    config = {"param_groups": state["param_groups"], "scalars": scalars}
    record = {"step": int(step), "best": best if math.isfinite(best) else None}
    return save_checkpoint(path, tensors, type(optimizer).__name__, config, record)


def load_training_state(path: PathLike, optimizer: torch.optim.Optimizer) -> tuple[int, float]:
    """Restore what :func:`save_training_state` wrote into ``optimizer`` and torch's RNG;
    returns ``(step, best)``."""
    info, tensors = load_checkpoint(path)
    if info["model"] != type(optimizer).__name__:
        raise ValueError(f"{path}: holds {info['model']} state, not {type(optimizer).__name__}")
    state: dict = {}
    for name, value in tensors.items():
        if name.startswith("state."):
            _, i, key = name.split(".", 2)
            state.setdefault(int(i), {})[key] = value
    for name, value in info["config"]["scalars"].items():
        i, key = name.split(".", 1)
        state.setdefault(int(i), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": info["config"]["param_groups"]})
    torch.set_rng_state(tensors["rng"])
    best = info["record"]["best"]
    return int(info["record"]["step"]), -math.inf if best is None else float(best)
