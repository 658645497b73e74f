"""``nmskit bench borehole``: speed of the borehole data layer and the Hough baseline's
scores on the embedded real well.

- Preprocessing (sentinel mask, imputation, 2 ft dynamic normalisation) of a 10,000 ft log
  at 0.1 in with 360 columns (1.2 M rows, 432 M pixels; ``--quick``: 1,000 ft).
- Synthetic patches (800 x 360, generated and preprocessed) per minute.
- The Hough picker on well 48/19a-C2: its parameters were chosen on the upper half
  (13375-13405 ft); the lower half (13405-13435 ft) is reported separately as held out.
"""

from __future__ import annotations

import time

import numpy as np

from .._table import format_table
from ..borehole import hough_picks, preprocess
from ..data.borehole import BoreholeImage, load_well
from ..data.synth_borehole import synthesize_borehole
from ..evaluate import evaluate_picks, format_pick_scores


def _long_log(feet: float) -> BoreholeImage:
    """A log of ``feet`` at 0.1 in, 360 columns: layered values with sentinel stretches and NaNs."""
    rows = int(feet * 120)
    rng = np.random.default_rng(0)
    base = rng.lognormal(1.0, 0.5, size=(4096, 360)).astype(np.float32)
    values = np.tile(base, (rows // 4096 + 1, 1))[:rows]
    values[1000:1600] = -9999.0
    values[::97, 10:30] = np.nan
    return BoreholeImage(values, 1000.0 + np.arange(rows) / 120.0, depth_unit="ft")


def _synthetic_patches(n: int, seed: int, tools=("lwd", "fmi", "cmi")) -> None:
    """Generate and preprocess ``n`` 800-row synthetic logs at 360 columns (patch ``i`` from seed
    ``[seed, i]``, its tool drawn from ``tools``)."""
    for i in range(n):
        tool = tools[np.random.default_rng([seed, i, 1]).integers(len(tools))]
        image, _ = synthesize_borehole(800, [seed, i], tool=tool)
        preprocess(image, width=360)


def run(quick: bool = False) -> None:
    feet = 1_000 if quick else 10_000
    log = _long_log(feet)
    preprocess(log.rows(0, 20_000), width=None)  # compile the kernels
    t0 = time.perf_counter()
    preprocess(log, width=None)
    dt = time.perf_counter() - t0
    rows = [[f"{feet:,} ft x 360 at 0.1 in", f"{log.shape[0]:,}", f"{dt:.1f} s", f"{log.values.size / dt / 1e6:.0f} M"]]
    print(format_table(["preprocess", "rows", "time", "pixels/s"], rows))
    del log

    n = 30 if quick else 120
    _synthetic_patches(2, seed=99)
    t0 = time.perf_counter()
    _synthetic_patches(n, seed=0)
    dt = time.perf_counter() - t0
    print(
        format_table(["synthetic 800 x 360 patches", "time", "per minute"], [[n, f"{dt:.1f} s", f"{60 * n / dt:.0f}"]])
    )

    image, truth = load_well()
    for name, (top, bottom) in {
        "upper half (tuning)": (13375, 13405),
        "lower half (held out)": (13405, 13435),
        "whole well": (13375, 13435),
    }.items():
        t0 = time.perf_counter()
        found = hough_picks(image.interval(top, bottom))
        dt = time.perf_counter() - t0
        ref = truth.select((truth.depth >= top) & (truth.depth < bottom))
        print(f"\nHough picker, 48/19a-C2 {name}: {len(found)} picks vs {len(ref)} expert picks, {dt:.1f} s")
        print(format_pick_scores(evaluate_picks(found, ref)))
