"""``nmskit bench fractures``: the dip pickers head to head on the same logs.

- ``hough``: the classical picker (no training; parameters chosen on the real well's upper
  interval).
- ``dense``: the NMS-based detector (:class:`nmskit.borehole.DenseFractureDetector`): one
  prediction per depth cell, then sinusoid NMS.
- ``detr``: the NMS-free set predictor (:class:`nmskit.borehole.FractureDETR`): one
  prediction per query, a per-query threshold, nothing across queries.
- ``acontrario``: the a contrario dip picker of Costes et al. (2021), from the detections they
  published for the embedded well (:func:`nmskit.data.borehole.load_peer_picks`); it exists
  only on the real well, and its speed is not measured here.
- ``comb``: the chance reference, flat picks evenly spaced at the truth's density, which
  reads no pixel.

Every trained method runs the same whole-log path (:func:`nmskit.borehole.detect_picks`) on:

- synthetic held-out logs (seed :data:`TEST_SEED`, never used in training or validation);
- crowded synthetic logs: thin parallel beds (mean thickness :data:`CROWDED_BED_FT`), so
  that neighbouring boundaries lie closer than the NMS tolerance;
- the real well's lower interval, 13405-13435 ft. Both networks chose their checkpoint on it,
  so their scores there are optimistic.

The headline score is F1 at 5 cm of *sinusoid* distance (the mean depth difference between
the two curves round the hole, so depth, dip and azimuth must all agree), with one-to-one
matching (:func:`nmskit.evaluate.evaluate_picks`). F1 at 5 cm of centre depth stands beside
it; on densely picked logs the comb scores well on depth alone. The dip and azimuth shares
are of the 5 cm depth matches.
The NMS-tolerance sweep re-runs the dense detector at each tolerance; DETR has no such knob.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from .._checks import check_count, check_positive
from ..borehole.preprocessing.scale import ROWS_PER_DIAMETER

TEST_SEED = 2_000_003
CROWDED_BED_FT = 0.12
REAL_SET = "real well 48/19a-C2, 13405-13435 ft"
METHODS = ("hough", "dense", "detr")
PEER = "acontrario"
CM_PER_ROW = 8.5 * 2.54 / ROWS_PER_DIAMETER  # one prepared row in an 8.5 in hole
TOLERANCES_ROWS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def synthetic_logs(n: int, seed: int = TEST_SEED, feet: float = 30.0, **options) -> list:
    """``n`` raw synthetic logs with their picks, ``[(BoreholeImage, PickTable)]``.

    Log ``i`` draws its tool and gauge diameter from ``(seed, i)`` as the training stream
    does, and is ``feet`` long at the tool's native step. ``options`` go to
    :func:`nmskit.data.synthesize_borehole` (e.g. ``bed_spacing_ft`` for crowded logs).
    """
    from ..borehole.training.stream import draw_tool
    from ..data.synth_borehole import TOOLS, synthesize_borehole

    n = check_count(n, "n", allow_none=False)
    feet = check_positive(feet, "feet")
    logs = []
    for i in range(n):
        tool, diameter = draw_tool(np.random.default_rng([seed, i, 11]))
        rows = int(feet / TOOLS[tool].step_ft)
        logs.append(synthesize_borehole(rows, [seed, i], tool=tool, diameter_in=diameter, **options))
    return logs


def comb_picks(image, spacing_ft: float):
    """Chance reference: flat picks (dip 0) every ``spacing_ft`` down the log, no image read."""
    from ..data.borehole.picks import PickTable

    depth = np.arange(image.depths[0], image.depths[-1], check_positive(spacing_ft, "spacing_ft"))
    diameter = np.interp(depth, image.depths, image.diameter_in_depth_units())
    return PickTable.from_arrays(
        np.column_stack([depth, np.zeros((len(depth), 2))]), depth_unit=image.depth_unit, diameter=diameter
    )


class LogScores(NamedTuple):
    """One method on a set of logs: :class:`~nmskit.evaluate.picks.PickScores` at 3/5/8 cm of
    centre ``depth`` and of ``sinusoid`` distance, the number of ``picks`` made, and the
    seconds per 100 ft of log (NaN where the picks were not computed here)."""

    depth: list
    sinusoid: list
    picks: int
    seconds_per_100ft: float


def _pick(image, method: str, truth, **options):
    """One method's picks on one raw log (``comb``: evenly spaced at the truth's mean spacing;
    ``acontrario``: the published detections inside the log's depth range)."""
    from ..borehole import detect_picks
    from ..data.borehole.wells import PEER_PICKS, load_peer_picks

    if method == "comb":
        feet = float(image.depths[-1] - image.depths[0])
        return comb_picks(image, feet / max(len(truth), 1))
    if method == PEER:
        key = str(image.well).replace("/", "_")
        if key not in PEER_PICKS:
            raise ValueError(
                f"method {PEER!r} has published detections only for the wells {sorted(PEER_PICKS)}, "
                f"not for {image.well!r}"
            )
        peer = load_peer_picks(key).in_unit(image.depth_unit)
        return peer.select((peer.depth >= image.depths[0]) & (peer.depth <= image.depths[-1]))
    return detect_picks(image, method, **options)


def score_logs(logs: list, method: str, **options) -> LogScores:
    """Run ``method`` (one of :data:`METHODS`, ``"acontrario"`` or ``"comb"``) on every
    ``(image, picks)`` of ``logs`` and score it.

    Logs are scored together (log ``i`` shifted ``i`` km down) so no match can cross logs.
    """
    from ..borehole.training.validation import ITEM_GAP_FT
    from ..data.borehole.picks import PickTable
    from ..evaluate import evaluate_picks

    pred: list[tuple[np.ndarray, np.ndarray]] = []
    truth: list[tuple[np.ndarray, np.ndarray]] = []
    seconds, feet = 0.0, 0.0
    for i, (image, picks) in enumerate(logs):
        t0 = time.perf_counter()
        found = _pick(image, method, picks, **options)
        seconds += time.perf_counter() - t0
        feet += float(image.depths[-1] - image.depths[0])
        for table, out in ((found, pred), (picks, truth)):
            ft = table.in_unit("ft")
            out.append((ft.apparent() + [ITEM_GAP_FT * i, 0.0, 0.0], ft.diameter))
    found_all, truth_all = (
        PickTable.from_arrays(
            np.concatenate([a for a, _ in x]), depth_unit="ft", diameter=np.concatenate([d for _, d in x])
        )
        for x in (pred, truth)
    )
    speed = float("nan") if method == PEER else 100.0 * seconds / max(feet, 1e-9)
    return LogScores(
        evaluate_picks(found_all, truth_all),
        evaluate_picks(found_all, truth_all, distance="sinusoid"),
        len(found_all),
        speed,
    )


HEADER = [
    "method",
    "picks",
    "F1 @5 cm sinusoid",
    "precision @5 cm sinusoid",
    "recall @5 cm sinusoid",
    "F1 @5 cm depth",
    "precision @5 cm depth",
    "recall @5 cm depth",
    "dip within 3 deg",
    "azimuth within 15 deg",
    "s per 100 ft",
]


def score_row(name: str, scores: LogScores) -> list:
    """A table row under :data:`HEADER`."""
    pct = lambda v: "n/a" if np.isnan(v) else f"{100 * v:.1f} %"  # noqa: E731
    d, s = scores.depth[1], scores.sinusoid[1]
    speed = "n/a" if np.isnan(scores.seconds_per_100ft) else f"{scores.seconds_per_100ft:.2f}"
    return [
        name,
        scores.picks,
        pct(s.f1),
        pct(s.precision),
        pct(s.recall),
        pct(d.f1),
        pct(d.precision),
        pct(d.recall),
        pct(d.dip_within),
        pct(d.azimuth_within),
        speed,
    ]


def datasets(n: int = 6, feet: float = 30.0) -> dict:
    """The three comparison sets, ``{name: [(image, picks)]}``: ``n`` synthetic logs of
    ``feet``, as many crowded ones, and the real validation interval."""
    from ..borehole.training.run import real_split

    return {
        f"synthetic held-out ({n} logs x {feet:g} ft)": synthetic_logs(n, feet=feet),
        f"crowded synthetic (beds {CROWDED_BED_FT:g} ft apart on average, {n} logs x {feet:g} ft)": synthetic_logs(
            n, TEST_SEED + 1, feet, bed_spacing_ft=CROWDED_BED_FT
        ),
        REAL_SET: [real_split()[1]],
    }


def head_to_head(sets: dict) -> list:
    """``[(caption, header, rows)]``: one table per data set of ``sets`` (as from
    :func:`datasets`), a row per method."""
    tables = []
    for name, logs in sets.items():
        methods = (*METHODS, PEER, "comb") if name == REAL_SET else (*METHODS, "comb")
        rows = [score_row(m, score_logs(logs, m)) for m in methods]
        tables.append((name, HEADER, rows))
    return tables


def tolerance_sweep(logs: list, tolerances_rows=TOLERANCES_ROWS) -> dict:
    """Sinusoid F1 at 3/5/8 cm of the dense detector at each NMS tolerance, and of DETR once.

    Args:
        logs: ``[(image, picks)]``.
        tolerances_rows: sinusoid-NMS tolerances in prepared rows (one row is the hole
            diameter / ``ROWS_PER_DIAMETER``, :data:`CM_PER_ROW` cm in an 8.5 in hole).

    Returns:
        ``{"tolerance_rows": [T], "dense": [T, 3], "detr": [3]}`` (F1 at 3, 5, 8 cm).
    """
    dense = [[s.f1 for s in score_logs(logs, "dense", nms_tolerance=t).sinusoid] for t in tolerances_rows]
    detr = [s.f1 for s in score_logs(logs, "detr").sinusoid]
    return {"tolerance_rows": list(tolerances_rows), "dense": np.array(dense), "detr": np.array(detr)}


def sweep_figure(sweeps: dict):
    """Sinusoid F1 at 5 cm against the dense detector's NMS tolerance, one panel per data set, DETR
    as a flat line. ``sweeps``: ``{name: tolerance_sweep(...)}``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sweeps), figsize=(4.2 * len(sweeps), 3.4), squeeze=False)
    for ax, (name, sw) in zip(axes[0], sweeps.items()):
        ax.plot(sw["tolerance_rows"], 100 * sw["dense"][:, 1], "o-", label="dense + sinusoid NMS")
        ax.axhline(100 * sw["detr"][1], color="C1", label="DETR (no NMS)")
        ax.set_xscale("log")
        ax.set_xlabel(f"NMS tolerance (rows; 1 row = {CM_PER_ROW:.2f} cm at 8.5 in)")
        ax.set_ylabel("sinusoid F1 at 5 cm (%)")
        ax.set_title(name, fontsize=9)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def run(quick: bool = False) -> None:
    from .._table import format_table

    for caption, header, rows in head_to_head(datasets(*((2, 20.0) if quick else (6, 30.0)))):
        print(caption)
        print(format_table(header, rows))
        print()
