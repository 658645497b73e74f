"""``nmskit bench fusion``: weighted boxes fusion and non-maximum weighting against
ensemble-boxes.

Each of M models sees the same clustered detector-like scene (5 classes) with its own
jitter of boxes and scores; boxes are normalised to [0, 1]. Before timing, ensemble-boxes'
output is checked against nmskit's on the same input. Medians of interleaved runs.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import non_maximum_weighted, weighted_boxes_fusion
from .._table import format_table
from ..data.scene2d import detector_scene
from .timing import interleaved_medians, load_note

SIZES = (100, 1_000, 3_000)
QUICK_SIZES = (100, 1_000)
MODELS = 3


def ensemble_inputs(n: int, models: int = MODELS, seed: int = 0):
    """``models`` jittered views of one scene with ``n`` candidates: per-model lists of
    normalised xyxy boxes ``[n, 4]``, scores ``[n]`` and labels ``[n]``."""
    b, s, lab, _ = detector_scene(n, seed=seed, num_classes=5)
    side = float(b.max())
    rng = np.random.default_rng(seed + 1)
    boxes, scores, labels = [], [], []
    for _ in range(models):
        wh = (b[:, 2:] - b[:, :2])[:, [0, 1, 0, 1]]
        jit = b + rng.normal(0, 0.03, b.shape) * wh
        boxes.append(
            np.clip(np.c_[np.minimum(jit[:, :2], jit[:, 2:]), np.maximum(jit[:, :2], jit[:, 2:])] / side, 0, 1)
        )
        scores.append(np.clip(s * rng.uniform(0.8, 1.0, n), 0.0, 1.0).astype(np.float64))
        labels.append(lab)
    return boxes, scores, labels


def _same(ours, theirs) -> bool:
    return (
        len(ours[0]) == len(theirs[0])
        and np.allclose(ours[0], theirs[0], atol=1e-6)
        and np.allclose(ours[1], theirs[1], atol=1e-6)
        and np.array_equal(ours[2], theirs[2])
    )


def fusion_table(sizes, repeats):
    """Rows ``[N per model, method, fused boxes, nmskit ms, ensemble-boxes ms (ratio)]``."""
    import ensemble_boxes

    rows = []
    for n in sizes:
        inputs = ensemble_inputs(n)
        for name, ours, theirs in (
            ("WBF", weighted_boxes_fusion, ensemble_boxes.weighted_boxes_fusion),
            ("NMW", non_maximum_weighted, ensemble_boxes.non_maximum_weighted),
        ):
            call_ours = lambda: ours(*inputs, iou_thr=0.55, skip_box_thr=0.05)
            call_theirs = lambda: theirs(*inputs, iou_thr=0.55, skip_box_thr=0.05)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = call_ours()
                if not _same(out, call_theirs()):
                    rows.append([f"{n:,}", name, f"{len(out[0]):,}", "-", "disagrees"])
                    continue
                t_o, t_t = interleaved_medians([call_ours, call_theirs], repeats=repeats, budget=60.0)
            rows.append([f"{n:,}", name, f"{len(out[0]):,}", f"{t_o * 1e3:.2f}", f"{t_t * 1e3:.1f} ({t_t / t_o:.0f}x)"])
    return ["N per model", "method", "fused", "nmskit ms", "ensemble-boxes ms"], rows


def run(quick: bool = False) -> None:
    try:
        header, rows = fusion_table(QUICK_SIZES if quick else SIZES, 3 if quick else 7)
    except ImportError:
        print("ensemble-boxes not installed: fusion benchmark skipped")
        return
    print(f"Ensemble fusion of {MODELS} models, IoU 0.55, 5 classes (median ms of interleaved runs; {load_note()})")
    print(format_table(header, rows))
