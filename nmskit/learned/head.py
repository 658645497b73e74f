"""The score head shared by all three models: a 2-layer MLP with instance norm that
predicts a residual in logit space, ``refined_logit = logit(score) + delta``.

Its last layer starts at zero, so an untrained model returns the input scores exactly.
"""

from __future__ import annotations

import torch
from torch import nn

from .norm import instance_norm


class ScoreHead(nn.Module):
    """``[M, C]`` rows of B frames -> ``[M]`` logit residuals ``delta``."""

    def __init__(self, channels: int):
        super().__init__()
        self.hidden = nn.Linear(channels, channels)
        self.norm_weight = nn.Parameter(torch.ones(channels))
        self.norm_bias = nn.Parameter(torch.zeros(channels))
        self.out = nn.Linear(channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, h: torch.Tensor, batch: torch.Tensor, num_frames: int) -> torch.Tensor:
        z = instance_norm(self.hidden(h), batch, num_frames) * self.norm_weight + self.norm_bias
        return self.out(torch.relu(z)).squeeze(1)
