"""nmskit: the last stage of object detection.

Heuristic suppression, fixed-shape batched NMS, learned rescoring and NMS-free set
prediction, on one geometry layer, one data-format layer and one evaluation layer.
"""
from . import suppress
from .geometry import bev_iou, box_area, box_convert, box_iou
from .suppress import (batched_nms, centerpoint_nms, circle_nms, cluster_nms, combined_nms, fast_nms, matrix_nms,
                       nms, nms_overlaps, non_maximum_weighted, rotated_nms, sinusoid_nms, soft_circle_nms, soft_nms,
                       weighted_boxes_fusion)

__version__ = "0.1.0"
_LAZY = ("generate_detections", "padded_nms", "propose_rois", "sorted_nms_padded")  # torch-backed


def __getattr__(name):
    if name in _LAZY:
        return getattr(suppress, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["batched_nms", "bev_iou", "box_area", "box_convert", "box_iou", "centerpoint_nms", "circle_nms",
           "cluster_nms", "combined_nms", "fast_nms", "generate_detections", "matrix_nms", "nms", "nms_overlaps",
           "non_maximum_weighted", "padded_nms", "propose_rois", "rotated_nms", "sinusoid_nms", "soft_circle_nms",
           "soft_nms", "sorted_nms_padded", "weighted_boxes_fusion"]
