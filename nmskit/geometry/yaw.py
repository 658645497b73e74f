"""Heading angles: yaw <-> quaternion (w, x, y, z) and the periodic angle difference."""

from __future__ import annotations

import numpy as np


def quaternion_to_yaw(q: np.ndarray) -> np.ndarray:
    """Yaw (rotation about +z) of rotations given as quaternions.

    The yaw is the heading of the rotated x axis projected onto the ground plane, which is
    how nuScenes reads a box's heading; any pitch and roll are dropped. Quaternions need not
    be normalised.

    Args:
        q: ``[N, 4]`` float64 quaternions ``(w, x, y, z)``, none of them zero.

    Returns:
        ``[N]`` yaw in radians, in ``[-pi, pi]``.
    """
    q = q / np.abs(q).max(axis=1, keepdims=True)  # scale-free, so no square overflows
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.arctan2(2.0 * (w * z + x * y), w * w + x * x - y * y - z * z)


def yaw_to_quaternion(yaw: np.ndarray) -> np.ndarray:
    """Unit quaternions ``[N, 4]`` (w, x, y, z) of pure rotations by ``yaw[N]`` about +z."""
    half = 0.5 * np.asarray(yaw, np.float64)
    zero = np.zeros_like(half)
    return np.stack([np.cos(half), zero, zero, np.sin(half)], axis=1)


def angle_diff(a: np.ndarray, b: np.ndarray, period: float) -> np.ndarray:
    """Signed smallest difference ``a - b`` of angles with the given period (radians).

    Args:
        a, b: broadcastable float arrays of angles.
        period: scalar or array (e.g. ``pi`` for objects without a front, ``2 pi`` otherwise).

    Returns:
        Differences in ``[-period / 2, period / 2)``, shifted by ``-2 pi`` where above pi.
    """
    d = np.mod(a - b + period / 2.0, period) - period / 2.0
    return np.where(d > np.pi, d - 2.0 * np.pi, d)
