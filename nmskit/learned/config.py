"""Model configuration: one flat, JSON-serialisable dataclass for the three rescorers and
the NMS-free set predictor (``setpred``).

Defaults (the paper gives the architecture but not these numbers, so they are chosen
here and documented in docs/learned.md):
- ``channels`` 64 (GossipNet3D, GCN); D2D-Rescore uses 56 channels in 2 heads, so that
  each head's query/key width (28 + 4 distance-bias columns = 32) suits the fused CPU
  attention kernel: at 1000 detections a head of width 32 costs about as much as one of
  width 16 and less than half of one of width 20 or 36 (measured here).
- ``layers``: transformer layers (D2D, 2), GossipBlocks (GossipNet3D, 3) or graph
  convolutions (GCN, 3); see :func:`default_config`.
- ``num_frequencies`` 10: Fourier features of x and y down to a period of about 0.2 m.
- ``radius`` 6 m (reaches the far duplicates at the ends of 12 m trailers and buses) and
  ``max_neighbors`` 16 (nearest first; the median detection has about 19 neighbours
  within 6 m on the simulator), for the GossipNet3D and GCN graphs. Information from
  farther detections arrives over several blocks.
- ``distance_bias`` True: D2D-Rescore's attention logits get a learnable per-head
  ``-alpha_h d^2`` term (see :mod:`.d2d`), an addition to the paper. The set predictor's
  attention uses the same bias (see :mod:`.setpred3d`).
- ``queries`` 300: the set predictor's query slots (the most boxes it returns per frame;
  simulated frames carry at most about 200 visible objects, even crowded ones).
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
    def from_dict(cls, d: dict) -> "ModelConfig":
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


def build_model(config: ModelConfig):
    """A freshly initialised model for ``config`` (its output heads start at zero)."""
    from .d2d import D2DRescore
    from .gcn import GCNRescore
    from .gossip import GossipNet3D
    from .setpred3d import SetPredictor3D

    return {"d2d": D2DRescore, "gossip": GossipNet3D, "gcn": GCNRescore, "setpred": SetPredictor3D}[config.model](config)
