"""A columnar set of 3-D detections (or ground-truth boxes) over many samples (frames).

Each field is one NumPy array with a row per box, so selection, per-sample views and
concatenation are array operations, never loops over box objects. Coordinates are in
metres in one world frame, as in nuScenes files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_finite
from .nuscenes_classes import ATTRIBUTE_NAMES, DETECTION_NAMES, NO_ATTRIBUTE

MAX_METRES = 1e7  # bound on |centre|, |ego|, size and |velocity|: far beyond any scene, float32-safe
MAX_POINTS = 2**31 - 1


@dataclass(frozen=True, eq=False)
class Detections3D:
    """3-D boxes with class, score and the sample each belongs to.

    Fields (``N`` rows, ``S`` samples):
        center: ``[N, 3]`` float64 box centre ``(x, y, z)``.
        size: ``[N, 3]`` float64 ``(w, l, h)``: width across the heading, length along it,
            height (the nuScenes ``size`` order).
        yaw: ``[N]`` float64 heading in radians, counter-clockwise from +x.
        velocity: ``[N, 2]`` float64 ``(vx, vy)`` in m/s; NaN where unknown.
        label: ``[N]`` int64 index into :data:`DETECTION_NAMES`.
        score: ``[N]`` float64 confidence (ground truth: -1).
        attribute: ``[N]`` int64 index into :data:`ATTRIBUTE_NAMES`, -1 for none.
        sample: ``[N]`` int64 index into ``sample_tokens``.
        sample_tokens: ``S`` sample (frame) tokens; a sample may have no rows.
        ego: ``[N, 3]`` float64 box centre relative to the ego vehicle, NaN where unknown.
        num_pts: ``[N]`` int64 lidar + radar points inside the box; -1 where unknown
            (predictions). Ground truth with 0 points is not evaluated.

    Positions, sizes and velocities must lie within ``MAX_METRES`` (1e7 m, or m/s) of zero.

    Build one with :meth:`create`, which fills defaults and validates; the plain
    constructor trusts its arguments.
    """

    center: np.ndarray
    size: np.ndarray
    yaw: np.ndarray
    velocity: np.ndarray
    label: np.ndarray
    score: np.ndarray
    attribute: np.ndarray
    sample: np.ndarray
    sample_tokens: tuple
    ego: np.ndarray
    num_pts: np.ndarray

    @classmethod
    def create(
        cls,
        center: ArrayLike,
        size: ArrayLike,
        yaw: ArrayLike,
        label: ArrayLike,
        score: ArrayLike | None = None,
        *,
        velocity: ArrayLike | None = None,
        attribute: ArrayLike | None = None,
        sample: ArrayLike | None = None,
        sample_tokens: Sequence[str] | None = None,
        ego: ArrayLike | None = None,
        num_pts: ArrayLike | None = None,
    ) -> Detections3D:
        """Validated construction with defaults.

        Args:
            center: ``[N, 3]``; size: ``[N, 3]`` (w, l, h), each >= 0; yaw: ``[N]``.
            label: ``[N]`` class indices, or class names.
            score: ``[N]`` (default -1, as for ground truth).
            velocity: ``[N, 2]`` (default NaN); attribute: ``[N]`` indices or names
                (default none); sample: ``[N]`` indices into ``sample_tokens`` (default 0);
            sample_tokens: sample tokens (default ``("0", ..., str(max sample))``).
            ego: ``[N, 3]`` centre relative to the ego vehicle (default NaN, unknown).
            num_pts: ``[N]`` (default -1).

        Raises:
            ValueError: naming the field that has a wrong shape, a non-finite value, a value
            beyond ``MAX_METRES``, a size below zero, a ``num_pts`` below -1, or an unknown
            class, attribute or sample index.
        """
        center = _float(center, "center", (3,))
        n = len(center)
        size = _float(size, "size", (3,), n)
        yaw = _float(yaw, "yaw", (), n)
        label = _codes(label, "label", DETECTION_NAMES, n)
        score = np.full(n, -1.0) if score is None else _float(score, "score", (), n)
        velocity = np.full((n, 2), np.nan) if velocity is None else _float(velocity, "velocity", (2,), n, finite=False)
        attribute = (
            np.full(n, NO_ATTRIBUTE, np.int64)
            if attribute is None
            else _codes(attribute, "attribute", ATTRIBUTE_NAMES, n, allow_none=True)
        )
        sample = np.zeros(n, np.int64) if sample is None else _ints(sample, "sample", n, 0, 2**62)
        if sample_tokens is None:
            sample_tokens = tuple(str(i) for i in range(int(sample.max()) + 1 if n else 0))
        sample_tokens = tuple(str(t) for t in sample_tokens)
        if len(set(sample_tokens)) != len(sample_tokens):
            raise ValueError("sample_tokens must be unique")
        if n and (sample.min() < 0 or sample.max() >= len(sample_tokens)):
            raise ValueError(f"sample must index sample_tokens (0..{len(sample_tokens) - 1})")
        ego = np.full((n, 3), np.nan) if ego is None else _float(ego, "ego", (3,), n, finite=False)
        partial = np.isnan(ego).any(axis=1) & ~np.isnan(ego).all(axis=1)
        if partial.any() or np.isinf(ego).any():
            raise ValueError("ego rows must be all finite or all NaN (unknown)")
        num_pts = np.full(n, -1, np.int64) if num_pts is None else _ints(num_pts, "num_pts", n, -1, MAX_POINTS)
        if (size < 0).any():
            raise ValueError(f"size must be >= 0, row {int(np.argmax((size < 0).any(axis=1)))} is not")
        return cls(center, size, yaw, velocity, label, score, attribute, sample, sample_tokens, ego, num_pts)

    @classmethod
    def empty(cls, sample_tokens: Sequence[str] = ()) -> Detections3D:
        """A set with no rows over the given samples."""
        z = np.zeros
        return cls(
            z((0, 3)),
            z((0, 3)),
            z(0),
            z((0, 2)),
            z(0, np.int64),
            z(0),
            z(0, np.int64),
            z(0, np.int64),
            tuple(sample_tokens),
            z((0, 3)),
            z(0, np.int64),
        )

    # ----- size and columns -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.score)

    def __repr__(self) -> str:
        return f"Detections3D({len(self)} boxes over {len(self.sample_tokens)} samples)"

    x = property(lambda self: self.center[:, 0])
    y = property(lambda self: self.center[:, 1])
    z = property(lambda self: self.center[:, 2])
    w = property(lambda self: self.size[:, 0])
    l = property(lambda self: self.size[:, 1])  # noqa: E741 - the nuScenes name
    h = property(lambda self: self.size[:, 2])
    vx = property(lambda self: self.velocity[:, 0])
    vy = property(lambda self: self.velocity[:, 1])

    def bev(self) -> np.ndarray:
        """``[N, 5]`` BEV boxes ``(cx, cy, w, l, yaw)`` for :func:`nmskit.bev_iou`."""
        return np.column_stack([self.center[:, :2], self.size[:, :2], self.yaw])

    def ego_distance(self) -> np.ndarray:
        """``[N]`` ground-plane distance of each centre from the ego vehicle (NaN if unknown)."""
        return np.sqrt(self.ego[:, 0] ** 2 + self.ego[:, 1] ** 2)

    # ----- selection --------------------------------------------------------------------
    def __getitem__(self, index) -> Detections3D:
        """Rows by integer indices, boolean mask or slice; the sample table is kept."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return replace(
            self, **{f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "sample_tokens"}
        )

    def with_score(self, score: ArrayLike) -> Detections3D:
        """The same boxes with new scores ``[N]``."""
        return replace(self, score=_float(score, "score", (), len(self)))

    def sample_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR grouping of rows by sample.

        Returns:
            ``(order, start)``: ``order[start[s]:start[s + 1]]`` are the rows of sample
            ``s`` in their original order; ``start`` has ``S + 1`` entries.
        """
        order = np.argsort(self.sample, kind="stable")
        counts = np.bincount(self.sample, minlength=len(self.sample_tokens))
        return order, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def per_sample(self) -> Iterator[tuple[str, Detections3D]]:
        """Yield ``(token, rows of that sample)`` for every sample, including empty ones."""
        order, start = self.sample_groups()
        for s, token in enumerate(self.sample_tokens):
            yield token, self[order[start[s] : start[s + 1]]]

    def sample_view(self, token: str) -> Detections3D:
        """The rows of one sample, by token."""
        try:
            s = self.sample_tokens.index(token)
        except ValueError:
            raise ValueError(f"unknown sample token {token!r}") from None
        return self[np.flatnonzero(self.sample == s)]

    @classmethod
    def concat(cls, parts: Sequence[Detections3D]) -> Detections3D:
        """Concatenate rows; sample tables are merged by token (first appearance order)."""
        parts = list(parts)
        if not parts:
            return cls.empty()
        tokens: dict[str, int] = {}
        remapped = []
        for p in parts:
            codes = np.array([tokens.setdefault(t, len(tokens)) for t in p.sample_tokens], np.int64)
            remapped.append(codes[p.sample] if len(p) else np.zeros(0, np.int64))
        cat = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(cls)
            if f.name not in ("sample", "sample_tokens")
        }
        return cls(sample=np.concatenate(remapped), sample_tokens=tuple(tokens), **cat)

    def as_tensors(self, device: Any = None) -> dict:
        """The numeric fields as torch tensors (float32 / int64), keyed by field name."""
        import torch

        out = {}
        for f in fields(self):
            if f.name == "sample_tokens":
                continue
            a = getattr(self, f.name)
            a = a.astype(np.float32) if a.dtype.kind == "f" else a
            out[f.name] = torch.from_numpy(np.ascontiguousarray(a)).to(device)
        return out


def _float(x, name, tail, n=None, finite=True) -> np.ndarray:
    from .._checks import as_float_array

    a = np.array(as_float_array(x, name), np.float64)  # always a private copy
    if a.shape[1:] != tail or a.ndim != 1 + len(tail) or (n is not None and len(a) != n):
        want = "[N" + "".join(f", {t}" for t in tail) + "]"
        raise ValueError(
            f"{name} must have shape {want} with N = {n if n is not None else 'rows'}, got {tuple(a.shape)}"
        )
    if finite and len(a):
        check_finite(a, name)
    big = np.abs(a) > MAX_METRES
    if big.any():
        row = int(np.argmax(big.reshape(len(a), -1).any(axis=1)))
        raise ValueError(f"{name} row {row} holds {a[row].tolist()}, beyond the supported range of +-{MAX_METRES:g}")
    return a


def _ints(x, name, n, low, high) -> np.ndarray:
    a = np.asarray(x)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape [{n}], got {tuple(a.shape)}")
    if a.dtype.kind == "f" and (not np.isfinite(a).all() or (a != np.round(a)).any()):
        raise ValueError(f"{name} must hold integers")
    if a.dtype.kind not in "iuf" and len(a):
        raise ValueError(f"{name} must hold integers, got dtype {a.dtype}")
    if len(a) and (a.min() < low or a.max() > high):
        raise ValueError(f"{name} must lie in [{low}, {high}], got {a.min() if a.min() < low else a.max()}")
    return a.astype(np.int64)


def _codes(x, name, names, n, allow_none=False) -> np.ndarray:
    """Class or attribute indices from indices or names ('' = none where allowed)."""
    a = np.asarray(x)
    if a.dtype.kind in "US" or a.dtype == object:
        lookup = {v: i for i, v in enumerate(names)}
        if allow_none:
            lookup[""] = NO_ATTRIBUTE
        try:
            a = np.array([lookup[str(v)] for v in a.tolist()], np.int64)
        except KeyError as exc:
            raise ValueError(f"{name}: unknown name {exc.args[0]!r}; expected one of {list(names)}") from None
    return _ints(a, name, n, NO_ATTRIBUTE if allow_none else 0, len(names) - 1)
