"""Ground-truth BEV scenes around an ego vehicle: roads with lanes of traffic, parked rows,
pedestrian crowds, cone lines, barrier rows, trucks with trailers and buses; and the
roadside structures (poles, bollards, fences, vegetation, shelters) that a lidar detector
mistakes for objects.

Every object is a row of plain columns (``FIELDS``); coordinates are metres in the ego
frame (ego at the origin), yaw in radians, velocity in m/s; ``label`` and ``attribute``
index the nuScenes vocabulary (attribute -1: none, for cones and barriers). A structure
is a row of the same columns whose ``label`` is the class it resembles; it is never
ground truth.
"""

from __future__ import annotations

import numpy as np

from ..nuscenes_classes import ATTRIBUTE_INDEX as A
from ..nuscenes_classes import CLASS_INDEX as C

# Mean (w, l, h) in metres and relative spread per class (nuScenes order), close to
# nuScenes' class statistics.
SIZE = np.array(
    [
        [1.95, 4.62, 1.73],
        [2.51, 6.93, 2.84],
        [2.94, 10.9, 3.47],
        [2.90, 12.3, 3.87],
        [2.73, 6.37, 3.19],
        [0.67, 0.73, 1.77],
        [0.77, 2.11, 1.47],
        [0.61, 1.70, 1.29],
        [0.41, 0.41, 1.07],
        [2.49, 0.48, 0.99],
    ]
)
SIZE_SPREAD = np.array([0.08, 0.18, 0.08, 0.12, 0.15, 0.12, 0.10, 0.10, 0.12, 0.10])

PEDESTRIAN_CORE = 0.18  # torso radius (m): two pedestrians' centres are at least twice this apart
FIELDS = ("x", "y", "z", "w", "l", "h", "yaw", "vx", "vy", "label", "attribute", "occlusion")


class _Builder:
    """Accumulates objects of one frame as lists of columns."""

    def __init__(self):
        self.cols = {k: [] for k in FIELDS}
        self.structure = []

    def add(self, label, x, y, yaw, speed, attribute, rng, occlusion=None, structure=False):
        """Objects of one class (or a ``label`` array); scalars broadcast over the group;
        ``structure`` marks look-alike structures (not ground truth)."""
        x, y, yaw, speed, label = (np.atleast_1d(np.asarray(v)) for v in (x, y, yaw, speed, label))
        n = max(len(x), len(y), len(yaw), len(label))
        if n == 0:
            return
        x, y, yaw, speed, label = (np.broadcast_to(v, (n,)) for v in (x, y, yaw, speed, label))
        size = SIZE[label] * np.exp(rng.normal(0, 1, (n, 3)) * SIZE_SPREAD[label][:, None])
        self.cols["x"].append(x)
        self.cols["y"].append(y)
        self.cols["z"].append(size[:, 2] / 2 - 1.8 + rng.normal(0, 0.05, n))  # lidar frame: ground ~ -1.8 m
        self.cols["w"].append(size[:, 0])
        self.cols["l"].append(size[:, 1])
        self.cols["h"].append(size[:, 2])
        self.cols["yaw"].append(np.mod(yaw + np.pi, 2 * np.pi) - np.pi)
        self.cols["vx"].append(speed * np.cos(yaw))
        self.cols["vy"].append(speed * np.sin(yaw))
        self.cols["label"].append(label.astype(np.int64))
        self.cols["attribute"].append(np.broadcast_to(np.asarray(attribute), (n,)).copy())
        self.cols["occlusion"].append(rng.beta(1.2, 4.0, n) if occlusion is None else np.broadcast_to(occlusion, (n,)))
        self.structure.append(np.full(n, structure))

    def columns(self):
        """``(objects, structures)``: the frame's columns, without any row that would
        physically overlap an earlier one (add structures last, so objects win)."""
        cols = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.cols.items()}
        structure = np.concatenate(self.structure) if self.structure else np.zeros(0, bool)
        keep = _non_overlapping(cols)
        return tuple({k: v[keep & m] for k, v in cols.items()} for m in (~structure, structure))


def _non_overlapping(cols) -> np.ndarray:
    """Mask of objects whose core disc (half the smaller footprint side; 0.18 m for a
    pedestrian's torso, so crowds stay tighter than CenterPoint's 0.42 m radius) meets no
    earlier kept object's core disc."""
    core = np.where(cols["label"] == C["pedestrian"], PEDESTRIAN_CORE, 0.5 * np.minimum(cols["w"], cols["l"]))
    xy = np.c_[cols["x"], cols["y"]]
    clash = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)) < core[:, None] + core[None]
    clash = np.tril(clash, -1)  # clash[i, j]: object i meets the earlier object j
    keep = np.ones(len(core), bool)
    for i in np.flatnonzero(clash.any(axis=1)):  # only objects that meet an earlier one can be dropped
        keep[i] = not np.any(clash[i, :i] & keep[:i])
    return keep


def _group_occlusion(rng, n):
    """Occlusion shared by a group (one occluder hides a cone line, a barrier row or a
    crowd together), with a little individual variation."""
    return np.clip(rng.beta(1.2, 4.0) + rng.normal(0, 0.05, n), 0.0, 1.0)


def _rot(u, v, heading):
    """(along, across) road coordinates -> ego-frame (x, y)."""
    c, s = np.cos(heading), np.sin(heading)
    return u * c - v * s, u * s + v * c


def _positions_along(rng, start, stop, gap_mean, gap_min):
    """Positions along a line with exponential gaps of at least ``gap_min``."""
    gaps = gap_min + rng.exponential(gap_mean, int((stop - start) / gap_min) + 2)
    pos = start + np.cumsum(gaps) - gaps[0] * rng.random()
    return pos[pos < stop]


def _traffic(b, rng, heading, offset):
    """Lanes of moving traffic along a road through (offset across the road)."""
    for lane in (-5.25, -1.75, 1.75, 5.25):
        direction = 0.0 if lane > 0 else np.pi
        u = _positions_along(rng, -60, 60, 14.0, 7.0)
        n = len(u)
        if n == 0:
            continue
        kind = rng.choice(
            [C["car"], C["truck"], C["bus"], C["motorcycle"], C["bicycle"], C["construction_vehicle"]],
            size=n,
            p=[0.80, 0.10, 0.035, 0.03, 0.02, 0.015],
        )
        speed = np.where(rng.random(n) > 0.25, np.maximum(0.0, rng.normal(8.0, 4.0, n)), 0.0)
        attr = np.where(speed > 0.5, A["vehicle.moving"], A["vehicle.stopped"])
        attr[(kind == C["motorcycle"]) | (kind == C["bicycle"])] = A["cycle.with_rider"]
        x, y = _rot(u, offset + lane + rng.normal(0, 0.25, n), heading)
        yaw = heading + direction + rng.normal(0, 0.03, n)
        b.add(kind, x, y, yaw, speed, attr, rng)
        hitched = (kind == C["truck"]) & (rng.random(n) < 0.45)  # a trailer behind some trucks
        if hitched.any():
            back = -np.sign(np.cos(direction)) * (SIZE[C["truck"], 1] / 2 + SIZE[C["trailer"], 1] / 2 + 0.6)
            tx, ty = _rot(u[hitched] + back, offset + lane, heading)
            b.add(
                C["trailer"],
                tx,
                ty,
                yaw[hitched] + rng.normal(0, 0.05, hitched.sum()),
                speed[hitched],
                attr[hitched],
                rng,
            )


def _parked(b, rng, heading, offset):
    for side in (-1, 1):
        if rng.random() < 0.6:
            u = _positions_along(rng, rng.uniform(-55, -10), rng.uniform(10, 55), 1.2, 5.4)
            n = len(u)
            kinds = rng.choice([C["car"], C["truck"], C["trailer"]], size=n, p=[0.9, 0.07, 0.03])
            x, y = _rot(u, offset + side * 8.6 + rng.normal(0, 0.15, n), heading)
            yaw = heading + np.where(rng.random(n) < 0.5, 0.0, np.pi) + rng.normal(0, 0.05, n)
            b.add(kinds, x, y, yaw, 0.0, A["vehicle.parked"], rng)


def _pedestrians(b, rng, heading, offset, crowd_spacing=None):
    for _ in range(rng.poisson(2.2)):  # crowds on the sidewalks, people closer than 0.42 m apart
        side = rng.choice([-1, 1])
        u0, v0 = rng.uniform(-40, 40), offset + side * rng.uniform(10.5, 13.0)
        n = 2 + rng.poisson(3.0)
        if crowd_spacing is None:  # a loose group scattered about its centre
            spacing = rng.uniform(0.5, 1.0)  # people in a group keep a personal distance
            du = rng.normal(0, spacing * np.sqrt(n) / 2, n)
            dv = rng.normal(0, spacing, n)
        else:  # packed: a queue or a block of 2 or 3 rows, neighbours crowd_spacing apart
            rows = rng.integers(1, 4)
            du = np.arange(n) // rows * crowd_spacing + rng.normal(0, 0.02, n)
            dv = np.arange(n) % rows * side * crowd_spacing + rng.normal(0, 0.02, n)
        x, y = _rot(u0 + du, v0 + dv, heading)
        moving = rng.random() < 0.6
        yaw = heading + (0 if rng.random() < 0.5 else np.pi) + rng.normal(0, 0.4, n)
        b.add(
            C["pedestrian"],
            x,
            y,
            yaw,
            rng.normal(1.3, 0.3, n) * moving,
            A["pedestrian.moving"] if moving else A["pedestrian.standing"],
            rng,
            _group_occlusion(rng, n),
        )
    for _ in range(rng.poisson(2.5)):  # single walkers, some crossing
        u, v = rng.uniform(-45, 45), offset + rng.choice([-1, 1]) * rng.uniform(3, 13)
        x, y = _rot(u, v, heading)
        b.add(C["pedestrian"], x, y, rng.uniform(-np.pi, np.pi), rng.normal(1.2, 0.3), A["pedestrian.moving"], rng)
    for _ in range(rng.poisson(0.4)):  # parked bicycles and motorcycles
        k = C["bicycle"] if rng.random() < 0.55 else C["motorcycle"]
        x, y = _rot(rng.uniform(-40, 40), offset + rng.choice([-1, 1]) * rng.uniform(9.5, 11), heading)
        b.add(
            k,
            x,
            y,
            heading + np.pi / 2 + rng.normal(0, 0.2),
            0.0,
            A["cycle.without_rider"] if k == C["bicycle"] else A["vehicle.parked"],
            rng,
        )


def _works(b, rng, heading, offset):
    """A road works zone: a cone line, a barrier row, maybe a construction vehicle."""
    u0 = rng.uniform(-35, 25)
    v0 = offset + rng.choice([-1, 1]) * rng.uniform(3.0, 9.0)
    n = 4 + rng.poisson(5)
    x, y = _rot(u0 + np.arange(n) * rng.uniform(1.2, 2.5), v0 + rng.normal(0, 0.1, n), heading)
    b.add(C["traffic_cone"], x, y, rng.uniform(-np.pi, np.pi, n), 0.0, -1, rng, _group_occlusion(rng, n))
    if rng.random() < 0.7:
        m = 3 + rng.poisson(6)
        v1 = v0 + np.sign(v0 - offset) * rng.uniform(1.0, 3.0)
        x, y = _rot(u0 + np.arange(m) * rng.uniform(2.5, 2.8), v1 + rng.normal(0, 0.05, m), heading)
        b.add(C["barrier"], x, y, heading + np.pi / 2 + rng.normal(0, 0.05, m), 0.0, -1, rng, _group_occlusion(rng, m))
    if rng.random() < 0.3:
        x, y = _rot(u0 + rng.uniform(0, 10), v0 + np.sign(v0 - offset) * 4.0, heading)
        b.add(C["construction_vehicle"], x, y, heading + rng.uniform(-np.pi, np.pi), 0.0, A["vehicle.parked"], rng)


def _static_attribute(label):
    """The attribute a detector gives a motionless object of each class."""
    return np.select(
        [
            label <= C["construction_vehicle"],
            label == C["pedestrian"],
            (label == C["motorcycle"]) | (label == C["bicycle"]),
        ],
        [A["vehicle.parked"], A["pedestrian.standing"], A["cycle.without_rider"]],
        -1,
    )


def _structures(b, rng, heading, offset):
    """Roadside structures that return lidar points shaped like an object: thin poles and
    bollards (read as pedestrians or cones), fences and walls (barrier rows), vegetation
    (pedestrians, cycles, cones), shelters, kiosks and building corners (vehicles). They
    stand where the real look-alikes stand (kerbs, sidewalks, road edges), lined up along
    the road like cone lines and barrier rows, motionless, and are not ground truth."""
    rows = []  # (label, along, across, yaw) per group

    def choice(classes, n, p):
        return rng.choice([C[c] for c in classes], n, p=p)

    for side in (-1, 1):
        u = _positions_along(rng, -55, 55, 20.0, 10.0)  # street lights, sign and signal poles at the kerb
        rows.append(
            (
                choice(("pedestrian", "traffic_cone"), len(u), [0.5, 0.5]),
                u,
                side * rng.uniform(9.7, 10.3, len(u)),
                rng.uniform(-np.pi, np.pi, len(u)),
            )
        )
        if rng.random() < 0.3:  # a bollard row
            n = 3 + rng.poisson(3)
            rows.append(
                (
                    choice(("traffic_cone", "pedestrian", "barrier"), n, [0.7, 0.2, 0.1]),
                    rng.uniform(-40, 30) + np.arange(n) * rng.uniform(1.2, 2.0),
                    side * (10.0 + rng.normal(0, 0.05, n)),
                    rng.uniform(-np.pi, np.pi, n),
                )
            )
        if rng.random() < 0.3:  # a fence, wall or hedge on the property line: barrier-like segments
            n = 3 + rng.poisson(5)
            rows.append(
                (
                    np.full(n, C["barrier"]),
                    rng.uniform(-50, 30) + np.arange(n) * rng.uniform(2.5, 2.8),
                    side * (rng.uniform(13.5, 16.0) + rng.normal(0, 0.05, n)),
                    np.pi / 2 + rng.normal(0, 0.05, n),
                )
            )
        for _ in range(rng.poisson(2.5)):  # a clump of bushes and tree trunks behind the sidewalk
            n = 1 + rng.poisson(2.0)
            rows.append(
                (
                    choice(("pedestrian", "bicycle", "motorcycle", "traffic_cone"), n, [0.4, 0.2, 0.15, 0.25]),
                    rng.uniform(-50, 50) + rng.normal(0, 1.5, n),
                    side * (rng.uniform(13.0, 20.0) + rng.normal(0, 1.0, n)),
                    rng.uniform(-np.pi, np.pi, n),
                )
            )
        n = rng.poisson(0.8)  # shelters, kiosks, containers, building corners
        rows.append(
            (
                choice(("car", "truck", "construction_vehicle", "trailer", "bus"), n, [0.5, 0.2, 0.12, 0.12, 0.06]),
                rng.uniform(-50, 50, n),
                side * rng.uniform(14.0, 22.0, n),
                np.where(rng.random(n) < 0.5, 0.0, np.pi) + rng.normal(0, 0.05, n),
            )
        )
    label, u, v, yaw = (np.concatenate(c) for c in zip(*rows))
    x, y = _rot(u, offset + v, heading)
    b.add(label.astype(np.int64), x, y, heading + yaw, 0.0, _static_attribute(label), rng, structure=True)


def make_scene(rng, crowd_rate: float = 1.0, crowd_spacing: float | None = None):
    """One frame as ``(objects, structures)`` columns (see ``FIELDS``); ``crowd_rate``
    scales crowd counts; ``crowd_spacing`` (metres) packs every pedestrian crowd on a
    jittered lattice of that spacing instead of scattering it (None: scattered)."""
    b = _Builder()
    heading = rng.uniform(-np.pi, np.pi)
    _traffic(b, rng, heading, 0.0)
    _parked(b, rng, heading, 0.0)
    for _ in range(rng.poisson(crowd_rate)):
        _pedestrians(b, rng, heading, 0.0, crowd_spacing)
    if rng.random() < 0.4:  # a cross street
        cross = heading + np.pi / 2
        off = rng.uniform(-40, 40)
        _traffic(b, rng, cross, off)
        _pedestrians(b, rng, cross, off, crowd_spacing)
    for _ in range(rng.poisson(0.9)):
        _works(b, rng, heading, 0.0)
    _structures(b, rng, heading, 0.0)
    return b.columns()
