"""Built-in cost and loss terms for ``HungarianMatcher`` and ``SetCriterion``.

A cost term is ``fn(pred, target) -> [N, T]``: ``pred`` maps keys to ``[N, ...]`` tensors (all
queries of the batch, flattened), ``target`` maps keys to ``[T, ...]`` (all targets of the batch,
concatenated). A loss term is ``fn(pred, target) -> scalar``: both map keys to ``[M, ...]``, the
matched pairs, and the term returns the sum over pairs (the criterion normalises it).
Any callable of these forms can be used beside the built-ins.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


def _rows(x: torch.Tensor) -> torch.Tensor:
    """``[N]`` or ``[N, ...]`` -> ``[N, k]``."""
    return x.reshape(x.shape[0], -1)


def l1_cost(key: str) -> Callable[..., torch.Tensor]:
    """Cost term: L1 distance between ``pred[key]`` and ``target[key]`` -> ``[N, T]``."""

    def cost(pred, target):
        return torch.cdist(_rows(pred[key]).float(), _rows(target[key]).float(), p=1)

    return cost


def l2_cost(key: str) -> Callable[..., torch.Tensor]:
    """Cost term: Euclidean distance between ``pred[key]`` and ``target[key]`` -> ``[N, T]``."""

    def cost(pred, target):
        return torch.cdist(_rows(pred[key]).float(), _rows(target[key]).float(), p=2)

    return cost


def angle_cost(key: str) -> Callable[..., torch.Tensor]:
    """Cost term: circular distance in ``[0, 1]`` (radians / pi) between directions.

    ``pred[key]`` and ``target[key]`` are ``[., 2]`` vectors ``(cos, sin)``, of any length (a
    zero vector is read as angle 0). Returns ``[N, T]``; 0 and 2 pi are the same angle.
    """

    def cost(pred, target):
        p = torch.atan2(pred[key][:, 1], pred[key][:, 0])  # [N]
        t = torch.atan2(target[key][:, 1], target[key][:, 0])  # [T]
        d = torch.remainder(p[:, None] - t[None, :], 2 * math.pi)  # [N, T] in [0, 2 pi)
        return torch.minimum(d, 2 * math.pi - d) / math.pi

    return cost


def l1_loss(key: str) -> Callable[..., torch.Tensor]:
    """Loss term: summed L1 difference over matched pairs."""

    def loss(pred, target):
        return (pred[key] - target[key].to(pred[key].dtype)).abs().sum()

    return loss


def l2_loss(key: str) -> Callable[..., torch.Tensor]:
    """Loss term: summed Euclidean distance between matched ``[M, k]`` vectors.

    For ``(cos, sin)`` direction vectors it is ``2 sin(|delta| / 2)`` on the unit circle: it
    cannot wrap and, unlike L1, does not depend on the direction itself.
    """

    def loss(pred, target):
        return torch.linalg.vector_norm(pred[key] - target[key].to(pred[key].dtype), dim=-1).sum()

    return loss
