"""NMS-free set prediction: Hungarian matching, the set loss, a DETR-form transformer,
sine positional encodings and attention rollout. Nothing here knows about boreholes."""
from .criterion import SetCriterion
from .matcher import HungarianMatcher
from .positional import row_anchor_encoding, sine_position_encoding
from .rollout import decoder_rollout, mixing_matrix, rollout, to_grid
from .terms import angle_cost, l1_cost, l1_loss, l2_cost, l2_loss
from .transformer import Transformer

__all__ = ["HungarianMatcher", "SetCriterion", "Transformer", "angle_cost", "decoder_rollout",
           "l1_cost", "l1_loss", "l2_cost", "l2_loss", "mixing_matrix", "rollout", "row_anchor_encoding",
           "sine_position_encoding", "to_grid"]
