"""Targets of both fracture detectors in the model's own units, and the class names.

User targets give ``depth`` as a fraction of the patch, ``dip`` and ``azimuth`` in degrees.
The models see ``depth`` in [0, 1], ``dip`` / 90 in [0, 1] and ``azimuth`` as a ``(cos, sin)``
unit vector, so 0 and 360 degrees are one direction.
"""

from __future__ import annotations

import math

import numpy as np
import torch

CLASS_NAMES = ("fracture", "bed")


def _column(target: dict, key: str, i: int) -> np.ndarray:
    """One target field as a finite float64 ``[T]``."""
    if key not in target:
        raise ValueError(f"targets[{i}] has no {key!r}; each target needs labels, depth, dip, azimuth")
    value = target[key]
    arr = value.detach().cpu().numpy() if torch.is_tensor(value) else np.asarray(value)
    arr = arr.astype(np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"targets[{i}][{key!r}] holds NaN or inf")
    return arr


def encode_targets(targets, device=None) -> list[dict]:
    """User targets -> the model's units.

    Args:
        targets: one dict per patch with ``labels [T]`` (0 fracture, 1 bed), ``depth [T]``
            (sinusoid centre row / patch height, in [0, 1]), ``dip [T]`` (apparent dip, degrees,
            in [0, 90]) and ``azimuth [T]`` (apparent dip azimuth, degrees, any value).

    Returns:
        dicts with ``labels [T]`` int64, ``depth [T]``, ``dip [T]`` (dip / 90) and
        ``azimuth [T, 2]`` ``(cos, sin)``, float32 on ``device``.
    """
    encoded = []
    for i, t in enumerate(targets):
        labels, depth, dip, az = (_column(t, k, i) for k in ("labels", "depth", "dip", "azimuth"))
        n = len(labels)
        for key, arr in (("depth", depth), ("dip", dip), ("azimuth", az)):
            if len(arr) != n:
                raise ValueError(f"targets[{i}][{key!r}] has {len(arr)} entries but labels has {n}")
        if np.any((labels != 0) & (labels != 1)):
            raise ValueError(f"targets[{i}]['labels'] must be 0 (fracture) or 1 (bed)")
        if np.any((depth < 0) | (depth > 1)):
            raise ValueError(f"targets[{i}]['depth'] must lie in [0, 1] (row / patch height)")
        if np.any((dip < 0) | (dip > 90)):
            raise ValueError(f"targets[{i}]['dip'] must lie in [0, 90] degrees")
        rad = np.deg2rad(az)
        encoded.append(
            {
                "labels": torch.as_tensor(labels, dtype=torch.int64, device=device),
                "depth": torch.as_tensor(depth, dtype=torch.float32, device=device),
                "dip": torch.as_tensor(dip / 90.0, dtype=torch.float32, device=device),
                "azimuth": torch.as_tensor(
                    np.stack([np.cos(rad), np.sin(rad)], axis=1).reshape(n, 2), dtype=torch.float32, device=device
                ),
            }
        )
    return encoded


def azimuth_degrees(vectors: torch.Tensor) -> torch.Tensor:
    """``[..., 2]`` ``(cos, sin)`` -> ``[...]`` azimuth in degrees, in [0, 360)."""
    return torch.remainder(torch.atan2(vectors[..., 1], vectors[..., 0]) * (180 / math.pi), 360.0)
