"""Data formats and simulators: the 3-D detections container and nuScenes detection files;
borehole image logs and picks (``nmskit.data.borehole``) and the synthetic borehole-image
generator. The 3-D simulator lives in ``nmskit.data.sim``."""

from .borehole import BoreholeImage, PickTable, load_well, read_borehole, read_picks, write_picks
from .detections3d import Detections3D
from .ego import with_ego
from .nuscenes_classes import ATTRIBUTE_NAMES, CLASS_RANGE, DETECTION_NAMES, MAX_BOXES_PER_SAMPLE
from .nuscenes_json import read_nuscenes_gt, read_nuscenes_results, write_nuscenes_gt, write_nuscenes_results
from .synth_borehole import synthesize_borehole

__all__ = [
    "ATTRIBUTE_NAMES",
    "BoreholeImage",
    "CLASS_RANGE",
    "DETECTION_NAMES",
    "Detections3D",
    "MAX_BOXES_PER_SAMPLE",
    "PickTable",
    "load_well",
    "read_borehole",
    "read_nuscenes_gt",
    "read_nuscenes_results",
    "read_picks",
    "synthesize_borehole",
    "write_nuscenes_gt",
    "with_ego",
    "write_nuscenes_results",
    "write_picks",
]
