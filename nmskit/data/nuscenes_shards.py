"""Split a big nuScenes results file into shards of whole samples, and merge shards back.

Every method that works sample by sample (heuristic suppression, the learned rescorers)
gives the same boxes for a sample whether it sees the whole file or one shard, so
``merge(run(split(file))) == run(file)`` byte for byte. Shards are contiguous runs of
samples in file order, balanced by box count, and named ``<stem>-<i>-of-<n>.json``
(zero-padded, so sorting the names restores the file order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._arrays import PathLike
from .nuscenes_json import _dump, _load

_SHARD_NAME = re.compile(r"^(?P<stem>.*)-(?P<index>\d{5})-of-(?P<count>\d{5})\.json$")


def split_results(path: PathLike, out_dir: PathLike, shards: int) -> list[Path]:
    """Write ``path``'s samples into ``shards`` results files under ``out_dir``.

    Args:
        path: a nuScenes results file (``{"meta": ..., "results": {token: [box, ...]}}``).
        out_dir: folder for the shards (created if missing).
        shards: number of shards, 1 to the number of samples (at most 99999).

    Returns:
        The shard paths in file order; each carries the input's ``meta``.
    """
    data = _results_object(path)
    tokens = list(data["results"])
    if isinstance(shards, bool) or not isinstance(shards, (int, np.integer)) or not 1 <= shards <= 99999:
        raise ValueError(f"shards must be an integer from 1 to 99999, got {shards!r}")
    if shards > len(tokens):
        raise ValueError(f"shards: {path} has {len(tokens)} samples, fewer than the {shards} shards asked for")
    bounds = _balanced_bounds([len(data["results"][t]) for t in tokens], shards)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"out_dir: cannot create {folder}: {exc}") from None
    stem = Path(path).name.removesuffix(".json")
    paths = []
    for i in range(shards):
        part = {t: data["results"][t] for t in tokens[bounds[i] : bounds[i + 1]]}
        paths.append(folder / f"{stem}-{i:05d}-of-{shards:05d}.json")
        _dump({"meta": data.get("meta", {}), "results": part}, paths[-1])
    return paths


def merge_results(paths: Sequence[PathLike], out: PathLike) -> int:
    """Concatenate results files, in the order given, into one results file at ``out``.

    Shards named ``<stem>-<i>-of-<n>.json`` must form a complete set of one split and come in
    index order. All files must carry the same ``meta`` and no sample may appear twice.

    Returns:
        The number of samples written.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise ValueError("paths: no results files to merge")
    _check_shard_set(files)
    meta, merged = None, {}
    for p in files:
        data = _results_object(p)
        if meta is None:
            meta = data.get("meta", {})
        elif data.get("meta", {}) != meta:
            raise ValueError(f"{p}: its 'meta' differs from {files[0]}'s; shards of one file share it")
        for token, boxes in data["results"].items():
            if token in merged:
                raise ValueError(f"{p}: sample {token!r} already came from an earlier file")
            merged[token] = boxes
    _dump({"meta": meta, "results": merged}, out)
    return len(merged)


def _results_object(path) -> dict:
    data = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ValueError(f"{path}: a results file must be an object whose 'results' maps sample tokens to boxes")
    return data


def _balanced_bounds(counts: list[int], shards: int) -> list[int]:
    """Cut points ``[shards + 1]`` of contiguous sample runs with about equal box counts,
    each run holding at least one sample."""
    ends = np.cumsum(np.asarray(counts, np.float64) + 1e-9)  # empty samples still weigh
    targets = ends[-1] * np.arange(1, shards) / shards
    cuts = np.searchsorted(ends, targets, side="left") + 1
    bounds = [0]
    for k, c in enumerate(cuts.tolist(), start=1):
        # keep every run non-empty and leave at least one sample for each later run
        bounds.append(int(min(max(c, bounds[-1] + 1), len(counts) - (shards - k))))
    return bounds + [len(counts)]


def _check_shard_set(paths: list[Path]) -> None:
    matches = [_SHARD_NAME.match(p.name) for p in paths]
    names = [m for m in matches if m is not None]
    if len(names) < len(matches):
        return
    stems = {m["stem"] for m in names}
    counts = {int(m["count"]) for m in names}
    if len(stems) > 1 or len(counts) > 1:
        raise ValueError(f"paths: the shards come from different splits ({sorted(stems)}, counts {sorted(counts)})")
    count = counts.pop()
    indices = [int(m["index"]) for m in names]
    missing = sorted(set(range(count)) - set(indices))
    if missing:
        raise ValueError(
            f"paths: shard {missing[0]} of {count} is missing ({len(missing)} missing in all); merge the complete set"
        )
    if indices != list(range(count)):
        raise ValueError(f"paths: shards must come once each in index order 0..{count - 1}, got {indices}")
