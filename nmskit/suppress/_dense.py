"""Boundary work of the matrix-form suppression methods (Matrix NMS, Fast NMS,
Cluster-NMS), which run natively on NumPy arrays or on torch tensors on any device.

NumPy input is validated by the shared NumPy checks and computed in float64. A tensor is
validated on its own device (one synchronisation per check); its boxes are computed in
their float dtype (float64 for integer input) and its scores in float64; a failing check
is re-run on the host for the message.
"""

from __future__ import annotations

import numpy as np

from .._arrays import is_tensor
from .._checks import check_choice, check_finite, check_labels, check_vector
from ..geometry.boxes import BOX_FORMATS, _to_xyxy, overlap_matrix, prepare_boxes
from ._prepare import rank_order


def _torch_inputs(boxes, scores, labels, box_format, canonicalize):
    import torch

    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must have shape [N, 4], got {tuple(boxes.shape)}")
    if not is_tensor(scores) or scores.device != boxes.device:
        raise ValueError(f"scores must be a tensor on the boxes' device ({boxes.device})")
    if scores.ndim != 1 or len(scores) != len(boxes):
        raise ValueError(f"scores must have shape [{len(boxes)}] to match boxes, got {tuple(scores.shape)}")
    for x, name in ((boxes, "boxes"), (scores, "scores")):
        if x.is_complex() or x.dtype == torch.bool:
            raise ValueError(f"{name} must be a real numeric tensor, got dtype {x.dtype}")
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            check_finite(x.detach().cpu().double().numpy(), name)
    dtype = boxes.dtype if boxes.is_floating_point() else torch.float64
    b = _to_xyxy(boxes.detach().to(dtype), box_format, torch)
    inverted = (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
    if canonicalize:
        b = torch.cat([torch.minimum(b[:, :2], b[:, 2:]), torch.maximum(b[:, :2], b[:, 2:])], 1)
    elif bool(inverted.any()):
        prepare_boxes(boxes.detach().cpu().double().numpy(), "boxes", box_format)  # raises, naming the row
    s = scores.detach().double()  # ranks and thresholds as the host path sees them
    order = torch.sort(s, descending=True, stable=True)[1]
    lab = None
    if labels is not None:
        lab_np = check_labels(labels, "labels", len(b)) if not is_tensor(labels) else None
        if lab_np is None:
            if labels.ndim != 1 or len(labels) != len(b) or labels.is_floating_point() or labels.is_complex():
                raise ValueError(f"labels must be an integer tensor of shape [{len(b)}] to match boxes")
            lab = labels.to(boxes.device, torch.int64)
        else:
            lab = torch.from_numpy(lab_np).to(boxes.device)
    return torch, b, s, lab, order


def dense_inputs(boxes, scores, labels, box_format, canonicalize=False):
    """Validate ``boxes [N, 4]``, ``scores [N]`` and optional integer ``labels [N]``
    (``canonicalize``: swap inverted corners instead of raising).

    Returns:
        ``(xp, b, s, labels, order)``: the namespace (``numpy`` or ``torch``), xyxy boxes
        ``[N, 4]``, scores ``[N]``, int64 labels ``[N]`` or None, and the rank order ``[N]``
        (descending score, lower index first on ties), all on the input's device.
    """
    check_choice(box_format, "box_format", BOX_FORMATS)
    if is_tensor(boxes):
        return _torch_inputs(boxes, scores, labels, box_format, canonicalize)
    b = prepare_boxes(boxes, "boxes", box_format, canonicalize)
    s = check_vector(scores, "scores", len(b), like="boxes")
    lab = None if labels is None else check_labels(labels, "labels", len(b))
    return np, b, s, lab, rank_order(s)


def ranked_overlaps(b, lab, order, xp):
    """Pairwise IoU of the ranked boxes, for the pairs that may interact.

    Returns:
        ``(iou, pair)``, both ``[N, N]``: ``pair[i, j]`` is True when rank i is above rank j
        and, with labels, both have the same label; ``iou`` is their IoU there, else 0.
    """
    rb = b[order]
    iou = overlap_matrix(rb, rb, xp)
    pair = xp.triu(xp.ones_like(iou), 1) > 0
    if lab is not None:
        rl = lab[order]
        pair = pair & (rl[:, None] == rl[None, :])
    return xp.where(pair, iou, 0 * iou), pair


def column_reduce(x, xp, op: str):
    """``op`` (``"max"`` or ``"min"``) of each column of ``[N, N]``; N = 0 gives ``[0]``."""
    if x.shape[0] == 0:
        return x.sum(0)
    out = getattr(x, op)(0)
    return out if xp is np else out.values
