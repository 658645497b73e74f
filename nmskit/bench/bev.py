"""``nmskit bench bev``: ground-plane geometry and suppression against their peers.

- ``circle_nms`` (CenterPoint's squared-distance rule, car radius 4) against a numba
  transcription of CenterPoint's own O(N^2) kernel, on clustered detector-like centres.
- ``bev_iou`` against shapely's vectorised polygon intersection, 1000 x 1000 boxes, in a
  scene-like spread (most pairs far apart) and a crowded one (most pairs overlapping).
- ``rotated_nms`` against OpenCV's ``NMSBoxesRotated``.

Each peer's output is checked against nmskit's on the same input before it is timed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._table import format_table
from ..geometry.bev import bev_corners, bev_iou
from ..suppress import circle_nms, rotated_nms
from .timing import median_seconds


@njit(cache=True)
def centerpoint_circle_kernel(dets, thresh):
    """CenterPoint's circle_nms loop, transcribed: O(N^2) over the score order."""
    x1, y1, scores = dets[:, 0], dets[:, 1], dets[:, 2]
    order = scores.argsort()[::-1]
    n = dets.shape[0]
    suppressed = np.zeros(n, np.int32)
    keep = []
    for _i in range(n):
        i = order[_i]
        if suppressed[i] == 1:
            continue
        keep.append(i)
        for _j in range(_i + 1, n):
            j = order[_j]
            if suppressed[j] == 1:
                continue
            if (x1[i] - x1[j]) ** 2 + (y1[i] - y1[j]) ** 2 <= thresh:
                suppressed[j] = 1
    return keep


def _centres(rng, n):
    """About 20 candidates per object, objects scattered over +-54 m."""
    objects = rng.uniform(-54, 54, (n // 20 + 1, 2))
    return objects[rng.integers(0, len(objects), n)] + rng.normal(0, 0.6, (n, 2))


def _boxes(rng, n, spread):
    return np.c_[
        rng.uniform(-spread, spread, (n, 2)),
        rng.uniform(0.5, 2.5, n),
        rng.uniform(0.5, 6, n),
        rng.uniform(-np.pi, np.pi, n),
    ]


def _shapely_iou(a, b):
    import shapely

    pa, pb = shapely.polygons(bev_corners(a)), shapely.polygons(bev_corners(b))
    inter = shapely.area(shapely.intersection(pa[:, None], pb[None, :]))
    return inter / (shapely.area(pa)[:, None] + shapely.area(pb)[None, :] - inter)


def run(quick: bool = False) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for n in (5_000, 30_000):
        c = _centres(rng, n)
        s = rng.random(n)  # distinct scores: the kept sets must agree exactly
        ours = circle_nms(c, s, 4.0, squared_distance=True)
        dets = np.c_[c, s]
        ref = np.asarray(centerpoint_circle_kernel(dets, 4.0))
        if not np.array_equal(np.sort(ours), np.sort(ref)):
            print(f"circle N={n}: the transcription disagrees; not timed")
            continue
        t_ours = median_seconds(lambda: circle_nms(c, s, 4.0, squared_distance=True), repeats=5)
        t_ref = median_seconds(lambda: centerpoint_circle_kernel(dets, 4.0), repeats=3 if not quick else 1)
        rows.append(
            [
                f"circle_nms, N={n}",
                f"{1e3 * t_ours:.2f}",
                "CenterPoint kernel (numba)",
                f"{1e3 * t_ref:.1f}",
                f"{t_ref / t_ours:.0f}x",
            ]
        )
    try:
        import shapely  # noqa: F401

        for label, spread in (("scene, +-50 m", 50.0), ("crowded, +-3 m", 3.0)):
            a, b = _boxes(rng, 1000, spread), _boxes(rng, 1000, spread)
            if np.abs(bev_iou(a, b) - _shapely_iou(a, b)).max() > 1e-6:
                print(f"bev_iou {label}: shapely disagrees; not timed")
                continue
            t_ours = median_seconds(lambda: bev_iou(a, b), repeats=5)
            t_ref = median_seconds(lambda: _shapely_iou(a, b), repeats=1 if quick else 3)
            rows.append(
                [
                    f"bev_iou 1000x1000 ({label})",
                    f"{1e3 * t_ours:.2f}",
                    "shapely",
                    f"{1e3 * t_ref:.1f}",
                    f"{t_ref / t_ours:.0f}x",
                ]
            )
    except ImportError:
        print("shapely not installed: skipped")
    try:
        import cv2

        b = np.c_[
            _centres(rng, 5000),
            rng.uniform(1.5, 2.2, 5000),
            rng.uniform(3.5, 5, 5000),
            rng.uniform(-np.pi, np.pi, 5000),
        ]
        s = rng.random(5000).astype(np.float32)
        rects = [((x, y), (l, w), float(np.degrees(a))) for x, y, w, l, a in b]
        t_ours = median_seconds(lambda: rotated_nms(b, s, 0.2), repeats=5)
        t_ref = median_seconds(lambda: cv2.dnn.NMSBoxesRotated(rects, s.tolist(), 0.0, 0.2), repeats=3)
        rows.append(
            [
                "rotated_nms, N=5000, IoU 0.2",
                f"{1e3 * t_ours:.2f}",
                "OpenCV NMSBoxesRotated",
                f"{1e3 * t_ref:.1f}",
                f"{t_ref / t_ours:.0f}x",
            ]
        )
    except ImportError:
        print("opencv not installed: skipped")
    print("Ground-plane geometry and suppression (medians, one process)")
    print(format_table(["nmskit", "ms", "peer", "peer ms", "nmskit faster by"], rows))
    print(
        "rotated_nms and OpenCV differ by design where a box lies entirely inside another "
        "(OpenCV scores that as IoU 1), so that row is timed without an equality check."
    )
