"""Greedy NMS on borehole sinusoids, with the mean absolute depth difference over azimuth
(:func:`nmskit.geometry.sinusoid_distance`) in place of IoU."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._arrays import ArrayOrTensor, like
from .._checks import check_count, check_matrix, check_positive, check_real, check_vector
from ..geometry.sinusoid import mean_abs_sinusoid, sinusoid_coefficients


def sinusoid_nms(
    picks: ArrayOrTensor,
    scores: ArrayOrTensor,
    diameter: float | ArrayLike,
    distance_threshold: float,
    *,
    score_threshold: float | None = None,
    max_output: int | None = None,
) -> ArrayOrTensor:
    """Greedy non-maximum suppression of sinusoid picks.

    Picks are visited by descending score (equal scores: lower index first). A pick j is
    suppressed when ``sinusoid_distance(picks[i], picks[j], diameter)`` to an already kept
    pick i is < ``distance_threshold``, computed exactly as that function computes it.
    The distance is at least the centre-depth difference, so only picks closer than the
    threshold in depth are compared: the cost is O(N log N + N k) for k near neighbours.

    Args:
        picks: ``[N, 3]`` (depth, apparent dip, apparent azimuth), degrees.
        scores: ``[N]``.
        diameter: hole diameter in depth units, scalar or ``[N]``.
        distance_threshold: in depth units, > 0.
        score_threshold: picks with score <= this are dropped first.
        max_output: keep at most this many.

    Returns:
        int64 indices ``[K]`` of kept picks, by descending score (a tensor for tensor input).
    """
    p = check_matrix(picks, "picks", 3)
    s = check_vector(scores, "scores", len(p), like="picks")
    t = check_positive(distance_threshold, "distance_threshold")
    cap = check_count(max_output, "max_output")
    coef = sinusoid_coefficients(p, diameter)
    candidates = (
        np.arange(len(p))
        if score_threshold is None
        else np.flatnonzero(s > check_real(score_threshold, "score_threshold", allow_inf=True))
    )
    order = candidates[np.argsort(-s[candidates], kind="stable")]
    by_depth = order[np.argsort(p[order, 0], kind="stable")]
    depth_sorted = p[by_depth, 0]
    alive = np.zeros(len(p), bool)
    alive[order] = True
    keep: list[int] = []
    for i in order:
        if cap is not None and len(keep) >= cap:
            break
        if not alive[i]:
            continue
        keep.append(i)
        reach = t + 4 * np.spacing(abs(p[i, 0]) + t)  # a little wider than t: rounding never hides a pick
        lo, hi = np.searchsorted(depth_sorted, [p[i, 0] - reach, p[i, 0] + reach])
        near = by_depth[lo:hi]
        near = near[alive[near]]
        diff = coef[i] - coef[near]  # kept minus candidate, exactly as sinusoid_distance(kept, candidate)
        alive[near[mean_abs_sinusoid(diff[:, 0], np.hypot(diff[:, 1], diff[:, 2])) < t]] = False
    return like(np.asarray(keep, dtype=np.int64), picks)
