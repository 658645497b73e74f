"""The thread default of the command line and the benchmarks: one thread per process.

nmskit's kernels are sequential; extra intra-op threads in torch (and OpenMP in the peers)
only help large dense tensor work, and on a busy machine their spinning workers compete
for the cores: padded NMS ran 20x slower with torch's 2 threads than with 1 on a loaded
2-core machine. Users who want more set ``OMP_NUM_THREADS`` (and ``NUMBA_NUM_THREADS``,
``MKL_NUM_THREADS``) themselves, or pass ``--threads`` where a command has it; an explicit
setting always wins.
"""

from __future__ import annotations

import os
import sys

VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def default_threads() -> int:
    """Set one thread per library unless the environment already says otherwise; return
    torch's intra-op thread count to use (``OMP_NUM_THREADS``)."""
    for var in VARIABLES:
        os.environ.setdefault(var, "1")
    try:
        threads = max(1, int(os.environ["OMP_NUM_THREADS"]))
    except ValueError:
        threads = 1
    if "torch" in sys.modules:  # already imported: the variable came too late for it
        sys.modules["torch"].set_num_threads(threads)
    return threads
