"""Checkpoints as a safetensors file of tensors plus a JSON file of everything else.

``name.safetensors`` holds the tensors; ``name.json`` beside it holds the configuration and
any other plain values. Nothing is ever unpickled. The JSON is also copied into the
safetensors metadata, so a weights file separated from its JSON still says what it is.
"""
from __future__ import annotations

import json
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file


def paths(path) -> tuple[Path, Path]:
    """``(tensors, json)`` paths for ``path``, which must end in ``.safetensors``."""
    p = Path(path)
    if p.suffix != ".safetensors":
        raise ValueError(f"path must end in .safetensors, got {str(path)!r}")
    return p, p.with_suffix(".json")


def write(path, tensors: dict, info: dict) -> None:
    """Write ``tensors`` (name -> tensor) and the JSON-able ``info`` to ``path`` and its JSON."""
    tensor_path, json_path = paths(path)
    tensor_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(info, indent=2, sort_keys=True)
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    save_file(flat, str(tensor_path), metadata={"info": text})
    json_path.write_text(text + "\n")


def read(path) -> tuple[dict, dict]:
    """``(tensors, info)`` from ``path`` and its JSON; a missing or corrupt file raises
    ``ValueError`` naming it."""
    tensor_path, json_path = paths(path)
    for p in (tensor_path, json_path):
        if not p.is_file():
            raise ValueError(f"checkpoint file {str(p)!r} does not exist")
    try:
        info = json.loads(json_path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(json_path)!r} is not valid JSON: {exc}") from exc
    try:
        with safe_open(str(tensor_path), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise ValueError(f"{str(tensor_path)!r} is not a readable safetensors file: {exc}") from exc
    return tensors, info


def check_state(expected: dict, found: dict, source) -> None:
    """Raise ``ValueError`` naming the first missing, unexpected or mis-shaped tensor."""
    for name, tensor in expected.items():
        if name not in found:
            raise ValueError(f"{source}: tensor {name!r} is missing")
        if tuple(found[name].shape) != tuple(tensor.shape):
            raise ValueError(f"{source}: tensor {name!r} has shape {tuple(found[name].shape)}, "
                             f"the model needs {tuple(tensor.shape)}")
    extra = sorted(set(found) - set(expected))
    if extra:
        raise ValueError(f"{source}: unexpected tensor {extra[0]!r}")

