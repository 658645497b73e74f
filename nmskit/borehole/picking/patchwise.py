"""Whole-log picking with a patch detector: prepare, cut, predict, own, map back.

Any :class:`nmskit.borehole.models.patch_detector.PatchDetector` works: ``FractureDETR`` (per-query
threshold, nothing compared across queries) or ``DenseFractureDetector`` (threshold, then
sinusoid NMS inside each patch).

1. The log is prepared once at the detector's scale (:func:`nmskit.borehole.preprocessing.scale.prepare_log`).
2. It is cut into 800-row patches overlapping by ``overlap`` rows (:func:`patch_grid`).
3. Every patch is predicted on its own with the model's ``predict``.
4. Each pick is kept by exactly one patch: the one whose *core* contains its centre depth
   (:meth:`PatchGrid.owner`). The cores partition the log, so a feature seen by two
   overlapping patches is reported by the patch that sees it nearer its centre. That is
   ownership, not suppression: no pick is compared with, or removed because of, a pick of
   another patch.
5. Rows map back to log depth; column azimuths to the log's apparent frame; true dip and
   azimuth are filled when the log carries a deviation survey.

Picks centred on a row with no valid pixel (a tool gap, a sentinel stretch or padding past
the end of the log) are dropped: nothing was measured there.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import torch

from ...data.borehole.image import BoreholeImage
from ...data.borehole.picks import PickTable
from ..models.dense import DenseFractureDetector
from ..models.detr import FractureDETR
from ..models.patch_detector import PatchDetector
from ..models.targets import CLASS_NAMES
from ..preprocessing.patches import patch_grid
from ..preprocessing.scale import prepare_log

SHIPPED: dict[str, tuple[type[PatchDetector], str]] = {
    "detr": (FractureDETR, "fracture_detr.safetensors"),
    "dense": (DenseFractureDetector, "fracture_dense.safetensors"),
}


@lru_cache(maxsize=len(SHIPPED))
def shipped_model(method: str = "detr") -> PatchDetector:
    """The detector shipped in ``nmskit/borehole/weights`` for ``method`` (``"detr"`` or
    ``"dense"``), loaded once per process."""
    if method not in SHIPPED:
        raise ValueError(f"method must be one of {sorted(SHIPPED)}, got {method!r}")
    cls, name = SHIPPED[method]
    with resources.as_file(resources.files("nmskit.borehole") / "weights" / name) as path:
        if not path.is_file():
            raise FileNotFoundError(f"no shipped detector weights at {path}")
        return cls.load(path).eval()


def log_picks(
    image: BoreholeImage,
    model: PatchDetector | str = "detr",
    overlap: int = 200,
    batch: int = 8,
    prepared: bool = False,
    **predict_options: Any,
) -> PickTable:
    """Pick sinusoids on a whole log with a patch detector.

    Args:
        image: raw ``[H, W]`` log (or the output of :func:`prepare_log` with ``prepared=True``).
        model: the detector, or ``"detr"`` / ``"dense"`` for the shipped weights.
        overlap: rows shared by consecutive patches (< the patch height).
        batch: patches per forward pass.
        prepared: ``image`` is already prepared.
        predict_options: passed to ``model.predict`` (``threshold``; ``nms_tolerance`` for
            the dense detector); its defaults otherwise.

    Returns:
        :class:`PickTable` in the log's depth unit, sorted by depth, classes ``fracture`` /
        ``bed``, ``score`` the detection's probability. Empty, with a warning, when the log
        has no valid pixel.
    """
    model = shipped_model(model) if isinstance(model, str) else model
    img = image if prepared else prepare_log(image)
    valid_rows = np.any(img.mask, axis=1)
    if not valid_rows.any():
        warnings.warn(f"log {img.well!r} has no valid pixel: no picks", RuntimeWarning, stacklevel=2)
        return _table(img, np.zeros((0, 3)), np.zeros(0), np.zeros(0, np.int64))
    grid = patch_grid(img, model.config.patch_height, overlap)
    depth, dip, azimuth, score, label = [], [], [], [], []
    with torch.no_grad():
        for first in range(0, len(grid), batch):
            which = np.arange(first, min(first + batch, len(grid)))
            values, _ = grid.take(img, which)
            for p, out in zip(which, model.predict(values[:, None], **predict_options)):
                z = grid.row_to_depth(p, out["row"])
                row = grid.starts[p] + np.rint(out["row"]).astype(np.int64)
                inside = (row >= 0) & (row < grid.n_rows)
                keep = inside & (grid.owner(z) == p)
                keep[inside] &= valid_rows[row[inside]]
                depth.append(z[keep])
                dip.append(out["dip"][keep])
                azimuth.append(out["azimuth"][keep])
                score.append(out["scores"][keep])
                label.append(out["labels"][keep])
    apparent = np.mod(img.azimuth_origin + img.azimuth_direction * np.concatenate(azimuth), 360.0)
    picks = np.column_stack([np.concatenate(depth), np.concatenate(dip), apparent])
    return _table(img, picks, np.concatenate(score), np.concatenate(label))


def _table(img: BoreholeImage, picks: np.ndarray, score: np.ndarray, label: np.ndarray) -> PickTable:
    """``[N, 3]`` (depth, dip, azimuth) picks -> a depth-sorted :class:`PickTable`."""
    order = np.argsort(picks[:, 0], kind="stable")
    picks, score, label = picks[order], score[order], label[order]
    diameter = np.interp(picks[:, 0], img.depths, img.diameter_in_depth_units())
    classes = np.array([CLASS_NAMES[k] for k in label], object)
    table = PickTable.from_arrays(picks, score=score, classes=classes, depth_unit=img.depth_unit, diameter=diameter)
    if img.deviation is not None and len(table):
        table = table.with_true(*img.deviation.at(table.depth))
    return table
