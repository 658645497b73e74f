"""The local engine: a pool of worker processes on this machine (``--engine local``).

Each worker receives the job once and calls its ``setup`` before its first input, so a
model is loaded once per worker. One worker runs the inputs in this process, in order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from .outcome import Outcome
from .task import Task, lost, perform

if TYPE_CHECKING:
    from .jobs import Job

_job: Job | None = None  # the job of this worker process, set by _start


def run_local(job: Job, tasks: list[Task], workers: int) -> Iterator[Outcome]:
    """Yield one outcome per task as workers finish them (``workers == 1``: in order, here)."""
    if workers == 1:
        for task in tasks:
            yield perform(job, task)
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads or locks
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(job,))
    try:
        futures = {pool.submit(_perform, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                yield lost(futures[future], "a worker process died (killed or out of memory)")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(job) -> None:
    # one thread per worker unless the caller chose otherwise: N workers already use N cores
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    global _job
    _job = job


def _perform(task: Task) -> Outcome:
    if _job is None:  # the pool's initializer did not run
        return lost(task, "the worker was not started with a job")
    return perform(_job, task)
