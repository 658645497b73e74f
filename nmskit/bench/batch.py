"""``nmskit bench batch``: wall time of whole batch commands, one process against a local
pool of 2 workers and Ray with 2 CPUs, and the overhead against perfect scaling.

Two workloads, each a real command run as a subprocess (interpreter start, imports,
worker start-up and all):
- ``fractures detect`` over copies of the embedded well (20; 4 with ``quick``);
- ``suppress --method d2d`` over simulated frames (5,000 in 20 files of 250; 200 in 4).

Variants: ``--workers 1`` (every input in the command's own process), ``--workers 2``
(a pool of two processes) and ``--engine ray --workers 2`` (two actors on a local Ray
cluster that the command starts and stops: its start-up is part of the time). They run
interleaved (one run of each per round), so a change in the machine's load hits all alike; every
variant's outputs are checked byte for byte against the one-process run's. Each timing is
appended to ``times.jsonl`` in the work folder, so an interrupted run resumes where it
stopped. Overhead against perfect scaling is ``t_2 / (t_1 / 2) - 1`` on the medians.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from .._table import format_table
from .timing import load_note

VARIANTS = {
    "1 process": ["--workers", "1"],
    "local, 2 workers": ["--workers", "2"],
    "ray, 2 CPUs": ["--engine", "ray", "--workers", "2"],
}
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}


def run(quick: bool = False, work=None, rounds: int | None = None) -> None:
    """Prepare the inputs (once), time every variant ``rounds`` times (3; 1 with ``quick``),
    print the tables. ``work`` holds the inputs, outputs and times (default ./bench-batch)."""
    wells, files, frames, default_rounds = (4, 4, 50, 1) if quick else (20, 20, 250, 3)
    rounds = rounds or default_rounds
    work = Path(work or (Path.cwd() / ("bench-batch-quick" if quick else "bench-batch")))
    work.mkdir(parents=True, exist_ok=True)
    workloads = {  # command, inputs (made when first needed), count, unit
        "fractures detect": (["fractures", "detect", "--log"], lambda: _wells(work, wells) / "*.csv.gz", wells, "well"),
        "suppress --method d2d": (
            ["suppress", "--method", "d2d", "--in"],
            lambda: _frames(work, files, frames) / "*.json",
            files * frames,
            "frame",
        ),
    }
    log = work / "times.jsonl"
    done = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    for name, (command, inputs, _, _) in workloads.items():
        pattern = inputs()
        argv = [*command, str(pattern)]
        # untimed, one input: fills the compile caches
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nmskit.cli",
                *command,
                str(sorted(pattern.parent.glob(pattern.name))[0]),
                "--out",
                str(work / "warm-up"),
            ],
            check=True,
            env={**os.environ, **ENV},
            stdout=subprocess.DEVNULL,
        )
        for r in range(rounds):
            for variant, extra in VARIANTS.items():
                if any(d["workload"] == name and d["variant"] == variant and d["round"] == r for d in done):
                    continue
                seconds, cpu = _time_command(argv, extra, work / "out" / name.split()[0] / variant.split(",")[0])
                done.append(
                    {
                        "workload": name,
                        "variant": variant,
                        "round": r,
                        "seconds": seconds,
                        "cpu": cpu,
                        "load": os.getloadavg()[0],
                    }
                )
                with open(log, "a") as f:
                    f.write(json.dumps(done[-1]) + "\n")
    print(
        f"Batch commands, wall seconds over {rounds} interleaved round(s), min / median ({load_note()}; "
        "the machine is shared, so the times include other work)"
    )
    for name, (_, _, count, unit) in workloads.items():
        print(f"\n{name}: {count} {unit}s")
        print(format_table(*_table(done, name, count, unit)))


def _table(done, name, count, unit):
    runs = {v: [d for d in done if d["workload"] == name and d["variant"] == v] for v in VARIANTS}
    one = float(np.median([d["seconds"] for d in runs["1 process"]]))
    rows = []
    for variant, ds in runs.items():
        t = [d["seconds"] for d in ds]
        med = float(np.median(t))
        overhead = "" if variant == "1 process" else f"{med / (one / 2) - 1:+.0%}"
        cpu = [d["cpu"] for d in ds if "cpu" in d]
        cpu_note = f"{np.median(cpu) / count * 1000:.0f}" if cpu and not variant.startswith("ray") else "-"
        rows.append(
            [
                variant,
                f"{min(t):.1f}",
                f"{med:.1f}",
                f"{one / med:.2f}x",
                overhead,
                f"{med / count * 1000:.0f}",
                cpu_note,
                len(t),
            ]
        )
    header = [
        "variant",
        "min s",
        "median s",
        "speed-up",
        "over perfect 2x",
        f"wall ms per {unit}",
        f"CPU ms per {unit}",
        "runs",
    ]
    return header, rows


def _time_command(argv, extra, out: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and the worker processes
    it waited for; Ray's workers are not its children) of one batch command writing to
    ``out``; its outputs must equal the one-process run's (the first written)."""
    reference = out.parent / "1 process"
    if out.exists():
        shutil.rmtree(out)
    command = [sys.executable, "-m", "nmskit.cli", *argv, "--out", str(out), *extra]
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out != reference:
        for f in sorted(reference.glob("*")):
            if f.is_file() and (out / f.name).read_bytes() != f.read_bytes():
                raise AssertionError(f"{out / f.name} differs from the one-process output {f}")
    return seconds, cpu


def _wells(work: Path, count: int) -> Path:
    folder = work / "wells"
    folder.mkdir(exist_ok=True)
    well = resources.files("nmskit.data") / "wells" / "48_19a-C2" / "48_19a-C2_image_13375-13435ft.csv.gz"
    for i in range(count):
        if not (folder / f"well{i:03d}.csv.gz").exists():
            with resources.as_file(well) as src:
                shutil.copyfile(src, folder / f"well{i:03d}.csv.gz")
    return folder


def _frames(work: Path, files: int, frames: int) -> Path:
    """``files`` results files of ``frames`` simulated frames each (seeds 0, 1, ...)."""
    from ..data.sim import write_simulation

    folder = work / "frames"
    folder.mkdir(exist_ok=True)
    for i in range(files):
        target = folder / f"frames{i:03d}.json"
        if not target.exists():
            pre, _ = write_simulation(work / "sim-tmp", frames, seed=i)
            os.replace(pre, target)
    return folder
