"""The nuScenes detection vocabulary: the ten detection classes, the eight attributes and
the evaluation ranges, as fixed by the official detection challenge.

A class or attribute is stored as an integer index into these tuples; attribute ``-1``
stands for "no attribute" (the empty string in nuScenes files).
"""

from __future__ import annotations

DETECTION_NAMES = (
    "car",
    "truck",
    "bus",
    "trailer",
    "construction_vehicle",
    "pedestrian",
    "motorcycle",
    "bicycle",
    "traffic_cone",
    "barrier",
)

ATTRIBUTE_NAMES = (
    "pedestrian.moving",
    "pedestrian.sitting_lying_down",
    "pedestrian.standing",
    "cycle.with_rider",
    "cycle.without_rider",
    "vehicle.moving",
    "vehicle.parked",
    "vehicle.stopped",
)

NO_ATTRIBUTE = -1

# Boxes whose centre lies at or beyond this distance (metres, in the ground plane) from the
# ego vehicle are not evaluated.
CLASS_RANGE = {
    "car": 50.0,
    "truck": 50.0,
    "bus": 50.0,
    "trailer": 50.0,
    "construction_vehicle": 50.0,
    "pedestrian": 40.0,
    "motorcycle": 40.0,
    "bicycle": 40.0,
    "traffic_cone": 30.0,
    "barrier": 30.0,
}

MAX_BOXES_PER_SAMPLE = 500

CLASS_INDEX = {name: i for i, name in enumerate(DETECTION_NAMES)}
ATTRIBUTE_INDEX = {name: i for i, name in enumerate(ATTRIBUTE_NAMES)}
