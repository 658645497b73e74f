"""CenterPoint's nuScenes post-processing, applied to a :class:`Detections3D` of many samples.

CenterPoint predicts the ten classes with six task heads and suppresses each head's
boxes on their own, class-agnostically inside a head (a truck can suppress a construction
vehicle). Its public nuScenes configuration:

- score threshold 0.1 (boxes with score <= 0.1 are dropped first);
- circle NMS with ``min_radius`` compared against the **squared** centre distance, per head;
- at most 83 boxes kept per head (``post_max_size``);
- the rotated-IoU variant uses IoU 0.2 on the 1000 best boxes of a head, keeping 83.

The detector's own centre-range crop (61.2 m in the lidar frame) is not applied; crop
before calling this if your boxes extend farther.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._arrays import Array
from .._checks import check_choice, check_count, check_real
from ..data.detections3d import Detections3D
from ..data.nuscenes_classes import DETECTION_NAMES
from .circle import circle_nms, soft_circle_nms
from .rotated import rotated_nms

CENTERPOINT_HEADS = (
    ("car",),
    ("truck", "construction_vehicle"),
    ("bus", "trailer"),
    ("barrier",),
    ("motorcycle", "bicycle"),
    ("pedestrian", "traffic_cone"),
)
CENTERPOINT_MIN_RADIUS = (4.0, 12.0, 10.0, 1.0, 0.85, 0.175)  # m^2, compared with d^2
HEAD_OF_CLASS = np.array(
    [next(h for h, names in enumerate(CENTERPOINT_HEADS) if c in names) for c in DETECTION_NAMES], np.int64
)
METHODS = ("circle", "soft-circle", "rotated")


def centerpoint_nms(
    detections: Detections3D,
    method: str = "circle",
    *,
    score_threshold: float = 0.1,
    post_max_size: int = 83,
    min_radius: Sequence[float] = CENTERPOINT_MIN_RADIUS,
    iou_threshold: float = 0.2,
    pre_max_size: int = 1000,
    sigma: float | None = None,
    soft_score_threshold: float = 0.001,
    decay: str = "soft-nms",
    soft_sigma: float = 0.5,
    return_indices: bool = False,
) -> Detections3D | tuple[Detections3D, Array]:
    """Suppress dense detections per sample and task head, the CenterPoint way.

    Args:
        detections: pre-NMS boxes of any number of samples.
        method: ``"circle"`` (CenterPoint's default), ``"rotated"`` (its rotated-IoU
            variant) or ``"soft-circle"`` (:func:`nmskit.soft_circle_nms` per head: scores
            are decayed instead of deleted; by default with Soft-NMS's Gaussian rule
            ``exp(-sim^2 / soft_sigma)`` on the centre similarity
            ``sim = exp(-d^2 / (2 sigma^2))``, the Soft-CircleNMS baseline).
        score_threshold: boxes with score <= this are dropped first.
        post_max_size: boxes kept per sample and head.
        min_radius: six squared radii (m^2), one per head, for ``circle``.
        iou_threshold, pre_max_size: for ``rotated``.
        sigma: six Gaussian widths (m) for ``soft-circle``; default ``sqrt(min_radius)``,
            i.e. the hard circle's radius.
        soft_score_threshold: ``soft-circle`` stops selecting below this decayed score.
        decay, soft_sigma: the ``soft-circle`` weight, see :func:`nmskit.soft_circle_nms`.
        return_indices: also return the kept row indices.

    Returns:
        The kept boxes (for ``soft-circle`` with their decayed scores), ordered by sample
        and then by descending score; with ``return_indices``, ``(kept, indices)``.
    """
    check_choice(method, "method", METHODS)
    if not isinstance(detections, Detections3D):
        raise ValueError(f"detections must be a Detections3D, got {type(detections).__name__}")
    post = check_count(post_max_size, "post_max_size", allow_none=False)
    radii = _six(min_radius, "min_radius", allow_zero=True)
    n_heads = len(CENTERPOINT_HEADS)
    group = detections.sample * n_heads + HEAD_OF_CLASS[detections.label]
    thr = check_real(score_threshold, "score_threshold", allow_inf=True)
    rows = np.flatnonzero(detections.score > thr)
    d = detections[rows]
    g = group[rows]
    per_group = lambda values: {int(k): float(values[k % n_heads]) for k in np.unique(g)}  # noqa: E731
    scores = d.score
    if method == "circle":
        keep = circle_nms(
            d.center[:, :2], d.score, per_group(radii), labels=g, squared_distance=True, max_per_label=post
        )
    elif method == "rotated":
        keep = rotated_nms(
            d.bev(),
            d.score,
            iou_threshold,
            labels=g,
            max_per_label=post,
            pre_max_size=check_count(pre_max_size, "pre_max_size"),
        )
    else:
        sig = np.sqrt(radii) if sigma is None else _six(sigma, "sigma")
        keep, decayed = soft_circle_nms(
            d.center[:, :2],
            d.score,
            per_group(sig),
            labels=g,
            score_threshold=soft_score_threshold,
            max_per_label=post,
            decay=decay,
            soft_sigma=soft_sigma,
        )
        scores = np.empty(len(d))
        scores[keep] = decayed
    keep = keep[np.argsort(d.sample[keep], kind="stable")]
    kept = d[keep].with_score(scores[keep])
    return (kept, rows[keep]) if return_indices else kept


def _six(values, name, allow_zero=False) -> np.ndarray:
    arr = np.asarray(values, np.float64)
    ok = arr.shape == (len(CENTERPOINT_HEADS),) and np.isfinite(arr).all()
    if not ok or (arr < 0).any() or (not allow_zero and (arr == 0).any()):
        raise ValueError(
            f"{name} must hold {len(CENTERPOINT_HEADS)} finite values, one per head "
            f"{[list(h) for h in CENTERPOINT_HEADS]}, each {'>=' if allow_zero else '>'} 0"
        )
    return arr
