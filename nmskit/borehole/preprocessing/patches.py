"""Cutting a log into overlapping fixed-size patches (default 800 x 360) and mapping patch
rows back to log depth.

The patches tile the log from its top; the last one is aligned with the bottom, so every
row is covered. Each patch also *owns* a core: the rows closer to its centre than to any
neighbour's (the overlaps are split at their middle). The cores partition the log, so a
whole-log detector keeps a pick only from the patch whose core contains its depth: that
is ownership, not suppression, and it needs no comparison between picks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..._arrays import Array
from ...data.borehole.image import BoreholeImage


@dataclass(frozen=True)
class PatchGrid:
    """Where the patches of one log lie.

    Attributes:
        starts: ``[P]`` int64 first log row of each patch.
        height: rows per patch.
        n_rows: H, rows in the log (the last patch is padded when H < height).
        depths: ``[H]`` the log's depths (its unit is the log's).
        core: ``[P, 2]`` int64 ``[start, stop)`` log rows owned by each patch.
    """

    starts: np.ndarray
    height: int
    n_rows: int
    depths: np.ndarray
    core: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def row_to_depth(self, patch: ArrayLike, row: ArrayLike) -> Array:
        """Log depth of fractional ``row`` (0 = first row) of patch ``patch``; broadcastable
        arrays. Rows past the log's end (padding) extrapolate with the last step."""
        r = self.starts[np.asarray(patch)] + np.asarray(row, np.float64)
        return _interp_extrap(r, np.arange(self.n_rows, dtype=np.float64), self.depths)

    def depth_to_row(self, patch: ArrayLike, depth: ArrayLike) -> Array:
        """Fractional row of ``depth`` inside patch ``patch`` (inverse of :meth:`row_to_depth`)."""
        r = _interp_extrap(np.asarray(depth, np.float64), self.depths, np.arange(self.n_rows, dtype=np.float64))
        return r - self.starts[np.asarray(patch)]

    def owner(self, depth: ArrayLike) -> np.ndarray:
        """Index of the patch whose core contains each depth ``[N]`` (int64)."""
        row = _interp_extrap(np.asarray(depth, np.float64), self.depths, np.arange(self.n_rows, dtype=np.float64))
        return np.clip(np.searchsorted(self.core[:, 1], np.floor(row + 0.5), side="right"), 0, len(self) - 1)

    def take(self, image: BoreholeImage, which: ArrayLike | None = None) -> tuple[Array, Array]:
        """Patch pixels ``(values [B, height, W] float32, mask [B, height, W] bool)`` for the
        patch indices ``which`` (default all); padding rows are 0 and invalid."""
        idx = np.arange(len(self)) if which is None else np.asarray(which, np.int64).reshape(-1)
        h, w = image.shape
        values = np.zeros((len(idx), self.height, w), np.float32)
        mask = np.zeros((len(idx), self.height, w), bool)
        for k, p in enumerate(idx):
            s = self.starts[p]
            n = min(self.height, h - s)
            values[k, :n] = image.values[s : s + n]
            mask[k, :n] = image.mask[s : s + n]
        return values, mask


def _interp_extrap(x, xp, fp):
    """np.interp with linear extrapolation from the end segments."""
    if len(xp) == 1:
        return np.full_like(x, fp[0], dtype=np.float64)
    y = np.interp(x, xp, fp)
    lo_slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
    hi_slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    y = np.where(x < xp[0], fp[0] + (x - xp[0]) * lo_slope, y)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * hi_slope, y)


def patch_grid(image: BoreholeImage, height: int = 800, overlap: int = 200, pad: bool = True) -> PatchGrid:
    """Plan the patches of ``image``.

    Args:
        image: ``[H, W]`` log (resample first for the detector's 360 columns).
        height: rows per patch.
        overlap: rows shared by consecutive patches, ``0 <= overlap < height``.
        pad: a log shorter than one patch gives one patch padded below with invalid rows;
            with ``pad=False`` it raises instead.

    Returns:
        :class:`PatchGrid`.
    """
    for name, v in (("height", height), ("overlap", overlap)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    if height < 1 or overlap >= height:
        raise ValueError(f"need height >= 1 and 0 <= overlap < height, got height={height}, overlap={overlap}")
    n = image.shape[0]
    if n < height:
        if not pad:
            raise ValueError(
                f"the log has {n} rows, shorter than one patch of {height} rows; "
                "pass pad=True to pad it with invalid rows, or use a smaller height"
            )
        starts = np.zeros(1, np.int64)
    else:
        stride = height - overlap
        starts = np.arange(0, n - height + 1, stride, dtype=np.int64)
        if starts[-1] != n - height:
            starts = np.append(starts, n - height)
    ends = starts + height
    cuts = (starts[1:] + ends[:-1]) // 2
    core = np.stack([np.concatenate([[0], cuts]), np.concatenate([cuts, [n]])], 1).astype(np.int64)
    return PatchGrid(starts=starts, height=int(height), n_rows=n, depths=image.depths, core=core)
