"""Fixed-shape greedy suppression for a batch, tile by tile, in plain torch.

The kernel behind :func:`sorted_nms_padded` and :func:`padded_nms`. Boxes arrive in rank
order (row 0 first). They are visited in tiles of ``tile`` rows; for each tile:

1. Cross-suppression: each box is compared with the survivors of all earlier tiles,
   which are kept compacted in a buffer and read in chunks, only as many
   chunks as the fullest batch item has filled.
2. Self-suppression: inside the tile, the Cluster-NMS fixed point
   ``keep = alive & ~any_i(keep[i] & E[i, j])`` is iterated until nothing changes; it
   reaches exactly the greedy result (E is the strictly upper-triangular "i suppresses
   j" matrix of the tile).
3. The tile's survivors are appended to the buffer.

Once an item has ``max_count`` counted survivors, its later boxes cannot reach the
output, so they are no longer considered (they are reported as not kept).

Shapes depend only on the arguments. The loops (over tiles, over buffer chunks and the
fixed point) are :func:`torch.while_loop` under ``torch.compile`` and ``torch.export``, so
the kernel compiles with ``fullgraph=True`` into a graph whose size does not grow with N.
Memory: the survivor buffer holds ``B * N`` boxes and each pair test ``B * tile * max(tile,
chunk)`` entries, so the peak grows with ``B * N * tile``, never with ``N ** 2``.
"""

from __future__ import annotations

import torch


def while_loop(cond, body, carried):
    """``torch.while_loop``: captured as one graph node when traced by ``torch.compile``
    or ``torch.export``, and run as its plain-Python equivalent in eager mode, where
    ``torch.while_loop`` itself would re-enter the compiler on every call."""
    if torch.compiler.is_compiling() or torch.compiler.is_exporting():
        return torch.while_loop(cond, body, carried)
    while bool(cond(*carried)):
        carried = body(*carried)
    return carried


def suppression_test(a, area_a, b, area_b, threshold, inclusive: bool, eps: float):
    """Pairwise "box i of ``a`` suppresses box j of ``b``" test.

    Args:
        a: ``[B, n, 4]`` boxes, corners as (lo0, lo1, hi0, hi1) (xyxy or yxyx alike).
        area_a: ``[B, n]`` areas of ``a``.
        b: ``[B, m, 4]``; area_b: ``[B, m]``.
        threshold: 0-dim tensor of the compute dtype.
        inclusive: IoU >= threshold instead of >.
        eps: added to the union (tensorflow/models adds 1e-8).

    Returns:
        ``[B, n, m]`` bool. A box of zero area is never suppressed (as in
        :func:`nmskit.nms`, even at threshold 0 with ``inclusive``); only rows whose box
        has positive area may suppress, and the caller masks the others.
    """
    at = a.transpose(1, 2)[..., None]  # [B, 4, n, 1]
    bt = b.transpose(1, 2).contiguous()[:, :, None, :]  # [B, 4, 1, m]: rows of the pair grid contiguous
    ih = torch.minimum(at[:, 2], bt[:, 2]).sub_(torch.maximum(at[:, 0], bt[:, 0])).clamp_(min=0)
    iw = torch.minimum(at[:, 3], bt[:, 3]).sub_(torch.maximum(at[:, 1], bt[:, 1])).clamp_(min=0)
    inter = ih.mul_(iw)
    union = (area_a[:, :, None] + area_b[:, None, :]).sub_(inter)
    if eps:
        union.add_(eps)
    iou = inter.div_(union)
    hit = iou >= threshold if inclusive else iou > threshold
    return hit & (area_b[:, None, :] > 0)


def _cross(tile, tile_area, buf, buf_area, fill, threshold, inclusive, eps, chunk):
    """``[B, T]`` bool: tile boxes suppressed by a filled buffer slot.

    The buffer ``[B, C, 4]`` (C a multiple of ``chunk``) is read ``chunk`` slots at a
    time, while any item still has filled slots ahead.
    """
    bsz, size = tile.shape[:2]
    offsets = torch.arange(chunk, device=tile.device)

    def cond(start, hit):
        return start < fill.max()

    def body(start, hit):
        rows = start + offsets
        slots = buf.index_select(1, rows)
        valid = rows[None, :] < fill[:, None]
        test = suppression_test(tile, tile_area, slots, buf_area.index_select(1, rows), threshold, inclusive, eps)
        return start + chunk, hit | (test & valid[:, None, :]).any(-1)

    start = torch.zeros((), dtype=torch.long, device=tile.device)
    hit = torch.zeros(bsz, size, dtype=torch.bool, device=tile.device)
    return while_loop(cond, body, (start, hit))[1]


def _self(alive, suppresses):
    """Greedy survivors ``[B, T]`` of one tile from its suppression matrix ``[B, T, T]``."""
    weights = suppresses.to(torch.float32)

    def cond(keep, changed):
        return changed.any()

    def body(keep, changed):
        hit = torch.bmm(keep.to(torch.float32).unsqueeze(1), weights).squeeze(1) > 0
        new = alive & ~hit
        return new, (new != keep).any()

    return while_loop(cond, body, (alive.clone(), alive.any()))[0]


def tiled_keep(
    boxes,
    active,
    counted,
    max_count: int,
    threshold,
    *,
    inclusive: bool,
    eps: float = 0.0,
    tile: int = 128,
    chunk: int = 256,
):
    """Greedy NMS survivors for a batch of boxes in rank order.

    Args:
        boxes: ``[B, N, 4]`` float, N a multiple of ``tile``, corners as in
            :func:`suppression_test`.
        active: ``[B, N]`` bool; inactive boxes never suppress and are never kept.
        counted: ``[B, N]`` bool; which survivors count towards ``max_count``.
        max_count: counted survivors needed per item (at least 1).
        threshold: 0-dim tensor of the boxes' dtype.
        inclusive, eps: as in :func:`suppression_test`.
        tile: rows per tile.
        chunk: buffer slots compared with a tile at once.

    Returns:
        ``[B, N]`` bool survivors. Exact greedy NMS up to the ``max_count``-th counted
        survivor of each item; nothing after it is kept.
    """
    bsz, n = boxes.shape[:2]
    device = boxes.device
    area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    can_suppress = active & (area > 0)
    capacity = n + chunk  # the last slot takes the rows that are not appended
    upper = torch.ones(tile, tile, dtype=torch.bool, device=device).triu(1)
    offsets = torch.arange(tile, device=device)

    def cond(start, buf, buf_area, fill, found, kept):
        return start < n

    def body(start, buf, buf_area, fill, found, kept):
        rows = start + offsets
        t_boxes, t_area = boxes.index_select(1, rows), area.index_select(1, rows)
        crossed = _cross(t_boxes, t_area, buf, buf_area, fill, threshold, inclusive, eps, chunk)
        alive = active.index_select(1, rows) & ~crossed & (found < max_count)[:, None]
        t_can = can_suppress.index_select(1, rows)
        pairs = suppression_test(t_boxes, t_area, t_boxes, t_area, threshold, inclusive, eps)
        keep = _self(alive, pairs & upper & (alive & t_can)[:, :, None])
        append = keep & t_can
        slot = torch.where(append, fill[:, None] + append.cumsum(1) - 1, capacity - 1)
        return (
            start + tile,
            buf.scatter(1, slot[..., None].expand(-1, -1, 4), t_boxes),
            buf_area.scatter(1, slot, t_area),
            fill + append.sum(1),
            found + (keep & counted.index_select(1, rows)).sum(1),
            kept.index_copy(1, rows, keep),
        )

    carried = (
        torch.zeros((), dtype=torch.long, device=device),
        boxes.new_zeros(bsz, capacity, 4),
        boxes.new_zeros(bsz, capacity),
        torch.zeros(bsz, dtype=torch.long, device=device),
        torch.zeros(bsz, dtype=torch.long, device=device),
        torch.zeros(bsz, n, dtype=torch.bool, device=device),
    )
    return while_loop(cond, body, carried)[-1]
