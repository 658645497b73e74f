"""Soft-NMS (Bodla, Singh, Chellappa and Davis, ICCV 2017)."""

from __future__ import annotations

import numpy as np

from .._arrays import ArrayOrTensor, float_dtype, like
from .._checks import check_choice, check_positive, check_real
from ._kernels import soft_keep
from ._prepare import prepare

_METHODS = {"hard": 0, "linear": 1, "gaussian": 2}
_CONVENTIONS = ("bodla", "tensorflow")


def soft_nms(
    boxes: ArrayOrTensor,
    scores: ArrayOrTensor,
    *,
    method: str = "gaussian",
    sigma: float = 0.5,
    iou_threshold: float = 0.3,
    score_threshold: float = 0.001,
    max_output: int | None = None,
    convention: str = "bodla",
    box_format: str = "xyxy",
    canonicalize: bool = False,
) -> tuple[ArrayOrTensor, ArrayOrTensor]:
    """Soft-NMS: instead of deleting overlapping boxes, decay their scores.

    Repeatedly select the box with the highest current score (ties: lower index), then
    decay every remaining box j by its IoU ``o`` with the selected box:

    - ``gaussian``: ``s_j *= exp(-o^2 / sigma)`` (Bodla et al.); with
      ``convention="tensorflow"`` it is ``exp(-0.5 o^2 / sigma)``, the form of
      ``tf.image.non_max_suppression_with_scores`` (equal to Bodla's with 2*sigma).
    - ``linear``: ``s_j *= 1 - o`` when ``o > iou_threshold``.
    - ``hard``: drop j when ``o > iou_threshold`` (plain greedy NMS).

    Selection stops when the best remaining score is below ``score_threshold`` (a box
    whose score equals it is kept, as in ``cv2.dnn.softNMSBoxes``). Scores are computed
    in float64; the original paper's code used +1 pixel areas, nmskit does not.

    Args:
        boxes: ``[N, 4]``; scores: ``[N]``.
        sigma: > 0, gaussian width.
        iou_threshold: in [0, 1], for ``linear`` and ``hard``.
        score_threshold: finite.
        max_output: keep at most this many.

    Returns:
        ``(indices, decayed_scores)``: int64 ``[K]`` in selection order, and the decayed
        score ``[K]`` of each at the moment it was selected (the input's float dtype).
    """
    code = _METHODS[check_choice(method, "method", _METHODS)]
    check_choice(convention, "convention", _CONVENTIONS)
    sig = check_positive(sigma, "sigma") * (2.0 if convention == "tensorflow" else 1.0)
    thr = check_real(score_threshold, "score_threshold")
    b, s, order, t, cap = prepare(boxes, scores, iou_threshold, box_format, None, max_output, canonicalize)
    rows, decayed = soft_keep(
        np.ascontiguousarray(b[order]),
        np.ascontiguousarray(s[order]),
        np.ascontiguousarray(order, np.int64),
        code,
        sig,
        t,
        thr,
        cap,
    )
    return like(order[rows].astype(np.int64), boxes), like(decayed.astype(float_dtype(scores)), scores)
