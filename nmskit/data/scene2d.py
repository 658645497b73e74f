"""A synthetic 2-D detector-like scene: clustered candidate boxes around objects, the input
that NMS sees after a dense detector's decoding step."""

from __future__ import annotations

import numpy as np

from .._arrays import Array
from .._checks import check_count, check_real


def detector_scene(
    num_boxes: int,
    seed: int = 0,
    *,
    per_object: int = 30,
    clutter: float = 0.1,
    num_classes: int = 1,
    size_range: tuple[float, float] | None = None,
    spacing: float = 90.0,
) -> tuple[Array, Array, Array, Array]:
    """Clustered candidates like a dense detector's pre-NMS output.

    Objects are placed uniformly on a square canvas whose side grows with sqrt(objects),
    so object density stays constant as ``num_boxes`` grows. Each object has a
    log-normal size (median 48 px, mostly 15-150 px), or a log-uniform one in
    ``size_range``; its candidates are jittered by
    about 8 % of its size, their sizes by about 10 %, and their scores fall with the
    offset from the object. A fraction ``clutter`` of boxes are uniform false positives
    with low scores. The canvas grows with the objects, or with N / ``per_object`` when
    clutter outnumbers them.

    Args:
        num_boxes: N, total candidates.
        seed: random seed (same seed, same scene).
        per_object: mean candidates per object.
        clutter: fraction of N that are background false positives, in [0, 1].
        num_classes: labels are drawn per object from this many classes.
        size_range: ``(lo, hi)`` px, object sizes log-uniform in it (None: log-normal).
        spacing: canvas side per sqrt(object), px; about 40 packs objects of 8-150 px so
            that they overlap one another (a crowd).

    Returns:
        ``(boxes [N, 4] float32 xyxy, scores [N] float32 in (0, 1), labels [N] int64,
        object_ids [N] int64 with -1 for clutter)``.
    """
    n = check_count(num_boxes, "num_boxes", allow_none=False, sizes_output=True)
    per = check_count(per_object, "per_object", allow_none=False, sizes_output=True)
    frac = check_real(clutter, "clutter")
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"clutter must lie in [0, 1], got {clutter}")
    if per < 1:
        raise ValueError(f"per_object must be >= 1, got {per_object}")
    if check_count(num_classes, "num_classes", allow_none=False) < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    gap = check_real(spacing, "spacing")
    if gap <= 0:
        raise ValueError(f"spacing must be > 0, got {spacing}")
    if size_range is not None:
        lo, hi = (check_real(v, "size_range") for v in size_range)
        if not 0 < lo <= hi:
            raise ValueError(f"size_range must be (lo, hi) with 0 < lo <= hi, got {size_range}")
    rng = np.random.default_rng(seed)
    n_clutter = int(round(frac * n))
    n_obj_boxes = n - n_clutter
    n_objects = max(1, int(np.ceil(n_obj_boxes / per)))
    side = gap * np.sqrt(max(n_objects, n_clutter / per)) + 200.0  # clutter alone fills as objects would
    centre = rng.uniform(0, side, (n_objects, 2))
    if size_range is None:
        base = np.exp(rng.normal(np.log(48.0), 0.6, (n_objects, 1)))
    else:
        base = np.exp(rng.uniform(np.log(lo), np.log(hi), (n_objects, 1)))
    size = base * np.exp(rng.normal(0, 0.25, (n_objects, 2)))
    conf = rng.beta(5, 2, n_objects)
    label = rng.integers(0, num_classes, n_objects)

    owner = rng.integers(0, n_objects, n_obj_boxes)
    offset = rng.normal(0, 0.08, (n_obj_boxes, 2))
    wh = size[owner] * np.exp(rng.normal(0, 0.1, (n_obj_boxes, 2)))
    c = centre[owner] + offset * size[owner]
    score = conf[owner] * np.exp(-6.0 * np.abs(offset).sum(1)) * rng.uniform(0.85, 1.0, n_obj_boxes)

    cw = rng.uniform(0, side, (n_clutter, 2))
    cs = np.exp(rng.normal(np.log(40.0), 0.7, (n_clutter, 2)))
    c = np.concatenate([c, cw])
    wh = np.concatenate([wh, cs])
    score = np.concatenate([score, rng.uniform(0.0, 0.3, n_clutter)])
    labels = np.concatenate([label[owner], rng.integers(0, num_classes, n_clutter)])
    ids = np.concatenate([owner, np.full(n_clutter, -1)])

    perm = rng.permutation(n)
    boxes = np.concatenate([c - wh / 2, c + wh / 2], 1)[perm].astype(np.float32)
    score = np.clip(score, 1e-6, 1 - 1e-6)
    return boxes, score[perm].astype(np.float32), labels[perm].astype(np.int64), ids[perm].astype(np.int64)
