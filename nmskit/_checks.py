"""Validation at the public boundary. Every failure is a ValueError that names the argument,
says what was wrong and, where it helps, how to fix the call. Kernels behind these checks
assume validated input."""

from __future__ import annotations

import math
from typing import Literal, overload

import numpy as np

from ._arrays import is_tensor, to_numpy

FLOAT_KINDS = "fiu"  # float, signed and unsigned int (not bool): numbers convertible to float64
MAX_COUNT = 2**62  # counts that cap a selection are clamped here: any cap >= N means "no cap"
MAX_SLOTS = 2**24  # counts that size an output are refused beyond this (memory is allocated per slot)
EXACT_FLOAT_INT = 2**53  # integers given as floats must be below this to be exact


def as_float_array(x, name: str) -> np.ndarray:
    """Array-like -> float64 ndarray; rejects non-numeric data and complex numbers."""
    try:
        arr = to_numpy(x)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise ValueError(f"{name} could not be read as an array: {exc}") from exc
    if arr.dtype.kind not in FLOAT_KINDS:
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise naming the first row that holds NaN or +-inf."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.argmax(bad.reshape(len(arr), -1).any(axis=1))) if arr.ndim else 0
        kind = "NaN" if np.isnan(arr.reshape(len(arr), -1)[first]).any() else "inf"
        raise ValueError(f"{name} contains {kind} at index {first}; remove or repair non-finite entries")


def check_matrix(x, name: str, cols: int) -> np.ndarray:
    """Array-like -> finite float64 ``[N, cols]``."""
    arr = as_float_array(x, name)
    if arr.ndim != 2 or arr.shape[1] != cols:
        raise ValueError(f"{name} must have shape [N, {cols}], got {tuple(arr.shape)}")
    check_finite(arr, name)
    return arr


def check_vector(x, name: str, n: int | None = None, finite: bool = True, *, like: str | None = None) -> np.ndarray:
    """Array-like -> float64 ``[N]``, of length ``n`` when given (the row count of the
    argument named ``like``, when that is what ``n`` is)."""
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional [N], got shape {tuple(arr.shape)}")
    if n is not None and len(arr) != n:
        if like is None:
            raise ValueError(f"{name} must have length {n}, got {len(arr)}")
        raise ValueError(f"{name} has length {len(arr)} but {like} has {n} rows; they must match")
    if finite:
        check_finite(arr, name)
    return arr


def check_labels(x, name: str, n: int, *, like: str = "boxes") -> np.ndarray:
    """Integer class labels ``[N]`` -> int64, one per row of the argument named ``like``.
    Floats are accepted only if integral and below 2**53 in magnitude (beyond, distinct
    labels may round together); unsigned labels must fit int64."""
    arr = to_numpy(x)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"{name} must have shape [{n}] to match {like}, got {tuple(arr.shape)}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integer class ids")
        if np.any(np.abs(arr) >= EXACT_FLOAT_INT):
            raise ValueError(
                f"{name} given as floats must lie within +-2**53 to stay distinct; pass them as an integer array"
            )
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class ids, got dtype {arr.dtype}")
    elif arr.dtype.kind == "u" and len(arr) and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit int64, got {arr.max()}")
    return arr.astype(np.int64, copy=False)


def check_unit(value, name: str) -> float:
    """A threshold in [0, 1]."""
    v = check_real(value, name)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return v


def check_real(value, name: str, allow_inf: bool = False) -> float:
    """A real scalar (finite unless ``allow_inf``): a Python or NumPy int or float, or a 0-d
    real array or tensor. Bools, strings, complex numbers and dates are refused."""
    v = value
    if not isinstance(v, (int, float, np.integer, np.floating)) and (is_tensor(v) or isinstance(v, np.ndarray)):
        arr = to_numpy(v)
        v = arr.item() if arr.shape == () and arr.dtype.kind in "iuf" else None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(v)
    except OverflowError:  # an int beyond float64
        v = math.copysign(math.inf, v)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def check_positive(value, name: str) -> float:
    """A finite real scalar > 0."""
    v = check_real(value, name)
    if v <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return v


@overload
def check_count(value: object, name: str, allow_none: Literal[False], sizes_output: bool = False) -> int: ...
@overload
def check_count(value: object, name: str, allow_none: bool = True, sizes_output: bool = False) -> int | None: ...
def check_count(value: object, name: str, allow_none: bool = True, sizes_output: bool = False) -> int | None:
    """A non-negative integer count (or None when allowed).

    A count that only caps a selection is clamped to ``MAX_COUNT`` (2**62; a cap above the
    number of candidates changes nothing). A count that sizes an output
    (``sizes_output``, e.g. padded slots) must be <= ``MAX_SLOTS`` (2**24).
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if sizes_output and value > MAX_SLOTS:
        raise ValueError(f"{name} must be <= 2**24 = {MAX_SLOTS} (it sizes an allocated output), got {value}")
    return min(value, MAX_COUNT)


def check_flag(value, name: str) -> bool:
    """A bool (Python or NumPy); strings such as ``"False"`` and numbers are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_positive_int(value, name: str) -> int:
    """A Python int >= 1 (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_choice(value, name: str, choices) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def config_from_dict(cls, data: dict, require_all: bool = True):
    """Build the dataclass ``cls`` from a checkpoint's JSON config. An unknown field (or,
    with ``require_all``, a missing one) raises a ValueError naming it."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown config field {unknown[0]!r} for {cls.__name__}; known fields: {sorted(names)}")
    missing = sorted(names - set(data))
    if require_all and missing:
        raise ValueError(f"config field {missing[0]!r} of {cls.__name__} is missing")
    return cls(**data)
