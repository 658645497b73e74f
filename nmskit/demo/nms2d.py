"""Demo section: the NMS family on a synthetic detector scene (kept counts, agreement with
the peers, live timings against them, the scene before and after suppression)."""

from __future__ import annotations

import os
import time

import numpy as np

from .. import batched_nms, combined_nms, nms, soft_nms
from .._table import format_table
from ..bench.nms import nms_table
from ..data.scene2d import detector_scene
from ..report import Report


def _peer_agreement(b, s, labels):
    """Rows ``(method, kept, peer, agrees)`` for the NMS family on one scene."""
    rows = []
    keep = nms(b, s, 0.5)
    kept_by_class = batched_nms(b, s, labels, 0.5)
    soft_idx, _ = soft_nms(np.round(b), s, sigma=0.5, score_threshold=0.001)
    try:
        import cv2

        xywh = np.c_[b[:, :2], b[:, 2:] - b[:, :2]].astype(np.float64)
        ref = np.ravel(cv2.dnn.NMSBoxes(xywh, s, 0.0, 0.5))
        rows.append(["nms", len(keep), "cv2.dnn.NMSBoxes", np.array_equal(keep, ref)])
        per_class = np.concatenate(
            [
                np.flatnonzero(labels == c)[
                    np.ravel(cv2.dnn.NMSBoxes(xywh[labels == c], s[labels == c], 0.0, 0.5)).astype(int)
                ]
                for c in np.unique(labels)
            ]
        )
        rows.append(
            [
                "batched_nms",
                len(kept_by_class),
                "cv2.dnn.NMSBoxes per class",
                set(per_class.tolist()) == set(kept_by_class.tolist()),
            ]
        )
        bi = np.round(b).astype(int)
        _, ref_soft = cv2.dnn.softNMSBoxes(
            [tuple(map(int, r)) for r in np.c_[bi[:, :2], bi[:, 2:] - bi[:, :2]]],
            s.tolist(),
            0.001,
            0.3,
            0,
            0.5,
            cv2.dnn.SOFT_NMSMETHOD_SOFTNMS_GAUSSIAN,
        )
        rows.append(
            ["soft_nms (gaussian)", len(soft_idx), "cv2.dnn.softNMSBoxes", np.array_equal(soft_idx, np.ravel(ref_soft))]
        )
    except ImportError:
        rows.append(["nms / batched_nms / soft_nms", len(keep), "opencv", "not installed"])
    scores = np.zeros((1, len(b), labels.max() + 1), np.float32)
    scores[0, np.arange(len(b)), labels] = s
    yxyx = (b[:, [1, 0, 3, 2]] / b.max())[None, :, None, :].astype(np.float32)
    ours = combined_nms(yxyx, scores, 100, 300, 0.5, 0.05)
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf

        keep_tf = tf.image.non_max_suppression(b[:, [1, 0, 3, 2]], s, len(b), 0.5).numpy()
        rows.insert(1, ["nms", len(keep), "tf.image.non_max_suppression", np.array_equal(keep, keep_tf)])
        ref = tf.image.combined_non_max_suppression(yxyx, scores, 100, 300, 0.5, 0.05)
        same = all(np.array_equal(o, r.numpy()) for o, r in zip(ours, ref))
        rows.append(["combined_nms", int(ours[3][0]), "tf.image.combined_non_max_suppression", same])
    except ImportError:
        rows.append(["combined_nms", int(ours[3][0]), "tensorflow", "not installed"])
    return rows


def _scene_figure(b, s, labels, keep):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    centre = b[np.argmax(s), :2]
    window = (centre[0] - 250, centre[0] + 250, centre[1] - 250, centre[1] + 250)
    inside = (b[:, 0] > window[0]) & (b[:, 2] < window[1]) & (b[:, 1] > window[2]) & (b[:, 3] < window[3])
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.5))
    colours = plt.get_cmap("tab10")
    for ax, idx, title in (
        (axes[0], np.flatnonzero(inside), "before: all candidates"),
        (axes[1], np.intersect1d(keep, np.flatnonzero(inside)), "after: batched_nms, IoU 0.5"),
    ):
        rects = [Rectangle(r[:2], *(r[2:] - r[:2])) for r in b[idx]]
        ax.add_collection(
            PatchCollection(
                rects,
                facecolor="none",
                edgecolor=[colours(l) for l in labels[idx]],
                alpha=0.25 + 0.75 * s[idx] / s.max(),
                linewidth=1.0,
            )
        )
        ax.set_xlim(window[0], window[1])
        ax.set_ylim(window[3], window[2])
        ax.set_aspect("equal")
        ax.set_title(f"{title} ({len(idx)} boxes)")
    fig.tight_layout()
    return fig


def nms_section(report: Report, timing_sizes=(1_000, 20_000, 100_000)) -> None:
    """The NMS family: kept counts and peer agreement, live timings, a before/after figure."""
    b, s, labels, _ = detector_scene(3000, seed=0, num_classes=3)
    report.heading("Heuristic suppression on a synthetic detector scene")
    report.text(
        "3,000 clustered candidates (about 30 per object, 3 classes, 10 % clutter), IoU threshold 0.5. "
        "Each method is run beside its peer on the same input, in this process."
    )
    rows = _peer_agreement(b, s, labels)
    report.table(["method", "kept", "peer", "identical to peer"], rows)
    print(format_table(["method", "kept", "peer", "identical to peer"], rows))

    t0 = time.perf_counter()
    cases = [("detector", n) for n in timing_sizes] + [("crowded", max(timing_sizes))]
    header, trows = nms_table(cases, repeats=3)
    report.table(header, trows, caption="Greedy NMS: median ms, measured now (peer time / nmskit time)")
    print(format_table(header, trows))
    report.text(f"Timing took {time.perf_counter() - t0:.0f} s on this machine.", note=True)

    keep = batched_nms(b, s, labels, 0.5)
    report.figure(
        _scene_figure(b, s, labels, keep),
        "nms_scene.png",
        "A 500 x 500 px window of the scene before and after class-aware NMS (colour = class).",
    )
