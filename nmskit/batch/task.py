"""One unit of batch work, and the function every engine runs in its workers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .outcome import Outcome
from .writer import commit

if TYPE_CHECKING:
    from .jobs import Job


@dataclass(frozen=True)
class Task:
    """An input, and where its output goes (``dst`` None: return the result instead).

    ``record`` is what the output depends on (:func:`.writer.input_record`)."""

    src: Path
    dst: Path | None = None
    record: dict = field(default_factory=dict)


def perform(job: Job, task: Task) -> Outcome:
    """Run ``job`` on one task in a worker. Never raises: a failure becomes the outcome's
    ``error``, so one bad input cannot stop the others."""
    start = time.perf_counter()
    try:
        job.setup()
        if task.dst is None:
            value, note = job.run(task.src)
            return Outcome(task.src, value=value, note=note, seconds=time.perf_counter() - start)
        notes = []
        commit(task.dst, lambda tmp: notes.append(job.run(task.src, tmp)[1]), task.record)
        return Outcome(task.src, task.dst, note=notes[0], seconds=time.perf_counter() - start)
    except Exception as exc:  # reported per input; the batch goes on
        why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        return Outcome(task.src, task.dst, error=why, seconds=time.perf_counter() - start)


def lost(task: Task, why: str) -> Outcome:
    """The outcome of a task whose worker died before answering."""
    return Outcome(task.src, task.dst, error=f"{why}; rerun with --resume to finish the rest")
