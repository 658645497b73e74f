"""Model configuration: one flat, JSON-serialisable dataclass for the three rescorers and
the NMS-free set predictor (``setpred``).

The defaults and :func:`default_config` are the shipped architectures; the reasons for each
size (the paper gives the structure, not these numbers) are in docs/learned.md, "Defaults
and choices".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .._checks import check_positive_int, config_from_dict

RESCORERS = ("d2d", "gossip", "gcn")
MODELS = RESCORERS + ("setpred",)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a rescoring model (everything needed to rebuild it)."""

    model: str = "d2d"
    channels: int = 64
    layers: int = 2
    heads: int = 4
    ffn_ratio: int = 2
    num_frequencies: int = 10
    position_scale: float = 54.0
    radius: float = 6.0
    max_neighbors: int = 16
    distance_bias: bool = True
    queries: int = 300

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        for name in ("channels", "layers", "heads", "ffn_ratio", "max_neighbors", "queries"):
            check_positive_int(getattr(self, name), name)
        if self.num_frequencies < 0:
            raise ValueError(f"num_frequencies must be >= 0, got {self.num_frequencies}")
        if self.channels % self.heads:
            raise ValueError(f"channels ({self.channels}) must be divisible by heads ({self.heads})")
        for name in ("position_scale", "radius"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """Build from a dict; an unknown field raises a ``ValueError`` naming it (missing
        fields take their defaults)."""
        return config_from_dict(cls, d, require_all=False)


def default_config(model: str) -> ModelConfig:
    """The shipped architecture of ``model`` (``d2d``, ``gossip``, ``gcn`` or ``setpred``)."""
    if model == "d2d":
        return ModelConfig(model=model, channels=56, heads=2, layers=2)
    if model == "setpred":
        return ModelConfig(model=model, channels=64, heads=4, layers=3)
    return ModelConfig(model=model, layers=3)
