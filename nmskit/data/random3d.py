"""Random nuScenes-like evaluation sets (predictions and ground truth) for tests and
benchmarks of the evaluation and suppression code.

This is deliberately crude: objects are scattered uniformly around the ego vehicle and each
yields 0-3 jittered candidates plus clutter. It exercises every branch of the protocol
(score ties, both filters, NaN velocities, missing attributes, empty classes, samples
without predictions); it is not a model of any detector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .detections3d import Detections3D
from .nuscenes_classes import DETECTION_NAMES

# Attributes that nuScenes allows per class (indices into ATTRIBUTE_NAMES).
CLASS_ATTRIBUTES = {
    "car": (5, 6, 7),
    "truck": (5, 6, 7),
    "bus": (5, 6, 7),
    "trailer": (5, 6, 7),
    "construction_vehicle": (5, 6, 7),
    "pedestrian": (0, 1, 2),
    "motorcycle": (3, 4),
    "bicycle": (3, 4),
    "traffic_cone": (),
    "barrier": (),
}


def random_detection_set(
    seed: int,
    n_samples: int = 40,
    objects: tuple[int, int] = (0, 30),
    score_levels: int | None = None,
    drop_gt: Sequence[str] = (),
    drop_pred: Sequence[str] = (),
    empty_samples: int = 3,
    grid: bool = False,
) -> tuple[Detections3D, Detections3D]:
    """A nuScenes-like synthetic evaluation set.

    Args:
        seed: random seed.
        n_samples: samples in the ground truth; the last ``empty_samples`` of them have
            no predictions, and the first has no ground truth boxes.
        objects: range of objects per sample.
        score_levels: quantise scores to this many levels (creates ties).
        drop_gt / drop_pred: class names with no ground truth / no predictions.
        grid: centres on a 0.5 m lattice and sizes in halves, so distances tie exactly.

    Returns:
        ``(predictions, ground_truth)``.
    """
    rng = np.random.default_rng(seed)
    tokens = [f"sample-{seed}-{i:03d}" for i in range(n_samples)]
    g_parts, p_parts = [], []
    for s, token in enumerate(tokens):
        pose = rng.uniform(-2000, 2000, 3) * [1, 1, 0]
        if grid:
            pose = np.round(pose)
        n = 0 if s == 0 else int(rng.integers(*objects))
        label = rng.choice(10, n, p=[0.35, 0.1, 0.04, 0.05, 0.03, 0.2, 0.03, 0.03, 0.09, 0.08])
        label = label[~np.isin(label, [DETECTION_NAMES.index(c) for c in drop_gt])]
        n = len(label)
        rel = rng.uniform(-60, 60, (n, 3)) * [1, 1, 0.05]
        size = rng.uniform(0.3, 6.0, (n, 3))
        if grid:
            rel = np.round(rel * 2) / 2
            size = np.round(size * 2) / 2 + 0.5
        yaw = rng.uniform(-np.pi, np.pi, n)
        vel = rng.normal(0, 3, (n, 2))
        vel[rng.random(n) < 0.05] = np.nan
        attr = np.array(
            [
                rng.choice(CLASS_ATTRIBUTES[DETECTION_NAMES[c]])
                if CLASS_ATTRIBUTES[DETECTION_NAMES[c]] and rng.random() > 0.05
                else -1
                for c in label
            ],
            np.int64,
        )
        num_pts = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 500, n))
        g_parts.append(
            Detections3D.create(
                rel + pose,
                size,
                yaw,
                label,
                velocity=vel,
                attribute=attr,
                sample=np.zeros(n, np.int64),
                sample_tokens=[token],
                ego=rel,
                num_pts=num_pts,
            )
        )
        if s >= n_samples - empty_samples:
            p_parts.append(Detections3D.empty([token]))
            continue
        # Candidates: 0-3 per object, jittered, sometimes confused; plus clutter.
        k = rng.integers(0, 4, n)
        src = np.repeat(np.arange(n), k)
        m = len(src)
        f = int(rng.integers(0, 12))
        p_label = np.concatenate([label[src], rng.integers(0, 10, f)])
        confuse = rng.random(m + f) < 0.08
        p_label[confuse] = rng.integers(0, 10, confuse.sum())
        keep = ~np.isin(p_label, [DETECTION_NAMES.index(c) for c in drop_pred])
        jitter = rng.standard_t(3, (m, 3)) * rng.choice([0.2, 0.7, 1.5], (m, 1))
        p_rel = np.concatenate([rel[src] + jitter * [1, 1, 0.2], rng.uniform(-55, 55, (f, 3)) * [1, 1, 0.05]])
        if grid:
            p_rel = np.round(p_rel * 2) / 2
        p_size = np.concatenate([size[src] * rng.uniform(0.8, 1.25, (m, 3)), rng.uniform(0.3, 6, (f, 3))])
        flip = np.where(rng.random(m) < 0.1, np.pi, 0.0)
        p_yaw = np.concatenate([yaw[src] + rng.normal(0, 0.2, m) + flip, rng.uniform(-4, 4, f)])
        p_vel = np.concatenate([np.nan_to_num(vel[src]) + rng.normal(0, 1, (m, 2)), rng.normal(0, 2, (f, 2))])
        p_attr = np.concatenate(
            [np.where(rng.random(m) < 0.8, attr[src], rng.integers(-1, 8, m)), rng.integers(-1, 8, f)]
        )
        score = np.concatenate([rng.beta(4, 2, m), rng.beta(1.5, 4, f)])
        if score_levels:
            score = np.floor(score * score_levels) / score_levels
        sel = np.flatnonzero(keep)
        p_parts.append(
            Detections3D.create(
                p_rel[sel] + pose,
                p_size[sel],
                p_yaw[sel],
                p_label[sel],
                score[sel],
                velocity=p_vel[sel],
                attribute=p_attr[sel],
                sample=np.zeros(len(sel), np.int64),
                sample_tokens=[token],
                ego=p_rel[sel],
            )
        )
    return Detections3D.concat(p_parts), Detections3D.concat(g_parts)
