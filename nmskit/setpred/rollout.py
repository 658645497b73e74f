"""Attention rollout (Abnar and Zuidema, 2020) for an encoder and a DETR-style decoder.

Each layer's attention is made into a token-mixing matrix: average the heads, add the
identity (the residual path), renormalise the rows. Multiplying those matrices across layers
estimates how much each input token feeds each output token. For a decoder query the grid map
is ``R_qi = R_qq^T A_qi R_ii``: the decoder's self-attention rollout ``R_qq``, the head-averaged
cross-attention ``A_qi`` of the last decoder layer and the encoder's rollout ``R_ii``.

The maps live on the attention grid (for example 50 x 23 cells for an 800 x 360 patch at
stride 16). Nothing here interpolates them back to pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def mixing_matrix(attention: torch.Tensor) -> torch.Tensor:
    """Head-averaged attention plus identity, rows renormalised to sum to 1.

    Args:
        attention: ``[B, h, N, N]`` per-head weights, or ``[B, N, N]`` already averaged.

    Returns:
        ``[B, N, N]`` row-stochastic.
    """
    a = attention.mean(dim=1) if attention.dim() == 4 else attention
    if a.shape[-1] != a.shape[-2]:
        raise ValueError(f"attention must be square over tokens, got shape {tuple(attention.shape)}")
    a = a + torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
    return a / a.sum(dim=-1, keepdim=True)


def rollout(attentions: Sequence[torch.Tensor]) -> torch.Tensor:
    """Roll out a stack of self-attention layers, first layer first.

    Args:
        attentions: a non-empty sequence of ``[B, h, N, N]`` (or ``[B, N, N]``) weights.

    Returns:
        ``[B, N, N]``: ``M_L @ ... @ M_1`` with ``M_l = mixing_matrix(attentions[l])``; row
        ``i`` says how much each input token contributes to output token ``i``.
    """
    if len(attentions) == 0:
        raise ValueError("attentions must hold at least one layer")
    result = mixing_matrix(attentions[0])
    for a in attentions[1:]:
        result = mixing_matrix(a) @ result
    return result


def decoder_rollout(
    encoder: Sequence[torch.Tensor], decoder_self: Sequence[torch.Tensor], decoder_cross: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Per-query relevance of every grid token: ``R_qi = R_qq^T A_qi R_ii``.

    Args:
        encoder: per-layer ``[B, h, S, S]``; may be empty (then ``R_ii`` is the identity).
        decoder_self: per-layer ``[B, h, Q, Q]``, non-empty.
        decoder_cross: per-layer ``[B, h, Q, S]`` (or head-averaged ``[B, Q, S]``); only the
            last layer is used.

    Returns:
        ``[B, Q, S]``, non-negative. ``A_qi`` and ``R_ii`` are row-stochastic, so row ``q`` sums
        to column ``q``'s sum of ``R_qq``; divide each row by its sum to compare queries.
    """
    last = decoder_cross[-1]
    a_qi = last.mean(dim=1) if last.dim() == 4 else last  # [B, Q, S]
    r_qq = rollout(decoder_self)  # [B, Q, Q]
    r_qi = r_qq.transpose(1, 2) @ a_qi  # [B, Q, S]
    if len(encoder):
        r_qi = r_qi @ rollout(encoder)  # [B, Q, S]
    return r_qi


def to_grid(maps: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``[B, Q, H*W]`` row-major token maps -> ``[B, Q, H, W]``."""
    if maps.shape[-1] != height * width:
        raise ValueError(f"maps has {maps.shape[-1]} tokens, expected {height} x {width}")
    return maps.reshape(*maps.shape[:-1], height, width)
