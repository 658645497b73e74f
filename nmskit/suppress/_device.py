"""Greedy suppression that stays on the tensors' device (CUDA), in plain torch.

``nms``, ``batched_nms`` and ``circle_nms`` send tensors on an accelerator here instead
of copying them to the host for the numba kernels. Rows are visited in rank order, in
tiles of ``TILE`` rows:

1. Cross-suppression: the tile is tested against the survivors of all earlier tiles (of
   the same group), read in chunks.
2. Self-suppression: the Cluster-NMS fixed point ``keep = alive & ~any_i(keep[i] & E[i, j])``
   over the tile's strictly upper-triangular suppression matrix E, which reaches exactly
   the greedy result.
3. The tile's survivors join the survivor set.

Pair tests run in float64, as the CPU kernels do, so the kept set is the same.
``nmskit._arrays.on_accelerator`` decides which inputs take this path; tests force it for
CPU tensors.
"""

from __future__ import annotations

import torch

from ._tiled import settle_tile

TILE = 1024
CHUNK = 8192


def box_test(t: float, inclusive: bool, metric: str = "iou"):
    """``(a, b) -> [n, m] bool``: box i of ``a [n, 4]`` (xyxy) suppresses box j of ``b``
    (IoU or DIoU > t, >= t when inclusive); zero-area boxes neither suppress nor are
    suppressed."""
    from ..geometry.boxes import overlap_matrix

    def test(a, b):
        o = overlap_matrix(a, b, torch, metric)
        hit = o >= t if inclusive else o > t
        area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        return hit & (area_a[:, None] > 0) & (area_b[None, :] > 0)

    return test


def circle_test(squared: bool):
    """``(a, b) -> [n, m] bool`` for rows ``(x, y, radius)``: centre j lies within the
    radius of centre i (``d^2 <= r`` when ``squared``)."""

    def test(a, b):
        d2 = (a[:, None, 0] - b[None, :, 0]) ** 2 + (a[:, None, 1] - b[None, :, 1]) ** 2
        r = a[:, 2:3]
        return d2 <= r if squared else torch.sqrt(d2) <= r

    return test


def greedy_keep(rows, groups, test):
    """Greedy suppression of ``rows [N, D]`` in rank order.

    Args:
        rows: ``[N, D]`` float64 features in rank order (row 0 first).
        groups: ``[N]`` int64; a row only suppresses rows of its own group.
        test: ``(a [n, D], b [m, D]) -> [n, m] bool``, "row i of a suppresses row j of b".

    Returns:
        ``[N]`` bool mask of kept rows.
    """
    n = rows.shape[0]
    keep = torch.zeros(n, dtype=torch.bool, device=rows.device)
    surv_rows, surv_groups = rows[:0], groups[:0]
    for s in range(0, n, TILE):
        tile, tg = rows[s : s + TILE], groups[s : s + TILE]
        alive = torch.ones(len(tile), dtype=torch.bool, device=rows.device)
        for c in range(0, len(surv_rows), CHUNK):
            hit = test(surv_rows[c : c + CHUNK], tile) & (surv_groups[c : c + CHUNK, None] == tg[None, :])
            alive &= ~hit.any(0)
        pairs = test(tile, tile) & (tg[:, None] == tg[None, :])
        kept = settle_tile(alive[None], (torch.triu(pairs, 1) & alive[:, None])[None])[0]
        keep[s : s + TILE] = kept
        surv_rows = torch.cat([surv_rows, tile[kept]])
        surv_groups = torch.cat([surv_groups, tg[kept]])
    return keep


def first_per_group(keep, groups, cap: int | None):
    """Keep only the first ``cap`` kept rows (in rank order) of each group."""
    if cap is None or len(keep) == 0:
        return keep
    perm = torch.sort(groups, stable=True).indices
    g, k = groups[perm], keep[perm].long()
    count = k.cumsum(0)
    first = torch.ones_like(g, dtype=torch.bool)
    first[1:] = g[1:] != g[:-1]
    before = torch.cummax(torch.where(first, count - k, 0), 0).values  # kept rows of earlier groups
    within = torch.empty_like(keep)
    within[perm] = (count - before) <= cap
    return keep & within


def box_nms(
    boxes, scores, labels, iou_threshold, box_format, score_threshold, max_output, inclusive, canonicalize, metric
):
    """:func:`nmskit.nms` (``labels`` None) or :func:`nmskit.batched_nms` on the tensors'
    device; arguments as there. Returns int64 indices ``[K]`` on that device."""
    from .._checks import check_count, check_real, check_unit
    from ._dense import dense_inputs

    t = check_unit(iou_threshold, "iou_threshold")
    cap = check_count(max_output, "max_output")
    _, b, s, lab, order = dense_inputs(boxes, scores, labels, box_format, canonicalize)
    if score_threshold is not None:
        order = order[s[order] > check_real(score_threshold, "score_threshold", allow_inf=True)]
    groups = torch.zeros(len(order), dtype=torch.long, device=b.device) if lab is None else lab[order]
    keep = greedy_keep(b[order].double(), groups, box_test(t, bool(inclusive), metric))
    return order[keep][:cap]


def _check_tensor(x, name: str, shape: tuple, device) -> None:
    """Shape, device and finiteness of a float tensor, checked on its device."""
    from .._checks import check_finite

    if not isinstance(x, torch.Tensor) or x.device != device:
        raise ValueError(f"{name} must be a tensor on the same device as the first argument ({device})")
    if tuple(x.shape) != shape:
        want = "[" + ", ".join("N" if i == 0 else str(d) for i, d in enumerate(shape)) + "]"
        raise ValueError(f"{name} must have shape {want} with N = {shape[0]}, got {tuple(x.shape)}")
    if x.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"{name} must be a real numeric tensor, got dtype {x.dtype}")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        check_finite(x.detach().cpu().double().numpy(), name)


def circle_nms(centers, scores, radius, labels, squared, max_output, max_per_label, score_threshold):
    """:func:`nmskit.circle_nms` on the tensors' device; arguments as there. Returns int64
    indices ``[K]`` on that device."""
    from .._checks import check_count, check_real
    from ._groups import per_group_values

    if centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(f"centers must have shape [N, 2], got {tuple(centers.shape)}")
    n = len(centers)
    _check_tensor(centers, "centers", (n, 2), centers.device)
    _check_tensor(scores, "scores", (n,), centers.device)
    cap = check_count(max_output, "max_output")
    per = check_count(max_per_label, "max_per_label")
    if labels is None:
        if isinstance(radius, dict):
            raise ValueError("radius given per label needs labels")
        lab = torch.zeros(n, dtype=torch.long, device=centers.device)
    else:
        if not isinstance(labels, torch.Tensor) or labels.shape != (n,) or labels.is_floating_point():
            raise ValueError(f"labels must be an integer tensor of shape [{n}] on the centers' device")
        lab = labels.to(centers.device, torch.long)
    ids = torch.unique(lab)
    rad = per_group_values(
        radius if isinstance(radius, dict) else check_real(radius, "radius"), ids.cpu().numpy(), "radius"
    )
    if (rad < 0).any() or not (rad < float("inf")).all():
        raise ValueError("radius must be finite and >= 0")
    s = scores.detach().double()
    order = torch.sort(s, descending=True, stable=True).indices
    if score_threshold is not None:
        order = order[s[order] > check_real(score_threshold, "score_threshold", allow_inf=True)]
    g = lab[order]
    r = torch.as_tensor(rad, dtype=torch.float64, device=centers.device)[torch.searchsorted(ids, g)]
    rows = torch.cat([centers.detach()[order].double(), r[:, None]], 1)
    keep = first_per_group(greedy_keep(rows, g, circle_test(bool(squared))), g, per)
    return order[keep][:cap]
