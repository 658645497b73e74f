"""A CenterPoint-like dense detector model: every visible object yields a cluster of scored
candidates, as heatmap cells above the 0.1 score threshold would.

Per object: a lidar point count falling with range and occlusion (0 = invisible); a
detection probability and a peak score falling with range, occlusion and class
difficulty (visible objects are seldom missed outright; hard ones get low, widely spread
scores instead); an error of the whole object's position and heading, shared by all its
candidates, that grows with range (sparse returns); a cluster of candidates, more for
larger objects, whose scores fall off the centre cell (the cluster's maximum) and whose
boxes carry position, size, yaw (with 180-degree flips) and velocity noise. Duplicate
centres scatter around the object within CenterPoint's NMS radius for the class
(assuming those radii were tuned to cover the spread). On top: class confusion (a second
cluster of a similar class, more likely and scored higher the fewer points the object
has), rare far duplicates along long vehicles that a fixed-radius circle NMS cannot merge,
reflection ghosts further out on the same bearing, and false positives on roadside
structures that look like objects (:func:`.scene._structures`), which go through the same
model as real objects with a lower confidence.
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
    "pedestrian": [
        ATTRIBUTE_INDEX[a] for a in ("pedestrian.moving", "pedestrian.standing", "pedestrian.sitting_lying_down")
    ],
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
    detected object also yields a similar-class cluster (scaled by ``0.5 + a``, with the
    ambiguity ``a = exp(-points / ambiguity_points)``) / a duplicate cluster near one
    end, ``yaw_flip`` the probability of a 180-degree heading error, ``yaw_noise`` its
    standard deviation (radians), ``scatter`` the per-axis standard deviation (metres;
    draws clipped at two deviations) of a duplicate's centre around the object.
    ``position_error`` / ``heading_error`` are the standard deviations, per metre of
    range, of the error shared by all candidates of an object (metres per axis, for a
    car-sized object, scaled by the square root of the object's length relative to a
    car's / radians),
    ``ghost`` the probability that a detected object also appears as a reflection
    ghost, ``structure_penalty`` how much lower (logit) the detector's confidence is on a
    look-alike structure than on a real object of the class.
    """

    quality: np.ndarray = _per_class(3.420, 0.751, 2.662, -0.439, -1.367, 3.779, 0.573, -0.049, 0.802, 0.878)
    candidates: np.ndarray = _per_class(10, 16, 24, 24, 14, 3, 4, 4, 2, 5)
    confusion: np.ndarray = _per_class(0.005, 0.12, 0.08, 0.12, 0.15, 0.04, 0.2, 0.25, 0.06, 0.04)
    far_duplicate: np.ndarray = _per_class(0.0, 0.05, 0.05, 0.05, 0.05, 0, 0, 0, 0, 0)
    scatter: np.ndarray = _per_class(0.5, 0.87, 0.79, 0.79, 0.87, 0.105, 0.23, 0.23, 0.105, 0.25)
    yaw_flip: np.ndarray = _per_class(0.03, 0.05, 0.04, 0.06, 0.1, 0.15, 0.05, 0.08, 0.5, 0.25)
    yaw_noise: np.ndarray = _per_class(0.06, 0.08, 0.06, 0.1, 0.15, 0.45, 0.15, 0.2, 1.5, 0.1)
    range_falloff: float = 1.6
    occlusion_falloff: float = 2.5
    score_noise: float = 1.2
    min_score: float = 0.1
    ambiguity_points: float = 5.0
    position_error: float = 0.013
    heading_error: float = 0.007
    ghost: float = 0.02
    structure_penalty: float = 2.0
    heatmap_width: float = 0.6


def lidar_points(rng, x, y, w, l, h, occlusion):
    """Lidar point counts: proportional to the visible surface, falling with range squared
    and occlusion; 0 means the object is invisible, as in nuScenes."""
    r = np.maximum(np.hypot(x, y), 2.0)
    surface = w * h + l * h
    lam = 900.0 * surface / r**2 * np.clip(1.0 - occlusion, 0.0, 1.0) ** 2
    return rng.poisson(lam)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _attribute_for(label, true_attr, rng):
    """Predicted attribute: the true one mostly, otherwise another valid one for the class."""
    out = true_attr.copy()
    kind = np.where(
        label <= C["construction_vehicle"],
        0,
        np.where(label == C["pedestrian"], 1, np.where((label == C["motorcycle"]) | (label == C["bicycle"]), 2, 3)),
    )
    wrong = rng.random(len(label)) < 0.12
    for k, choices in enumerate(_ATTR_CHOICES.values()):
        m = wrong & (kind == k)
        out[m] = rng.choice(choices, m.sum())
    out[kind == 3] = -1
    out[(kind == 0) & (out < 0)] = ATTRIBUTE_INDEX["vehicle.parked"]
    return out


def _clusters(rng, obj, label, peak, count_mean, model):
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
    heat = np.exp(
        -0.5
        * (
            (du / (model.heatmap_width * np.maximum(l, 0.6))) ** 2
            + (dv / (model.heatmap_width * np.maximum(w, 0.6))) ** 2
        )
    )
    score = peak[src] * np.where(is_peak, 1.0, heat * rng.uniform(0.92, 1.0, len(src)))  # centre cell: the maximum
    lab = np.broadcast_to(label, (len(peak),))[src]
    scatter = np.where(is_peak, 0.0, model.scatter[lab])[:, None] * np.clip(rng.normal(0, 1, (len(src), 2)), -2, 2)
    keep = score >= model.min_score
    src, score, du, dv, lab, scatter = src[keep], score[keep], du[keep], dv[keep], lab[keep], scatter[keep]
    yaw = obj["yaw"][src]
    r = np.hypot(obj["x"][src], obj["y"][src])
    size = np.maximum(obj["l"][src], obj["w"][src])
    sigma = (0.02 + 0.01 * size + 0.001 * r) * (
        1.0 + 0.6 * np.hypot(du / np.maximum(obj["l"][src], 0.6), dv / np.maximum(obj["w"][src], 0.6)) * 3
    )
    cx = obj["x"][src] + scatter[:, 0] + rng.normal(0, 1, len(src)) * sigma
    cy = obj["y"][src] + scatter[:, 1] + rng.normal(0, 1, len(src)) * sigma
    flip = rng.random(len(src)) < model.yaw_flip[lab]
    pyaw = yaw + rng.normal(0, 1, len(src)) * model.yaw_noise[lab] + np.pi * flip
    sz = np.exp(rng.normal(0, 0.14, (len(src), 3)))
    speed = np.hypot(obj["vx"][src], obj["vy"][src])
    vnoise = 0.12 + 0.025 * speed
    cols = {
        "x": cx,
        "y": cy,
        "z": obj["z"][src] + rng.normal(0, 0.1, len(src)),
        "w": obj["w"][src] * sz[:, 0],
        "l": obj["l"][src] * sz[:, 1],
        "h": obj["h"][src] * sz[:, 2],
        "yaw": np.mod(pyaw + np.pi, 2 * np.pi) - np.pi,
        "vx": obj["vx"][src] + rng.normal(0, 1, len(src)) * vnoise,
        "vy": obj["vy"][src] + rng.normal(0, 1, len(src)) * vnoise,
        "label": lab,
        "score": score,
        "attribute": _attribute_for(lab, obj["attribute"][src].astype(int), rng),
    }
    return cols, src


def detect(rng, obj, num_pts, model: DetectorModel):
    """Dense candidates for the objects (and look-alike structures) of one or more frames.

    Args:
        obj: object columns (``x, y, z, w, l, h, yaw, vx, vy, label, attribute, occlusion``,
            ``frame`` and the boolean ``structure``), ``[M]`` each.
        num_pts: ``[M]`` lidar points per object.

    Returns:
        Candidate columns ``[K]`` (``x ... vy, label, score, attribute, frame``).
    """
    label = obj["label"].astype(int)
    r = np.hypot(obj["x"], obj["y"])
    rel = r / RANGE[label]
    logit = (
        model.quality[label]
        - model.range_falloff * rel
        - model.occlusion_falloff * obj["occlusion"]
        + 0.25 * np.log1p(num_pts)
        - 1.0
        - model.structure_penalty * obj["structure"]
    )
    detected = (num_pts > 0) & (rng.random(len(label)) < _sigmoid(logit + 4.0))
    peak = _sigmoid(logit + rng.normal(0, model.score_noise, len(label)))
    # The object as the detector sees it: one error for all its candidates, growing with
    # range (sparser returns) and with the object's extent (more of it unseen).
    spread = model.position_error * r * np.sqrt(np.maximum(obj["l"], obj["w"]) / SIZE[C["car"], 1])
    seen = dict(obj)
    seen["x"] = obj["x"] + rng.normal(0, 1, len(r)) * spread
    seen["y"] = obj["y"] + rng.normal(0, 1, len(r)) * spread
    seen["yaw"] = obj["yaw"] + rng.normal(0, 1, len(r)) * model.heading_error * r
    parts = []

    def add(rows, lab, pk, dx, dy):
        sub = {k: v[rows] for k, v in seen.items()}
        sub["x"], sub["y"] = sub["x"] + dx, sub["y"] + dy
        cols, src = _clusters(rng, sub, lab, pk, model.candidates[lab] * (0.5 + 0.5 * np.exp(-rel[rows])), model)
        cols["frame"] = obj["frame"][rows][src]
        parts.append(cols)

    rows = np.flatnonzero(detected)
    zero = np.zeros(len(rows))
    add(rows, label[rows], peak[rows], zero, zero)
    ambiguity = np.exp(-num_pts[rows] / model.ambiguity_points)  # few points: the shape tells little
    pick = rng.random(len(rows)) < model.confusion[label[rows]] * (0.5 + ambiguity)
    conf = rows[pick]  # a second cluster of a similar class, the stronger the more ambiguous
    if len(conf):
        other = np.array([_pick(rng, _CONFUSION[c]) for c in label[conf]], int)
        shift = rng.normal(-2.0 + 1.5 * ambiguity[pick], 0.5)
        add(conf, other, _sigmoid(np.log(peak[conf] / (1 - peak[conf])) + shift), zero[pick], zero[pick])
    far = rows[rng.random(len(rows)) < model.far_duplicate[label[rows]]]  # duplicate near one end of a long vehicle
    if len(far):
        shift = rng.choice([-1.0, 1.0], len(far)) * (obj["l"][far] / 2 - rng.uniform(0.8, 2.0, len(far)))
        add(
            far,
            label[far],
            peak[far] * rng.uniform(0.35, 0.8, len(far)),
            shift * np.cos(seen["yaw"][far]),
            shift * np.sin(seen["yaw"][far]),
        )
    ghost = rows[rng.random(len(rows)) < model.ghost]  # a reflection: the object again, further out on its bearing
    if len(ghost):
        out = rng.uniform(1.5, 8.0, len(ghost)) / np.maximum(r[ghost], 1.0)
        add(
            ghost,
            label[ghost],
            peak[ghost] * rng.uniform(0.25, 0.6, len(ghost)),
            seen["x"][ghost] * out,
            seen["y"][ghost] * out,
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _pick(rng, options):
    classes, weights = zip(*options)
    return classes[rng.choice(len(classes), p=np.array(weights) / sum(weights))]
