"""Circle NMS (CenterPoint's suppression by centre distance) and its soft, Gaussian variant."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .._arrays import ArrayOrTensor, float_dtype, like, on_accelerator
from .._checks import (
    check_choice,
    check_count,
    check_flag,
    check_labels,
    check_matrix,
    check_positive,
    check_real,
    check_vector,
)
from ._bev_kernels import soft_circle_keep
from ._greedy import circle_keep
from ._groups import grouped_rank_order, per_group_values

# Beyond sqrt(75) sigma the Gaussian weight 1 - exp(-d^2 / (2 sigma^2)) rounds to exactly 1.0
# in float64 (exp(-37.5) < 2^-54), so ignoring farther boxes changes nothing.
EXACT_CUTOFF = math.sqrt(75.0)
DECAYS = ("complement", "soft-nms")


def circle_nms(
    centers: ArrayOrTensor,
    scores: ArrayOrTensor,
    radius: float | Mapping[int, float],
    *,
    labels: ArrayOrTensor | None = None,
    squared_distance: bool = False,
    max_output: int | None = None,
    max_per_label: int | None = None,
    score_threshold: float | None = None,
) -> ArrayOrTensor:
    """Greedy NMS by centre distance.

    Boxes are visited by descending score (equal scores: lower index first); a box is
    suppressed when its centre lies within ``radius`` of an already kept box
    (``d <= radius``). With ``labels``, boxes only suppress boxes of their own label.

    ``squared_distance=True`` compares ``radius`` with ``d^2`` (suppress when
    ``d^2 <= radius``), which is what CenterPoint's ``circle_nms`` does with its
    ``min_radius``; with distinct scores the kept set then equals CenterPoint's. (CenterPoint
    orders equal scores by an unstable argsort, i.e. unspecified.)

    Args:
        centers: ``[N, 2]`` BEV centres (x, y).
        scores: ``[N]``.
        radius: >= 0, a scalar or a ``{label: radius}`` mapping (then ``labels`` is needed).
        labels: ``[N]`` integer labels; suppression is per label.
        squared_distance: see above.
        max_output: keep at most this many in total (the highest-ranked).
        max_per_label: keep at most this many per label.
        score_threshold: boxes with score <= this are dropped first.

    Returns:
        int64 indices ``[K]`` of kept boxes by descending score (ties: lower index first);
        a tensor on the input's device for tensor input. Tensors on an accelerator are
        suppressed there, in torch (the same kept set).
    """
    squared_distance = check_flag(squared_distance, "squared_distance")
    if on_accelerator(centers):
        from . import _device

        return _device.circle_nms(
            centers, scores, radius, labels, squared_distance, max_output, max_per_label, score_threshold
        )
    c, s, groups, cap, per, cand = _prepare(centers, scores, labels, max_output, max_per_label, score_threshold)
    rows, start, ids = grouped_rank_order(s, groups, cand)
    if isinstance(radius, dict) and labels is None:
        raise ValueError("radius given per label needs labels")
    rad = per_group_values(radius if isinstance(radius, dict) else check_real(radius, "radius"), ids, "radius")
    if (rad < 0).any() or not np.isfinite(rad).all():
        raise ValueError("radius must be finite and >= 0")
    keep = circle_keep(c.take(rows, axis=0), start, rad, squared_distance, per)
    return like(_by_rank(rows[keep], s, cap), centers)


def soft_circle_nms(
    centers: ArrayOrTensor,
    scores: ArrayOrTensor,
    sigma: float | Mapping[int, float],
    *,
    labels: ArrayOrTensor | None = None,
    cutoff: float | None = None,
    score_threshold: float = 0.001,
    max_output: int | None = None,
    max_per_label: int | None = None,
    decay: str = "complement",
    soft_sigma: float = 0.5,
) -> tuple[ArrayOrTensor, ArrayOrTensor]:
    """Soft circle NMS: decay scores by a Gaussian of the centre distance instead of deleting.

    Repeatedly select the box with the highest current score (ties: lower index), then
    multiply the score of every remaining box j (of the same label, with ``labels``) at
    centre distance ``d`` from it by a weight of the centre similarity
    ``sim(d) = exp(-d^2 / (2 sigma^2))`` (1 for an exact duplicate):

    - ``decay="complement"``: ``w = 1 - sim``. An exact duplicate drops to 0, a box at
      ``d = sigma`` keeps 39 % of its score, at ``2 sigma`` 86 %, at ``3 sigma`` 99 %.
    - ``decay="soft-nms"``: ``w = exp(-sim^2 / soft_sigma)``, Bodla et al.'s Gaussian
      Soft-NMS rule with ``sim`` in place of IoU. An exact duplicate keeps
      ``exp(-1 / soft_sigma)`` (13.5 % at the usual 0.5): duplicates are demoted, never
      deleted.

    Boxes farther than ``cutoff`` are left alone; the default ``sqrt(75) sigma`` is where
    ``sim`` underflows so that ``w`` rounds to exactly 1 in float64, so the default result
    equals the untruncated decay. Selection stops when the best remaining score is below
    ``score_threshold``.

    Args:
        centers: ``[N, 2]``; scores: ``[N]``.
        sigma: > 0 metres, a scalar or a ``{label: sigma}`` mapping.
        labels: ``[N]`` integer labels; decay acts within a label only.
        cutoff: > 0 metres, scalar or ``{label: cutoff}`` (default ``sqrt(75) * sigma``).
        score_threshold: finite.
        max_output, max_per_label: caps on the selected boxes.
        decay: ``"complement"`` or ``"soft-nms"`` (above); soft_sigma: > 0, for ``soft-nms``.

    Returns:
        ``(indices, decayed_scores)``: int64 ``[K]`` by descending decayed score (ties:
        lower index first), and the decayed score of each at the moment it was selected.
    """
    c, s, groups, cap, per, _ = _prepare(centers, scores, labels, max_output, max_per_label, None)
    thr = check_real(score_threshold, "score_threshold")
    soft_sigma = check_positive(soft_sigma, "soft_sigma")
    soft = soft_sigma if check_choice(decay, "decay", DECAYS) == "soft-nms" else 0.0
    rows, start, ids = grouped_rank_order(s, groups)
    if isinstance(sigma, dict) and labels is None:
        raise ValueError("sigma given per label needs labels")
    sig = per_group_values(sigma if isinstance(sigma, dict) else check_positive(sigma, "sigma"), ids, "sigma")
    if not (sig > 0).all() or not np.isfinite(sig).all():
        raise ValueError("sigma must be finite and > 0")
    if cutoff is None:
        cut = EXACT_CUTOFF * sig
    else:
        cut = per_group_values(cutoff if isinstance(cutoff, dict) else check_positive(cutoff, "cutoff"), ids, "cutoff")
        if not (cut > 0).all() or not np.isfinite(cut).all():
            raise ValueError("cutoff must be finite and > 0")
    sel, decayed = soft_circle_keep(
        np.ascontiguousarray(c[rows, 0]),
        np.ascontiguousarray(c[rows, 1]),
        np.ascontiguousarray(s[rows]),
        np.ascontiguousarray(rows, np.int64),
        start,
        sig,
        cut,
        thr,
        per,
        soft,
    )
    idx = rows[sel]
    order = np.lexsort((idx, -decayed))[:cap]
    return like(idx[order].astype(np.int64), centers), like(decayed[order].astype(float_dtype(scores)), scores)


def _prepare(centers, scores, labels, max_output, max_per_label, score_threshold):
    c = check_matrix(centers, "centers", 2)
    s = check_vector(scores, "scores", len(c), like="centers")
    groups = None if labels is None else check_labels(labels, "labels", len(c), like="centers")
    cap = check_count(max_output, "max_output")
    per = check_count(max_per_label, "max_per_label")
    cand = None
    if score_threshold is not None:
        cand = s > check_real(score_threshold, "score_threshold", allow_inf=True)
    return (c, s, groups, len(c) if cap is None else cap, len(c) if per is None else per, cand)


def _by_rank(kept: np.ndarray, s: np.ndarray, cap: int) -> np.ndarray:
    """Kept rows by descending score, lower index first on ties, capped."""
    return kept[np.lexsort((kept, -s[kept]))][:cap].astype(np.int64)
