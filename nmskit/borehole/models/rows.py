"""The row pyramid: a backbone's levels turned into one feature vector per depth row cell.

A planar feature is one sinusoid that crosses every column, so the depth row is the natural
unit of detection. Each level's azimuth axis is collapsed by a convolution spanning its whole
width (a linear map of every column's features of one row; with the coordinate planes the
weights know where round the hole each feature lies, so the azimuth of the deepest point
stays recoverable). The levels are upsampled along depth to the finest one's rows and
summed (a one-dimensional feature pyramid), then refined by dilated residual 1-D
convolutions. The dense detector predicts from these rows; ``FractureDETR`` can read them at
its queries' reference depths.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .backbone import ResNetBackbone

LEVELS = (0, 1, 2, 4)  # stem, stage 1, stage 2, output of ResNetBackbone.levels


class RowBlock(nn.Module):
    """Residual block of two dilated 1-D convolutions along depth, ``[B, d, N] -> [B, d, N]``
    (zero padding at the patch ends, group norm)."""

    def __init__(self, channels: int, dilation: int):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False)
        self.norm1 = nn.GroupNorm(math.gcd(8, channels), channels)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False)
        self.norm2 = nn.GroupNorm(math.gcd(8, channels), channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.norm1(self.conv1(x)))
        return F.relu(x + self.norm2(self.conv2(out)))


class RowPyramid(nn.Module):
    """``ResNetBackbone.levels`` -> ``[B, d, N]`` row features, N = the stem's rows.

    Args:
        backbone: the network whose levels are read (used once here, to probe their shapes).
        input_shape: ``(rows, columns)`` of the backbone's input.
        channels: output width ``d``.
        layers: residual row blocks (dilations 1, 2, 4, ...).
    """

    def __init__(self, backbone: ResNetBackbone, input_shape: tuple[int, int], channels: int, layers: int):
        super().__init__()
        with torch.no_grad():
            probe = torch.zeros(1, 1, *input_shape)
            shapes = [backbone.levels(probe)[i].shape for i in LEVELS]  # [1, C, h, w] each
        self.collapse = nn.ModuleList(nn.Conv2d(s[1], channels, (1, s[3])) for s in shapes)
        self.merge_norm = nn.GroupNorm(math.gcd(8, channels), channels)
        self.blocks = nn.Sequential(*(RowBlock(channels, 2**i) for i in range(layers)))

    def forward(self, levels: list[torch.Tensor]) -> torch.Tensor:
        """``levels`` as from ``ResNetBackbone.levels`` -> ``[B, d, N]``."""
        n = levels[0].shape[2]
        rows = sum(
            F.interpolate(conv(levels[i]).squeeze(-1), size=n, mode="linear", align_corners=False)
            for conv, i in zip(self.collapse, LEVELS)
        )  # [B, d, N]
        return self.blocks(F.relu(self.merge_norm(rows)))
