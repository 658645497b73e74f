"""Label-preserving augmentations of patches: the image moves, and the sinusoid labels
move with it exactly.

Labels are ``[N, 3]`` rows ``(row, dip, azimuth)`` in patch coordinates, azimuth in the
patch's column frame (column ``k`` at ``(k + 0.5) * 360 / W``, increasing with ``k``).
"""

from __future__ import annotations

import numpy as np

from ..._arrays import Array


def rotate_azimuth(values: Array, mask: Array, labels: Array, columns: int) -> tuple[Array, Array, Array]:
    """Rotate the patch around the hole by ``columns`` columns (positive: towards higher
    azimuth), i.e. ``360 * columns / W`` degrees.

    Args:
        values, mask: ``[..., H, W]``.
        labels: ``[N, 3]`` (row, dip, azimuth).
        columns: integer column shift.

    Returns:
        ``(values, mask, labels)`` rotated; label azimuths shift by the same angle.
    """
    w = np.shape(values)[-1]
    out = np.array(labels, np.float64).reshape(-1, 3)
    out[:, 2] = np.mod(out[:, 2] + 360.0 * columns / w, 360.0)
    return np.roll(values, columns, axis=-1), np.roll(mask, columns, axis=-1), out


def flip_depth(values: Array, mask: Array, labels: Array) -> tuple[Array, Array, Array]:
    """Turn the patch upside down. A sinusoid's deepest point becomes its shallowest, so
    its azimuth moves by 180 degrees; its dip is unchanged and its row becomes ``H - 1 - row``.

    Args:
        values, mask: ``[..., H, W]``.
        labels: ``[N, 3]`` (row, dip, azimuth).

    Returns:
        ``(values, mask, labels)`` flipped.
    """
    h = np.shape(values)[-2]
    out = np.array(labels, np.float64).reshape(-1, 3)
    out[:, 0] = h - 1 - out[:, 0]
    out[:, 2] = np.mod(out[:, 2] + 180.0, 360.0)
    return np.flip(values, axis=-2).copy(), np.flip(mask, axis=-2).copy(), out
