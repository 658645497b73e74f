"""A learned model from its configuration, or from a checkpoint (a path, a training
directory or the name of shipped weights)."""

from __future__ import annotations

from pathlib import Path

from .._arrays import PathLike
from ..nn.checkpoint import load_checkpoint
from .config import ModelConfig
from .d2d import D2DRescore
from .gcn import GCNRescore
from .gossip import GossipNet3D
from .setpred3d import SetPredictor3D

RescoringModel = D2DRescore | GossipNet3D | GCNRescore
LearnedModel = RescoringModel | SetPredictor3D

WEIGHTS = Path(__file__).parent / "weights"
CLASSES: dict[str, type[LearnedModel]] = {
    "d2d": D2DRescore,
    "gossip": GossipNet3D,
    "gcn": GCNRescore,
    "setpred": SetPredictor3D,
}


def build_model(config: ModelConfig) -> LearnedModel:
    """A freshly initialised model for ``config`` (its output heads start at zero)."""
    if not isinstance(config, ModelConfig):
        raise ValueError(f"config must be a ModelConfig, got {type(config).__name__}")
    return CLASSES[config.model](config)


def resolve_checkpoint(path, shipped) -> Path:
    """The checkpoint ``path`` names: a model name in ``shipped`` (its weights shipped with
    nmskit), a training output directory (its ``best`` checkpoint) or a checkpoint path."""
    if str(path) in shipped:
        return WEIGHTS / str(path)
    return Path(path) / "best" if Path(path).is_dir() else Path(path)


def load_model(path: PathLike) -> LearnedModel:
    """Rebuild the model a checkpoint describes and load its weights (in eval mode)."""
    info, _ = load_checkpoint(path)
    try:
        config = ModelConfig.from_dict(info["config"])
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return CLASSES[config.model].load(path)
