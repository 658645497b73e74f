"""A CenterPoint-like dense 3-D detection simulator: a stand-in for nuScenes (which cannot
be downloaded here), calibrated to one published operating point. Results on it are
simulated; the README's simulator section states its model and limits."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..._arrays import Array, PathLike
from ..._checks import check_count, check_real
from ..detections3d import Detections3D
from ..nuscenes_classes import CLASS_INDEX, DETECTION_NAMES
from .detector import DetectorModel, detect, lidar_points
from .scene import FIELDS, PEDESTRIAN_CORE, make_scene

_PROBABILITIES = ("confusion", "far_duplicate", "yaw_flip", "ghost")
_POSITIVE = ("ambiguity_points", "heatmap_width")  # scales that divide


def detector_model(**options: Any) -> DetectorModel:
    """The default (calibrated) detector model with per-class overrides.

    Each option names a :class:`DetectorModel` field; per-class fields take a
    ``{class_name: value}`` mapping (other classes keep their defaults), scalar fields a
    number. Raises ValueError naming the option for an unknown option or class, a
    probability outside [0, 1], a negative rate or count, or a scale (``ambiguity_points``,
    ``heatmap_width``) that is not positive.
    """
    model = DetectorModel()
    names = {f.name for f in fields(DetectorModel)}
    changes = {}
    for key, value in options.items():
        if key not in names:
            raise ValueError(f"unknown simulator option {key!r}; choose from {sorted(names)}")
        current = getattr(model, key)
        if isinstance(current, np.ndarray):
            if not isinstance(value, dict):
                raise ValueError(f"{key} must be a {{class_name: value}} mapping")
            arr = current.copy()
            for cls, v in value.items():
                if cls not in CLASS_INDEX:
                    raise ValueError(f"{key}: unknown class {cls!r}; choose from {list(DETECTION_NAMES)}")
                arr[CLASS_INDEX[cls]] = _checked_value(key, v, f"{key}[{cls!r}]")
            changes[key] = arr
        else:
            changes[key] = _checked_value(key, value, key)
    return replace(model, **changes)


def _checked_value(field: str, value, name: str) -> float:
    v = check_real(value, name)
    if field in _PROBABILITIES and not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} is a probability and must lie in [0, 1], got {value}")
    if field in _POSITIVE and not v > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if field not in ("quality",) and v < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return v


def simulate_columns(
    num_frames: int,
    seed: int = 0,
    *,
    crowd_rate: float = 1.0,
    crowd_spacing: float | None = None,
    model: DetectorModel | None = None,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Simulate frames as plain column arrays (the fast path for training pipelines).

    ``crowd_rate`` and ``crowd_spacing`` are as in :func:`simulate_centerpoint`.

    Returns:
        ``(pre_nms, gt)``: dicts of ``[K]`` and ``[M]`` arrays. Both carry ``x, y, z, w, l,
        h, yaw, vx, vy, label, attribute, frame``; ``pre_nms`` adds ``score``; ``gt`` adds
        ``num_pts`` and ``occlusion``. The ego vehicle sits at the origin of every frame.
        Rows are grouped by frame; candidates by descending score within a frame.
    """
    n = check_count(num_frames, "num_frames", allow_none=False, sizes_output=True)
    rate = check_real(crowd_rate, "crowd_rate")
    if rate < 0:
        raise ValueError(f"crowd_rate must be >= 0, got {crowd_rate}")
    if crowd_spacing is not None and check_real(crowd_spacing, "crowd_spacing") < 2 * PEDESTRIAN_CORE:
        raise ValueError(
            f"crowd_spacing must be >= {2 * PEDESTRIAN_CORE:g} m (two torsos) or None, got {crowd_spacing}"
        )
    model = model or DetectorModel()
    rng = np.random.default_rng(seed)
    scenes = [make_scene(rng, rate, crowd_spacing) for _ in range(n)]
    gt, structures = (
        {k: np.concatenate([s[part][k] for s in scenes]) if scenes else np.zeros(0) for k in FIELDS} for part in (0, 1)
    )
    for cols, part in ((gt, 0), (structures, 1)):
        cols["frame"] = np.repeat(np.arange(n), [len(s[part]["x"]) for s in scenes]).astype(np.int64)
        cols["label"] = cols["label"].astype(np.int64)
        cols["attribute"] = cols["attribute"].astype(np.int64)
        cols["num_pts"] = lidar_points(rng, cols["x"], cols["y"], cols["w"], cols["l"], cols["h"], cols["occlusion"])
    seen = {k: np.concatenate([gt[k], structures[k]]) for k in gt}
    seen["structure"] = np.arange(len(seen["x"])) >= len(gt["x"])
    pre = detect(rng, seen, seen["num_pts"], model)
    order = np.lexsort((-pre["score"], pre["frame"]))
    pre = {k: v[order] for k, v in pre.items()}
    for k in ("label", "attribute", "frame"):
        pre[k] = pre[k].astype(np.int64)
    return pre, gt


def _to_detections(cols, tokens, score=None, num_pts=None) -> Detections3D:
    center = np.c_[cols["x"], cols["y"], cols["z"]]
    return Detections3D.create(
        center,
        np.c_[cols["w"], cols["l"], cols["h"]],
        cols["yaw"],
        cols["label"],
        score,
        velocity=np.c_[cols["vx"], cols["vy"]],
        attribute=cols["attribute"],
        sample=cols["frame"],
        sample_tokens=tokens,
        ego=center,
        num_pts=num_pts,
    )


def simulate_centerpoint(
    num_frames: int, seed: int = 0, *, crowd_rate: float = 1.0, crowd_spacing: float | None = None, **options: Any
) -> tuple[Detections3D, Detections3D]:
    """Dense pre-NMS detections and ground truth of simulated frames.

    Args:
        num_frames: frames to simulate (>= 0).
        seed: the same seed gives identical frames.
        crowd_rate: mean number of pedestrian-crowd groups per frame, relative to the
            default (2 makes crowded scenes).
        crowd_spacing: None (default) scatters each crowd loosely about its centre (about
            8 % of pedestrians then have a neighbour within CenterPoint's 0.42 m radius). A
            distance in metres (at least 0.36, two torsos) packs every crowd instead as a
            queue or a block of 2 or 3 rows with neighbours that far apart (jitter 2 cm);
            0.4 puts most crowd members within 0.42 m of another, shoulder to shoulder.
        **options: per-class or scalar overrides of the calibrated detector model; see
            :func:`detector_model`.

    Returns:
        ``(pre_nms, ground_truth)`` as :class:`Detections3D` over the same samples
        (tokens ``sim<seed>-<frame>``), in the ego frame (ego at the origin).
    """
    pre, gt = simulate_columns(
        num_frames, seed, crowd_rate=crowd_rate, crowd_spacing=crowd_spacing, model=detector_model(**options)
    )
    tokens = [f"sim{seed}-{i:05d}" for i in range(num_frames)]
    return (_to_detections(pre, tokens, score=pre["score"]), _to_detections(gt, tokens, num_pts=gt["num_pts"]))


def write_simulation(
    out: PathLike,
    num_frames: int,
    seed: int = 0,
    *,
    crowd_rate: float = 1.0,
    crowd_spacing: float | None = None,
    **options: Any,
) -> tuple[Path, Path]:
    """Simulate and write ``out/pre_nms.json`` (nuScenes results format) and
    ``out/ground_truth.json`` (the same boxes plus ``ego_translation`` and ``num_pts``).
    The same arguments give byte-identical files.

    Returns:
        ``(pre_nms_path, ground_truth_path)``.
    """
    from ..nuscenes_json import write_nuscenes_gt, write_nuscenes_results

    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"out: cannot write to {str(out)!r}: {exc}") from exc
    pre, gt = simulate_centerpoint(num_frames, seed, crowd_rate=crowd_rate, crowd_spacing=crowd_spacing, **options)
    meta = {
        "use_lidar": True,
        "use_camera": False,
        "use_radar": False,
        "use_map": False,
        "use_external": False,
        "simulated": True,
        "simulator_seed": int(seed),
    }
    paths = folder / "pre_nms.json", folder / "ground_truth.json"
    write_nuscenes_results(pre, paths[0], meta)
    write_nuscenes_gt(gt, paths[1])
    return paths


__all__ = ["DetectorModel", "detector_model", "simulate_centerpoint", "simulate_columns", "write_simulation"]
