"""Pure geometry on arrays: 2-D box formats and IoU; rotated BEV boxes; headings; borehole
sinusoids and dip conversion; length units."""

from .bev import bev_corners, bev_iou, center_distance
from .boxes import BOX_FORMATS, box_area, box_convert, box_iou, prepare_boxes
from .sinusoid import (
    apparent_to_true,
    fit_sinusoid,
    picks_from_coefficients,
    sinusoid_coefficients,
    sinusoid_depths,
    sinusoid_distance,
    true_to_apparent,
)
from .units import LENGTH_UNITS, canonical_unit, length_factor, parse_length
from .yaw import angle_diff, quaternion_to_yaw, yaw_to_quaternion

__all__ = [
    "BOX_FORMATS",
    "LENGTH_UNITS",
    "angle_diff",
    "apparent_to_true",
    "bev_corners",
    "bev_iou",
    "box_area",
    "box_convert",
    "box_iou",
    "canonical_unit",
    "center_distance",
    "fit_sinusoid",
    "length_factor",
    "parse_length",
    "picks_from_coefficients",
    "prepare_boxes",
    "quaternion_to_yaw",
    "sinusoid_coefficients",
    "sinusoid_depths",
    "sinusoid_distance",
    "true_to_apparent",
    "yaw_to_quaternion",
]
