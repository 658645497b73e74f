"""Sinusoid-aligned refinement: each query re-reads the full-resolution patch along its own
predicted sinusoid and corrects its depth, dip and azimuth.

The decoder works on a coarse grid (64 patch rows per cell at ``downsample=4``), while picks
lie about 20 rows apart and a 3 degree dip error is about one row of amplitude. The refiner is
the one-dimensional counterpart of RoIAlign for boxes. For every query it samples a *strip*:
the patch read at rows ``z(x) + o`` for ``S`` columns ``x`` evenly round the hole and ``2R + 1``
row offsets ``o = -R .. R``, where ``z(x) = z0 + p cos x + q sin x`` is the query's sinusoid
(``p, q = A cos(phi), A sin(phi)``, amplitude ``A = radius tan(dip)``). If the sinusoid is right, the
feature is a straight line through the strip's middle row. If not, it is the residual
sinusoid ``dz + dp cos x + dq sin x``, which is linear in its three unknowns.

A small convolutional net (circular along the columns) looks at the strip and gives, per
column, a distribution over the offsets (the feature's row in that column, read as its
expectation) and a confidence. A confidence-weighted least-squares fit of
``dz + dp cos x + dq sin x`` to those rows is solved in closed form (a 3 x 3 system with a
small ridge, so columns without evidence leave the geometry unchanged). The corrected
``(z0 + dz, p + dp, q + dq)`` give the new depth, dip and azimuth. The net also gives one
objectness term per query from the pooled strip, added to the decoder's object-class logits.

The refinement is per query: no query reads another's strip or output, so it prunes nothing
and the detector stays NMS-free. The sampling positions are detached (as between
Deformable-DETR's refinement stages): the decoder's geometry is trained by its own loss.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..._checks import check_count, check_positive_int
from .backbone import CircularConv2d


def check_strip_shape(width: int, half_window: int, columns: int) -> None:
    """Raise a ``ValueError`` naming the argument unless ``half_window >= 0`` and ``columns``
    is a positive divisor of ``width``."""
    check_count(half_window, "half_window", allow_none=False)
    check_positive_int(columns, "columns")
    if width % columns:
        raise ValueError(f"columns ({columns}) must divide the patch width ({width})")


def strip_azimuths(width: int, columns: int, dtype=torch.float32, device=None) -> torch.Tensor:
    """Azimuths (radians) ``[S]`` of the strip's columns: patch columns ``0, W/S, 2W/S, ...``,
    each at its centre ``(j + 0.5) * 2 pi / W``."""
    cols = torch.arange(columns, device=device, dtype=dtype) * (width // columns)
    return (cols + 0.5) * (2 * math.pi / width)


def sinusoid_strips(
    patches: torch.Tensor, z0: torch.Tensor, p: torch.Tensor, q: torch.Tensor, half_window: int, columns: int
) -> torch.Tensor:
    """The patch read along each query's sinusoid.

    Args:
        patches: ``[B, 1, H, W]``; column ``j`` is at azimuth ``(j + 0.5) * 360 / W``.
        z0, p, q: ``[B, Q]`` sinusoid centre row and amplitude vector, in rows (row ``i`` is
            pixel row ``i``).
        half_window: ``R``, offsets ``-R .. R`` rows.
        columns: ``S``, which must divide ``W``; columns ``0, W/S, 2W/S, ...`` are read.

    Returns:
        ``[B * Q, 2, 2R + 1, S]``: the values minus 0.5 (zero outside the patch) and a plane
        that is 1 inside the patch and 0 outside. Bilinear in depth, exact columns.
    """
    check_strip_shape(patches.shape[-1], half_window, columns)
    if patches.dim() != 4 or patches.shape[1] != 1:
        raise ValueError(f"patches must have shape [B, 1, H, W], got {tuple(patches.shape)}")
    b, _, h, w = patches.shape
    for name, t in (("z0", z0), ("p", p), ("q", q)):
        if t.dim() != 2 or t.shape[0] != b or t.shape != z0.shape:
            raise ValueError(f"{name} must have shape [B, Q] with B = {b} and the shape of z0, got {tuple(t.shape)}")
    nq = z0.shape[1]
    cols = torch.arange(columns, device=patches.device) * (w // columns)  # [S]
    x = strip_azimuths(w, columns, patches.dtype, patches.device)
    offsets = torch.arange(-half_window, half_window + 1, device=patches.device, dtype=patches.dtype)
    centre = z0[..., None] + p[..., None] * torch.cos(x) + q[..., None] * torch.sin(x)  # [B, Q, S]
    rows = centre[:, :, None, :] + offsets[:, None]  # [B, Q, K, S]
    gy = 2 * rows / max(h - 1, 1) - 1
    gx = (2 * cols.to(patches.dtype) / max(w - 1, 1) - 1).expand_as(gy)
    grid = torch.stack([gx, gy], -1).reshape(b, nq * (2 * half_window + 1), columns, 2)
    values = F.grid_sample(patches - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    inside = ((rows >= 0) & (rows <= h - 1)).to(patches.dtype)  # [B, Q, K, S]
    values = values.reshape(b, nq, 2 * half_window + 1, columns) * inside
    return torch.stack([values, inside], 2).reshape(b * nq, 2, 2 * half_window + 1, columns)


def fit_residual(rows: torch.Tensor, weights: torch.Tensor, basis: torch.Tensor, ridge: float) -> torch.Tensor:
    """Weighted ridge least squares of ``rows ~ basis @ theta``, batched and differentiable.

    Args:
        rows: ``[N, S]`` observed row offsets. weights: ``[N, S]`` non-negative.
        basis: ``[S, 3]`` columns ``(1, cos x, sin x)``. ridge: pull of ``theta`` towards 0.

    Returns:
        ``theta [N, 3]`` minimising ``sum_s w (rows - basis theta)^2 + ridge |theta|^2``.
    """
    weighted = basis * weights[..., None]  # [N, S, 3]
    normal = weighted.transpose(1, 2) @ basis + ridge * torch.eye(3, dtype=rows.dtype, device=rows.device)
    return torch.linalg.solve(normal, (weighted * rows[..., None]).sum(1))


class SinusoidRefiner(nn.Module):
    """Corrections ``(dz, dp, dq)`` and an objectness logit per query from its strip.

    Args:
        width: the patch width ``W`` (columns round the hole).
        half_window: ``R`` rows either side of the predicted sinusoid.
        columns: ``S`` columns read round the hole.
        channels: width of the strip net.
        ridge: weight of the prior "no change" in the least-squares fit, in columns of full
            confidence.
    """

    offsets: torch.Tensor
    basis: torch.Tensor

    def __init__(self, width: int, half_window: int = 16, columns: int = 18, channels: int = 8, ridge: float = 1.0):
        super().__init__()
        check_strip_shape(width, half_window, columns)
        self.half_window, self.columns, self.ridge = half_window, columns, ridge
        c = channels
        # No normalisation layers: they cost more than the convolutions at this size.
        self.features = nn.Sequential(
            CircularConv2d(2, c, 3),
            nn.ReLU(),
            CircularConv2d(c, c, 3, dilation=2),
            nn.ReLU(),
            CircularConv2d(c, c, 3),
            nn.ReLU(),
        )
        self.row_logit = nn.Conv2d(c, 1, 1)  # where the feature is, per column
        self.confidence = nn.Conv2d(c, 1, 1)  # how sure, per column
        self.objectness = nn.Linear(c, 1)
        for m in self.features:
            if isinstance(m, nn.Conv2d):  # keep the activations' scale through the ReLUs
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(self.objectness.weight)
        nn.init.zeros_(self.objectness.bias)
        offsets = torch.arange(-half_window, half_window + 1, dtype=torch.float32)
        self.register_buffer("offsets", offsets, persistent=False)
        x = strip_azimuths(width, columns)
        basis = torch.stack([torch.ones_like(x), torch.cos(x), torch.sin(x)], 1)  # [S, 3]
        self.register_buffer("basis", basis, persistent=False)

    def forward(self, strips: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[N, 2, 2R + 1, S]`` strips -> ``(delta [N, 3] = (dz, dp, dq) in rows,
        objectness [N])``."""
        f = self.features(strips)  # [N, c, K, S]
        where = self.row_logit(f).squeeze(1).softmax(1)  # [N, K, S]
        rows = (where * self.offsets[:, None]).sum(1)  # [N, S] expected offset per column
        conf = torch.sigmoid((where * self.confidence(f).squeeze(1)).sum(1))  # [N, S]
        delta = fit_residual(rows, conf, self.basis, self.ridge)
        return delta, self.objectness(f.mean((2, 3))).squeeze(-1)
