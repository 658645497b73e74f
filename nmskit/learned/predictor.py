"""Inference with the NMS-free set predictor: a frame's pre-NMS detections in, its final
boxes out.

    post = SetPredictor.load().predict(pre_nms)   # the shipped model
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from .._arrays import PathLike
from .._checks import check_count
from ..data.detections3d import Detections3D
from .build import load_model, resolve_checkpoint
from .config import ModelConfig
from .frames import pack
from .setpred3d import SetPredictor3D


def predict(model: SetPredictor3D, detections: Detections3D, top_k: int = 300) -> Detections3D:
    """The boxes the set predictor outputs for each sample of ``detections``.

    Each query gives one box, scored by its most likely object class (the label). Up to
    ``top_k`` queries per sample are kept by score; no query is compared with another.

    Args:
        detections: ``[N]`` pre-NMS boxes with ``ego`` known (see :func:`nmskit.data.with_ego`).

    Returns:
        Up to ``min(top_k, config.queries)`` boxes per sample, sample by sample, best first.
        Attribute and lidar point count are copied from each query's anchor.
    """
    top_k = check_count(top_k, "top_k", allow_none=False)
    p = pack(detections)
    model.eval()
    with torch.inference_mode():
        frames = model(p)
    rows, parts = [], []
    for lo, (out, anchor) in zip(p.offsets[:-1], frames):
        score, label = out["logits"][0].softmax(-1)[:, :-1].max(-1)
        keep = torch.argsort(-score, stable=True)[:top_k]
        rows.append(p.order[lo + anchor[keep].numpy()])
        parts.append(
            torch.cat(
                [
                    out["center"][0],
                    out["z"][0],
                    torch.exp(out["log_size"][0]),
                    torch.atan2(out["yaw"][0, :, 1:], out["yaw"][0, :, :1]),
                    out["velocity"][0],
                    score[:, None],
                    label[:, None].to(score.dtype),
                ],
                1,
            )[keep]
        )
    kept = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    box = torch.cat(parts).double().numpy() if parts else np.zeros((0, 11))
    base = detections[kept]
    ego = box[:, :3]
    return replace(
        base,
        center=ego + (base.center - base.ego),
        ego=ego,
        size=box[:, 3:6],
        yaw=box[:, 6],
        velocity=box[:, 7:9],
        score=box[:, 9],
        label=box[:, 10].astype(base.label.dtype),
    )


class SetPredictor:
    """A trained NMS-free set predictor in eval mode.

    post = SetPredictor.load().predict(pre_nms)   # Detections3D in, final boxes out
    """

    def __init__(self, model: SetPredictor3D):
        self.model = model.eval()

    @classmethod
    def load(cls, path: PathLike = "setpred") -> SetPredictor:
        """The shipped model (``"setpred"``), a training output directory (its best
        checkpoint) or a checkpoint path."""
        path = resolve_checkpoint(path, ("setpred",))
        model = load_model(path)
        if not isinstance(model, SetPredictor3D):
            raise ValueError(
                f"path: {path} holds a {model.config.model!r} rescorer, not a set predictor; "
                "load it with nmskit.learned.Rescorer.load"
            )
        return cls(model)

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    def predict(self, detections: Detections3D, top_k: int = 300) -> Detections3D:
        """See :func:`predict`."""
        return predict(self.model, detections, top_k)
