"""What every patch detector shares: input checks, an eval-mode forward and its optimiser
groups.

A patch detector is a :class:`nmskit.nn.Model` whose ``config`` has ``patch_height`` and
``patch_width`` and which takes ``[B, 1, patch_height, patch_width]`` patches. Its
checkpoints are those of :mod:`nmskit.nn.checkpoint`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch

from ...nn.model import Model, ModelSettings
from .backbone import ResNetBackbone


class PatchSettings(ModelSettings, Protocol):
    """What a patch detector's configuration provides besides its dict round trip: the
    shape of the patches it takes."""

    @property
    def patch_height(self) -> int: ...

    @property
    def patch_width(self) -> int: ...


class PatchDetector(Model):
    """Base class of ``FractureDETR`` and ``DenseFractureDetector``.

    Subclasses set ``config_class``, store their config as ``self.config`` and their
    backbone as ``self.backbone``, and define ``predict(patches, threshold, ...) -> [B]
    dicts of picks``; their constructor takes the config first.
    """

    config_class: type[PatchSettings]
    config: PatchSettings
    backbone: ResNetBackbone
    predict: Callable[..., list[dict]]

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
            raise ValueError(
                f"patches must have shape [B, 1, {h}, {w}] (or [{h}, {w}] for one patch), got {tuple(x.shape)}"
            )
        if x.dtype.is_complex or not (
            x.dtype.is_floating_point or x.dtype in (torch.uint8, torch.int16, torch.int32, torch.int64)
        ):
            raise ValueError(f"patches must be real numbers, got dtype {x.dtype}")
        x = x.to(device=next(self.parameters()).device, dtype=torch.float32)
        if not torch.isfinite(x).all():
            raise ValueError("patches contain NaN or inf; impute gaps before detection")
        return x

    def check_targets(self, patches: torch.Tensor, targets) -> None:
        """Raise a ``ValueError`` unless there is one target dict per patch."""
        if len(targets) != patches.shape[0]:
            raise ValueError(f"targets must hold one dict per patch ({patches.shape[0]}), got {len(targets)}")

    def _eval_forward(self, x: torch.Tensor, **options) -> dict:
        """``forward`` in eval mode (no dropout, running batch-norm statistics), then the
        previous mode is restored."""
        was_training = self.training
        self.eval()
        try:
            return self(x, **options)
        finally:
            self.train(was_training)

    # ---------------------------------------------------------------------------- training
    def param_groups(self, cfg) -> list[dict]:
        """Two AdamW groups, as DETR: the backbone at ``cfg.lr_backbone``, the rest at
        ``cfg.lr`` (both with ``cfg.weight_decay``). Frozen parameters are left out."""
        backbone = [p for p in self.backbone.parameters() if p.requires_grad]
        ids = {id(p) for p in backbone}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
        return [{"params": rest, "lr": cfg.lr}, {"params": backbone, "lr": cfg.lr_backbone}]
