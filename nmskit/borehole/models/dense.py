"""DenseFractureDetector: a per-depth-row detector of planar features, pruned by sinusoid NMS.

patch [B, 1, H, W] --(avg-pool by `downsample`)--> ResNet levels (circular in azimuth, the
    backbone of ``FractureDETRConfig.small()``): stem H/2, stage 1 H/4, stage 2 H/8, output H/16
    --> each level's azimuth axis collapsed by a convolution spanning its whole width
        (``[B, C, h, w] -> [B, d, h]``; with the coordinate planes the weights see where round
        the hole each feature lies, so the azimuth of the deepest point is recoverable)
    --> upsampled along depth to the stem's N = H / (2 downsample) rows and summed
    --> residual 1-D convolutions along depth (dilations 1, 2, 4, ...)
    --> per row cell: a logit per class (fracture, bed), the pick's offset within the cell,
        dip / 90 and azimuth (cos, sin).
Inference thresholds the cells and then runs greedy sinusoid NMS
(:func:`nmskit.suppress.sinusoid_nms`): neighbouring cells fire for one feature, and the NMS
keeps the best of them. That is the heuristic this detector is compared on, against the
NMS-free ``FractureDETR``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from torch import nn

from ..._arrays import ArrayOrTensor
from ..._checks import check_real
from ...suppress.sinusoid import sinusoid_nms
from ..preprocessing.scale import ROWS_PER_DIAMETER
from .backbone import ResNetBackbone
from .dense_config import DenseDetectorConfig
from .dense_loss import DenseLossWeights, dense_loss
from .patch_detector import PatchDetector
from .rows import RowPyramid
from .targets import CLASS_NAMES, azimuth_degrees, encode_targets

PRIOR = 0.1  # initial heatmap probability (CenterNet's bias of -2.19)
MAX_DIP = 89.9  # degrees; a dip of 90 has no finite sinusoid


def _head(channels: int, outputs: int) -> nn.Sequential:
    """``[B, d, N] -> [B, outputs, N]``: a 3-tap convolution, ReLU, a 1 x 1 convolution."""
    return nn.Sequential(nn.Conv1d(channels, channels, 3, padding=1), nn.ReLU(), nn.Conv1d(channels, outputs, 1))


def row_heads(channels: int) -> tuple[nn.Sequential, nn.Sequential]:
    """The per-row-cell heads ``(heat_head, box_head)`` on ``[B, channels, N]`` row features:
    a logit per class (starting at probability :data:`PRIOR`), and offset, dip, cos, sin."""
    heat_head, box_head = _head(channels, len(CLASS_NAMES)), _head(channels, 4)
    nn.init.constant_(heat_head[-1].get_parameter("bias"), math.log(PRIOR / (1 - PRIOR)))
    return heat_head, box_head


def row_outputs(rows: torch.Tensor, heat_head: nn.Module, box_head: nn.Module) -> dict:
    """Row features ``[B, d, N]`` -> ``logits [B, 2, N]`` (fracture, bed), ``offset [B, N]``
    in [0, 1] (position of the pick within its cell), ``dip [B, N]`` (dip / 90, in [0, 1]),
    ``azimuth [B, N, 2]`` (cos, sin, unnormalised)."""
    box = box_head(rows)  # [B, 4, N]
    return {
        "logits": heat_head(rows),
        "offset": box[:, 0].sigmoid(),
        "dip": box[:, 1].sigmoid(),
        "azimuth": box[:, 2:].transpose(1, 2),
    }


class DenseFractureDetector(PatchDetector):
    """Dense (per depth row) detector of fractures and bed boundaries.

    Args:
        config: the architecture (the defaults are the trained preset).
        loss_weights: weights and heatmap width used by ``compute_loss`` (not stored in
            checkpoints: they do not change the network).

    Input checks, ``save``, ``load_weights`` and ``load(path, loss_weights)`` come from
    ``PatchDetector``.
    """

    config_class = DenseDetectorConfig
    config: DenseDetectorConfig

    def __init__(
        self, config: DenseDetectorConfig = DenseDetectorConfig(), loss_weights: DenseLossWeights = DenseLossWeights()
    ):
        super().__init__()
        if not isinstance(config, DenseDetectorConfig):
            raise ValueError(f"config must be a DenseDetectorConfig, got {type(config).__name__}")
        c = config
        self.config = c
        self.loss_weights = loss_weights
        self.backbone = ResNetBackbone(c.backbone_depth, c.backbone_width, c.d_model, coords=c.coords, norm=c.norm)
        self.rows = RowPyramid(
            self.backbone, (c.patch_height // c.downsample, c.patch_width // c.downsample), c.d_model, c.head_layers
        )
        self.heat_head, self.box_head = row_heads(c.d_model)

    # ----------------------------------------------------------------------------- forward
    def forward(self, patches: torch.Tensor) -> dict:
        """Raw outputs for a batch of validated patches.

        Args:
            patches: ``[B, 1, patch_height, patch_width]`` float.

        Returns:
            ``logits [B, 2, N]`` (fracture, bed; N = ``config.row_cells``), ``offset [B, N]``
            in [0, 1] (position of the pick within its cell), ``dip [B, N]`` (dip / 90, in
            [0, 1]), ``azimuth [B, N, 2]`` (cos, sin, unnormalised).
        """
        k = self.config.downsample
        x = F.avg_pool2d(patches, k) if k > 1 else patches  # [B, 1, H/k, W/k]
        return row_outputs(self.rows(self.backbone.levels(x)), self.heat_head, self.box_head)

    def compute_loss(self, patches: torch.Tensor, targets: Sequence[Mapping[str, ArrayLike]]) -> dict:
        """The training loss of one batch (the training loop calls this).

        Args:
            patches: ``[B, 1, patch_height, patch_width]``.
            targets: ``B`` dicts with ``labels`` (0 fracture, 1 bed), ``depth`` (row / patch
                height), ``dip`` and ``azimuth`` (degrees), each ``[T_b]``; see
                ``targets.encode_targets``.

        Returns:
            ``{"loss", "heatmap", "offset", "dip", "azimuth"}`` (scalar tensors); see
            ``dense_loss.dense_loss``.
        """
        patches = self.check_patches(patches)
        self.check_targets(patches, targets)
        return dense_loss(self(patches), encode_targets(targets, patches.device), self.loss_weights)

    # --------------------------------------------------------------------------- inference
    @torch.no_grad()
    def predict(self, patches: ArrayOrTensor, threshold: float = 0.45, nms_tolerance: float | None = 4.0) -> list[dict]:
        """Picks per patch: the row cells whose best class probability is > ``threshold``,
        pruned by greedy sinusoid NMS (class-agnostic: a fracture and a bed at one place are
        one feature).

        Args:
            patches: ``[B, 1, patch_height, patch_width]`` (tensor or array) or one
                ``[patch_height, patch_width]`` patch.
            threshold: in [0, 1).
            nms_tolerance: in patch rows: a pick is suppressed when the mean absolute depth
                difference over azimuth between its sinusoid and a better-scoring kept one is
                below it (:func:`nmskit.geometry.sinusoid_distance`, the hole diameter being
                ``ROWS_PER_DIAMETER`` rows). At the detector's scale one row is 0.76 cm in an
                8.5 in hole. ``None`` keeps every cell above the threshold.

        Returns:
            ``B`` dicts of NumPy arrays, each ``[K]``, by descending score: ``labels`` (0
            fracture, 1 bed), ``scores``, ``depth`` (row / patch height), ``row`` (centre row
            in pixels), ``dip`` and ``azimuth`` (degrees, azimuth in [0, 360)), ``cell`` (the
            row cell).
        """
        if not 0.0 <= check_real(threshold, "threshold") < 1.0:
            raise ValueError(f"threshold must lie in [0, 1), got {threshold!r}")
        if nms_tolerance is not None and not check_real(nms_tolerance, "nms_tolerance") > 0:
            raise ValueError(f"nms_tolerance must be > 0 rows (or None), got {nms_tolerance!r}")
        x = self.check_patches(patches)
        out = self._eval_forward(x)
        scores, labels = out["logits"].sigmoid().max(1)  # [B, N]
        n = scores.shape[1]
        depth = (torch.arange(n, device=x.device) + out["offset"]) / n  # [B, N]
        fields = {
            "labels": labels,
            "scores": scores,
            "depth": depth,
            "row": depth * self.config.patch_height,
            "dip": out["dip"] * 90.0,
            "azimuth": azimuth_degrees(out["azimuth"]),
        }
        fields = {k: v.cpu().numpy() for k, v in fields.items()}
        picks = []
        for b in range(x.shape[0]):
            keep = np.flatnonzero(fields["scores"][b] > threshold)
            keep = keep[np.argsort(-fields["scores"][b, keep], kind="stable")]
            if nms_tolerance is not None and len(keep):
                sinusoids = np.column_stack(
                    [fields["row"][b, keep], np.minimum(fields["dip"][b, keep], MAX_DIP), fields["azimuth"][b, keep]]
                )
                keep = keep[sinusoid_nms(sinusoids, fields["scores"][b, keep], ROWS_PER_DIAMETER, nms_tolerance)]
            picks.append({**{k: v[b, keep] for k, v in fields.items()}, "cell": keep})
        return picks
