"""Learned NMS for 3-D detections: D2D-Rescore, GossipNet3D and a GCN baseline refine each
detection's score from the other detections of its frame; the top K are then kept. The
NMS-free set predictor instead decodes each frame's final boxes directly.

The models read only detection-level features (centre, size, yaw, velocity, class,
score), so they work with any 3-D detector. See docs/learned.md.
"""
from .checkpoint import load_model, save_checkpoint
from .config import MODELS, ModelConfig, build_model, default_config
from .dataset import FrameSet
from .ego import with_ego
from .frames import columns_of
from .matching import match_targets
from .rescorer import Rescorer
from .setpred3d import SetPredictor

__all__ = ["MODELS", "FrameSet", "columns_of", "ModelConfig", "Rescorer", "SetPredictor", "build_model", "default_config", "load_model",
           "match_targets", "save_checkpoint", "with_ego"]
