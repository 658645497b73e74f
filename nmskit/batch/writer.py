"""Exactly-once outputs: each output is written under a temporary name and renamed into
place only when complete, after a record of what made it.

The record (``<out>/.nmskit-batch/<output name>.json``) holds the job's options, the
input's size and modification time, and the finished output's size and modification
time. It is written before the rename, so every output at its final name has a record;
:func:`is_complete` then accepts an output only if its record matches the current job and
input and the file is unchanged since. A killed run leaves at most temporary files, which
the next run removes.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from .._arrays import PathLike

RECORDS = ".nmskit-batch"


def input_record(job_options: dict, src: PathLike) -> dict:
    """What an output depends on: the job's options and the input file's identity."""
    try:
        st = os.stat(src)
        identity = {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    except OSError:
        identity = None
    # through JSON once, so that it compares equal to a record read back from disk
    return json.loads(json.dumps({"job": job_options, "input": os.path.abspath(src), "input_file": identity}))


def commit(dst: PathLike, write: Callable[[Path], object], record: dict) -> None:
    """Call ``write(tmp)`` to write a temporary file beside ``dst``, then move it to ``dst``.

    Args:
        dst: the final output path.
        write: a function writing the whole output to the path it is given.
        record: :func:`input_record` of the output, stored with the output's size and time.
    """
    dst = Path(dst)
    tmp = _temporary(dst)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        st = os.stat(tmp)
        done = dict(record, output_file={"bytes": st.st_size, "mtime_ns": st.st_mtime_ns})
        _write_json_atomically(_record_path(dst), done)
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()


def is_complete(dst: PathLike, record: dict) -> bool:
    """True when ``dst`` was committed by a job with this ``record`` and is unchanged since."""
    try:
        with open(_record_path(Path(dst))) as f:
            done = json.load(f)
        st = os.stat(dst)
    except (OSError, ValueError):
        return False
    if not isinstance(done, dict) or record["input_file"] is None:
        return False
    same_output = done.get("output_file") == {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    return same_output and all(done.get(k) == v for k, v in record.items())


def remove_leftovers(dst: PathLike) -> None:
    """Delete temporary files a killed run left for ``dst``."""
    dst = Path(dst)
    for folder, name in ((dst.parent, dst.name), (_record_path(dst).parent, _record_path(dst).name)):
        for stale in folder.glob(f".{name}.*.part"):
            stale.unlink(missing_ok=True)


def _record_path(dst: Path) -> Path:
    return dst.parent / RECORDS / f"{dst.name}.json"


def _temporary(dst: Path) -> Path:
    return dst.parent / f".{dst.name}.{uuid.uuid4().hex[:12]}.part"


def _write_json_atomically(path: Path, obj) -> None:
    path.parent.mkdir(exist_ok=True)
    tmp = _temporary(path)
    try:
        tmp.write_text(json.dumps(obj, sort_keys=True))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
