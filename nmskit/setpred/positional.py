"""2-D sine positional encodings for a feature grid, with an optional periodic width axis.

Half of the channels encode the row (height) position, half the column (width) position.
Along a periodic axis (the azimuth of an unrolled borehole wall) every frequency is a whole
number of cycles per revolution, so the last column's neighbour is the first one.
"""

from __future__ import annotations

import math

import torch


def _linear_axis(n: int, channels: int, temperature: float) -> torch.Tensor:
    """DETR's form: positions (i + 0.5) / n scaled to [0, 2 pi], geometric frequencies.

    Returns ``[n, channels]`` as ``[sin(p f_0), ..., sin(p f_k), cos(p f_0), ..., cos(p f_k)]``.
    """
    return _ladder((torch.arange(n, dtype=torch.float32) + 0.5) / n, channels, temperature)


def _ladder(positions: torch.Tensor, channels: int, temperature: float) -> torch.Tensor:
    """Positions ``[...]`` in [0, 1] (scaled to [0, 2 pi]) -> ``[..., channels]`` on the
    geometric frequency ladder, sines then cosines."""
    freqs = temperature ** (-torch.arange(channels // 2, dtype=torch.float32, device=positions.device) * 2 / channels)
    angles = positions[..., None] * (2 * math.pi) * freqs  # [..., channels / 2]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _periodic_axis(n: int, channels: int) -> torch.Tensor:
    """Integer harmonics 1 .. max(1, n // 2) of one revolution spread over ``channels / 2``.

    Returns ``[n, channels]``; row ``n`` would equal row ``0`` exactly.
    """
    k = max(channels // 2, 1)
    top = max(n // 2, 1)
    harmonics = torch.linspace(1, top, k).round()  # [k] whole cycles per revolution
    pos = (torch.arange(n, dtype=torch.float32) + 0.5) / n * 2 * math.pi  # [n]
    angles = pos[:, None] * harmonics[None, :]  # [n, k]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def sine_position_encoding(
    height: int, width: int, dim: int, *, periodic_width: bool = False, temperature: float = 10000.0
) -> torch.Tensor:
    """Sine encoding of a ``height x width`` grid.

    Args:
        height, width: grid size (>= 1).
        dim: channels, a multiple of 4 (half for rows, half for columns).
        periodic_width: encode columns as angles around a circle (whole harmonics only).
        temperature: base of the geometric frequency ladder of the non-periodic axes.

    Returns:
        ``[dim, height, width]`` float32: channels ``0 .. dim/2`` encode the row, the rest the
        column.
    """
    if dim % 4 or dim <= 0:
        raise ValueError(f"dim must be a positive multiple of 4, got {dim}")
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be >= 1, got {height} x {width}")
    half = dim // 2
    rows = _linear_axis(height, half, temperature)  # [H, dim/2]
    cols = _periodic_axis(width, half) if periodic_width else _linear_axis(width, half, temperature)
    row_map = rows.T[:, :, None].expand(half, height, width)  # [dim/2, H, W]
    col_map = cols.T[:, None, :].expand(half, height, width)  # [dim/2, H, W]
    return torch.cat([row_map, col_map], dim=0).contiguous()


def row_anchor_encoding(rows: torch.Tensor, dim: int, temperature: float = 10000.0) -> torch.Tensor:
    """The row half of :func:`sine_position_encoding` at continuous positions, zeros elsewhere.

    A query carrying this encoding as its positional part matches keys by row alone: its
    attention to a grid cell does not depend on the cell's column.

    Args:
        rows: ``[...]`` row positions as fractions of the grid height (cell ``i`` of ``H`` is at
            ``(i + 0.5) / H``); differentiable.
        dim: channels, a multiple of 4.

    Returns:
        ``[..., dim]``: channels ``0 .. dim/2`` as the grid's row encoding, the rest zero.
    """
    if dim % 4 or dim <= 0:
        raise ValueError(f"dim must be a positive multiple of 4, got {dim}")
    enc = _ladder(rows, dim // 2, temperature)
    return torch.cat([enc, torch.zeros_like(enc)], dim=-1)
