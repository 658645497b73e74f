"""The set-prediction loss: classification of every query, regression of matched ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

if TYPE_CHECKING:
    from .matcher import HungarianMatcher


class SetCriterion(nn.Module):
    """DETR's loss: Hungarian-match, then cross-entropy plus weighted regression terms.

    - Every query gets a class target: its matched target's label, or the no-object class
      (index ``num_classes``), whose cross-entropy weight is ``eos_coef``.
    - Each loss term ``fn(pred [M, ...], target [M, ...]) -> sum`` runs on the matched pairs
      and is divided by the number of targets in the batch (at least 1).
    - The same losses are computed for every entry of ``outputs["aux_outputs"]`` (the earlier
      decoder layers), each matched on its own.

    Args:
        num_classes: object classes, not counting no-object.
        matcher: a ``HungarianMatcher`` (or any callable with its signature).
        eos_coef: weight of the no-object class in the cross-entropy (DETR: 0.1).
        class_weight: weight of the cross-entropy in the total.
        loss_terms: ``{name: (weight, fn)}``, see ``nmskit.setpred.terms``.
    """

    class_weights: torch.Tensor

    def __init__(
        self,
        num_classes: int,
        matcher: HungarianMatcher,
        eos_coef: float = 0.1,
        class_weight: float = 1.0,
        loss_terms: Mapping[str, tuple[float, Callable[..., torch.Tensor]]] | None = None,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.matcher = matcher
        self.class_weight = float(class_weight)
        self.loss_terms = dict(loss_terms or {})
        weight = torch.ones(num_classes + 1)
        weight[-1] = eos_coef
        self.register_buffer("class_weights", weight, persistent=False)  # [C+1], not a weight

    def _layer_losses(self, outputs, targets, num_targets: float) -> dict:
        """Unweighted losses of one decoder layer's outputs."""
        logits = outputs["logits"]  # [B, Q, C+1]
        matches = self.matcher(outputs, targets)
        batch_idx = torch.cat([torch.full_like(q, i) for i, (q, _) in enumerate(matches)])  # [M]
        query_idx = torch.cat([q for q, _ in matches])  # [M]
        classes = torch.full(logits.shape[:2], self.num_classes, dtype=torch.int64, device=logits.device)  # [B, Q]
        labels = torch.cat([t["labels"][j] for t, (_, j) in zip(targets, matches)])  # [M]
        classes[batch_idx, query_idx] = labels.to(logits.device)
        losses = {"class": F.cross_entropy(logits.transpose(1, 2), classes, self.class_weights)}
        pred = {
            k: v[batch_idx, query_idx] for k, v in outputs.items() if torch.is_tensor(v) and k != "logits"
        }  # [M, ...]
        tgt = {
            k: torch.cat([t[k][j] for t, (_, j) in zip(targets, matches)]).to(logits.device)
            for k in targets[0]
            if k != "labels"
        }  # [M, ...]
        for name, (_, fn) in self.loss_terms.items():
            losses[name] = fn(pred, tgt) / num_targets
        return losses

    def forward(self, outputs: Mapping[str, Any], targets: Sequence[Mapping[str, torch.Tensor]]) -> dict:
        """Losses for a batch.

        Args:
            outputs: ``logits [B, Q, C+1]``, the tensors the terms read (``[B, Q, ...]``) and
                optionally ``aux_outputs``, a list of dicts of the same form.
            targets: ``B`` dicts with ``labels [T_b]`` (int64 in ``[0, C)``) and ``[T_b, ...]``
                tensors.

        Returns:
            ``{"loss": weighted total, "class": ..., name: ...}`` for the last layer, and the
            same names suffixed ``_0, _1, ...`` for the auxiliary layers. All scalars.
        """
        num_targets = max(float(sum(len(t["labels"]) for t in targets)), 1.0)
        layers = [outputs] + list(outputs.get("aux_outputs", []))
        weights = {"class": self.class_weight, **{k: w for k, (w, _) in self.loss_terms.items()}}
        result, total = {}, 0.0
        for i, layer in enumerate(layers):
            suffix = "" if i == 0 else f"_{i - 1}"
            for name, value in self._layer_losses(layer, targets, num_targets).items():
                result[name + suffix] = value
                total = total + weights[name] * value
        result["loss"] = total
        return result
