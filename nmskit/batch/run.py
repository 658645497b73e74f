"""Run a job over many inputs on an engine: written outputs (:func:`run_batch`, what the
commands use) or results yielded to the caller (:func:`imap`)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._arrays import PathLike
from .inputs import output_paths
from .outcome import Outcome, Summary
from .task import Task
from .writer import input_record, is_complete, remove_leftovers

if TYPE_CHECKING:
    from .jobs import Job

ENGINES = ("local", "ray")


def run_batch(
    job: Job,
    inputs: Sequence[PathLike],
    out_dir: PathLike,
    *,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> Summary:
    """Write ``job``'s output for each input under ``out_dir``, exactly once.

    Each output is named after its input (:func:`.inputs.output_paths`) and committed
    atomically (:mod:`.writer`). A failed input is reported in the summary; the others go on.

    Args:
        job: a :class:`.jobs.Job`.
        inputs: input paths (see :func:`.inputs.expand_inputs`).
        out_dir: output folder (created if missing).
        engine: ``"local"`` (a process pool) or ``"ray"``.
        workers: worker processes or Ray actors (default: the CPUs of this machine or cluster).
        address: Ray only: a running cluster to use instead of a local one.
        resume: skip inputs whose output is complete and was made by the same job from the
            same input file; without it every output is computed again.
        progress: show a progress bar over the inputs (on a terminal).

    Returns:
        :class:`.outcome.Summary` with one outcome per input.
    """
    from tqdm.auto import tqdm

    _check(engine, workers, address)
    paths = [Path(p) for p in inputs]
    outputs = output_paths(paths, out_dir, job.suffix)
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out: cannot create the folder {out_dir}: {exc}") from None
    options = job.describe()
    done, todo = [], []
    for src, dst in zip(paths, outputs):
        task = Task(src, dst, input_record(options, src))
        if resume and is_complete(dst, task.record):
            done.append(task)
        else:
            remove_leftovers(dst)
            todo.append(task)
    outcomes = [Outcome(t.src, t.dst, note="already complete", skipped=True) for t in done]
    with tqdm(total=len(paths), initial=len(done), unit="input", disable=None if progress else True) as bar:
        for outcome in _engine(job, todo, engine, workers, address):
            outcomes.append(outcome)
            bar.update()
    return Summary(outcomes)


def imap(
    job: Job,
    inputs: Sequence[PathLike],
    *,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
) -> Iterator[Outcome]:
    """Yield an :class:`.outcome.Outcome` per input, as workers finish, with the result in
    ``outcome.value`` (or the reason it failed in ``outcome.error``). Nothing is written.

    Example::

        for o in imap(PickJob(method="hough"), paths, workers=4):
            print(o.input, len(o.value) if o.ok else o.error)
    """
    _check(engine, workers, address)
    return _engine(job, [Task(Path(p)) for p in inputs], engine, workers, address)


def _check(engine, workers, address) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if engine == "local" and address is not None:
        raise ValueError("address: a cluster address applies to --engine ray only")
    if engine == "ray":
        from .ray_engine import import_ray

        import_ray()  # fail before any work when the extra is missing


def _engine(job, tasks, engine, workers, address) -> Iterator[Outcome]:
    if engine == "ray":
        from .ray_engine import run_ray

        return run_ray(job, tasks, workers, address)
    from .local import run_local

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return run_local(job, tasks, min(workers or cpus, max(1, len(tasks))))
