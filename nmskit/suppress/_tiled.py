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
output, so they are no longer considered (they are reported as not kept); once every
item has, the loop ends.

Shapes depend only on the arguments. The loops (over tiles, over buffer chunks and the
fixed point) are :func:`torch.while_loop` under ``torch.compile`` and ``torch.export``, so
the kernel compiles with ``fullgraph=True`` into a graph whose size does not grow with N.
Boxes and the survivor buffer are held as coordinate planes (four corners and the area,
``[B, 5, ...]``), so that a compiled pair test reads each plane contiguously and runs in
vector registers. Memory: the survivor buffer holds ``B * N`` boxes and each pair test
``B * tile * max(tile, chunk)`` entries, so the peak grows with ``B * N * tile``, never
with ``N ** 2``.
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


def suppression_test(a, b, threshold, inclusive: bool, eps: float):
    """Pairwise "box i of ``a`` suppresses box j of ``b``" test, on coordinate planes.

    Args:
        a: ``[B, 5, n]`` boxes as planes: the corners (lo0, lo1, hi0, hi1) (xyxy or yxyx
            alike), then the area.
        b: ``[B, 5, m]`` likewise.
        threshold: 0-dim tensor of the compute dtype.
        inclusive: IoU >= threshold instead of >.
        eps: added to the union (tensorflow/models adds 1e-8).

    Returns:
        ``[B, n, m]`` bool. A box of zero area is never suppressed (as in
        :func:`nmskit.nms`, even at threshold 0 with ``inclusive``); only rows whose box
        has positive area may suppress, and the caller masks the others.
    """
    at, bt = a[..., None], b[:, :, None, :]  # [B, 5, n, 1] and [B, 5, 1, m]
    ih = torch.minimum(at[:, 2], bt[:, 2]).sub_(torch.maximum(at[:, 0], bt[:, 0])).clamp_(min=0)
    iw = torch.minimum(at[:, 3], bt[:, 3]).sub_(torch.maximum(at[:, 1], bt[:, 1])).clamp_(min=0)
    inter = ih.mul_(iw)
    union = (at[:, 4] + bt[:, 4]).sub_(inter)
    if eps:
        union.add_(eps)
    iou = inter.div_(union)
    hit = iou >= threshold if inclusive else iou > threshold
    return hit & (bt[:, 4] > 0)


def _block(planes, index):
    """Block ``index`` (a 0-dim int64 tensor) of ``planes [B, P, K, S]``, as ``[B, P, S]``."""
    return planes.index_select(2, index.reshape(1)).squeeze(2)


def _cross(tile, buf, fill, threshold, inclusive, eps):
    """``[B, T]`` bool: tile boxes ``[B, 5, T]`` whose IoU with a filled buffer slot passes
    the threshold (the caller exempts zero-area boxes, which are never suppressed).

    The buffer ``[B, 5, K, S]`` (four coordinate planes and the area, in K blocks of S
    slots) is read one block at a time, while any item still has filled slots ahead.
    Unfilled slots hold zero boxes, which suppress nothing.
    """
    bsz, size = tile.shape[0], tile.shape[2]
    span = buf.shape[3]

    def cond(block, hit):
        return block * span < fill.max()

    def body(block, hit):
        test = suppression_test(tile, _block(buf, block), threshold, inclusive, eps)
        # a float max reduces in vector registers; any() over bools compiles to slower code
        return block + 1, hit | (torch.where(test, 1.0, 0.0).amax(-1) > 0)

    block = torch.zeros((), dtype=torch.long, device=tile.device)
    hit = torch.zeros(bsz, size, dtype=torch.bool, device=tile.device)
    return while_loop(cond, body, (block, hit))[1]


def settle_tile(alive, suppresses):
    """Greedy survivors ``[B, T]`` of one tile from its suppression matrix ``[B, T, T]``
    (``suppresses[b, i, j]``: row i, if kept, suppresses row j; strictly upper-triangular
    and zero for rows that are not ``alive``), by the Cluster-NMS fixed point."""
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
    chunk: int = 128,
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
    tiles = n // tile
    # the tiles as planes [B, 5, tiles, tile]: four coordinates and the area
    planes = torch.stack([*boxes.unbind(-1), area], 1).reshape(bsz, 5, tiles, tile)
    flags = torch.stack([active, can_suppress, counted], 1).reshape(bsz, 3, tiles, tile)
    # the buffer's last block lies past any slot a survivor can fill, so it is never read:
    # its last slot takes the rows that are not appended
    blocks = -(-n // chunk) + 1
    upper = torch.ones(tile, tile, dtype=torch.bool, device=device).triu(1)

    def cond(t, buf, fill, found, kept):
        return (t < tiles) & (found < max_count).any()

    def body(t, buf, fill, found, kept):
        cur, (t_active, t_can, t_counted) = _block(planes, t), _block(flags, t).unbind(1)
        crossed = _cross(cur, buf, fill, threshold, inclusive, eps) & (cur[:, 4] > 0)  # zero area: never suppressed
        alive = t_active & ~crossed & (found < max_count)[:, None]
        pairs = suppression_test(cur, cur, threshold, inclusive, eps)
        keep = settle_tile(alive, pairs & upper & (alive & t_can)[:, :, None])
        append = keep & t_can
        slot = torch.where(append, fill[:, None] + append.cumsum(1) - 1, blocks * chunk - 1)
        flat = buf.flatten(2).scatter(2, slot[:, None, :].expand(-1, 5, -1), cur)
        return (
            t + 1,
            flat.view_as(buf),
            fill + append.sum(1),
            found + (keep & t_counted).sum(1),
            kept.index_copy(1, t.reshape(1), keep[:, None, :]),
        )

    carried = (
        torch.zeros((), dtype=torch.long, device=device),
        boxes.new_zeros(bsz, 5, blocks, chunk),
        torch.zeros(bsz, dtype=torch.long, device=device),
        torch.zeros(bsz, dtype=torch.long, device=device),
        torch.zeros(bsz, tiles, tile, dtype=torch.bool, device=device),
    )
    return while_loop(cond, body, carried)[-1].reshape(bsz, n)
