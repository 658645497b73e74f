"""Learned NMS for 3-D detections: D2D-Rescore, GossipNet3D and a GCN baseline refine each
detection's score from the other detections of its frame; the top K are then kept. The
NMS-free set predictor instead decodes each frame's final boxes directly (its matcher,
criterion and decoder layers come from :mod:`nmskit.setpred`).

The models read only detection-level features (centre, size, yaw, velocity, class,
score), so they work with any 3-D detector. They are :class:`nmskit.nn.Model` subclasses
and train with :func:`nmskit.nn.train` (see :mod:`.train`). See docs/learned.md.

Names load on first use: ``import nmskit.learned`` does not import torch.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "build": ["build_model", "load_model"],
        "config": ["MODELS", "ModelConfig", "default_config"],
        "dataset": ["FrameSet"],
        "frames": ["columns_of"],
        "matching": ["match_targets"],
        "predictor": ["SetPredictor"],
        "rescorer": ["Rescorer"],
        "train": ["EpochConfig", "RESCORE_TRAINING", "train_rescorer"],
    },
)
