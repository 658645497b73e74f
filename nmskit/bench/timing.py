"""Wall-clock timing of one callable inside this process."""

from __future__ import annotations

import time

import numpy as np


def median_seconds(fn, repeats: int = 5, warmup: int = 1, budget: float = 30.0) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` untimed calls.

    Stops early (with at least one timed call) once ``budget`` seconds have been spent,
    so slow peers at large sizes do not stall a run.
    """
    for _ in range(warmup):
        fn()
    times = []
    spent = 0.0
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
        if spent > budget:
            break
    return float(np.median(times))


def interleaved_medians(fns, repeats: int = 5, warmup: int = 1, budget: float = 30.0) -> list[float]:
    """Median wall time of each callable in ``fns``, timed in alternation (one call of each
    per round), so that a change in the machine's load hits every contender alike.

    Stops early (after at least one round) once ``budget`` seconds have been spent.
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    spent = 0.0
    for _ in range(max(1, repeats)):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            times[k].append(dt)
            spent += dt
        if spent > budget:
            break
    return [float(np.median(t)) for t in times]


def load_note() -> str:
    """The machine's load averages and core count, to print beside a table."""
    import os

    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
