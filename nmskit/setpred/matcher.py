"""Hungarian matching of predictions to targets for set prediction (one target per query)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from scipy.optimize import linear_sum_assignment
from torch import nn


class HungarianMatcher(nn.Module):
    """Minimum-cost one-to-one assignment of queries to targets, per batch item.

    The cost of pairing query ``i`` with target ``j`` is
    ``-class_weight * p_i(label_j) + sum_k w_k * cost_k(i, j)``, where ``p_i`` is the softmax of
    the query's logits and each ``cost_k`` is a term ``fn(pred, target) -> [N, T]`` (see
    ``nmskit.setpred.terms``).

    Args:
        class_weight: weight of the class-probability cost (DETR: 1).
        cost_terms: ``{name: (weight, fn)}``, for example ``{"l1": (5.0, l1_cost("depth"))}``.
    """

    def __init__(
        self,
        class_weight: float = 1.0,
        cost_terms: Mapping[str, tuple[float, Callable[..., torch.Tensor]]] | None = None,
    ) -> None:
        super().__init__()
        self.class_weight = float(class_weight)
        self.cost_terms = dict(cost_terms or {})

    @torch.no_grad()
    def cost_matrix(
        self, outputs: Mapping[str, torch.Tensor], targets: Sequence[Mapping[str, torch.Tensor]]
    ) -> torch.Tensor:
        """The full cost ``[B*Q, T_total]`` between every query and every target of the batch.

        Args:
            outputs: ``logits [B, Q, C+1]`` plus any ``[B, Q, ...]`` tensors the terms read.
            targets: ``B`` dicts with ``labels [T_b]`` (int64) and ``[T_b, ...]`` tensors.
        """
        flat = {k: v.flatten(0, 1) for k, v in outputs.items() if torch.is_tensor(v)}
        cat = {k: torch.cat([t[k] for t in targets]) for k in targets[0]}
        prob = flat["logits"].softmax(-1)  # [B*Q, C+1]
        cost = -self.class_weight * prob[:, cat["labels"]]  # [B*Q, T_total]
        for weight, fn in self.cost_terms.values():
            cost = cost + weight * fn(flat, cat)
        return cost

    @torch.no_grad()
    def forward(
        self, outputs: Mapping[str, torch.Tensor], targets: Sequence[Mapping[str, torch.Tensor]]
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Match each batch item's queries to its targets.

        Returns:
            ``B`` pairs ``(query_idx [K_b], target_idx [K_b])`` of int64, ``K_b = min(Q, T_b)``,
            sorted by query index. A batch item without targets gets two empty tensors.
        """
        b, q = outputs["logits"].shape[:2]
        if len(targets) != b:
            raise ValueError(f"targets must hold {b} dicts (one per batch item), got {len(targets)}")
        sizes = [len(t["labels"]) for t in targets]
        empty = torch.empty(0, dtype=torch.int64)
        if sum(sizes) == 0:
            return [(empty, empty) for _ in range(b)]
        cost = self.cost_matrix(outputs, targets).view(b, q, -1).cpu()  # [B, Q, T_total]
        matches = []
        for i, block in enumerate(cost.split(sizes, dim=-1)):
            if sizes[i] == 0:
                matches.append((empty, empty))
                continue
            rows, cols = linear_sum_assignment(block[i].double().numpy())
            matches.append((torch.as_tensor(rows, dtype=torch.int64), torch.as_tensor(cols, dtype=torch.int64)))
        return matches
