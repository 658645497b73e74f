"""Detections of one or more frames, packed for the rescoring models.

Detections arrive as a :class:`nmskit.data.Detections3D` (samples become frames) or as
columns (a dict of ``[N]`` arrays: ``x, y, z, w, l, h, yaw, vx, vy, score, label`` and, for
several frames, ``frame``). :func:`pack` validates them once and stacks them into one float
tensor whose rows are grouped by frame, the layout every model reads (like a graph batch:
rows plus a frame index per row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._arrays import to_numpy
from .._checks import as_float_array
from ..data.detections3d import MAX_METRES, Detections3D

FIELDS = ("x", "y", "z", "w", "l", "h", "yaw", "vx", "vy", "score", "label")
COL = {name: i for i, name in enumerate(FIELDS)}
NUM_CLASSES = 10


@dataclass
class Packed:
    """Detections of B frames, rows grouped by frame.

    Attributes:
        raw: ``[M, 11]`` float32, columns in ``FIELDS`` order (label stored as a float).
        batch: ``[M]`` int64 frame index in ``0..B-1``, non-decreasing.
        offsets: ``[B + 1]`` int64 row offsets of the frames (numpy).
        order: ``[M]`` int64 row of each packed detection in the caller's columns (numpy).
        score: ``[M]`` float64 input scores (numpy), kept at full precision for the output.
    """

    raw: torch.Tensor
    batch: torch.Tensor
    offsets: np.ndarray
    order: np.ndarray
    score: np.ndarray

    @property
    def num_frames(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> np.ndarray:
        """``[B]`` detections per frame."""
        return np.diff(self.offsets)

    def frame(self, f: int) -> Packed:
        """Frame ``f`` alone, packed as a one-frame batch (``order`` relative to the frame)."""
        lo, hi = int(self.offsets[f]), int(self.offsets[f + 1])
        return Packed(
            self.raw[lo:hi],
            torch.zeros(hi - lo, dtype=torch.int64),
            np.array([0, hi - lo]),
            np.arange(hi - lo),
            self.score[lo:hi],
        )


def columns_of(d: Detections3D) -> dict:
    """Columns (``FIELDS`` + ``attribute, frame``) of a :class:`Detections3D`, frame = sample.

    Positions are relative to the ego vehicle (``ego``), as the models expect.

    Raises:
        ValueError: when a row's ``ego`` is unknown (see :func:`nmskit.data.with_ego`).
    """
    if np.isnan(d.ego).any():
        row = int(np.argmax(np.isnan(d.ego).any(axis=1)))
        raise ValueError(
            f"detection row {row} has no ego (centre relative to the ego vehicle); "
            "fill it with nmskit.data.with_ego(detections, ground_truth)"
        )
    pos = d.ego
    return {
        "x": pos[:, 0],
        "y": pos[:, 1],
        "z": pos[:, 2],
        "w": d.size[:, 0],
        "l": d.size[:, 1],
        "h": d.size[:, 2],
        "yaw": d.yaw,
        "vx": d.velocity[:, 0],
        "vy": d.velocity[:, 1],
        "score": d.score,
        "label": d.label,
        "attribute": d.attribute,
        "frame": d.sample,
    }


def pack(columns, num_frames: int | None = None) -> Packed:
    """Validate detections and pack them by frame.

    Args:
        columns: a :class:`Detections3D` (its samples are the frames), or a mapping with
            the ``FIELDS`` columns, each ``[N]``, and optional ``frame`` ``[N]`` integer
            frame ids (all 0 when absent). Values must be finite and within
            ``MAX_METRES`` (1e7) of zero.
        num_frames: B, with frame ids in ``0..B-1``; defaults to the number of samples of a
            ``Detections3D``, else the number of distinct frame ids (1 when there are no
            rows), which are then numbered in increasing order.

    Raises:
        ValueError: naming the column that is missing, misshapen, non-finite or out of range.
    """
    if isinstance(columns, Detections3D):
        num_frames = len(columns.sample_tokens) if num_frames is None else num_frames
        columns = columns_of(columns)
    if not hasattr(columns, "keys"):
        raise ValueError(f"detections must be a mapping of columns {FIELDS}, got {type(columns).__name__}")
    missing = [f for f in FIELDS if f not in columns]
    if missing:
        raise ValueError(f"detections is missing the column(s) {missing}; expected {FIELDS}")
    cols = [as_float_array(columns[f], f"detections[{f!r}]") for f in FIELDS]
    n = len(cols[0]) if cols[0].ndim == 1 else -1
    for name, c in zip(FIELDS, cols):
        if c.ndim != 1 or len(c) != n:
            raise ValueError(f"detections[{name!r}] must be one-dimensional with {max(n, 0)} rows, got shape {c.shape}")
        bad = ~np.isfinite(c)
        if bad.any():
            raise ValueError(f"detections[{name!r}] holds NaN or inf at row {int(np.argmax(bad))}")
        big = np.abs(c) > MAX_METRES
        if big.any():
            row = int(np.argmax(big))
            raise ValueError(
                f"detections[{name!r}] holds {c[row]:g} at row {row}, beyond the supported range of +-{MAX_METRES:g}"
            )
    raw = np.stack(cols, axis=1) if n else np.zeros((0, len(FIELDS)))
    score, label = raw[:, COL["score"]], raw[:, COL["label"]]
    if np.any((score <= 0) | (score > 1)):
        raise ValueError("detections['score'] must lie in (0, 1]")
    if np.any((label < 0) | (label >= NUM_CLASSES) | (label != np.round(label))):
        raise ValueError(f"detections['label'] must hold integer class ids in 0..{NUM_CLASSES - 1}")
    if np.any(raw[:, COL["w"] : COL["h"] + 1] <= 0):
        raise ValueError("detections['w'], ['l'] and ['h'] must be > 0")
    frame = to_numpy(columns["frame"]) if "frame" in columns else np.zeros(n, np.int64)
    if frame.shape != (n,) or (n and (frame.dtype.kind not in "iu" or frame.min() < 0)):
        raise ValueError(f"detections['frame'] must be [{n}] non-negative integers")
    if num_frames is None:  # ids only group rows: number the distinct ones 0..B-1
        _, frame = np.unique(frame, return_inverse=True)
    frame = frame.astype(np.int64).reshape(n)
    b = int(frame.max()) + 1 if n else 1
    if num_frames is not None:
        if n and b > num_frames:
            raise ValueError(f"detections['frame'] holds id {b - 1} but num_frames is {num_frames}")
        b = num_frames
    order = np.argsort(frame, kind="stable")
    offsets = np.zeros(b + 1, np.int64)
    np.cumsum(np.bincount(frame, minlength=b), out=offsets[1:])
    raw = raw[order]
    return Packed(
        torch.from_numpy(raw.astype(np.float32)), torch.from_numpy(frame[order]), offsets, order, raw[:, COL["score"]]
    )
