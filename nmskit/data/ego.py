"""Place the ego vehicle for detections that do not carry it.

Models and the nuScenes range filter read centres relative to the ego vehicle
(``Detections3D.ego``). nmskit's own results files carry them (``ego_translation``); other
detectors' dumps give global centres only. There, a sample's ego position comes from an
explicit ``ego_poses`` table or, failing that, from the sample's ground truth: the centre
minus ``ego`` of any of its boxes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_vector
from .detections3d import Detections3D


def with_ego(
    detections: Detections3D,
    ground_truth: Detections3D | None = None,
    ego_poses: Mapping[str, ArrayLike] | None = None,
    *,
    name: str = "detections",
) -> Detections3D:
    """``detections`` with every ``ego`` row known.

    Args:
        detections: ``[N]`` boxes; rows whose ``ego`` is NaN are filled.
        ground_truth: boxes whose known ``ego`` gives their sample's ego position.
        ego_poses: optional ``{sample_token: (x, y, z)}`` ego positions; they take
            precedence over the ground truth.
        name: how error messages call ``detections``.

    Returns:
        ``detections`` itself when no row lacks ``ego``, else a copy with ``ego`` filled
        (``ego = center - ego position of the row's sample``).

    Raises:
        ValueError: ``ego_poses`` is malformed, or a row lacking ``ego`` is in a sample
            that neither ``ego_poses`` nor the ground truth places.
    """
    if ego_poses is not None:
        if not isinstance(ego_poses, dict):
            raise ValueError(f"ego_poses must map sample tokens to (x, y, z), got {type(ego_poses).__name__}")
        ego_poses = {token: check_vector(xyz, f"ego_poses[{token!r}]", 3) for token, xyz in ego_poses.items()}
    unknown = np.isnan(detections.ego).any(axis=1)
    if not unknown.any():
        return detections
    index = {token: i for i, token in enumerate(detections.sample_tokens)}
    pose = np.full((len(index), 3), np.nan)  # [S, 3] ego position of each sample
    if ground_truth is not None:
        known = np.flatnonzero(np.isfinite(ground_truth.ego).all(axis=1))
        samples, first = np.unique(ground_truth.sample[known], return_index=True)
        for s, row in zip(samples, known[first]):
            i = index.get(ground_truth.sample_tokens[s])
            if i is not None:
                pose[i] = ground_truth.center[row] - ground_truth.ego[row]
    for token, xyz in (ego_poses or {}).items():
        if token in index:
            pose[index[token]] = xyz
    ego = detections.ego.copy()
    ego[unknown] = detections.center[unknown] - pose[detections.sample[unknown]]
    missing = np.isnan(ego).any(axis=1)
    if missing.any():
        token = detections.sample_tokens[detections.sample[np.argmax(missing)]]
        source = "the ground truth has no box there" if ground_truth is not None else "no ground truth is given"
        raise ValueError(
            f"{name} in sample {token!r} carry no ego position (ego_translation) and {source} to "
            "read it from; pass the ground truth (--gt on the command line) or ego_poses"
        )
    return replace(detections, ego=ego)
