"""Many inputs for one command: repeated paths, glob patterns and ``@manifest`` files,
and the output each input maps to under an output folder."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from .._arrays import PathLike

_MAGIC = set("*?[")
_COMPRESSION = (".gz", ".bz2", ".xz", ".zst")


def is_many(values: Sequence[str]) -> bool:
    """True unless ``values`` is one literal path (the single-input form of a command)."""
    values = list(values)
    return len(values) != 1 or _is_pattern(values[0]) or str(values[0]).startswith("@")


def expand_inputs(values: Sequence[str], name: str = "inputs") -> list[Path]:
    """Paths from literal paths, glob patterns (``**`` recurses) and ``@FILE`` manifests.

    A manifest lists one path or pattern per line; blank lines and lines starting with
    ``#`` are skipped, and relative entries are taken relative to the manifest's folder.
    An input named twice is kept once, at its first place; globs expand in sorted order.

    Raises:
        ValueError: naming ``name``, for a pattern that matches nothing, an unreadable or
            empty manifest, or no input at all.
    """
    paths, seen = [], set()
    for value in values:
        for path in _expand(str(value), name, Path.cwd()):
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                paths.append(path)
    if not paths:
        raise ValueError(f"{name}: no input given")
    return paths


def output_paths(inputs: Sequence[PathLike], out_dir: PathLike, suffix: str) -> list[Path]:
    """``out_dir / (stem + suffix)`` for each input; the stem drops the input's last suffix
    (and a compression suffix before it: ``well.csv.gz`` -> ``well``).

    Raises:
        ValueError: when two inputs map to one output or an output would overwrite an input.
    """
    out_dir = Path(out_dir)
    outputs: list[Path] = []
    owner: dict[str, PathLike] = {}
    sources = {os.path.abspath(p) for p in inputs}
    for src in inputs:
        dst = out_dir / (_stem(Path(src).name) + suffix)
        key = os.path.abspath(dst)
        if key in owner:
            raise ValueError(f"{src} and {owner[key]} would both write {dst}; give the inputs distinct names")
        if key in sources:
            raise ValueError(f"{dst}: the output would overwrite an input; choose another --out folder")
        owner[key] = src
        outputs.append(dst)
    return outputs


def _expand(value: str, name: str, base: Path) -> list[Path]:
    if value.startswith("@"):
        return _manifest(_under(base, value[1:]), name)
    if _is_pattern(value):
        matches = sorted(glob.glob(str(_under(base, value)), recursive=True))
        if not matches:
            raise ValueError(f"{name}: the pattern {value!r} matches no file")
        return [Path(m) for m in matches]
    return [_under(base, value)]


def _under(base: Path, value: str) -> Path:
    """``value`` as given when absolute or relative to the working folder, else under ``base``."""
    return Path(value) if os.path.isabs(value) or base == Path.cwd() else base / value


def _manifest(path: Path, name: str) -> list[Path]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{name}: cannot read the manifest {path}: {exc}") from None
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not entries:
        raise ValueError(f"{path}: the manifest lists no input")
    out = []
    for entry in entries:
        if entry.startswith("@"):
            raise ValueError(f"{path}: a manifest cannot name another manifest ({entry})")
        out.extend(_expand(entry, name, path.parent))
    return out


def _is_pattern(value) -> bool:
    return bool(_MAGIC & set(str(value)))


def _stem(name: str) -> str:
    for ext in _COMPRESSION:
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name
