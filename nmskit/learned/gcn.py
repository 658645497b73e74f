"""GCN baseline: a graph-convolution duplicate remover on the GossipNet3D neighbourhood
graph (BEV radius, nearest ``max_neighbors``).

Each layer is a residual Kipf-Welling graph convolution with self-loops and symmetric
degree normalisation, ``h <- h + ReLU(W sum_j a_ij h_j)``, ``a_ij = 1 / sqrt(d_i d_j)``.
Unlike GossipNet3D it sees no pair geometry: only neighbours' embeddings.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.model import Model
from .config import ModelConfig
from .embedding import Embedding
from .frames import COL, Packed
from .graph import radius_graph
from .head import ScoreHead


class GraphConv(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)
        self.lin = nn.Linear(channels, channels)

    def forward(self, h, dst, src, weight, self_weight):
        z = self.norm(h)
        agg = (z * self_weight[:, None]).index_add(0, dst, z[src] * weight[:, None])  # [M, C]
        return h + torch.relu(self.lin(agg))


class GCNRescore(Model):
    """Packed detections of B frames -> ``[M]`` logit residuals."""

    config_class = ModelConfig
    config: ModelConfig
    supports_ddp = True

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed = Embedding(config)
        self.layers = nn.ModuleList(GraphConv(config.channels) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.channels)
        self.head = ScoreHead(config.channels)

    def forward(self, p: Packed) -> torch.Tensor:
        cfg = self.config
        dst, src = radius_graph(p.raw[:, COL["x"]], p.raw[:, COL["y"]], p.offsets, cfg.radius, cfg.max_neighbors)
        deg = torch.bincount(dst, minlength=len(p.raw)).to(p.raw.dtype) + 1.0  # with the self-loop
        inv = torch.rsqrt(deg)
        weight, self_weight = inv[dst] * inv[src], inv * inv
        h = self.embed(p.raw)
        for layer in self.layers:
            h = layer(h, dst, src, weight, self_weight)
        return self.head(self.norm(h), p.batch, p.num_frames)
