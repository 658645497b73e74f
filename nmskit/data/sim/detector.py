"""A CenterPoint-like dense detector model: every visible object yields a cluster of scored
candidates, as heatmap cells above the 0.1 score threshold would.

Per object: a lidar point count falling with range and occlusion (0 = invisible); a
detection probability and a peak score falling with range, occlusion and class
difficulty (visible objects are seldom missed outright; hard ones get low, widely spread
scores instead); a cluster of candidates, more for larger objects, whose scores fall off
the centre cell (the cluster's maximum) and whose boxes carry position, size, yaw (with
180-degree flips) and velocity noise. Duplicate centres scatter around the object within
about half of CenterPoint's NMS radius for the class (assuming those radii were tuned to
cover the spread). On top: class confusion (a second cluster of a similar class), rare far
duplicates along long vehicles that a fixed-radius circle NMS cannot merge, and
background false positives (clutter), tens per frame just above the score threshold.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..nuscenes_classes import ATTRIBUTE_INDEX, CLASS_RANGE, DETECTION_NAMES
from ..nuscenes_classes import CLASS_INDEX as C
from .scene import SIZE

NUM_CLASSES = len(DETECTION_NAMES)
RANGE = np.array([CLASS_RANGE[c] for c in DETECTION_NAMES])
_CONFUSION = {  # class -> (confused class, probability weight)
    C["car"]: ((C["truck"], 1.0),),
    C["truck"]: ((C["car"], 0.5), (C["trailer"], 0.3), (C["construction_vehicle"], 0.2)),
    C["bus"]: ((C["truck"], 1.0),),
    C["trailer"]: ((C["truck"], 1.0),),
    C["construction_vehicle"]: ((C["truck"], 1.0),),
    C["pedestrian"]: ((C["traffic_cone"], 1.0),),
    C["motorcycle"]: ((C["bicycle"], 1.0),),
    C["bicycle"]: ((C["motorcycle"], 1.0),),
    C["traffic_cone"]: ((C["pedestrian"], 1.0),),
    C["barrier"]: ((C["traffic_cone"], 1.0),),
}
_ATTR_CHOICES = {  # attributes a detector may predict for each class
    "vehicle": [ATTRIBUTE_INDEX[a] for a in ("vehicle.moving", "vehicle.parked", "vehicle.stopped")],
    "pedestrian": [ATTRIBUTE_INDEX[a] for a in ("pedestrian.moving", "pedestrian.standing", "pedestrian.sitting_lying_down")],
    "cycle": [ATTRIBUTE_INDEX[a] for a in ("cycle.with_rider", "cycle.without_rider")],
}


def _per_class(*values):
    return field(default_factory=lambda: np.array(values, dtype=float))


@dataclass
class DetectorModel:
    """Parameters of the simulated detector; arrays are per class, in nuScenes order.

    ``quality`` shifts the logit of each class's detection probability and peak score;
    its defaults come from :func:`nmskit.bench.calibration.calibrate_quality` (see the
    README's simulator section for the command). ``candidates`` is the mean cluster size
    before the 0.1 score cut, ``confusion`` / ``far_duplicate`` the probability that a
    detected object also yields a similar-class cluster / a duplicate cluster near one
    end, ``clutter`` the mean false positives per frame, ``yaw_flip`` the probability of a
    180-degree heading error, ``yaw_noise`` its standard deviation (radians),
    ``scatter`` the per-axis standard deviation (metres; draws clipped at two deviations)
    of a duplicate's centre around the object, a quarter of CenterPoint's NMS radius.
    """

    quality: np.ndarray = _per_class(2.122, 1.594, 1.962, 0.201, -0.119, 2.648, 1.277, 1.018, 1.73, 2.162)
    candidates: np.ndarray = _per_class(10, 16, 24, 24, 14, 3, 4, 4, 2, 5)
    confusion: np.ndarray = _per_class(0.06, 0.25, 0.15, 0.25, 0.35, 0.04, 0.2, 0.25, 0.06, 0.04)
    far_duplicate: np.ndarray = _per_class(0.0, 0.05, 0.05, 0.05, 0.05, 0, 0, 0, 0, 0)
    clutter: np.ndarray = _per_class(40, 20, 6, 3, 3, 30, 3, 3, 25, 50)
    yaw_flip: np.ndarray = _per_class(0.03, 0.05, 0.04, 0.06, 0.1, 0.15, 0.05, 0.08, 0.5, 0.25)
    yaw_noise: np.ndarray = _per_class(0.06, 0.08, 0.06, 0.1, 0.15, 0.45, 0.15, 0.2, 1.5, 0.1)
    scatter: np.ndarray = _per_class(0.5, 0.87, 0.79, 0.79, 0.87, 0.105, 0.23, 0.23, 0.105, 0.25)
    range_falloff: float = 1.6
    occlusion_falloff: float = 2.5
    score_noise: float = 1.2
    min_score: float = 0.1


def lidar_points(rng, x, y, w, l, h, occlusion):
    """Lidar point counts: proportional to the visible surface, falling with range squared
    and occlusion; 0 means the object is invisible, as in nuScenes."""
    r = np.maximum(np.hypot(x, y), 2.0)
    surface = w * h + l * h
    lam = 900.0 * surface / r ** 2 * np.clip(1.0 - occlusion, 0.0, 1.0) ** 2
    return rng.poisson(lam)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _attribute_for(label, true_attr, rng):
    """Predicted attribute: the true one mostly, otherwise another valid one for the class."""
    out = true_attr.copy()
    kind = np.where(label <= C["construction_vehicle"], 0, np.where(label == C["pedestrian"], 1,
                    np.where((label == C["motorcycle"]) | (label == C["bicycle"]), 2, 3)))
    wrong = rng.random(len(label)) < 0.12
    for k, choices in enumerate(_ATTR_CHOICES.values()):
        m = wrong & (kind == k)
        out[m] = rng.choice(choices, m.sum())
    out[kind == 3] = -1
    out[(kind == 0) & (out < 0)] = ATTRIBUTE_INDEX["vehicle.parked"]
    return out


def _clusters(rng, obj, label, peak, count_mean, centre_shift, model):
    """Candidate clusters: one per row of ``obj`` with the given label and peak score.

    Returns candidate columns and the index of the source row of each candidate.
    """
    n_raw = 1 + rng.poisson(count_mean)
    src = np.repeat(np.arange(len(peak)), n_raw)
    first = np.cumsum(n_raw) - n_raw
    is_peak = np.zeros(len(src), bool)
    is_peak[first] = True
    w, l = obj["w"][src], obj["l"][src]
    du = np.where(is_peak, 0.0, rng.normal(0, 0.35, len(src))) * np.maximum(l, 0.6)  # cell offset along the box
    dv = np.where(is_peak, 0.0, rng.normal(0, 0.35, len(src))) * np.maximum(w, 0.6)
    heat = np.exp(-0.5 * ((du / (0.3 * np.maximum(l, 0.6))) ** 2 + (dv / (0.3 * np.maximum(w, 0.6))) ** 2))
    score = peak[src] * np.where(is_peak, 1.0, heat * rng.uniform(0.92, 1.0, len(src)))  # centre cell: the maximum
    lab = np.broadcast_to(label, (len(peak),))[src]
    scatter = np.where(is_peak, 0.0, model.scatter[lab])[:, None] * np.clip(rng.normal(0, 1, (len(src), 2)), -2, 2)
    keep = score >= model.min_score
    src, score, du, dv, lab, scatter = src[keep], score[keep], du[keep], dv[keep], lab[keep], scatter[keep]
    yaw = obj["yaw"][src]
    r = np.hypot(obj["x"][src], obj["y"][src])
    size = np.maximum(obj["l"][src], obj["w"][src])
    sigma = (0.04 + 0.015 * size + 0.003 * r) * (1.0 + 0.6 * np.hypot(du / np.maximum(obj["l"][src], 0.6),
                                                                      dv / np.maximum(obj["w"][src], 0.6)) * 3)
    shift = centre_shift[src]
    cx = obj["x"][src] + shift * np.cos(yaw) + scatter[:, 0] + rng.normal(0, 1, len(src)) * sigma
    cy = obj["y"][src] + shift * np.sin(yaw) + scatter[:, 1] + rng.normal(0, 1, len(src)) * sigma
    flip = rng.random(len(src)) < model.yaw_flip[lab]
    pyaw = yaw + rng.normal(0, 1, len(src)) * model.yaw_noise[lab] + np.pi * flip
    sz = np.exp(rng.normal(0, 0.14, (len(src), 3)))
    speed = np.hypot(obj["vx"][src], obj["vy"][src])
    vnoise = 0.12 + 0.025 * speed
    cols = {
        "x": cx, "y": cy, "z": obj["z"][src] + rng.normal(0, 0.1, len(src)),
        "w": obj["w"][src] * sz[:, 0], "l": obj["l"][src] * sz[:, 1], "h": obj["h"][src] * sz[:, 2],
        "yaw": np.mod(pyaw + np.pi, 2 * np.pi) - np.pi,
        "vx": obj["vx"][src] + rng.normal(0, 1, len(src)) * vnoise,
        "vy": obj["vy"][src] + rng.normal(0, 1, len(src)) * vnoise,
        "label": lab, "score": score,
        "attribute": _attribute_for(lab, obj["attribute"][src].astype(int), rng),
    }
    return cols, src


def detect(rng, obj, num_pts, model: DetectorModel):
    """Dense candidates for the objects of one or more frames.

    Args:
        obj: object columns (``x, y, z, w, l, h, yaw, vx, vy, label, attribute, occlusion``
            and ``frame``), ``[M]`` each.
        num_pts: ``[M]`` lidar points per object.

    Returns:
        Candidate columns ``[K]`` (``x ... vy, label, score, attribute, frame``).
    """
    label = obj["label"].astype(int)
    r = np.hypot(obj["x"], obj["y"])
    rel = r / RANGE[label]
    logit = (model.quality[label] - model.range_falloff * rel - model.occlusion_falloff * obj["occlusion"]
             + 0.25 * np.log1p(num_pts) - 1.0)
    detected = (num_pts > 0) & (rng.random(len(label)) < _sigmoid(logit + 4.0))
    peak = _sigmoid(logit + rng.normal(0, model.score_noise, len(label)))
    parts = []

    def add(rows, lab, pk, shift):
        sub = {k: v[rows] for k, v in obj.items()}
        cols, src = _clusters(rng, sub, lab, pk, model.candidates[lab] * (0.5 + 0.5 * np.exp(-rel[rows])), shift, model)
        cols["frame"] = obj["frame"][rows][src]
        parts.append(cols)

    rows = np.flatnonzero(detected)
    add(rows, label[rows], peak[rows], np.zeros(len(rows)))
    conf = rows[rng.random(len(rows)) < model.confusion[label[rows]]]  # a second cluster of a similar class
    if len(conf):
        other = np.array([_pick(rng, _CONFUSION[c]) for c in label[conf]], int)
        add(conf, other, peak[conf] * rng.uniform(0.3, 0.85, len(conf)), np.zeros(len(conf)))
    far = rows[rng.random(len(rows)) < model.far_duplicate[label[rows]]]  # duplicate near one end of a long vehicle
    if len(far):
        shift = rng.choice([-1.0, 1.0], len(far)) * (obj["l"][far] / 2 - rng.uniform(0.8, 2.0, len(far)))
        add(far, label[far], peak[far] * rng.uniform(0.35, 0.8, len(far)), shift)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _pick(rng, options):
    classes, weights = zip(*options)
    return classes[rng.choice(len(classes), p=np.array(weights) / sum(weights))]


def clutter(rng, frames, model: DetectorModel):
    """Background false positives: Poisson per class and frame, uniform within range,
    scores just above the detection threshold."""
    counts = rng.poisson(model.clutter, (len(frames), NUM_CLASSES))
    label = np.repeat(np.tile(np.arange(NUM_CLASSES), len(frames)), counts.ravel())
    frame = np.repeat(np.repeat(frames, NUM_CLASSES), counts.ravel())
    n = len(label)
    r = RANGE[label] * np.sqrt(rng.random(n))
    a = rng.uniform(-np.pi, np.pi, n)
    sz = SIZE[label] * np.exp(rng.normal(0, 0.15, (n, 3)))
    return {
        "x": r * np.cos(a), "y": r * np.sin(a), "z": sz[:, 2] / 2 - 1.8,
        "w": sz[:, 0], "l": sz[:, 1], "h": sz[:, 2], "yaw": rng.uniform(-np.pi, np.pi, n),
        "vx": rng.normal(0, 0.5, n), "vy": rng.normal(0, 0.5, n), "label": label,
        "score": np.minimum(model.min_score + rng.exponential(0.08, n), 0.9),
        "attribute": _attribute_for(label, np.full(n, ATTRIBUTE_INDEX["vehicle.parked"]), rng), "frame": frame,
    }
