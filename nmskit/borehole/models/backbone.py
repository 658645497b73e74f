"""A ResNet backbone (BasicBlock) for unrolled borehole images, circular along the azimuth.

The image's width axis goes once round the borehole wall, so every convolution and pooling
pads it circularly (the first column's left neighbour is the last column) and pads the depth
axis with zeros. Stages follow ResNet-10 ([1, 1, 1, 1] blocks) or ResNet-18 ([2, 2, 2, 2]);
the last stage keeps stride 16 by dilation instead of striding (DETR's "DC5"), and a 1 x 1
projection gives ``out_channels``. An 800 x 360 patch gives a 50 x 23 grid.

Optionally three coordinate planes are appended to the input (depth ramp, cos and sin of the
azimuth): the circular padding makes the features blind to absolute azimuth, and the
transformer adds positions only to queries and keys, so the planes are how the regression
heads learn where a feature sits. cos and sin keep the seam continuous.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

BLOCKS = {10: (1, 1, 1, 1), 18: (2, 2, 2, 2)}


class CircularConv2d(nn.Conv2d):
    """``nn.Conv2d`` with circular padding along width and zero padding along height.

    ``[B, C_in, H, W] -> [B, C_out, H', W']`` with the usual strided-convolution sizes.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__(in_ch, out_ch, kernel, stride=stride, padding=0, dilation=dilation, bias=False)
        self.pad = dilation * (kernel - 1) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.pad
        if p:
            x = F.pad(x, (p, p, 0, 0), mode="circular")
            x = F.pad(x, (0, 0, p, p))
        return super().forward(x)


def _norm(kind: str, channels: int) -> nn.Module:
    """Batch norm, or group norm (8 groups at most) for the small batches of CPU training."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.GroupNorm(math.gcd(8, channels), channels)


class BasicBlock(nn.Module):
    """Two 3 x 3 convolutions with a residual connection (He et al. 2016)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, dilation: int, norm: str):
        super().__init__()
        self.conv1 = CircularConv2d(in_ch, out_ch, 3, stride=stride, dilation=dilation)
        self.bn1 = _norm(norm, out_ch)
        self.conv2 = CircularConv2d(out_ch, out_ch, 3, dilation=dilation)
        self.bn2 = _norm(norm, out_ch)
        self.shortcut = None
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(CircularConv2d(in_ch, out_ch, 1, stride=stride), _norm(norm, out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


def coordinate_planes(height: int, width: int, device=None) -> torch.Tensor:
    """``[3, H, W]``: depth ramp in [-1, 1], cos and sin of the azimuth of each column centre."""
    depth = torch.linspace(-1.0, 1.0, height, device=device)[:, None].expand(height, width)
    az = (torch.arange(width, device=device, dtype=torch.float32) + 0.5) * (2 * math.pi / width)
    return torch.stack([depth, az.cos()[None].expand(height, width), az.sin()[None].expand(height, width)])


class ResNetBackbone(nn.Module):
    """Circular ResNet, output stride 16.

    Args:
        depth: 10 or 18.
        width: channels of the first stage (64 in the standard ResNet); the stages use
            ``width, 2 width, 4 width, 8 width``.
        out_channels: channels of the output map (after a 1 x 1 projection).
        in_channels: image channels (1 for a single-channel log).
        coords: append the three coordinate planes to the input.
        norm: ``"batch"`` or ``"group"``.

    Input ``[B, in_channels, H, W]``; output ``[B, out_channels, ceil(H/16), ceil(W/16)]``.
    """

    stride = 16

    def __init__(
        self,
        depth: int = 10,
        width: int = 64,
        out_channels: int = 256,
        in_channels: int = 1,
        coords: bool = True,
        norm: str = "batch",
    ):
        super().__init__()
        if depth not in BLOCKS:
            raise ValueError(f"depth must be one of {sorted(BLOCKS)}, got {depth}")
        if norm not in ("batch", "group"):
            raise ValueError(f"norm must be 'batch' or 'group', got {norm!r}")
        self.coords = coords
        self.out_channels = out_channels
        self.stem = nn.Sequential(
            CircularConv2d(in_channels + 3 * coords, width, 7, stride=2), _norm(norm, width), nn.ReLU()
        )
        widths = (width, 2 * width, 4 * width, 8 * width)
        strides, dilations = (1, 2, 2, 1), (1, 1, 1, 2)
        stages, ch = [], width
        for n, w, s, d in zip(BLOCKS[depth], widths, strides, dilations):
            blocks = [BasicBlock(ch, w, s, d, norm)] + [BasicBlock(w, w, 1, d, norm) for _ in range(n - 1)]
            stages.append(nn.Sequential(*blocks))
            ch = w
        self.stages = nn.Sequential(*stages)
        self.project = nn.Conv2d(ch, out_channels, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, C, H, W]`` -> ``[B, out_channels, ceil(H/16), ceil(W/16)]``."""
        return self.levels(x)[-1]

    def levels(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every resolution of the network, for heads finer than stride 16.

        ``[B, C, H, W]`` -> ``[stem [B, w, H/2, W/2], stage 1 [B, w, H/4, W/4],
        stage 2 [B, 2w, H/8, W/8], stage 3 [B, 4w, H/16, W/16],
        output [B, out_channels, H/16, W/16]]`` (sizes rounded up).
        """
        if self.coords:
            planes = coordinate_planes(x.shape[2], x.shape[3], x.device).to(x.dtype)
            x = torch.cat([x, planes.expand(x.shape[0], -1, -1, -1)], dim=1)
        out = [self.stem(x)]  # [B, w, H/2, W/2]
        x = F.pad(out[0], (1, 1, 0, 0), mode="circular")
        x = F.max_pool2d(x, 3, stride=2, padding=(1, 0))  # [B, w, H/4, W/4]
        for stage in list(self.stages)[:-1]:
            x = stage(x)
            out.append(x)
        out.append(self.project(self.stages[-1](x)))  # [B, out_channels, H/16, W/16]
        return out
