"""Heuristic suppression: greedy, class-aware, soft, combined, Fast, Cluster and Matrix NMS
on 2-D boxes; NMS over a given overlap matrix; ensemble fusion (WBF, NMW); greedy
NMS on borehole sinusoids; circle,
soft circle and rotated NMS in the ground plane; CenterPoint's nuScenes post-processing;
fixed-shape batched NMS in torch (imported on first use, so NumPy users never load torch)."""

import importlib

from .centerpoint import CENTERPOINT_HEADS, CENTERPOINT_MIN_RADIUS, centerpoint_nms
from .circle import circle_nms, soft_circle_nms
from .cluster import cluster_nms, fast_nms
from .combined import combined_nms
from .fusion import non_maximum_weighted, weighted_boxes_fusion
from .matrix import matrix_nms
from .nms import batched_nms, nms
from .overlaps import nms_overlaps
from .rotated import rotated_nms
from .sinusoid import sinusoid_nms
from .soft import soft_nms

_TORCH = {
    "padded_nms": ".padded",
    "sorted_nms_padded": ".padded",
    "generate_detections": ".detections",
    "propose_rois": ".proposals",
}


def __getattr__(name):
    if name in _TORCH:
        return getattr(importlib.import_module(_TORCH[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CENTERPOINT_HEADS",
    "CENTERPOINT_MIN_RADIUS",
    "batched_nms",
    "centerpoint_nms",
    "circle_nms",
    "cluster_nms",
    "combined_nms",
    "fast_nms",
    "generate_detections",
    "matrix_nms",
    "nms",
    "nms_overlaps",
    "non_maximum_weighted",
    "padded_nms",
    "propose_rois",
    "rotated_nms",
    "sinusoid_nms",
    "soft_circle_nms",
    "soft_nms",
    "sorted_nms_padded",
    "weighted_boxes_fusion",
]
