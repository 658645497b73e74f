"""The Ray engine (``--engine ray``): the same tasks on Ray actors, on a running cluster
(``address``) or on a local one started for the run.

Each actor takes one CPU, receives the job once and calls its ``setup`` before its first
input, so a model is loaded once per actor; the inputs go to whichever actor is free.
Ray restarts an actor whose process dies and retries its task once (outputs are
committed atomically, so a retry cannot leave a partial file). Needs the ``ray`` extra.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING

from .outcome import Outcome
from .task import Task, lost, perform

if TYPE_CHECKING:
    from .jobs import Job


class _Worker:
    def __init__(self, job):
        self.job = job

    def perform(self, task: Task) -> Outcome:
        return perform(self.job, task)


def import_ray() -> ModuleType:
    """The ``ray`` module, or an ImportError that names the extra to install."""
    try:
        import ray
    except ImportError:
        raise ImportError("--engine ray needs Ray: pip install 'nmskit[ray]'") from None
    return ray


def run_ray(job: Job, tasks: list[Task], workers: int | None, address: str | None) -> Iterator[Outcome]:
    """Yield one outcome per task as actors finish them.

    Args:
        workers: actors to start (default: one per CPU of the cluster).
        address: a running cluster (``"auto"``, ``"ray://host:10001"``, ...); default: the
            ``RAY_ADDRESS`` environment variable, else a local cluster with ``workers`` CPUs
            started for this run (unless this process is already connected to one).
    """
    if not tasks:
        return
    ray = import_ray()
    address = address or os.environ.get("RAY_ADDRESS")  # set inside a Ray job (ray job submit, a RayJob)
    started = not ray.is_initialized()
    if started:
        _check_reachable(address)
        try:
            ray.init(
                address=address,
                num_cpus=None if address else workers,
                include_dashboard=False,
                logging_level="warning",
                log_to_driver=True,
            )
        except ConnectionError as exc:
            raise ValueError(f"--address {address}: {exc}") from None
    try:
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1, max_restarts=1, max_task_retries=1)(_Worker)
        actors = [actor.remote(job) for _ in range(min(count, len(tasks)))]
        queue, running = list(reversed(tasks)), {}
        for a in actors:
            if queue:
                task = queue.pop()
                running[a.perform.remote(task)] = (a, task)
        while running:
            (ref,), _ = ray.wait(list(running), num_returns=1)
            a, task = running.pop(ref)
            try:
                yield ray.get(ref)
            except ray.exceptions.RayError as exc:
                yield lost(task, f"its Ray worker failed ({type(exc).__name__})")
            if queue:
                task = queue.pop()
                running[a.perform.remote(task)] = (a, task)
    finally:
        if started:
            ray.shutdown()


def _check_reachable(address: str | None, timeout: float = 10.0) -> None:
    """Refuse a ``host:port`` that does not answer (Ray itself would retry for minutes)."""
    if address is None or address == "auto" or ":" not in address:
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise ValueError(f"--address {address}: no Ray cluster answers there ({exc})") from None
