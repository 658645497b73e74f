"""D2D-Rescore: a transformer encoder over all detections of a frame.

Each of the L layers is pre-norm multi-head self-attention with a learnable softmax
temperature, then a residual feed-forward block. Frames of different sizes are padded to
the largest and padded keys are masked out (a single frame needs no padding).

Distance bias (``config.distance_bias``, on by default; an addition to the paper): each
head h adds ``-alpha_h * d_ij^2`` to its attention logits, d_ij the BEV centre distance in
metres and ``alpha_h = softplus(.)`` learnable, starting at ``1 / (2 r_h^2)`` with
``r_h = 0.5, 1, 2, 4, ...`` m. The embedding carries positions only through Fourier
features, from which plain dot-product attention learns "which detections are within a
metre of me" slowly; the bias gives that locality directly. It is computed inside the
fused attention kernel by appending four columns to queries and keys
(``q.k - alpha (|p_i|^2 - 2 p_i.p_j + |p_j|^2)``), so no N x N tensor is built in Python.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.functional import scaled_dot_product_attention

from ..nn.model import Model
from .config import ModelConfig
from .embedding import Embedding
from .frames import Packed
from .head import ScoreHead


def initial_alpha_raw(heads: int) -> torch.Tensor:
    """``[heads]`` ``softplus^-1`` of the starting distance-bias weights ``1 / (2 r_h^2)``,
    ``r_h = 0.5 * 2^h`` m."""
    alpha = 1.0 / (2.0 * (0.5 * 2.0 ** torch.arange(heads, dtype=torch.float32)) ** 2)
    return torch.log(torch.expm1(alpha))


class TemperatureAttention(nn.Module):
    """Multi-head self-attention, ``softmax(q k^T / (sqrt(d) * tau))`` with learnable
    ``tau = exp(log_tau)`` (one per head, starting at 1)."""

    def __init__(self, channels: int, heads: int, distance_bias: bool):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.log_tau = nn.Parameter(torch.zeros(heads))
        self.alpha_raw = nn.Parameter(initial_alpha_raw(heads)) if distance_bias else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, pos: torch.Tensor) -> torch.Tensor:
        """x: ``[B, N, C]``; mask: ``[B, 1, 1, N]`` True for real keys, or None; pos: ``[B, N, 2]`` metres."""
        b, n, c = x.shape
        d = c // self.heads
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)  # [B, H, N, d] each
        q = q * (torch.exp(-self.log_tau).view(1, -1, 1, 1) / math.sqrt(d))
        if self.alpha_raw is not None:
            alpha = nn.functional.softplus(self.alpha_raw).view(1, -1, 1, 1)
            p = pos[:, None].expand(b, self.heads, n, 2)
            sq = (p * p).sum(-1, keepdim=True)
            one = torch.ones_like(sq)
            q = torch.cat([q, 2 * alpha * p, -alpha * sq, -alpha * one], -1)  # [B, H, N, d + 4]
            k = torch.cat([k, p, one, sq], -1)
            v = torch.cat([v, torch.zeros_like(p), one * 0, one * 0], -1)
        out = scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1.0)[..., :d]  # [B, H, N, d]
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class EncoderLayer(nn.Module):
    def __init__(self, channels: int, heads: int, ffn_ratio: int, distance_bias: bool):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(channels), nn.LayerNorm(channels)
        self.attn = TemperatureAttention(channels, heads, distance_bias)
        self.ffn = nn.Sequential(
            nn.Linear(channels, ffn_ratio * channels), nn.ReLU(), nn.Linear(ffn_ratio * channels, channels)
        )

    def forward(self, x, mask, pos):
        x = x + self.attn(self.norm1(x), mask, pos)
        return x + self.ffn(self.norm2(x))


class D2DRescore(Model):
    """Packed detections of B frames -> ``[M]`` logit residuals."""

    config_class = ModelConfig
    config: ModelConfig
    supports_ddp = True

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed = Embedding(config)
        self.layers = nn.ModuleList(
            EncoderLayer(config.channels, config.heads, config.ffn_ratio, config.distance_bias)
            for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(config.channels)
        self.head = ScoreHead(config.channels)

    def forward(self, p: Packed) -> torch.Tensor:
        h = self.embed(p.raw)  # [M, C]
        counts = p.counts
        b, n = p.num_frames, int(counts.max()) if len(counts) else 0
        xy = p.raw[:, :2]  # [M, 2] BEV centres, metres
        if b == 1:
            x, mask, pos = h[None], None, xy[None]
        else:
            slot = torch.arange(len(h)) - torch.from_numpy(p.offsets[:-1])[p.batch]
            x = h.new_zeros(b, n, h.shape[1]).index_put((p.batch, slot), h)  # [B, N, C]
            pos = xy.new_zeros(b, n, 2).index_put((p.batch, slot), xy)  # [B, N, 2]
            mask = (torch.arange(n)[None] < torch.from_numpy(counts)[:, None])[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask, pos)
        x = self.norm(x)
        h = x[0] if b == 1 else x[p.batch, slot]
        return self.head(h, p.batch, b)
