"""The set predictor's training loss: Hungarian matching of queries to ground truth, then
DETR's set loss on every decoder layer (:class:`nmskit.setpred.SetCriterion`).

- Targets: the ground-truth boxes of each frame with at least one lidar point (the
  evaluation ignores the others): label, BEV centre, z, log size, yaw as (cos, sin),
  velocity.
- Matching cost: ``-2 p(label) + 1 * (BEV centre distance in m)``, the weights of the
  rescorers' Hungarian matching (:mod:`.matching`); pairs 4 m or more apart cost 1000
  more and are dropped after the assignment (their query learns no-object), as no
  detection of a missed object lies near it.
- Loss: cross-entropy over the 10 classes + no-object (no-object weighted ``EOS_COEF``)
  plus, on matched pairs, L1 on the centre (m), z (m), log size and velocity (m/s; NaN
  targets skipped) and the Euclidean distance between (cos, sin) yaw vectors; each
  divided by the frame's targets, then averaged over the frames of the batch.
"""

from __future__ import annotations

import numpy as np
import torch

from ..setpred import HungarianMatcher, SetCriterion, l1_loss, l2_cost, l2_loss
from .dataset import FrameSet
from .frames import NUM_CLASSES
from .matching import HUNGARIAN_DISTANCE_WEIGHT, HUNGARIAN_SCORE_WEIGHT, THRESHOLDS

GATE = THRESHOLDS[-1]  # m: the widest nuScenes matching distance
EOS_COEF = 0.2
LOSS_WEIGHTS = {"center": 1.0, "z": 0.5, "log_size": 1.0, "yaw": 0.5, "velocity": 0.2}


def frame_targets(frames: FrameSet) -> list:
    """One target dict per frame: ``labels [T]`` int64, ``center [T, 2]``, ``z [T, 1]``,
    ``log_size [T, 3]``, ``yaw [T, 2]``, ``velocity [T, 2]`` (float32), visible boxes only."""
    g, off = frames.gt, frames.gt_offsets
    out = []
    for lo, hi in zip(off[:-1], off[1:]):
        r = np.arange(lo, hi)[np.asarray(g["num_pts"][lo:hi]) > 0]
        col = lambda *names: torch.tensor(np.column_stack([g[n][r] for n in names]), dtype=torch.float32)
        yaw = np.asarray(g["yaw"][r], np.float64)
        out.append(
            {
                "labels": torch.as_tensor(g["label"][r], dtype=torch.int64),
                "center": col("x", "y"),
                "z": col("z"),
                "log_size": torch.log(col("w", "l", "h")),
                "yaw": torch.tensor(np.column_stack([np.cos(yaw), np.sin(yaw)]), dtype=torch.float32),
                "velocity": col("vx", "vy"),
            }
        )
    return out


def _gate_cost(pred, target) -> torch.Tensor:
    """Cost term ``[N, T]``: 1 for pairs at least ``GATE`` apart."""
    return (l2_cost("center")(pred, target) >= GATE).float()


def _finite_l1(key: str):
    """Loss term: L1 over the finite entries of ``target[key]``."""

    def loss(pred, target):
        t = target[key].to(pred[key].dtype)
        ok = torch.isfinite(t)
        return (pred[key][ok] - t[ok]).abs().sum()

    return loss


class GatedMatcher(HungarianMatcher):
    """Hungarian matching that drops the pairs whose centres are ``GATE`` or more apart."""

    def __init__(self):
        super().__init__(
            HUNGARIAN_SCORE_WEIGHT,
            {"center": (HUNGARIAN_DISTANCE_WEIGHT, l2_cost("center")), "gate": (1000.0, _gate_cost)},
        )

    @torch.no_grad()
    def forward(self, outputs, targets):
        matches = []
        for b, (qi, ti) in enumerate(super().forward(outputs, targets)):
            near = torch.linalg.vector_norm(outputs["center"][b, qi] - targets[b]["center"][ti], dim=-1) < GATE
            matches.append((qi[near], ti[near]))
        return matches


def set_criterion() -> SetCriterion:
    """The set loss with the weights above."""
    terms = {
        "center": l1_loss("center"),
        "z": l1_loss("z"),
        "log_size": l1_loss("log_size"),
        "yaw": l2_loss("yaw"),
        "velocity": _finite_l1("velocity"),
    }
    return SetCriterion(
        NUM_CLASSES, GatedMatcher(), eos_coef=EOS_COEF, loss_terms={k: (LOSS_WEIGHTS[k], fn) for k, fn in terms.items()}
    )


def set_loss(model, frames: FrameSet, criterion: SetCriterion | None = None) -> torch.Tensor:
    """Mean set loss (all decoder layers) over the frames that have detections; a zero
    that needs no gradient when none has."""
    criterion = criterion or set_criterion()
    losses = [
        criterion(out, [t])["loss"]
        for (out, anchor), t in zip(model(frames.packed()), frame_targets(frames))
        if len(anchor)
    ]
    return torch.stack(losses).mean() if losses else torch.zeros(())
