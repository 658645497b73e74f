"""Summary statistics of a pick set, to compare synthetic logs with a real well."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import ks_2samp, wasserstein_distance

from ..geometry.units import length_factor

if TYPE_CHECKING:
    from ..data.borehole.picks import PickTable


def pick_statistics(
    picks: PickTable, length: float, length_unit: str = "ft", bins: Sequence[float] = (0, 15, 30, 45, 60, 75, 90)
) -> dict:
    """Pick density and apparent-dip distribution.

    Args:
        picks: :class:`~nmskit.data.borehole.PickTable` (with ``depth_unit``).
        length: logged length the picks come from, in ``length_unit``.
        bins: dip histogram edges, degrees.

    Returns:
        ``{"n", "per_foot", "dip_median", "dip_quartiles", "dip_histogram"}`` where the
        histogram is the share of picks per bin.
    """
    feet = length * length_factor(length_unit, "ft")
    dip = np.asarray(picks.apparent_dip, np.float64)
    hist = np.histogram(dip, bins=bins)[0] / max(len(dip), 1)
    return {
        "n": len(dip),
        "per_foot": len(dip) / feet,
        "dip_median": float(np.median(dip)) if len(dip) else float("nan"),
        "dip_quartiles": tuple(np.percentile(dip, [25, 75])) if len(dip) else (np.nan, np.nan),
        "dip_histogram": hist,
    }


def compare_dips(a: PickTable, b: PickTable) -> dict:
    """Distance between two apparent-dip samples: Wasserstein-1 (degrees) and the
    two-sample Kolmogorov-Smirnov statistic."""
    da, db = np.asarray(a.apparent_dip, np.float64), np.asarray(b.apparent_dip, np.float64)
    return {"wasserstein_deg": float(wasserstein_distance(da, db)), "ks": float(ks_2samp(da, db).statistic)}
