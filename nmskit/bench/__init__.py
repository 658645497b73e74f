"""Benchmarks against the peers, measured side by side in one process.

Each benchmark is a module here with ``run(quick: bool) -> None`` that prints its table;
``nmskit bench NAME`` and the scripts in ``benchmarks/`` call it. Peers are test-only
dependencies: a missing peer is reported and skipped, never silently replaced.
"""

from __future__ import annotations

import importlib

BENCHMARKS = {
    "nms": "nmskit.bench.nms",
    "fusion": "nmskit.bench.fusion",
    "padded": "nmskit.bench.padded",
    "eval": "nmskit.bench.eval",
    "bev": "nmskit.bench.bev",
    "borehole": "nmskit.bench.borehole",
    "rescoring": "nmskit.bench.rescoring",
    "fractures": "nmskit.bench.fractures",
    "batch": "nmskit.bench.batch",
}


def run_benchmark(name: str, quick: bool = False) -> None:
    """Run one benchmark by name, or every one for ``"all"``, single-threaded unless the
    environment sets ``OMP_NUM_THREADS`` (see ``nmskit._threads``)."""
    from .._threads import default_threads

    default_threads()
    names = list(BENCHMARKS) if name == "all" else [name]
    for n in names:
        if n not in BENCHMARKS:
            raise ValueError(f"unknown benchmark {n!r}; choose from {sorted(BENCHMARKS)} or 'all'")
        importlib.import_module(BENCHMARKS[n]).run(quick=quick)
