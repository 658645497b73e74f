"""A DETR-form transformer: encoder over a feature grid, decoder over learned queries.

- Positional encodings are added to the queries and keys of every attention layer, never to
  the values.
- Post-norm (the original transformer and DETR's default) or pre-norm residual blocks.
- The decoder returns the output of every layer, for auxiliary losses.
- With ``capture_attention=True`` the per-head attention weights of every layer come back too
  (encoder self, decoder self and decoder cross), for rollout.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _FeedForward(nn.Module):
    """Linear -> ReLU -> dropout -> linear: ``[..., d] -> [..., d]``."""

    def __init__(self, d_model: int, dim_feedforward: int, dropout: float):
        super().__init__()
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.dropout(F.relu(self.linear1(x))))


class _Residual(nn.Module):
    """One residual sub-block with its LayerNorm placed before (pre-norm) or after (post-norm).

    ``fn(x_normed_or_raw) -> [B, L, d]``; returns ``[B, L, d]``.
    """

    def __init__(self, d_model: int, dropout: float, pre_norm: bool):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.pre_norm = pre_norm

    def forward(self, x: torch.Tensor, fn) -> torch.Tensor:
        if self.pre_norm:
            return x + self.dropout(fn(self.norm(x)))
        return self.norm(x + self.dropout(fn(x)))


def _attend(attn: nn.MultiheadAttention, q, k, v, capture: bool, mask=None):
    """Batch-first attention; returns ``(out [B, Lq, d], weights [B, h, Lq, Lk] or None)``.

    ``mask``: None, or an additive float ``[B*h, Lq, Lk]`` (or ``[Lq, Lk]``) attention bias.
    """
    out, weights = attn(q, k, v, attn_mask=mask, need_weights=capture, average_attn_weights=False)
    return out, weights


class EncoderLayer(nn.Module):
    """Self-attention over grid tokens, then a feed-forward block."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float, pre_norm: bool):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.ffn = _FeedForward(d_model, dim_feedforward, dropout)
        self.block_attn = _Residual(d_model, dropout, pre_norm)
        self.block_ffn = _Residual(d_model, dropout, pre_norm)

    def forward(self, src: torch.Tensor, pos: torch.Tensor, capture: bool = False):
        """``src, pos [B, S, d]`` -> ``(src [B, S, d], weights [B, h, S, S] or None)``."""
        weights = []

        def attend(x):
            out, w = _attend(self.self_attn, x + pos, x + pos, x, capture)
            weights.append(w)
            return out

        src = self.block_attn(src, attend)
        src = self.block_ffn(src, self.ffn)
        return src, weights[0]


class DecoderLayer(nn.Module):
    """Query self-attention, cross-attention to the encoder memory, then feed-forward."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float, pre_norm: bool):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.ffn = _FeedForward(d_model, dim_feedforward, dropout)
        self.block_self = _Residual(d_model, dropout, pre_norm)
        self.block_cross = _Residual(d_model, dropout, pre_norm)
        self.block_ffn = _Residual(d_model, dropout, pre_norm)

    def forward(self, tgt, memory, pos, query_pos, capture: bool = False, self_mask=None, cross_mask=None):
        """``tgt, query_pos [B, Q, d]``; ``memory, pos [B, S, d]``; optional additive attention
        biases ``self_mask [B*h, Q, Q]`` and ``cross_mask [B*h, Q, S]``.

        Returns ``(tgt [B, Q, d], self_weights [B, h, Q, Q], cross_weights [B, h, Q, S])``, the
        weights being None unless ``capture``.
        """
        weights = []

        def self_attend(x):
            out, w = _attend(self.self_attn, x + query_pos, x + query_pos, x, capture, self_mask)
            weights.append(w)
            return out

        def cross_attend(x):
            out, w = _attend(self.cross_attn, x + query_pos, memory + pos, memory, capture, cross_mask)
            weights.append(w)
            return out

        tgt = self.block_self(tgt, self_attend)
        tgt = self.block_cross(tgt, cross_attend)
        tgt = self.block_ffn(tgt, self.ffn)
        return tgt, weights[0], weights[1]


class Transformer(nn.Module):
    """Encoder-decoder over a ``[B, d, H, W]`` feature grid and ``Q`` learned query embeddings.

    Args:
        d_model: token width ``d``. nhead: attention heads (divides ``d``).
        num_encoder_layers, num_decoder_layers: layer counts (decoder >= 1).
        dim_feedforward: hidden width of the feed-forward blocks. dropout: everywhere.
        pre_norm: LayerNorm before each sub-block instead of after (post-norm, the default).
    """

    def __init__(
        self,
        d_model: int = 256,
        nhead: int = 8,
        num_encoder_layers: int = 4,
        num_decoder_layers: int = 4,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        pre_norm: bool = False,
    ):
        super().__init__()
        if d_model % nhead:
            raise ValueError(f"d_model ({d_model}) must be divisible by nhead ({nhead})")
        if num_decoder_layers < 1 or num_encoder_layers < 0:
            raise ValueError(
                "num_decoder_layers must be >= 1 and num_encoder_layers >= 0, got "
                f"{num_decoder_layers} and {num_encoder_layers}"
            )
        args = (d_model, nhead, dim_feedforward, dropout, pre_norm)
        self.encoder = nn.ModuleList(EncoderLayer(*args) for _ in range(num_encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(*args) for _ in range(num_decoder_layers))
        # Pre-norm leaves the residual stream un-normalised, so the encoder ends with a norm;
        # the decoder output always goes through one before the prediction heads.
        self.encoder_norm = nn.LayerNorm(d_model) if pre_norm and num_encoder_layers else None
        self.decoder_norm = nn.LayerNorm(d_model)
        self.d_model = d_model
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(
        self,
        src: torch.Tensor,
        pos: torch.Tensor,
        query_embed: torch.Tensor,
        capture_attention: bool = False,
        content: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, list[torch.Tensor]] | None]:
        """Encode the grid, decode the queries.

        Args:
            src: ``[B, d, H, W]`` features. pos: ``[B or 1, d, H, W]`` positional encoding.
            query_embed: ``[Q, d]`` learned queries, or ``[B, Q, d]`` per item (e.g. selected
                from a first stage); the queries' positional part. The decoder's content
                input starts at zero, as in DETR, unless ``content`` is given.
            capture_attention: also return per-head attention weights.
            content: optional ``[B, Q, d]`` initial content of the queries (default zeros).

        Returns:
            ``(hs, memory, attention)``: ``hs [L_dec, B, Q, d]`` the normed output of every
            decoder layer; ``memory [B, H*W, d]`` (row-major over the grid); ``attention`` None,
            or a dict with lists over layers of ``encoder [B, h, S, S]``, ``decoder_self
            [B, h, Q, Q]`` and ``decoder_cross [B, h, Q, S]``, where ``S = H*W``.
        """
        b = src.shape[0]
        memory = src.flatten(2).transpose(1, 2)  # [B, S, d]
        pos = pos.flatten(2).transpose(1, 2).expand(b, -1, -1)  # [B, S, d]
        query_pos = (query_embed if query_embed.dim() == 3 else query_embed.unsqueeze(0)).expand(b, -1, -1)  # [B, Q, d]
        attention: dict[str, list[torch.Tensor]] = {"encoder": [], "decoder_self": [], "decoder_cross": []}
        for layer in self.encoder:
            memory, w = layer(memory, pos, capture_attention)
            attention["encoder"].append(w)
        if self.encoder_norm is not None:
            memory = self.encoder_norm(memory)
        tgt = torch.zeros_like(query_pos) if content is None else content  # [B, Q, d]
        outputs = []
        for layer in self.decoder:
            tgt, w_self, w_cross = layer(tgt, memory, pos, query_pos, capture_attention)
            attention["decoder_self"].append(w_self)
            attention["decoder_cross"].append(w_cross)
            outputs.append(self.decoder_norm(tgt))
        hs = torch.stack(outputs)  # [L_dec, B, Q, d]
        return hs, memory, attention if capture_attention else None
