"""Fixed-shape batched NMS in torch: tensorflow/models' padded NMS, corrected, and an
index-returning variant with the semantics of :func:`nmskit.nms`.

Both run the tile kernel of :mod:`nmskit.suppress._tiled` on CPU or CUDA tensors, with
output shapes that depend only on the arguments, so they work inside
``torch.compile(fullgraph=True)`` and ``torch.onnx.export`` (pass ``check_sorted=False``
and ``check_values=False`` there: those checks read the data).
"""

from __future__ import annotations

import math

import torch

from .._checks import check_choice, check_count, check_flag, check_real, check_unit
from ..geometry.boxes import BOX_FORMATS, box_convert, check_range
from ._tiled import tiled_keep

_TF_EPS = 1e-8  # tensorflow/models adds this to the union


def _check_batch(boxes, scores, check_values: bool):
    """Validate ``boxes [B, N, 4]`` and ``scores [B, N]`` tensors of a real dtype; with
    ``check_values`` also reject NaN and inf."""
    check_flag(check_values, "check_values")
    for x, name in ((boxes, "boxes"), (scores, "scores")):
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.dtype == torch.bool or x.is_complex():
            raise ValueError(f"{name} must have a real dtype, got {x.dtype}")
    if boxes.ndim != 3 or boxes.shape[2] != 4:
        raise ValueError(f"boxes must have shape [B, N, 4], got {tuple(boxes.shape)}")
    if scores.shape != boxes.shape[:2]:
        raise ValueError(
            f"scores must have shape [B, N] = {tuple(boxes.shape[:2])} to match boxes, got {tuple(scores.shape)}"
        )
    if boxes.device != scores.device:
        raise ValueError(f"boxes and scores must be on one device, got {boxes.device} and {scores.device}")
    if not check_values:
        return
    for x, name in ((boxes, "boxes"), (scores, "scores")):
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            item = int(torch.nonzero(~torch.isfinite(x).reshape(len(x), -1).all(1))[0])
            raise ValueError(f"{name} of batch item {item} contains NaN or inf; repair it or pass check_values=False")


def _check_corners(xyxy, box_format: str):
    """Reject boxes ``[B, N, 4]`` (xyxy) with x2 < x1 or y2 < y1, or beyond the range in
    which their areas are exact in their dtype (:data:`nmskit.geometry.boxes.BOX_RANGE`)."""
    inverted = (xyxy[..., 2] < xyxy[..., 0]) | (xyxy[..., 3] < xyxy[..., 1])
    if bool(inverted.any()):
        item, row = (int(i) for i in torch.nonzero(inverted)[0])
        raise ValueError(f"boxes has inverted corners at batch item {item}, row {row}; check box_format={box_format!r}")
    check_range(xyxy, "boxes", torch)
    check_range(xyxy, "boxes", torch, sides=True)


def check_tile(tile_size: int | None) -> int | None:
    """Validate ``tile_size``: None (choose by the batch) or a count >= 1."""
    if tile_size is None:
        return None
    tile = check_count(tile_size, "tile_size", allow_none=False)
    if tile < 1:
        raise ValueError(f"tile_size must be >= 1, got {tile_size}")
    return tile


def tile_rows(tile: int | None, bsz, n: int) -> int:
    """Rows per tile for a batch of ``bsz`` items of ``n`` boxes: ``tile``, or when None
    the power of two nearest ``1024 / bsz`` within [64, 512] (128 for a symbolic batch,
    as in export); never more than ``n``, since a longer tile only pads.

    The default comes from the CPU benchmark: eager mode pays Python's cost per tile, which
    favours long tiles for small batches, while the self-suppression work grows with
    ``bsz * tile ** 2`` (B = 1, N = 20,000: 512 rows ran 1.6x faster than 128 eager and
    1.5x compiled; B = 8, N = 5,000: 128 was fastest eager, and equal to 256 compiled).
    The result does not depend on it."""
    if tile is None:
        tile = 1 << max(6, min(9, round(math.log2(1024 / bsz)))) if isinstance(bsz, int) and bsz > 0 else 128
    return min(tile, max(1, n))


def _padded(x, n_pad: int, value: float):
    """Pad dim 1 of ``x`` with ``value`` to length ``n_pad``."""
    extra = n_pad - x.shape[1]
    if extra == 0:
        return x
    pad = x.new_full((x.shape[0], extra) + tuple(x.shape[2:]), value)
    return torch.cat([x, pad], 1)


def _first_positions(selected, max_output: int):
    """``(positions [B, M] int64, count [B] int64)`` of the first M True entries of each row
    of ``selected [B, N]``; positions past the count are 0."""
    bsz = selected.shape[0]
    rank = selected.cumsum(1) - 1
    slot = torch.where(selected & (rank < max_output), rank, max_output)
    pos = torch.arange(selected.shape[1], device=selected.device).expand(bsz, -1)
    out = torch.zeros(bsz, max_output + 1, dtype=torch.long, device=selected.device)
    out = out.scatter(1, slot, pos)[:, :max_output]
    count = selected.sum(1).clamp(max=max_output)
    return out, count


def stable_top_k(values: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(values, indices)`` of the k largest entries along dim 1 of ``values [B, N]``;
    equal values keep the lower index first, as ``tf.nn.top_k`` does."""
    if torch.compiler.is_exporting():  # ONNX has no stable sort; its TopK breaks ties alike
        return torch.topk(values, k, dim=1)
    order = torch.sort(values, dim=1, descending=True, stable=True)
    return order.values[:, :k], order.indices[:, :k]


def sorted_nms_padded(
    scores: torch.Tensor,
    boxes: torch.Tensor,
    max_output_size: int,
    iou_threshold: float = 0.5,
    *,
    tile_size: int | None = None,
    check_sorted: bool = True,
    check_values: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched NMS with padded outputs: ``sorted_non_max_suppression_padded`` of
    tensorflow/models (``official/vision/ops/nms.py``), correct at every threshold.

    Conventions are tensorflow/models': boxes are ``[y1, x1, y2, x2]`` and sorted by
    descending score; a box suppresses a later one at IoU >= ``iou_threshold`` (IoU with
    1e-8 added to the union, in float32); a box whose largest coordinate is < 0 takes no
    part; a surviving box is output only if one of its coordinates is > 0 (boxes at
    non-positive coordinates vanish); output slots past an item's valid count are zero.

    Difference: tensorflow/models compares with a hard-coded 0.5 inside each tile, so its
    result is wrong for ``iou_threshold < 0.5``. Here every comparison uses
    ``iou_threshold``: the survivors are those of exact greedy NMS,
    ``nmskit.nms(..., inclusive=True)``. For thresholds >= 0.5 the two agree.

    Args:
        scores: ``[B, N]``, descending along N.
        boxes: ``[B, N, 4]`` yxyx.
        max_output_size: M, output slots per item (>= 0).
        iou_threshold: in [0, 1].
        tile_size: rows per tile (tensorflow/models uses 512); None chooses by the batch
            size (:func:`tile_rows`). The result does not depend on it; memory grows with
            ``B * N * tile_size``, never with ``N ** 2``.
        check_sorted: raise if a row of ``scores`` increases; pass False inside
            ``torch.compile`` or export, where values cannot be read.
        check_values: raise on NaN or inf; pass False likewise.

    Returns:
        ``(scores [B, M], boxes [B, M, 4])`` in the input dtypes and device: the
        survivors in score order, zero past each item's valid count.
    """
    _check_batch(boxes, scores, check_values)
    m = check_count(max_output_size, "max_output_size", allow_none=False, sizes_output=True)
    t = check_unit(iou_threshold, "iou_threshold")
    tile = tile_rows(check_tile(tile_size), scores.shape[0], scores.shape[1])
    if (
        check_flag(check_sorted, "check_sorted")
        and scores.shape[1] > 1
        and bool((scores[:, 1:] > scores[:, :-1]).any())
    ):
        item = int(torch.nonzero((scores[:, 1:] > scores[:, :-1]).any(1))[0])
        raise ValueError(
            f"scores of batch item {item} are not sorted in descending order; "
            "sort them (and boxes) first, or use padded_nms for unsorted input"
        )
    bsz, n = scores.shape
    if n == 0 or m == 0 or bsz == 0:
        return scores.new_zeros(bsz, m), boxes.new_zeros(bsz, m, 4)
    pos, count = tf_padded_select(boxes, torch.ones_like(scores, dtype=torch.bool), m, t, tile, negative_inert=True)
    valid = torch.arange(m, device=boxes.device)[None, :] < count[:, None]
    out_scores = torch.where(valid, scores.gather(1, pos), 0)
    out_boxes = torch.where(valid[..., None], boxes.gather(1, pos[..., None].expand(-1, -1, 4)), 0)
    return out_scores, out_boxes


def tf_padded_select(
    boxes: torch.Tensor, active: torch.Tensor, m: int, t: float, tile: int, *, negative_inert: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """The selection rule shared by TensorFlow's tile-based padded NMS functions.

    Boxes ``[B, N, 4]`` (N >= 1, yxyx, in rank order) are suppressed at IoU >= t, with
    1e-8 added to the union and float32 arithmetic; survivors count only if one of their
    coordinates is > 0. ``negative_inert``: boxes whose coordinates are all < 0 take no
    part (tensorflow/models' ``bbox_overlap`` gives them IoU -1); TensorFlow's own
    ``tf.image.non_max_suppression_padded`` lets them suppress.

    Returns:
        ``(positions [B, m] int64, count [B] int64)``: the first m counted survivors,
        positions past the count are 0.
    """
    n = boxes.shape[1]
    n_pad = -(-n // tile) * tile
    b32 = _padded(boxes.to(torch.float32), n_pad, 0.0)
    largest = b32.amax(-1)
    active = _padded(active, n_pad, False) & (largest >= 0 if negative_inert else True)
    counted = largest > 0
    threshold = torch.tensor(t, dtype=torch.float32, device=boxes.device)
    keep = tiled_keep(b32, active, counted, m, threshold, inclusive=True, eps=_TF_EPS, tile=tile)
    pos, count = _first_positions(keep & counted, m)
    return pos.clamp(max=n - 1), count


def padded_nms(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    max_output_size: int,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    *,
    box_format: str = "xyxy",
    inclusive: bool = False,
    tile_size: int | None = None,
    check_values: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched greedy NMS on unsorted input, with fixed-size index outputs.

    For every batch item b, ``indices[b, :num_valid[b]]`` equals
    ``nmskit.nms(boxes[b], scores[b], iou_threshold, score_threshold=score_threshold,
    max_output=max_output_size, inclusive=inclusive)``: boxes with score >
    ``score_threshold`` are visited by descending score (equal scores: lower index
    first) and suppressed at IoU > ``iou_threshold`` (>= with ``inclusive=True``);
    zero-area boxes never suppress and are never suppressed. Padded slots hold 0, as in
    ``tf.image.non_max_suppression_padded``. IoU is computed in the boxes' dtype
    (float32 unless the boxes are float64).

    Args:
        boxes: ``[B, N, 4]`` in ``box_format`` (``xyxy``, ``yxyx``, ``cxcywh`` or ``xywh``).
        scores: ``[B, N]``.
        max_output_size: M, output slots per item (>= 0).
        iou_threshold: in [0, 1].
        score_threshold: only boxes with a higher score take part.
        inclusive: suppress at IoU >= threshold.
        tile_size: rows per tile; None chooses by the batch size (:func:`tile_rows`);
            memory grows with ``B * N * tile_size``.
        check_values: raise on NaN, inf or inverted corners; pass False inside
            ``torch.compile`` or export.

    Returns:
        ``(indices [B, M] int64, num_valid [B] int64)`` on the input's device.
    """
    _check_batch(boxes, scores, check_values)
    m = check_count(max_output_size, "max_output_size", allow_none=False, sizes_output=True)
    t = check_unit(iou_threshold, "iou_threshold")
    thr = check_real(score_threshold, "score_threshold", allow_inf=True)
    check_choice(box_format, "box_format", BOX_FORMATS)
    tile = tile_rows(check_tile(tile_size), scores.shape[0], scores.shape[1])
    bsz, n = scores.shape
    if n == 0 or m == 0 or bsz == 0:
        zeros = torch.zeros(bsz, m, dtype=torch.long, device=boxes.device)
        return zeros, torch.zeros(bsz, dtype=torch.long, device=boxes.device)
    dtype = torch.float64 if boxes.dtype == torch.float64 else torch.float32
    order = stable_top_k(scores, n)[1]
    xyxy = box_convert(boxes.to(dtype), box_format, "xyxy")
    if check_values:
        _check_corners(xyxy, box_format)
    ranked = xyxy.gather(1, order[..., None].expand(-1, -1, 4))
    n_pad = -(-n // tile) * tile
    active = _padded(scores.gather(1, order) > thr, n_pad, False)
    ranked = _padded(ranked, n_pad, 0.0)
    threshold = torch.tensor(t, dtype=dtype, device=boxes.device)
    keep = tiled_keep(ranked, active, active, m, threshold, inclusive=check_flag(inclusive, "inclusive"), tile=tile)
    pos, count = _first_positions(keep, m)
    indices = torch.where(
        torch.arange(m, device=boxes.device)[None, :] < count[:, None], order.gather(1, pos.clamp(max=n - 1)), 0
    )
    return indices, count
