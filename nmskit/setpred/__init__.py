"""Set prediction, the generic part: Hungarian matching, the set criterion, a DETR-form
transformer, sine positional encodings and attention rollout. Nothing here knows about
boreholes or 3-D boxes.

The two set predictors built on it live with their tasks:

- ``nmskit.borehole.models.detr`` (``FractureDETR``): queries decode fracture and bedding
  picks on borehole image patches; its matching costs and loss are in
  ``nmskit.borehole.models.detr_loss``.
- ``nmskit.learned.setpred3d`` (``SetPredictor3D``): queries anchored on dense 3-D
  detections decode a frame's final boxes; its loss is ``nmskit.learned.setloss3d``.

Names load on first use: ``import nmskit.setpred`` does not import torch.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "criterion": ["SetCriterion"],
        "matcher": ["HungarianMatcher"],
        "positional": ["row_anchor_encoding", "sine_position_encoding"],
        "rollout": ["decoder_rollout", "mixing_matrix", "rollout", "to_grid"],
        "terms": ["angle_cost", "l1_cost", "l1_loss", "l2_cost", "l2_loss"],
        "transformer": ["Transformer"],
    },
)
