"""Array kinds at the public boundary: NumPy in gives NumPy out; a torch tensor gives a
tensor on the same device. torch is imported only when a tensor is actually passed in."""

from __future__ import annotations

import os
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[Any]
"""A NumPy array of any dtype and shape (the docstrings give shapes and dtypes)."""
ArrayOrTensor: TypeAlias = Any
"""A NumPy array (or array-like) or a torch tensor; a result of this type has the input's kind.
torch is an optional extra and the two kinds share no static type, so to the type checker this
is ``Any``: it tells the reader what is accepted, without a claim the checker cannot verify."""
PathLike: TypeAlias = str | os.PathLike[str]
"""A file-system path."""


def is_tensor(x) -> bool:
    """True for a ``torch.Tensor``, without importing torch for NumPy callers."""
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def to_numpy(x, dtype=None) -> np.ndarray:
    """Any array-like (NumPy, torch on any device, list) -> ``np.ndarray`` (a copy only if needed)."""
    if is_tensor(x):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def float_dtype(x) -> np.dtype:
    """The NumPy float dtype that results about ``x`` should carry: its own float dtype, else
    float64 (integer input). Reads the dtype only; no data is copied."""
    name = str(x.dtype).replace("torch.", "") if is_tensor(x) else np.asarray(x).dtype.name
    return np.dtype(name) if name in ("float16", "float32", "float64") else np.dtype(np.float64)


def like(result: np.ndarray, template):
    """Return ``result`` as the same kind of array as ``template`` (tensors keep the device)."""
    if is_tensor(template):
        import torch

        return torch.from_numpy(np.ascontiguousarray(result)).to(template.device)
    return result


def namespace(x):
    """The array module that operates on ``x`` natively: ``torch`` for tensors, else ``numpy``."""
    if is_tensor(x):
        import torch

        return torch
    return np


DEVICE_PATH_FOR_CPU = False  # tests set this to run the on-device suppression on CPU tensors


def on_accelerator(x) -> bool:
    """True for a tensor on an accelerator (CUDA, ...): suppression then stays on it."""
    return is_tensor(x) and (DEVICE_PATH_FOR_CPU or x.device.type != "cpu")
