"""Metrics: the nuScenes detection protocol and fracture-picking scores."""

from .nuscenes import nuscenes_detection
from .nuscenes_result import NuScenesDetectionResult
from .pick_stats import compare_dips, pick_statistics
from .picks import PickScores, angle_difference, crop_picks, evaluate_picks, format_pick_scores, match_picks

__all__ = [
    "NuScenesDetectionResult",
    "PickScores",
    "angle_difference",
    "compare_dips",
    "crop_picks",
    "evaluate_picks",
    "format_pick_scores",
    "match_picks",
    "nuscenes_detection",
    "pick_statistics",
]
