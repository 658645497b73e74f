"""Per-detection embedding shared by the three rescorers and the set predictor.

Features of a detection (``raw`` row, columns in ``frames.FIELDS`` order), with S the
position scale (54 m, about the nuScenes evaluation range):
    x/S, y/S, z/3, range/S                       4
    sin, cos(2^k pi x/S), same for y, k < F       4F   (Fourier features)
    cos yaw, sin yaw                              2
    one-hot class                                 10
    log w, log l, log h                           3
    logit(score)                                  1
    vx/10, vy/10                                  2
A shared 2-layer MLP (Linear, batch norm, ReLU, Linear) maps them to C channels.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .config import ModelConfig
from .frames import COL, NUM_CLASSES
from .norm import SetBatchNorm

SCORE_EPS = 1e-6


def score_logit(score: torch.Tensor) -> torch.Tensor:
    """``logit(score)`` with the score clamped to [1e-6, 1 - 1e-6]."""
    s = score.clamp(SCORE_EPS, 1.0 - SCORE_EPS)
    return torch.log(s) - torch.log1p(-s)


def detection_features(raw: torch.Tensor, num_frequencies: int, scale: float) -> torch.Tensor:
    """``[M, 11]`` raw rows -> ``[M, 22 + 4F]`` normalised features (see module doc)."""
    x, y = raw[:, COL["x"]] / scale, raw[:, COL["y"]] / scale
    yaw = raw[:, COL["yaw"]]
    parts = [torch.stack([x, y, raw[:, COL["z"]] / 3.0, torch.hypot(x, y)], 1)]
    if num_frequencies:
        freq = math.pi * 2.0 ** torch.arange(num_frequencies, dtype=raw.dtype, device=raw.device)
        ang = torch.cat([x[:, None] * freq, y[:, None] * freq], 1)
        parts += [torch.sin(ang), torch.cos(ang)]
    parts += [
        torch.stack([torch.cos(yaw), torch.sin(yaw)], 1),
        nn.functional.one_hot(raw[:, COL["label"]].long(), NUM_CLASSES).to(raw.dtype),
        torch.log(raw[:, COL["w"] : COL["h"] + 1]),
        score_logit(raw[:, COL["score"]])[:, None],
        raw[:, COL["vx"] : COL["vy"] + 1] / 10.0,
    ]
    return torch.cat(parts, 1)


class Embedding(nn.Module):
    """``[M, 11]`` raw rows -> ``[M, C]`` embeddings."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.num_frequencies, self.scale = config.num_frequencies, config.position_scale
        c = config.channels
        self.mlp = nn.Sequential(
            nn.Linear(22 + 4 * config.num_frequencies, c), SetBatchNorm(c), nn.ReLU(), nn.Linear(c, c)
        )

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return self.mlp(detection_features(raw, self.num_frequencies, self.scale))
