"""The base class of every nmskit network: its configuration, checkpoints and parameter
groups.

A model is an ``nn.Module`` whose constructor takes its configuration first (a frozen
dataclass with ``to_dict`` and ``from_dict``) and stores it as ``self.config``. Its
checkpoint is the format of :mod:`nmskit.nn.checkpoint`, with ``model`` its class name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from torch import nn

from .._arrays import PathLike
from .checkpoint import check_state, load_checkpoint, save_checkpoint

if TYPE_CHECKING:
    from .engine import TrainConfig


class ModelSettings(Protocol):
    """What a model's configuration provides: a JSON-able dict of its fields, and back."""

    def to_dict(self) -> dict: ...

    @classmethod
    def from_dict(cls, data: dict) -> ModelSettings: ...


M = TypeVar("M", bound="Model")


class Model(nn.Module):
    """Checkpoints and optimiser parameter groups shared by the rescorers, the 3-D set
    predictor and the fracture detectors.

    Subclasses set ``config_class``; ``supports_ddp`` says whether :func:`nmskit.nn.train`
    may wrap the model in ``DistributedDataParallel`` (its forward is what the loss calls).
    """

    config_class: type[ModelSettings]
    config: ModelSettings
    supports_ddp: bool = False

    # -------------------------------------------------------------------------- checkpoints
    def save(self, path: PathLike, record: dict | None = None) -> Path:
        """Write the weights, the config and ``record`` (how it was trained) to ``path``."""
        return save_checkpoint(path, self.state_dict(), type(self).__name__, self.config.to_dict(), record)

    def load_weights(self, path: PathLike) -> dict:
        """Load a checkpoint of this class and config into this model; returns its record.

        Raises:
            ValueError: naming the file and the first differing config field, or the first
                missing, unexpected or mis-shaped tensor.
        """
        info, tensors = load_checkpoint(path)
        saved = self._config_of(info, path)
        for name, value in self.config.to_dict().items():
            if getattr(saved, name) != value:
                raise ValueError(
                    f"{path}: checkpoint config field {name!r} is {getattr(saved, name)!r}, this model has {value!r}"
                )
        check_state(self.state_dict(), tensors, str(path))
        self.load_state_dict(tensors)
        return info["record"]

    def init_weights(self, path: PathLike) -> list[str]:
        """Warm start from a checkpoint of a related architecture (its config is not
        compared): every checkpoint tensor is copied into this model's tensor of the same name
        and shape; tensors the checkpoint lacks keep their initial values.

        Returns:
            The names of this model's tensors left at their initial values.

        Raises:
            ValueError: for a checkpoint tensor this model lacks or holds in another shape.
        """
        _, tensors = load_checkpoint(path)
        own = self.state_dict()
        check_state({k: v for k, v in own.items() if k in tensors}, tensors, str(path))
        self.load_state_dict(tensors, strict=False)
        return sorted(set(own) - set(tensors))

    @classmethod
    def load(cls: type[M], path: PathLike, *args: Any) -> M:
        """Build the model a checkpoint describes and load its weights, in eval mode.
        ``args`` follow the config in the constructor call (e.g. loss weights)."""
        info, _ = load_checkpoint(path)
        model = cls(cls._config_of(info, path), *args)
        model.load_weights(path)
        return model.eval()

    @classmethod
    def _config_of(cls, info: dict, path):
        """The config a checkpoint of this class records; a wrong class or config raises a
        ``ValueError`` naming the file."""
        if info["model"] != cls.__name__:
            raise ValueError(f"{path}: not a {cls.__name__} checkpoint (it holds a {info['model']})")
        try:
            return cls.config_class.from_dict(info["config"])
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

    # --------------------------------------------------------------------------- training
    def param_groups(self, cfg: TrainConfig) -> list[dict]:
        """AdamW parameter groups for the training settings ``cfg`` (a
        :class:`nmskit.nn.TrainConfig`): weight decay on matrices and kernels, none on
        biases, norms and other vectors. Frozen parameters are left out."""
        trainable = [p for p in self.parameters() if p.requires_grad]
        return [
            {"params": [p for p in trainable if p.ndim > 1], "lr": cfg.lr, "weight_decay": cfg.weight_decay},
            {"params": [p for p in trainable if p.ndim <= 1], "lr": cfg.lr, "weight_decay": 0.0},
        ]
