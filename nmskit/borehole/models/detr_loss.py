"""Matching cost and loss of the fracture detector: circular in azimuth.

Targets in the model's own units (see ``encode_targets``): ``depth`` within the patch in
[0, 1], ``dip`` / 90 degrees in [0, 1], ``azimuth`` as a ``(cos, sin)`` unit vector. The matching
cost for azimuth is the wrapped angle difference (0 and 360 degrees are the same); the loss
is the Euclidean distance between ``(cos, sin)`` vectors, ``2 sin(|delta| / 2)`` on the unit
circle, which cannot wrap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...setpred import HungarianMatcher, SetCriterion, angle_cost, l1_cost, l1_loss, l2_loss
from .targets import CLASS_NAMES


@dataclass(frozen=True)
class LossWeights:
    """Weights shared by the matching cost and the loss (DETR: class 1, L1 5), plus
    ``eos_coef``, the no-object class's weight in the loss (1.0, not DETR's 0.1: see
    docs/detr.md)."""

    label: float = 1.0
    depth: float = 5.0
    dip: float = 2.0
    azimuth: float = 1.0
    eos_coef: float = 1.0


def build_criterion(weights: LossWeights = LossWeights()) -> SetCriterion:
    """The ``SetCriterion`` (with its ``HungarianMatcher``) for fracture / bed picks."""
    matcher = HungarianMatcher(
        weights.label,
        {
            "depth": (weights.depth, l1_cost("depth")),
            "dip": (weights.dip, l1_cost("dip")),
            "azimuth": (weights.azimuth, angle_cost("azimuth")),
        },
    )
    return SetCriterion(
        len(CLASS_NAMES),
        matcher,
        eos_coef=weights.eos_coef,
        class_weight=weights.label,
        loss_terms={
            "depth": (weights.depth, l1_loss("depth")),
            "dip": (weights.dip, l1_loss("dip")),
            "azimuth": (weights.azimuth, l2_loss("azimuth")),
        },
    )
