"""Scoring dip picks against expert picks.

Predicted and true picks are matched one-to-one (Hungarian, ``scipy``) within a depth
tolerance: the assignment first maximises the number of matches, then minimises their
total depth (or sinusoid) distance. Per tolerance it reports precision, recall and F1,
the share of matches whose dip is within 3 degrees and whose azimuth is within 15 degrees
(circular), and the dip and azimuth mean absolute errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from .._arrays import Array
from .._checks import as_float_array, check_matrix, check_positive, check_real
from .._table import format_table
from ..geometry.sinusoid import sinusoid_distance
from ..geometry.units import canonical_unit, length_factor

if TYPE_CHECKING:
    from ..data.borehole.picks import PickTable


@dataclass(frozen=True)
class PickScores:
    """Scores at one depth tolerance (``tolerance`` in ``tolerance_unit``)."""

    tolerance: float
    tolerance_unit: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    dip_within: float
    azimuth_within: float
    both_within: float
    dip_mae: float
    azimuth_mae: float

    def as_dict(self) -> dict:
        return asdict(self)


def angle_difference(a: ArrayLike, b: ArrayLike) -> Array:
    """Absolute circular difference of azimuths in degrees, in [0, 180]."""
    return np.abs(np.mod(np.asarray(a, np.float64) - np.asarray(b, np.float64) + 180.0, 360.0) - 180.0)


def _groups(z_pred, z_true, reach):
    """Split both sets into independent groups: picks further apart in depth than ``reach``
    can never match, so a gap > reach in the merged sorted depths separates groups."""
    z = np.concatenate([z_pred, z_true])
    order = np.argsort(z, kind="stable")
    cut = np.concatenate([[0], np.flatnonzero(np.diff(z[order]) > reach) + 1, [len(z)]])
    n = len(z_pred)
    for a, b in zip(cut[:-1], cut[1:]):
        members = order[a:b]
        yield members[members < n], members[members >= n] - n


def match_picks(
    pred: ArrayLike,
    truth: ArrayLike,
    tolerance: float,
    *,
    distance: str = "depth",
    diameter: ArrayLike | None = None,
    pred_classes: ArrayLike | None = None,
    true_classes: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """One-to-one matching of picks within ``tolerance`` (depth units).

    Args:
        pred: ``[N, 3]`` (depth, dip, azimuth).
        truth: ``[M, 3]``.
        tolerance: largest allowed distance, depth units.
        distance: ``"depth"`` (centre-depth difference) or ``"sinusoid"`` (mean absolute
            depth difference over azimuth, :func:`nmskit.geometry.sinusoid_distance`).
        diameter: hole diameter in depth units (scalar, or a pair of ``[N]`` and ``[M]``),
            needed for ``"sinusoid"``.
        pred_classes, true_classes: optional ``[N]``, ``[M]``; only equal classes match.

    Returns:
        ``(i [K], j [K])`` int64 indices of matched pred and truth rows, by truth depth.
    """
    if distance not in ("depth", "sinusoid"):
        raise ValueError(f"distance must be 'depth' or 'sinusoid', got {distance!r}")
    if distance == "sinusoid" and diameter is None:
        raise ValueError("distance='sinusoid' needs the hole diameter (depth units)")
    tolerance = check_real(tolerance, "tolerance")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    p = check_matrix(np.reshape(as_float_array(pred, "pred"), (-1, 3)), "pred", 3)
    t = check_matrix(np.reshape(as_float_array(truth, "truth"), (-1, 3)), "truth", 3)
    d_p, d_t = diameter if isinstance(diameter, tuple) else (diameter, diameter)
    pairs: list[tuple[int, int]] = []
    for gp, gt in _groups(p[:, 0], t[:, 0], tolerance):
        if len(gp) == 0 or len(gt) == 0:
            continue
        if distance == "depth":
            cost = np.abs(p[gp, 0][:, None] - t[gt, 0][None, :])
        else:
            cost = sinusoid_distance(
                p[gp],
                t[gt],
                d_p if np.ndim(d_p) == 0 else np.asarray(d_p)[gp],
                d_t if np.ndim(d_t) == 0 else np.asarray(d_t)[gt],
            )
        allowed = cost <= tolerance
        if pred_classes is not None:
            allowed &= np.asarray(pred_classes)[gp][:, None] == np.asarray(true_classes)[gt][None, :]
        big = tolerance * (cost.size + 1) + 1.0  # a forbidden pair costs more than any full matching
        rows, cols = linear_sum_assignment(np.where(allowed, cost, big))
        ok = allowed[rows, cols]
        pairs.extend(zip(gp[rows[ok]], gt[cols[ok]]))
    pairs.sort(key=lambda ij: t[ij[1], 0])
    i = np.array([a for a, _ in pairs], np.int64)
    j = np.array([b for _, b in pairs], np.int64)
    return i, j


def _as_arrays(picks, angles, name):
    """PickTable or ``[N, 3]`` -> (rows [N, 3], unit or None, diameter [N] or None, classes or None)."""
    if hasattr(picks, "apparent"):
        rows = picks.apparent()
        if angles == "true":
            rows = np.stack([picks.depth, picks.true_dip, picks.true_azimuth], -1)
            if np.isnan(rows).any():
                raise ValueError(f"{name} has picks without true dip/azimuth; use angles='apparent'")
        diam = picks.diameter if np.isfinite(picks.diameter).all() else None
        return rows, picks.depth_unit, diam, picks.cls
    rows = np.asarray(picks, np.float64)
    if rows.ndim != 2 or rows.shape[1] != 3 or not np.isfinite(rows).all():
        raise ValueError(f"{name} must be a PickTable or a finite [N, 3] array (depth, dip, azimuth)")
    return rows, None, None, None


def crop_picks(pred: PickTable, truth: PickTable, margin: float = 0.0) -> tuple[PickTable, tuple[float, float] | None]:
    """Predictions within the depth interval of the truth, widened by ``margin`` on each
    side (same depth unit), so that picks of a whole log are scored only where the truth
    was interpreted.

    Args:
        pred, truth: :class:`~nmskit.data.borehole.PickTable` in one depth unit.
        margin: >= 0, e.g. the largest matching tolerance, so that no pick that could
            match is dropped.

    Returns:
        ``(kept, interval)``: the predictions inside, and ``(top, bottom)`` of the interval
        used (None, and every prediction kept, when the truth has no picks).
    """
    if len(truth) == 0:
        return pred, None
    top, bottom = float(truth.depth.min()) - margin, float(truth.depth.max()) + margin
    return pred.select((pred.depth >= top) & (pred.depth <= bottom)), (top, bottom)


def evaluate_picks(
    pred: PickTable,
    truth: PickTable,
    tolerances: Sequence[float] = (3.0, 5.0, 8.0),
    tolerance_unit: str = "cm",
    *,
    depth_unit: str | None = None,
    distance: str = "depth",
    diameter: float | ArrayLike | None = None,
    angles: str = "apparent",
    dip_tolerance: float = 3.0,
    azimuth_tolerance: float = 15.0,
    class_aware: bool = False,
) -> list[PickScores]:
    """Precision, recall, F1 and angle accuracy of predicted picks at several tolerances.

    Args:
        pred, truth: :class:`~nmskit.data.borehole.PickTable` or ``[N, 3]`` arrays
            (depth, dip, azimuth).
        tolerances: depth tolerances in ``tolerance_unit`` (default 3, 5 and 8 cm).
        depth_unit: unit of the pick depths when the tables do not carry one (``ft``, ``m``).
        distance: match on ``"depth"`` or on ``"sinusoid"`` distance.
        diameter: hole diameter in depth units for ``"sinusoid"`` (default: the tables').
        angles: compare ``"apparent"`` or ``"true"`` dip and azimuth.
        dip_tolerance, azimuth_tolerance: degrees, for the ``*_within`` shares.
        class_aware: match only picks of the same class.

    Returns:
        One :class:`PickScores` per tolerance. Shares and MAEs are NaN with no match;
        precision is 1 and recall is 1 for empty predictions / truths respectively.
    """
    if angles not in ("apparent", "true"):
        raise ValueError(f"angles must be 'apparent' or 'true', got {angles!r}")
    p, unit_p, diam_p, cls_p = _as_arrays(pred, angles, "pred")
    t, unit_t, diam_t, cls_t = _as_arrays(truth, angles, "truth")
    unit_t = unit_t or depth_unit or unit_p
    unit_p = unit_p or depth_unit or unit_t
    if unit_t is None:
        raise ValueError("the pick depths have no unit: pass depth_unit ('ft' or 'm')")
    p = p.copy()
    p[:, 0] *= length_factor(unit_p, unit_t)
    if distance == "sinusoid" and diameter is None:
        if diam_p is None or diam_t is None:
            raise ValueError("distance='sinusoid' needs diameter= (the tables carry no diameter)")
        diameter = (diam_p * length_factor(unit_p, unit_t), diam_t)
    tolerances = [check_positive(tol, "tolerances") for tol in np.atleast_1d(np.asarray(tolerances, object))]
    results = []
    for tol in tolerances:
        tol_depth = float(tol) * length_factor(canonical_unit(tolerance_unit, "tolerance_unit"), unit_t)
        i, j = match_picks(
            p,
            t,
            tol_depth,
            distance=distance,
            diameter=diameter,
            pred_classes=cls_p if class_aware else None,
            true_classes=cls_t if class_aware else None,
        )
        tp = len(i)
        fp, fn = len(p) - tp, len(t) - tp
        precision = tp / len(p) if len(p) else 1.0
        recall = tp / len(t) if len(t) else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        dip_err = np.abs(p[i, 1] - t[j, 1])
        az_err = angle_difference(p[i, 2], t[j, 2])
        share = (lambda ok: float(ok.mean())) if tp else (lambda ok: float("nan"))
        results.append(
            PickScores(
                float(tol),
                tolerance_unit,
                tp,
                fp,
                fn,
                precision,
                recall,
                f1,
                share(dip_err <= dip_tolerance),
                share(az_err <= azimuth_tolerance),
                share((dip_err <= dip_tolerance) & (az_err <= azimuth_tolerance)),
                float(dip_err.mean()) if tp else float("nan"),
                float(az_err.mean()) if tp else float("nan"),
            )
        )
    return results


def format_pick_scores(scores: list[PickScores]) -> str:
    """A Markdown table of :func:`evaluate_picks` results."""
    pct = lambda v: "n/a" if np.isnan(v) else f"{100 * v:.1f} %"
    deg = lambda v: "n/a" if np.isnan(v) else f"{v:.2f}"
    rows = [
        [
            f"{s.tolerance:g} {s.tolerance_unit}",
            s.tp,
            s.fp,
            s.fn,
            pct(s.precision),
            pct(s.recall),
            pct(s.f1),
            pct(s.dip_within),
            pct(s.azimuth_within),
            deg(s.dip_mae),
            deg(s.azimuth_mae),
        ]
        for s in scores
    ]
    return format_table(
        ["tolerance", "TP", "FP", "FN", "precision", "recall", "F1", "dip within", "azi within", "dip MAE", "azi MAE"],
        rows,
    )
