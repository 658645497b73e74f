"""``nmskit bench nms``: greedy NMS against OpenCV, TensorFlow and ensemble-boxes.

Inputs are clustered detector-like scenes (about 30 candidates per object) at IoU 0.5, then
harder ones (:data:`SCENES`): a crowd of objects of 8-150 px overlapping one another, a wide
range of object sizes (4-800 px), and uniform clutter with no objects at all. Before
timing, each peer's kept set is checked against nmskit's on the same input; a disagreeing
peer is reported, not timed. Every number is a median of runs interleaved with the peers'
(one call of each per round), measured here, in this process, side by side.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import nms, soft_nms
from .._table import format_table
from ..data.scene2d import detector_scene
from .timing import interleaved_medians, load_note, median_seconds

SIZES = (1_000, 10_000, 20_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 20_000)
SCENES: dict[str, dict[str, Any]] = {  # name -> detector_scene keywords
    "detector": {},
    "crowded": dict(size_range=(8, 150), spacing=40.0),
    "wide sizes": dict(size_range=(4, 800)),
    "uniform clutter": dict(clutter=1.0),
}
SCENE_SIZES = (20_000, 100_000)
QUICK_SCENE_SIZES = (20_000,)
LIMITS = {"opencv": 100_000, "tensorflow": 100_000, "ensemble-boxes": 20_000}


def _peers():
    """Available peers as ``name -> (prepare(boxes, scores), run(prepared), kept(result, boxes))``."""
    peers = {}
    try:
        import cv2

        peers["opencv"] = (
            lambda b, s: (np.c_[b[:, :2], b[:, 2:] - b[:, :2]].astype(np.float64), s),
            lambda p: cv2.dnn.NMSBoxes(p[0], p[1], 0.0, 0.5),
            lambda r, b: np.asarray(r, np.int64).ravel(),
        )
    except ImportError:
        print("opencv not installed: skipped")
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf

        peers["tensorflow"] = (
            lambda b, s: (tf.constant(b[:, [1, 0, 3, 2]]), tf.constant(s), len(b)),
            lambda p: tf.image.non_max_suppression(p[0], p[1], p[2], 0.5).numpy(),
            lambda r, b: r.astype(np.int64),
        )
    except ImportError:
        print("tensorflow not installed: skipped")
    try:
        import ensemble_boxes

        def prep(b, s):  # it clips to [0, 1]: shift and scale uniformly, which keeps every IoU
            return [_unit(b, b).tolist()], [s.tolist()], [[0] * len(b)]

        peers["ensemble-boxes"] = (
            prep,
            lambda p: ensemble_boxes.nms(p[0], p[1], p[2], iou_thr=0.5),
            None,  # returns boxes, not indices: compared as sorted box rows below
        )
    except ImportError:
        print("ensemble-boxes not installed: skipped")
    return peers


def _unit(b, ref):
    """Map ``b`` into [0, 1] by the shift and uniform scale that map ``ref`` there."""
    lo, hi = float(ref.min()), float(ref.max())
    return (b.astype(np.float64) - lo) / ((hi - lo) or 1.0)


def _agrees(name, result, kept_fn, boxes, keep):
    if kept_fn is not None:
        return np.array_equal(kept_fn(result, boxes), keep)
    theirs = np.asarray(result[0], np.float64)
    ours = _unit(boxes[keep], boxes)
    if len(theirs) != len(ours):
        return False
    key = lambda a: a[np.lexsort(a.T[::-1])]
    return np.allclose(key(theirs), key(ours), atol=1e-6)


def nms_table(cases, repeats):
    """Time nmskit and each agreeing peer on each ``(scene, N)``. Returns ``(header, rows)``."""
    peers = _peers()
    rows = []
    for scene, n in cases:
        b, s, _, _ = detector_scene(n, seed=0, **SCENES[scene])
        keep = nms(b, s, 0.5)
        calls, cols = [lambda: nms(b, s, 0.5)], []
        for name, (prep, call, kept_fn) in peers.items():
            if n > LIMITS[name]:
                cols.append("-")
                continue
            p = prep(b, s)
            if not _agrees(name, call(p), kept_fn, b, keep):
                cols.append("disagrees")
                continue
            calls.append(lambda call=call, p=p: call(p))
            cols.append(None)
        times = interleaved_medians(calls, repeats=repeats, budget=60.0)
        t_ours, peer_times = times[0], iter(times[1:])
        row = [scene, f"{n:,}", f"{len(keep):,}", f"{t_ours * 1e3:.2f}"]
        for c in cols:
            t = next(peer_times) if c is None else None
            row.append(c if c is not None else f"{t * 1e3:.2f} ({t / t_ours:.1f}x)")
        rows.append(row)
    return ["scene", "N", "kept", "nmskit ms"] + [f"{k} ms" for k in peers], rows


def sort_share(n: int, repeats: int) -> str:
    """nmskit's time at N against the score sort alone (``np.argsort``), interleaved."""
    b, s, _, _ = detector_scene(n, seed=0)
    s64 = s.astype(np.float64)
    t_nms, t_sort = interleaved_medians([lambda: nms(b, s, 0.5), lambda: np.argsort(-s64)], repeats=repeats)
    return (
        f"At N = {n:,}: nmskit {t_nms * 1e3:.0f} ms; argsort of the scores alone {t_sort * 1e3:.0f} ms "
        f"({t_nms / t_sort:.1f}x the sort)."
    )


def soft_table(sizes, repeats):
    """Gaussian Soft-NMS against ``cv2.dnn.softNMSBoxes``. Returns ``(header, rows)``."""
    import cv2

    rows = []
    for n in sizes:
        b, s, _, _ = detector_scene(n, seed=1)
        bi = np.round(b).astype(np.int64)  # OpenCV takes integer rectangles
        rects = [tuple(int(v) for v in r) for r in np.c_[bi[:, :2], bi[:, 2:] - bi[:, :2]]]
        sl = s.tolist()
        ours = lambda: soft_nms(bi, s, sigma=0.5, score_threshold=0.001)
        theirs = lambda: cv2.dnn.softNMSBoxes(rects, sl, 0.001, 0.3, 0, 0.5, cv2.dnn.SOFT_NMSMETHOD_SOFTNMS_GAUSSIAN)
        same = np.array_equal(ours()[0], np.ravel(theirs()[1]))
        t_o = median_seconds(ours, repeats=repeats)
        t_c = median_seconds(theirs, repeats=repeats, budget=20.0)
        rows.append([f"{n:,}", str(same), f"{t_o * 1e3:.2f}", f"{t_c * 1e3:.2f} ({t_c / t_o:.1f}x)"])
    return ["N", "same as OpenCV", "nmskit ms", "opencv ms"], rows


def run(quick: bool = False) -> None:
    repeats = 3 if quick else 7
    cases = [("detector", n) for n in (QUICK_SIZES if quick else SIZES)]
    cases += [(scene, n) for scene in list(SCENES)[1:] for n in (QUICK_SCENE_SIZES if quick else SCENE_SIZES)]
    print(f"Greedy NMS, IoU 0.5 (median ms of interleaved runs; peer time / nmskit time; {load_note()})")
    print(format_table(*nms_table(cases, repeats)))
    if not quick:
        print(sort_share(SIZES[-1], repeats))
    try:
        header, rows = soft_table((1_000, 5_000), repeats)
    except ImportError:
        print("opencv not installed: Soft-NMS comparison skipped")
        return
    print("\nGaussian Soft-NMS, sigma 0.5 (median ms)")
    print(format_table(header, rows))
