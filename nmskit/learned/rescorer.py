"""Inference: refine the scores of a frame's detections, then keep the top K.

r = Rescorer.load("d2d")                    # a shipped model, or a checkpoint path
scores = r.rescore(detections)              # [N] refined scores
keep = r.select(detections, top_k=300)      # [<=300] row indices, best first
"""

from __future__ import annotations

import numpy as np
import torch

from .._arrays import PathLike
from .._checks import check_count
from ..data.detections3d import Detections3D
from .build import RescoringModel, load_model, resolve_checkpoint
from .config import RESCORERS, ModelConfig
from .embedding import SCORE_EPS
from .frames import pack
from .setpred3d import SetPredictor3D


def refine(model, packed) -> np.ndarray:
    """Refined scores ``[M]`` (float64, packed row order): ``sigmoid(logit(score) + delta)``.

    The logit and sigmoid are taken in float64 from the float64 input scores, so a zero
    ``delta`` returns the input scores to within float64 rounding (scores are clamped to
    [1e-6, 1 - 1e-6] first).

    Each frame goes through the model on its own: padding frames to a common length
    changes the float32 rounding of attention, and a frame's scores must not depend on
    which other frames share the call (a file and its shards give the same bytes).
    """
    if len(packed.raw) == 0:
        return np.zeros(0)
    with torch.inference_mode():
        delta = np.concatenate(
            [model(packed.frame(f)).double().numpy() for f in range(packed.num_frames) if packed.counts[f]]
        )
    s = np.clip(packed.score, SCORE_EPS, 1 - SCORE_EPS)
    return 1.0 / (1.0 + np.exp(-(np.log(s) - np.log1p(-s) + delta)))


class Rescorer:
    """A trained rescoring model (D2D-Rescore, GossipNet3D or GCN) in eval mode."""

    def __init__(self, model: RescoringModel) -> None:
        self.model = model.eval()

    @classmethod
    def load(cls, path: PathLike = "d2d") -> Rescorer:
        """A checkpoint path (``.safetensors``/``.json`` pair), a training output directory
        (its best checkpoint), or the name of a model that ships with nmskit (``d2d``,
        ``gossip``, ``gcn``).

        Raises:
            ValueError: when the checkpoint holds a set predictor.
        """
        path = resolve_checkpoint(path, RESCORERS)
        model = load_model(path)
        if isinstance(model, SetPredictor3D):
            raise ValueError(
                f"path: {path} holds a {model.config.model!r} model, not a rescorer "
                f"{RESCORERS}; load a set predictor with nmskit.learned.SetPredictor.load"
            )
        return cls(model)

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    def rescore(self, detections: Detections3D) -> np.ndarray:
        """Refined scores of one or more frames.

        Args:
            detections: columns ``x, y, z, w, l, h, yaw, vx, vy, score, label`` ``[N]``
                (optional ``frame`` ``[N]`` to rescore several frames at once).

        Returns:
            ``[N]`` float64 refined scores in (0, 1), in the caller's row order.
        """
        p = pack(detections)
        out = np.empty(len(p.order))
        out[p.order] = refine(self.model, p)
        return out

    def select(self, detections: Detections3D, top_k: int = 300) -> np.ndarray:
        """Row indices of the ``top_k`` best-rescored detections of each frame.

        Returns:
            int64 indices into the caller's rows, frame by frame, best first within a frame
            (ties: lower index first).
        """
        top_k = check_count(top_k, "top_k", allow_none=False)
        p = pack(detections)
        return select_top_k(refine(self.model, p), p, top_k)

    def suppress(self, detections: Detections3D, top_k: int = 300) -> Detections3D:
        """The ``top_k`` best-rescored boxes of each sample, carrying their refined scores.

        Args:
            detections: ``[N]`` boxes with ``ego`` known (see :func:`nmskit.data.with_ego`).

        Returns:
            The kept boxes, sample by sample, best first within a sample.
        """
        top_k = check_count(top_k, "top_k", allow_none=False)
        p = pack(detections)
        refined = refine(self.model, p)  # packed row order
        keep = select_top_k(refined, p, top_k)
        caller = np.empty(len(p.order))
        caller[p.order] = refined
        return detections[keep].with_score(caller[keep])


def select_top_k(refined: np.ndarray, packed, top_k: int) -> np.ndarray:
    """Caller-row indices of the ``top_k`` highest refined scores of each packed frame."""
    keep = []
    for f in range(packed.num_frames):
        lo, hi = packed.offsets[f], packed.offsets[f + 1]
        rows = packed.order[lo:hi]
        order = np.lexsort((rows, -refined[lo:hi]))[:top_k]
        keep.append(rows[order])
    return np.concatenate(keep) if keep else np.zeros(0, np.int64)
