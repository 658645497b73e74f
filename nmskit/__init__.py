"""nmskit: the last stage of object detection.

Heuristic suppression, fixed-shape batched NMS, learned rescoring and NMS-free set
prediction, on one geometry layer, one data-format layer and one evaluation layer.

Subpackages and the names below load on first use (``nmskit.evaluate.nuscenes_detection``
works after a plain ``import nmskit``); importing nmskit loads neither torch nor matplotlib,
which are extras (see ``_optional``).
"""

import lazy_loader as _lazy

from . import _optional

__version__ = "0.2.0"
_optional.install()  # a missing torch, matplotlib or ray names the extra that brings it

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=[
        "batch",
        "bench",
        "borehole",
        "data",
        "demo",
        "evaluate",
        "geometry",
        "learned",
        "nn",
        "setpred",
        "suppress",
    ],
    submod_attrs={
        "geometry": ["bev_iou", "box_area", "box_convert", "box_iou"],
        "suppress": [
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
        ],
    },
)
