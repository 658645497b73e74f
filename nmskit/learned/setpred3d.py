"""NMS-free set prediction for 3-D detections: a DETR-style decoder reads a frame's dense
pre-NMS detections and outputs the final boxes directly. Nothing compares the outputs
with each other afterwards: each query's box is kept or dropped on its own score.

One frame, N detections, Q = min(config.queries, N) queries, C channels:
1. Every detection becomes a token (the rescorers' :class:`.embedding.Embedding`),
   memory ``[N, C]``.
2. Queries (mixed query selection, as in DINO): the Q best-scored detections are the
   anchors. Query q starts as its anchor's token plus the learned query embedding of
   slot q (``query_embed [queries, C]``, slots in score order); its reference point is
   the anchor's BEV centre.
3. ``config.layers`` pre-norm decoder layers (:class:`nmskit.setpred.transformer.DecoderLayer`):
   self-attention among the queries, cross-attention to all N tokens, feed-forward. With
   ``config.distance_bias`` every head adds ``-alpha_h d^2`` to its attention logits (d
   the BEV distance in metres between reference points, or a reference point and a
   detection; learnable ``alpha_h`` as in D2D-Rescore).
4. Heads shared by all layers (every layer's output feeds an auxiliary loss):
   class logits ``[Q, 11]`` (10 nuScenes classes + no-object) = the anchor's prior +
   an MLP; a box = the anchor's box + an MLP residual (centre x, y, z in m, log w, l, h,
   yaw in rad, vx, vy in m/s). Both MLPs end in a zero-initialised layer, and the prior's
   softmax gives the anchor's class its score s (times 0.99), the other classes s/900
   each and no-object 1 - s, so an untrained model returns its anchors with their scores.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn.model import Model
from ..setpred.transformer import DecoderLayer
from .config import ModelConfig
from .d2d import initial_alpha_raw
from .embedding import SCORE_EPS, Embedding
from .frames import COL, NUM_CLASSES, Packed

PRIOR_OTHER = 0.01  # share of the anchor's score that the prior spreads over the other classes


def class_prior(anchor: torch.Tensor) -> torch.Tensor:
    """``[Q, 11]`` raw anchor rows -> ``[Q, 11]`` log-probabilities (see module doc)."""
    s = anchor[:, COL["score"]].clamp(SCORE_EPS, 1 - SCORE_EPS)[:, None]
    onehot = nn.functional.one_hot(anchor[:, COL["label"]].long(), NUM_CLASSES).to(s.dtype)
    share = onehot * (1 - PRIOR_OTHER) + (1 - onehot) * PRIOR_OTHER / (NUM_CLASSES - 1)
    return torch.log(torch.cat([s * share, 1 - s], 1))


class DistanceBias(nn.Module):
    """Additive attention bias ``-alpha_h |a_i - b_j|^2``: ``a [Lq, 2], b [Lk, 2]`` (m) ->
    ``[heads, Lq, Lk]``."""

    def __init__(self, heads: int):
        super().__init__()
        self.alpha_raw = nn.Parameter(initial_alpha_raw(heads))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        d2 = (a[:, None, :] - b[None, :, :]).square().sum(-1)  # [Lq, Lk]
        return -nn.functional.softplus(self.alpha_raw)[:, None, None] * d2


def _mlp(channels: int, out: int) -> nn.Sequential:
    """Linear, ReLU, Linear with the last layer zero-initialised: ``[Q, C] -> [Q, out]``."""
    first, last = nn.Linear(channels, channels), nn.Linear(channels, out)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(first, nn.ReLU(), last)


class SetPredictor3D(Model):
    """Packed detections of B frames -> B pairs ``(outputs, anchor)``.

    ``outputs`` holds the last layer's ``logits [1, Q, 11]``, ``center [1, Q, 2]``,
    ``z [1, Q, 1]``, ``log_size [1, Q, 3]``, ``yaw [1, Q, 2]`` (cos, sin), ``velocity
    [1, Q, 2]`` and ``aux_outputs`` (the same for the earlier layers); ``anchor [Q]`` are
    the anchors' rows within the frame.
    """

    config_class = ModelConfig
    config: ModelConfig

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.embed = Embedding(config)
        self.query_embed = nn.Parameter(0.02 * torch.randn(config.queries, c))
        self.layers = nn.ModuleList(
            DecoderLayer(c, config.heads, config.ffn_ratio * c, 0.0, pre_norm=True) for _ in range(config.layers)
        )
        self.self_bias = DistanceBias(config.heads) if config.distance_bias else None
        self.cross_bias = DistanceBias(config.heads) if config.distance_bias else None
        self.norm = nn.LayerNorm(c)
        self.class_head = _mlp(c, NUM_CLASSES + 1)
        self.box_head = _mlp(c, 9)

    def forward(self, p: Packed) -> list:
        tokens = self.embed(p.raw)  # [M, C]
        return [self.decode(p.raw[lo:hi], tokens[lo:hi]) for lo, hi in zip(p.offsets[:-1], p.offsets[1:])]

    def decode(self, raw: torch.Tensor, tokens: torch.Tensor):
        """One frame: ``raw [N, 11]``, ``tokens [N, C]`` -> ``(outputs, anchor [Q])``."""
        q = min(self.config.queries, len(raw))
        anchor = torch.argsort(-raw[:, COL["score"]], stable=True)[:q]
        a = raw[anchor]  # [Q, 11]
        x = (tokens[anchor] + self.query_embed[:q])[None]  # [1, Q, C]
        memory = tokens[None]  # [1, N, C]
        pos, query_pos = torch.zeros_like(memory), torch.zeros_like(x)
        self_mask = cross_mask = None
        if self.self_bias is not None and self.cross_bias is not None:
            self_mask = self.self_bias(a[:, :2], a[:, :2])  # [H, Q, Q]
            cross_mask = self.cross_bias(a[:, :2], raw[:, :2])  # [H, Q, N]
        prior = class_prior(a)
        if q == 0:  # no queries: skip attention, which is undefined over no keys
            empty = self._heads(x[0], a, prior)
            return {**empty, "aux_outputs": [empty] * (len(self.layers) - 1)}, anchor
        layers = []
        for layer in self.layers:
            x, _, _ = layer(x, memory, pos, query_pos, self_mask=self_mask, cross_mask=cross_mask)
            layers.append(self._heads(self.norm(x[0]), a, prior))
        return {**layers[-1], "aux_outputs": layers[:-1]}, anchor

    def _heads(self, h: torch.Tensor, a: torch.Tensor, prior: torch.Tensor) -> dict:
        """``h [Q, C]``, anchors ``a [Q, 11]``, ``prior [Q, 11]`` -> one layer's outputs."""
        r = self.box_head(h)  # [Q, 9] residuals
        yaw = a[:, COL["yaw"]] + r[:, 6]
        out = {
            "logits": prior + self.class_head(h),
            "center": a[:, :2] + r[:, :2],
            "z": a[:, 2:3] + r[:, 2:3],
            "log_size": torch.log(a[:, COL["w"] : COL["h"] + 1]) + r[:, 3:6],
            "yaw": torch.stack([torch.cos(yaw), torch.sin(yaw)], 1),
            "velocity": a[:, COL["vx"] : COL["vy"] + 1] + r[:, 7:9],
        }
        return {k: v[None] for k, v in out.items()}
