"""Targets and loss of the dense detector: 1-D gaussian heatmaps along depth, focal loss,
and regression at each pick's own row cell (circular in azimuth).

A pick at ``depth`` (fraction of the patch) falls in cell ``floor(depth * N)`` of the ``N``
row cells, at ``offset = depth * N - cell`` in [0, 1). Its class's heatmap is 1 at that cell
and ``exp(-(i - cell)^2 / (2 sigma^2))`` around it (the maximum where picks overlap). The
heatmap loss is the penalty-reduced focal loss of CenterNet (Zhou et al. 2019; alpha 2,
beta 4). Offset, dip / 90 and azimuth ``(cos, sin)`` are regressed only at the pick cells:
L1, L1 and the Euclidean distance of direction vectors (``2 sin(|delta| / 2)``, which cannot
wrap). Every term is summed and divided by the number of picks in the batch (at least 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ...setpred import l1_loss, l2_loss


@dataclass(frozen=True)
class DenseLossWeights:
    """Loss weights and the heatmap width (``sigma``, in row cells)."""

    heatmap: float = 1.0
    offset: float = 1.0
    dip: float = 2.0
    azimuth: float = 1.0
    sigma: float = 1.0


def pick_cells(encoded: list[dict], cells: int) -> dict:
    """Encoded targets (see ``targets.encode_targets``) -> the picks of the whole batch.

    Returns:
        ``batch``, ``label``, ``cell`` ``[T]`` int64; ``offset``, ``dip`` ``[T]``;
        ``azimuth [T, 2]``.
    """
    batch = torch.cat([torch.full_like(t["labels"], b) for b, t in enumerate(encoded)])
    position = torch.cat([t["depth"] for t in encoded]) * cells
    cell = position.floor().long().clamp(0, cells - 1)
    return {
        "batch": batch,
        "label": torch.cat([t["labels"] for t in encoded]),
        "cell": cell,
        "offset": position - cell,
        "dip": torch.cat([t["dip"] for t in encoded]),
        "azimuth": torch.cat([t["azimuth"] for t in encoded]),
    }


def gaussian_heatmap(picks: dict, shape: tuple[int, int, int], sigma: float) -> torch.Tensor:
    """``[B, C, N]`` target heatmap: per class, the maximum of the picks' gaussians."""
    b, c, n = shape
    grid = torch.arange(n, device=picks["cell"].device, dtype=torch.float32)
    bumps = torch.exp(-((grid[None] - picks["cell"][:, None]) ** 2) / (2 * sigma**2))  # [T, N]
    heat = torch.zeros(b * c, n, device=grid.device)
    index = (picks["batch"] * c + picks["label"])[:, None].expand(-1, n)
    return heat.scatter_reduce(0, index, bumps, reduce="amax").view(b, c, n)


def focal_heatmap_loss(logits: torch.Tensor, heat: torch.Tensor) -> torch.Tensor:
    """Summed penalty-reduced focal loss of ``logits [B, C, N]`` against ``heat [B, C, N]``:
    cells where ``heat == 1`` are positives, the others are negatives down-weighted by
    ``(1 - heat) ** 4``."""
    p = logits.sigmoid()
    positive = heat == 1
    pos = -((1 - p) ** 2) * F.logsigmoid(logits)
    neg = -((1 - heat) ** 4) * p**2 * F.logsigmoid(-logits)
    return torch.where(positive, pos, neg).sum()


def dense_loss(out: dict, encoded: list[dict], weights: DenseLossWeights = DenseLossWeights()) -> dict:
    """The dense detector's loss.

    Args:
        out: ``logits [B, C, N]``, ``offset [B, N]`` in [0, 1], ``dip [B, N]`` (dip / 90),
            ``azimuth [B, N, 2]`` (cos, sin).
        encoded: ``B`` target dicts from ``targets.encode_targets``.

    Returns:
        ``{"loss": weighted total, "heatmap", "offset", "dip", "azimuth"}`` (scalar tensors).
    """
    picks = pick_cells(encoded, out["logits"].shape[-1])
    heat = gaussian_heatmap(picks, tuple(out["logits"].shape), weights.sigma)
    at = (picks["batch"], picks["cell"])
    pred = {"offset": out["offset"][at], "dip": out["dip"][at], "azimuth": out["azimuth"][at]}
    norm = max(len(picks["cell"]), 1)
    terms = {
        "heatmap": focal_heatmap_loss(out["logits"], heat) / norm,
        "offset": l1_loss("offset")(pred, picks) / norm,
        "dip": l1_loss("dip")(pred, picks) / norm,
        "azimuth": l2_loss("azimuth")(pred, picks) / norm,
    }
    terms["loss"] = sum(getattr(weights, k) * v for k, v in terms.items())
    return terms
