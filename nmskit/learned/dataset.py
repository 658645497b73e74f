"""Frames of detections with ground truth, for training and validating the rescorers.

Both sides are held as column dicts grouped by frame (``frames.FIELDS`` plus ``attribute``
and ``frame`` for the detections; the same geometry plus ``label, attribute, num_pts,
frame`` for the ground truth). They come from :class:`nmskit.data.Detections3D` (a user's
nuScenes-format dumps) or from the simulator; frames are the samples, ego at the origin
of each frame's coordinates or given by the container's ``ego`` field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._arrays import Array, PathLike
from ..data.detections3d import Detections3D
from ..data.ego import with_ego
from .frames import columns_of, pack

if TYPE_CHECKING:
    from .frames import Packed


def _group(cols, num_frames):
    frame = np.asarray(cols["frame"], np.int64)
    order = np.argsort(frame, kind="stable")
    offsets = np.zeros(num_frames + 1, np.int64)
    np.cumsum(np.bincount(frame, minlength=num_frames), out=offsets[1:])
    return {k: np.asarray(v)[order] for k, v in cols.items()}, offsets


def to_detections(cols, num_frames: int) -> Detections3D:
    """Columns of ``num_frames`` frames -> :class:`Detections3D` (sample tokens ``"0".."B-1"``,
    ego at the origin of each frame)."""
    center = np.column_stack([cols["x"], cols["y"], cols["z"]])
    return Detections3D.create(
        center,
        np.column_stack([cols["w"], cols["l"], cols["h"]]),
        cols["yaw"],
        cols["label"],
        cols.get("score"),
        velocity=np.column_stack([cols["vx"], cols["vy"]]),
        attribute=cols["attribute"],
        sample=cols["frame"],
        sample_tokens=[str(i) for i in range(num_frames)],
        ego=center,
        num_pts=cols.get("num_pts"),
    )


class FrameSet:
    """Detections and ground truth of ``num_frames`` frames, grouped by frame."""

    def __init__(self, detections: Mapping[str, Array], ground_truth: Mapping[str, Array], num_frames: int) -> None:
        self.num_frames = num_frames
        self.det, self.det_offsets = _group(detections, num_frames)
        self.gt, self.gt_offsets = _group(ground_truth, num_frames)

    @classmethod
    def from_detections(cls, detections: Detections3D, ground_truth: Detections3D) -> FrameSet:
        """Pre-NMS detections and ground truth (e.g. read from nuScenes-format JSON), matched
        by sample token; positions are taken relative to the ego vehicle (``ego``; rows
        without it are placed from the ground truth by :func:`nmskit.data.with_ego`)."""
        tokens = list(ground_truth.sample_tokens)
        index = {t: i for i, t in enumerate(tokens)}
        missing = set(detections.sample_tokens[s] for s in np.unique(detections.sample)) - set(tokens)
        if missing:
            raise ValueError(f"detections name samples without ground truth, e.g. {sorted(missing)[0]!r}")

        def cols(d, is_gt):
            c = columns_of(d)
            c["frame"] = np.array([index[d.sample_tokens[s]] for s in d.sample], np.int64)
            if is_gt:
                c["num_pts"] = d.num_pts
            return c

        return cls(cols(with_ego(detections, ground_truth), False), cols(ground_truth, True), len(tokens))

    @classmethod
    def from_directory(cls, folder: PathLike) -> FrameSet:
        """``folder/pre_nms.json`` (nuScenes results format) and ``folder/ground_truth.json``,
        as ``nmskit simulate --out`` writes them."""
        from pathlib import Path

        from ..data import read_nuscenes_gt, read_nuscenes_results

        folder = Path(folder)
        paths = folder / "pre_nms.json", folder / "ground_truth.json"
        for p in paths:
            if not p.is_file():
                raise ValueError(
                    f"{folder}: expected {p.name} (pre-NMS results) beside ground_truth.json; {p} does not exist"
                )
        detections, _ = read_nuscenes_results(paths[0], max_boxes_per_sample=None)
        return cls.from_detections(detections, read_nuscenes_gt(paths[1]))

    @classmethod
    def simulated(cls, num_frames: int, seed: int) -> FrameSet:
        """``num_frames`` frames of the default simulator with ``seed``."""
        from ..data.sim import simulate_columns

        pre, gt = simulate_columns(num_frames, seed)
        return cls(pre, gt, num_frames)

    def subset(self, frames: Sequence[int] | Array) -> FrameSet:
        """The given frames (renumbered 0..len-1, in the given order)."""
        frames = np.asarray(frames, np.int64)

        def take(cols, offsets):
            rows = (
                np.concatenate([np.arange(offsets[f], offsets[f + 1]) for f in frames])
                if len(frames)
                else np.zeros(0, np.int64)
            )
            out = {k: v[rows] for k, v in cols.items()}
            out["frame"] = np.repeat(np.arange(len(frames)), offsets[frames + 1] - offsets[frames])
            return out

        return FrameSet(take(self.det, self.det_offsets), take(self.gt, self.gt_offsets), len(frames))

    def packed(self) -> Packed:
        """The detections packed for the models (rows already grouped, so order is identity)."""
        return pack(self.det, self.num_frames)

    def ground_truth(self) -> Detections3D:
        return to_detections(self.gt, self.num_frames)

    def detections(self, rows: ArrayLike | None = None, score: ArrayLike | None = None) -> Detections3D:
        """The detections (or the given rows, optionally with new scores) as a container."""
        cols = self.det if rows is None else {k: v[rows] for k, v in self.det.items()}
        if score is not None:
            cols = {**cols, "score": score}
        return to_detections(cols, self.num_frames)
