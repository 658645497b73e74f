"""GossipNet3D: local message passing over BEV radius neighbourhoods.

For a receiver i and neighbour j (centres within ``radius``, nearest ``max_neighbors``
kept) the pair feature is ``[e_i, e_j, g_ij]`` with the 12 geometric terms of
:func:`pair_geometry`. An MLP turns each pair into a message, messages are max-pooled over
j and the result is added back to e_i (a residual GossipBlock). The first linear layer of
the message MLP is applied to e_i and e_j before gathering them onto the edges, which is
the same map at a fraction of the memory: activations are ``[E, C]``, linear in the
neighbourhood size.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.model import Model
from .config import ModelConfig
from .embedding import Embedding, score_logit
from .frames import COL, Packed
from .graph import radius_graph
from .head import ScoreHead

NUM_PAIR = 12


def pair_geometry(raw: torch.Tensor, dst: torch.Tensor, src: torch.Tensor, radius: float) -> torch.Tensor:
    """``[E, 12]`` pair terms for edges ``src -> dst``:
    centre offset / radius in the world frame (2) and in the receiver's box frame (2),
    log size ratios w, l, h (3), cos and sin of the yaw difference (2), distance / radius (1),
    score-logit difference (1) and a same-class flag (1)."""
    ri, rj = raw[dst], raw[src]
    dx = (rj[:, COL["x"]] - ri[:, COL["x"]]) / radius
    dy = (rj[:, COL["y"]] - ri[:, COL["y"]]) / radius
    c, s = torch.cos(ri[:, COL["yaw"]]), torch.sin(ri[:, COL["yaw"]])
    dyaw = rj[:, COL["yaw"]] - ri[:, COL["yaw"]]
    size = torch.log(rj[:, COL["w"] : COL["h"] + 1] / ri[:, COL["w"] : COL["h"] + 1])
    return torch.cat(
        [
            torch.stack([dx, dy, c * dx + s * dy, -s * dx + c * dy], 1),
            size,
            torch.stack(
                [
                    torch.cos(dyaw),
                    torch.sin(dyaw),
                    torch.hypot(dx, dy),
                    score_logit(rj[:, COL["score"]]) - score_logit(ri[:, COL["score"]]),
                    (rj[:, COL["label"]] == ri[:, COL["label"]]).to(raw.dtype),
                ],
                1,
            ),
        ],
        1,
    )


class GossipBlock(nn.Module):
    """``e_i <- e_i + max_j MLP([e_i, e_j, g_ij])``."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)
        self.receiver = nn.Linear(channels, channels)
        self.sender = nn.Linear(channels, channels, bias=False)
        self.geometry = nn.Linear(NUM_PAIR, channels, bias=False)
        self.out = nn.Linear(channels, channels)

    def forward(self, h, dst, src, geo):
        z = self.norm(h)
        msg = self.out(torch.relu(self.receiver(z)[dst] + self.sender(z)[src] + self.geometry(geo)))  # [E, C]
        pooled = torch.zeros_like(h).scatter_reduce(0, dst[:, None].expand_as(msg), msg, "amax", include_self=False)
        return h + pooled  # rows without neighbours receive 0


class GossipNet3D(Model):
    """Packed detections of B frames -> ``[M]`` logit residuals."""

    config_class = ModelConfig
    config: ModelConfig
    supports_ddp = True

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed = Embedding(config)
        self.blocks = nn.ModuleList(GossipBlock(config.channels) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.channels)
        self.head = ScoreHead(config.channels)

    def forward(self, p: Packed) -> torch.Tensor:
        cfg = self.config
        dst, src = radius_graph(p.raw[:, COL["x"]], p.raw[:, COL["y"]], p.offsets, cfg.radius, cfg.max_neighbors)
        geo = pair_geometry(p.raw, dst, src, cfg.radius)
        h = self.embed(p.raw)
        for block in self.blocks:
            h = block(h, dst, src, geo)
        return self.head(self.norm(h), p.batch, p.num_frames)
