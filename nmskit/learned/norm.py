"""Normalisation over sets of detections stored as packed rows ``[M, C]``.

``SetBatchNorm`` is batch norm over all rows of a batch. Under ``torch.distributed`` it
all-reduces its statistics, so that training on P processes with B/P frames each sees the
same statistics as one process with B frames (this keeps DDP training equal to
single-process training). ``instance_norm`` normalises each frame's rows on their own.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


def _synced(t: torch.Tensor) -> torch.Tensor:
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        from torch.distributed.nn.functional import all_reduce

        return all_reduce(t)
    return t


class SetBatchNorm(nn.Module):
    """Batch norm over rows ``[M, C]`` (statistics synchronised across processes)."""

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, channels: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            stats = _synced(torch.cat([x.sum(0), (x * x).sum(0), x.new_tensor([x.shape[0]])]))
            c = x.shape[1]
            count = stats[-1].clamp_min(1.0)
            mean = stats[:c] / count
            var = (stats[c : 2 * c] / count - mean * mean).clamp_min(0.0)
            with torch.no_grad():
                unbiased = var * count / (count - 1).clamp_min(1.0)
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(unbiased.detach(), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias


def instance_norm(x: torch.Tensor, batch: torch.Tensor, num_frames: int, eps: float = 1e-5) -> torch.Tensor:
    """Normalise each channel over the rows of each frame.

    Args:
        x: ``[M, C]`` rows; batch: ``[M]`` frame index of each row.

    Returns:
        ``[M, C]``: zero mean and unit variance per frame and channel.
    """
    count = (
        torch.zeros(num_frames, 1, dtype=x.dtype, device=x.device)
        .index_add_(0, batch, torch.ones_like(x[:, :1]))
        .clamp_min(1.0)
    )
    mean = torch.zeros(num_frames, x.shape[1], dtype=x.dtype, device=x.device).index_add_(0, batch, x) / count
    centred = x - mean[batch]
    var = torch.zeros_like(mean).index_add_(0, batch, centred * centred) / count
    return centred * torch.rsqrt(var[batch] + eps)
