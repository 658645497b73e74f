"""Matrix NMS (Wang et al. 2020, SOLOv2) on axis-aligned boxes."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, float_dtype
from .._checks import check_choice, check_positive
from ._dense import column_reduce, dense_inputs, ranked_overlaps

KERNELS = ("gaussian", "linear")


def matrix_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    *,
    labels: ArrayOrTensor | None = None,
    kernel: str = "gaussian",
    sigma: float = 2.0,
    box_format: str = "xyxy",
) -> ArrayOrTensor:
    """Matrix NMS: decay every score at once, in parallel, from the pairwise IoU matrix.

    Within a label, boxes are ranked by descending score (equal scores: lower index first).
    Box j's decay is the minimum, over boxes i ranked above it, of
    ``f(IoU_ij) / f(c_i)``, where ``c_i`` is the largest IoU of box i with any box ranked
    above i (0 for the top box), and ``f(x) = exp(-sigma x^2)`` (``gaussian``) or
    ``1 - x`` (``linear``). The top box keeps its score. For ``linear``, a term whose
    denominator is 0 (box i duplicates a box above it) is ignored. Zero-area boxes have
    IoU 0 with everything.

    Compatibility: the Matrix NMS of SOLOv2 (its ``matrix_nms``), applied to box IoU
    instead of mask IoU. It needs the dense ``[N, N]`` IoU matrix, so it is meant for the
    top few thousand candidates. Tensors are computed on their own device.

    Args:
        boxes: ``[N, 4]`` in ``box_format`` (``xyxy``, ``yxyx``, ``cxcywh`` or ``xywh``).
        scores: ``[N]``.
        labels: ``[N]`` integer class ids; boxes only decay boxes of their own label.
            None: one class.
        kernel: ``"gaussian"`` or ``"linear"``.
        sigma: > 0, the gaussian kernel's width.

    Returns:
        the decayed scores ``[N]`` in input order: a NumPy array of the scores' float
        dtype (float64 for integer scores), or a tensor on the input's device of the
        scores' float dtype (else the boxes').
    """
    check_choice(kernel, "kernel", KERNELS)
    sig = check_positive(sigma, "sigma")
    xp, b, s, lab, order = dense_inputs(boxes, scores, labels, box_format)
    iou, pair = ranked_overlaps(b, lab, order, xp)
    comp = column_reduce(iou, xp, "max")[:, None]  # [N, 1]: each rank's max IoU with ranks above
    if kernel == "gaussian":
        ratio = xp.exp(-sig * (iou * iou - comp * comp))
    else:
        live = pair & (comp < 1)
        ratio = (1 - iou) / xp.where(live, 1 - comp, 1 + 0 * comp)
        pair = live
    decay = xp.clip(column_reduce(xp.where(pair, ratio, 1 + 0 * ratio), xp, "min"), None, 1)
    out = s * 0
    out[order] = s[order] * decay
    if xp is np:
        return out.astype(float_dtype(scores))
    return out.to(scores.dtype if scores.is_floating_point() else b.dtype)
