"""Many inputs, one command: run the per-input work of ``fractures detect``, ``suppress``
and ``evaluate nuscenes`` over many files, on a local process pool or on Ray.

- ``inputs``: repeated paths, globs and ``@manifest`` files; the output named after each input.
- ``jobs``: the per-input work of each command (:class:`PickJob`, :class:`SuppressJob`,
  :class:`EvaluateJob`); a job's ``setup`` loads its model once per worker.
- ``writer``: exactly-once outputs (temporary name, record, atomic rename; resume).
- ``local`` and ``ray_engine``: the engines; ``task``: what their workers run.
- ``run``: :func:`run_batch` (outputs under a folder, progress bar, summary) and
  :func:`imap` (results yielded to the caller); ``outcome``: per-input outcomes and the summary.

Big nuScenes results files split into shards by sample with
:func:`nmskit.data.nuscenes_shards.split_results` (``nmskit shard split``). See docs/batch.md.
"""

from .inputs import expand_inputs, is_many, output_paths
from .jobs import LEARNED, EvaluateJob, Job, PickJob, SuppressJob
from .outcome import Outcome, Summary
from .run import ENGINES, imap, run_batch

__all__ = [
    "ENGINES",
    "LEARNED",
    "EvaluateJob",
    "Job",
    "Outcome",
    "PickJob",
    "Summary",
    "SuppressJob",
    "expand_inputs",
    "imap",
    "is_many",
    "output_paths",
    "run_batch",
]
