"""What every patch detector shares: input checks, an eval-mode forward and checkpoints.

A patch detector is an ``nn.Module`` with a ``config`` (a frozen dataclass with
``patch_height``, ``patch_width``, ``to_dict`` and ``from_dict``) that takes
``[B, 1, patch_height, patch_width]`` patches. Its checkpoint is ``name.safetensors`` (the
``state_dict``) plus ``name.json``: ``{"model": <class name>, "config": {...}}``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ...nn import checkpoint


class PatchDetector(nn.Module):
    """Base class of ``FractureDETR`` and ``DenseFractureDetector``.

    Subclasses set ``config_class`` and store their config as ``self.config``; their
    constructor takes the config first.
    """

    config_class: type

    # --------------------------------------------------------------------------- inputs
    def check_patches(self, patches) -> torch.Tensor:
        """Array-like ``[B, 1, H, W]`` (or one ``[H, W]`` patch) -> float32 tensor
        ``[B, 1, H, W]`` on the model's device; any other shape raises a ``ValueError`` naming
        the expected one."""
        h, w = self.config.patch_height, self.config.patch_width
        x = patches if torch.is_tensor(patches) else torch.as_tensor(np.asarray(patches))
        if x.dim() == 2:
            x = x[None, None]
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, h, w) or x.shape[0] == 0:
            raise ValueError(f"patches must have shape [B, 1, {h}, {w}] (or [{h}, {w}] for one "
                             f"patch), got {tuple(x.shape)}")
        if x.dtype.is_complex or not (x.dtype.is_floating_point or x.dtype in
                                      (torch.uint8, torch.int16, torch.int32, torch.int64)):
            raise ValueError(f"patches must be real numbers, got dtype {x.dtype}")
        x = x.to(device=next(self.parameters()).device, dtype=torch.float32)
        if not torch.isfinite(x).all():
            raise ValueError("patches contain NaN or inf; impute gaps before detection")
        return x

    def check_targets(self, patches: torch.Tensor, targets) -> None:
        """Raise a ``ValueError`` unless there is one target dict per patch."""
        if len(targets) != patches.shape[0]:
            raise ValueError(f"targets must hold one dict per patch ({patches.shape[0]}), got "
                             f"{len(targets)}")

    def _eval_forward(self, x: torch.Tensor, **options) -> dict:
        """``forward`` in eval mode (no dropout, running batch-norm statistics), then the
        previous mode is restored."""
        was_training = self.training
        self.eval()
        try:
            return self(x, **options)
        finally:
            self.train(was_training)

    # -------------------------------------------------------------------------- checkpoints
    def save(self, path) -> None:
        """Write ``path`` (``.safetensors``, the weights) and the JSON config beside it."""
        checkpoint.write(path, self.state_dict(), {"model": type(self).__name__,
                                                   "config": self.config.to_dict()})

    def load_weights(self, path):
        """Load a checkpoint into this model. Its config must equal this model's: a differing
        field raises a ``ValueError`` naming it."""
        return self._load_state(*checkpoint.read(path), path)

    def init_weights(self, path) -> list[str]:
        """Warm start from a checkpoint of a related architecture (its config is not
        compared): every checkpoint tensor is copied into this model's tensor of the same name
        and shape, and tensors the checkpoint lacks keep their initial values. A checkpoint
        tensor this model lacks, or one of another shape, raises a ``ValueError`` naming it.

        Returns:
            The names of this model's tensors left at their initial values.
        """
        tensors, _ = checkpoint.read(path)
        own = self.state_dict()
        checkpoint.check_state({k: v for k, v in own.items() if k in tensors}, tensors, str(path))
        self.load_state_dict(tensors, strict=False)
        return sorted(set(own) - set(tensors))

    def _load_state(self, tensors: dict, info: dict, path):
        saved = self.config_class.from_dict(self._config_of(info, path))
        for name, value in self.config.to_dict().items():
            if getattr(saved, name) != value:
                raise ValueError(f"checkpoint {str(path)!r} has config field {name!r} = "
                                 f"{getattr(saved, name)!r}, this model has {value!r}")
        checkpoint.check_state(self.state_dict(), tensors, str(path))
        self.load_state_dict(tensors)
        return self

    @classmethod
    def load(cls, path, *args):
        """Build the model its JSON config describes and load its weights (in eval mode).
        ``args`` follow the config in the constructor call (e.g. loss weights)."""
        tensors, info = checkpoint.read(path)
        model = cls(cls.config_class.from_dict(cls._config_of(info, path)), *args)
        return model._load_state(tensors, info, path).eval()

    @classmethod
    def _config_of(cls, info: dict, path) -> dict:
        """The ``config`` dict of a checkpoint's JSON, checked to be one of this class."""
        name = cls.__name__
        if not isinstance(info, dict) or info.get("model") != name or not isinstance(
                info.get("config"), dict):
            raise ValueError(f"{str(path)!r} is not a {name} checkpoint (its JSON needs "
                             f"\"model\": \"{name}\" and a \"config\" object)")
        return info["config"]
