"""nuScenes detection files <-> :class:`Detections3D`.

Results (predictions): ``{"meta": {...}, "results": {sample_token: [box, ...]}}`` where each
box has ``sample_token, translation [3], size [3] (w, l, h), rotation [4] (w, x, y, z),
velocity [2], detection_name, detection_score, attribute_name``.

Ground truth: the same boxes plus ``ego_translation [3]`` (box centre minus ego position)
and ``num_pts`` (lidar + radar points in the box), i.e. what nuscenes-devkit's
``DetectionBox.serialize()`` writes. A file may be that bare ``{sample_token: [box, ...]}``
mapping or wrapped as ``{"meta": ..., "results": ...}``.

Prediction boxes may carry ``ego_translation`` too (nmskit writes it when known; the
official loader ignores it and recomputes it from the ego pose).

Every malformed entry raises a ``ValueError`` naming the sample token, the box and the field.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any, NoReturn

import numpy as np

from .._arrays import PathLike
from ..geometry.yaw import quaternion_to_yaw, yaw_to_quaternion
from .detections3d import Detections3D
from .files import atomic_write, file_error, read_text, reader
from .nuscenes_classes import (
    ATTRIBUTE_INDEX,
    ATTRIBUTE_NAMES,
    CLASS_INDEX,
    DETECTION_NAMES,
    MAX_BOXES_PER_SAMPLE,
    NO_ATTRIBUTE,
)

DEFAULT_META = {"use_camera": False, "use_lidar": True, "use_radar": False, "use_map": False, "use_external": False}

_VECTORS = {"translation": 3, "size": 3, "rotation": 4, "velocity": 2, "ego_translation": 3}
_BOX_FIELDS = (
    "sample_token",
    "translation",
    "size",
    "rotation",
    "velocity",
    "detection_name",
    "detection_score",
    "attribute_name",
)


@reader
def read_nuscenes_results(
    source: PathLike | Mapping[str, Any], *, max_boxes_per_sample: int | None = MAX_BOXES_PER_SAMPLE
) -> tuple[Detections3D, dict]:
    """Read a nuScenes detection results file.

    Args:
        source: a path, or the already parsed JSON object.
        max_boxes_per_sample: more boxes than this in one sample raises (the official limit
            is 500); ``None`` lifts the limit, e.g. for dense pre-NMS dumps.

    Returns:
        ``(detections, meta)``: a :class:`Detections3D` whose sample table lists the
        samples in file order (including samples with no boxes), and the ``meta`` dict.
    """
    data = _load(source)
    if not isinstance(data, dict) or "results" not in data:
        raise ValueError("a results file must be an object with a 'results' field")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("the 'meta' field must be an object")
    return _parse(data["results"], ground_truth=False, max_boxes=max_boxes_per_sample), meta


@reader
def read_nuscenes_gt(source: PathLike | Mapping[str, Any]) -> Detections3D:
    """Read ground truth boxes (results box form plus ``ego_translation`` and ``num_pts``).

    Args:
        source: a path or parsed JSON: ``{sample_token: [box, ...]}`` or the same under
            ``"results"``.

    Returns:
        :class:`Detections3D` with ``score`` -1, ``ego`` and ``num_pts`` filled.
    """
    data = _load(source)
    if isinstance(data, dict) and isinstance(data.get("results"), dict):
        data = data["results"]
    return _parse(data, ground_truth=True, max_boxes=None)


def write_nuscenes_results(
    detections: Detections3D, path: PathLike, meta: Mapping[str, Any] | None = None, *, with_ego: bool = True
) -> None:
    """Write predictions as a nuScenes results file (every sample, even empty ones).

    Args:
        detections: the boxes; their scores become ``detection_score``.
        path: output file.
        meta: the ``meta`` object (default: lidar-only flags).
        with_ego: also write ``ego_translation`` for rows where it is known.
    """
    results = _serialize(detections, ground_truth=False, with_ego=with_ego)
    _dump({"meta": dict(DEFAULT_META if meta is None else meta), "results": results}, path)


def write_nuscenes_gt(detections: Detections3D, path: PathLike) -> None:
    """Write ground truth as ``{sample_token: [box, ...]}`` with ``ego_translation`` and
    ``num_pts`` (``detection_score`` -1), readable by nuscenes-devkit's ``EvalBoxes``."""
    if len(detections) and np.isnan(detections.ego).any():
        row = int(np.argmax(np.isnan(detections.ego).any(axis=1)))
        raise ValueError(f"ground truth row {row} has no ego (box centre relative to ego)")
    _dump(_serialize(detections, ground_truth=True, with_ego=True), path)


# ----- parsing --------------------------------------------------------------------------
def _number(text: str) -> float | int:
    """A JSON integer: exact when it fits int64, else a float (inf beyond float64, which
    the finite checks then reject) instead of an arbitrarily long Python int."""
    return int(text) if len(text) < 19 else float(text)


def _load(source):
    if isinstance(source, (str, os.PathLike)):
        try:
            return json.loads(read_text(source), parse_int=_number)
        except json.JSONDecodeError as exc:
            raise file_error(source, f"not valid JSON ({exc})") from None
    return source


def _parse(results, ground_truth, max_boxes) -> Detections3D:
    if not isinstance(results, dict):
        raise ValueError("results must map sample tokens to lists of boxes")
    tokens = list(results)
    flat, counts = [], []
    for token, boxes in results.items():
        if not isinstance(boxes, list):
            raise ValueError(f"sample {token!r}: expected a list of boxes, got {type(boxes).__name__}")
        if max_boxes is not None and len(boxes) > max_boxes:
            raise ValueError(f"sample {token!r} has {len(boxes)} boxes; at most {max_boxes} are allowed per sample")
        flat.extend(boxes)
        counts.append(len(boxes))
    sample = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
    where = _Locator(tokens, counts, flat)
    names = _BOX_FIELDS + (("ego_translation", "num_pts") if ground_truth else ())
    for i, box in enumerate(flat):
        if not isinstance(box, dict):
            where.fail(i, "(box)", "must be an object")
    cols = {}
    for name in names:
        try:
            cols[name] = [b[name] for b in flat]
        except KeyError:
            i = next(i for i, b in enumerate(flat) if name not in b)
            where.fail(i, name, "is missing")
    if not ground_truth:
        with_ego = [("ego_translation" in b) for b in flat]
        if any(with_ego):
            cols["ego_translation"] = [b.get("ego_translation", [math.nan] * 3) for b in flat]

    bad = [i for i, t in enumerate(cols["sample_token"]) if t != tokens[sample[i]]]
    if bad:
        where.fail(bad[0], "sample_token", f"is {cols['sample_token'][bad[0]]!r}, not the key it is listed under")
    vec = {}
    for name, k in _VECTORS.items():
        if name in cols:
            vec[name] = _vectors(cols[name], k, name, where, allow_nan=name in ("velocity", "ego_translation"))
    label = _lookup(cols["detection_name"], CLASS_INDEX, "detection_name", where, DETECTION_NAMES)
    attr_index = dict(ATTRIBUTE_INDEX, **{"": NO_ATTRIBUTE})
    attribute = _lookup(cols["attribute_name"], attr_index, "attribute_name", where, ATTRIBUTE_NAMES)
    score = _numbers(cols["detection_score"], "detection_score", where)
    rot = vec["rotation"]
    zero = ~(np.abs(rot) > 0).any(axis=1)
    _first(zero, where, "rotation", "is the zero quaternion")
    _first((vec["size"] < 0).any(axis=1), where, "size", "has a negative entry")
    if "ego_translation" in vec:
        ego = vec["ego_translation"]
        if ground_truth:
            _first(np.isnan(ego).any(axis=1), where, "ego_translation", "is not finite")
    else:
        ego = None
    num_pts = None
    if ground_truth:
        pts = _numbers(cols["num_pts"], "num_pts", where)
        _first(pts != np.round(pts), where, "num_pts", "must be an integer")
        num_pts = pts.astype(np.int64)
    return Detections3D.create(
        vec["translation"],
        vec["size"],
        quaternion_to_yaw(rot),
        label,
        score,
        velocity=vec["velocity"],
        attribute=attribute,
        sample=sample,
        sample_tokens=tokens,
        ego=ego,
        num_pts=num_pts,
    )


class _Locator:
    """Maps a flat box index back to (sample token, position) for error messages."""

    def __init__(self, tokens, counts, flat):
        self.tokens, self.ends, self.flat = tokens, np.cumsum(counts), flat

    def fail(self, i: int, field: str, problem: str) -> NoReturn:
        s = int(np.searchsorted(self.ends, i, side="right"))
        start = int(self.ends[s - 1]) if s else 0
        raise ValueError(f"sample {self.tokens[s]!r}, box {i - start}: field {field!r} {problem}")


def _first(mask, where, field, problem):
    if mask.any():
        where.fail(int(np.argmax(mask)), field, problem)


def _vectors(values, k, name, where, allow_nan) -> np.ndarray:
    try:
        arr = np.array(values, np.float64)
        ok = arr.shape == (len(values), k)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        for i, v in enumerate(values):
            try:
                good = np.asarray(v, np.float64).shape == (k,) and not isinstance(v, (str, dict))
            except (TypeError, ValueError):
                good = False
            if not good:
                where.fail(i, name, f"must be a list of {k} numbers, got {v!r}")
        arr = np.zeros((0, k))
    bad = np.isinf(arr).any(axis=1) if allow_nan else ~np.isfinite(arr).all(axis=1)
    _first(bad, where, name, "is not finite")
    return arr


def _numbers(values, name, where) -> np.ndarray:
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            where.fail(i, name, f"must be a number, got {v!r}")
    arr = np.array(values, np.float64)
    _first(~np.isfinite(arr), where, name, "is not finite")
    return arr


def _lookup(values, index, name, where: _Locator, allowed) -> np.ndarray:
    try:
        return np.array([index[v] for v in values], np.int64)
    except (KeyError, TypeError):
        i = next(i for i, v in enumerate(values) if not isinstance(v, str) or v not in index)
        where.fail(i, name, f"has unknown value {values[i]!r}; expected one of {list(allowed)}")


# ----- writing ----------------------------------------------------------------------------
def _serialize(d: Detections3D, ground_truth: bool, with_ego: bool) -> dict:
    order, start = d.sample_groups()
    rows = d[order]
    quat = yaw_to_quaternion(rows.yaw).tolist()
    names = [DETECTION_NAMES[i] for i in rows.label]
    attrs = ["" if a < 0 else ATTRIBUTE_NAMES[a] for a in rows.attribute]
    tokens = [d.sample_tokens[s] for s in rows.sample]
    ego = rows.ego.tolist()
    known = ~np.isnan(rows.ego).any(axis=1)
    boxes = []
    for i, (t, c, s, q, v, n, sc, a) in enumerate(
        zip(
            tokens,
            rows.center.tolist(),
            rows.size.tolist(),
            quat,
            rows.velocity.tolist(),
            names,
            rows.score.tolist(),
            attrs,
        )
    ):
        box = {"sample_token": t, "translation": c, "size": s, "rotation": q, "velocity": v}
        if with_ego and known[i]:
            box["ego_translation"] = ego[i]
        if ground_truth:
            box["num_pts"] = int(rows.num_pts[i])
        box.update(detection_name=n, detection_score=sc, attribute_name=a)
        boxes.append(box)
    return {t: boxes[start[s] : start[s + 1]] for s, t in enumerate(d.sample_tokens)}


def _dump(obj, path) -> None:
    try:
        with atomic_write(path) as f:
            json.dump(obj, f, separators=(",", ":"))
    except OSError as exc:
        raise file_error(path, f"cannot write: {exc.strerror or exc}") from None
