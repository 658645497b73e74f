"""Rows in the order the grouped BEV kernels expect: by group, then by rank (descending
score, lower index first on ties)."""

from __future__ import annotations

import numpy as np

from ._prepare import rank_order


def grouped_rank_order(scores: np.ndarray, groups: np.ndarray | None, candidates=None):
    """Sort rows by group, keeping the rank order inside each group.

    Args:
        scores: ``[N]`` float64.
        groups: ``[N]`` int64 group ids, or None for a single group.
        candidates: optional ``[N]`` bool mask of rows to consider.

    Returns:
        ``(rows, group_start, group_ids)``: row indices ``[K]``, offsets ``[G + 1]`` and the
        id of each of the G non-empty groups (ascending).
    """
    order = rank_order(scores)
    if candidates is not None:
        order = order[candidates[order]]
    if groups is None:
        return order, np.array([0, len(order)], np.int64), np.zeros(1, np.int64)
    g = groups[order]
    by_group = np.argsort(g, kind="stable")
    rows = order[by_group]
    ids, counts = np.unique(g, return_counts=True)
    return rows, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), ids


def per_group_values(value, ids: np.ndarray, name: str, label_name: str = "labels") -> np.ndarray:
    """A scalar or ``{group id: value}`` mapping -> float64 ``[G]`` for the given group ids."""
    if isinstance(value, dict):
        try:
            return np.array([float(value[int(i)]) for i in ids], np.float64)
        except KeyError as exc:
            raise ValueError(f"{name} has no entry for {label_name[:-1]} {exc.args[0]}") from None
        except (TypeError, ValueError):
            raise ValueError(f"{name} values must be real numbers") from None
    return np.full(len(ids), value, np.float64)
