"""The detector's training input: an endless, seeded stream of labelled 800 x 360 patches.

Each batch mixes synthetic patches (:func:`nmskit.data.synth_borehole.synthesize_borehole`,
three tools, random hole diameters) with optional crops of one real labelled log. Every
patch goes through :func:`nmskit.borehole.preprocessing.scale.prepare_log`, the preparation ``detect``
applies, so train and test patches share one scale. The batch of step ``s`` is a pure
function of ``(seed, s)``: a resumed run sees the batches it would have seen.

Synthetic logs are costly to render on a CPU, so each one is drawn from a sliding window
of the most recent ``window`` logs and used about ``reuse`` times, each time under a fresh
random azimuth rotation and depth flip (both move the labels exactly, see
:mod:`nmskit.borehole.preprocessing.augment`). Real crops also get contrast, noise and gap-masking
augmentations.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

from ...data.borehole.image import BoreholeImage
from ...data.borehole.picks import PickTable
from ...data.synth_borehole import TOOLS, synthesize_borehole
from ..preprocessing.augment import flip_depth, rotate_azimuth
from ..preprocessing.scale import ROWS_PER_DIAMETER, prepare_log

CLASS_INDEX = {"fracture": 0, "bed": 1, "unknown": 0}
DIAMETER_RANGE_IN = (6.0, 12.25)  # gauge hole diameters of the synthetic logs


def patch_labels_from_picks(image: BoreholeImage, picks: PickTable, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Picks of a prepared log -> patch labels for its first ``height`` rows.

    Args:
        image: prepared log (regular depth step), its row 0 is the patch's row 0.
        picks: picks in the log's depth unit.
        height: patch rows.

    Returns:
        ``(labels [N, 3] (row, apparent dip, apparent azimuth), classes [N] int64)`` for the
        picks whose centre row lies in ``[0, height - 1]``; unlabelled classes count as
        fractures.
    """
    rows = (picks.depth - image.depths[0]) / image.step
    inside = (rows >= 0) & (rows <= height - 1)
    labels = np.stack([rows, picks.apparent_dip, picks.apparent_azimuth], -1)[inside]
    classes = np.array([CLASS_INDEX[c] for c in picks.cls[inside]], np.int64)
    return labels, classes


def to_target(labels: np.ndarray, classes: np.ndarray, height: int) -> dict:
    """``[N, 3]`` patch labels -> the target dict of ``FractureDETR.compute_loss``."""
    lab = torch.as_tensor(np.asarray(labels, np.float32).reshape(-1, 3))
    return {
        "labels": torch.as_tensor(classes, dtype=torch.int64),
        "depth": lab[:, 0] / height,
        "dip": lab[:, 1],
        "azimuth": lab[:, 2],
    }


def draw_tool(rng: np.random.Generator, tools=tuple(TOOLS), diameter_range=DIAMETER_RANGE_IN) -> tuple[str, float]:
    """One synthetic log's tool (uniform over ``tools``) and gauge diameter in inches
    (uniform over ``diameter_range``), drawn in that order from ``rng``."""
    return tools[rng.integers(len(tools))], float(rng.uniform(*diameter_range))


def synthetic_patch(
    seed, index: int, height: int = 800, tools=tuple(TOOLS), diameter_range=DIAMETER_RANGE_IN
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Synthetic log ``(seed, index)``, prepared and cut to its first ``height`` rows.

    The tool is drawn from ``tools`` and the gauge diameter (inches) from ``diameter_range``.

    Returns:
        ``(values [height, 360] float32, labels [N, 3], classes [N], step_ft)``: ``step_ft``
        is the prepared row step in feet.
    """
    tool, diameter_in = draw_tool(np.random.default_rng([*np.atleast_1d(seed), index, 7]), tools, diameter_range)
    step_ft = diameter_in / 12.0 / ROWS_PER_DIAMETER
    rows = int(np.ceil(1.15 * height * step_ft / TOOLS[tool].step_ft))
    image, picks = synthesize_borehole(rows, [*np.atleast_1d(seed), index], tool=tool, diameter_in=diameter_in)
    prepared = prepare_log(image)
    labels, classes = patch_labels_from_picks(prepared, picks, height)
    return prepared.values[:height].astype(np.float32), labels, classes, prepared.step


def mask_gap(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blank a random band of columns (a pad gap) and fill it row by row by linear
    interpolation between the band's edges, as imputation does. ``[H, W]`` -> ``[H, W]``."""
    h, w = values.shape
    width = int(rng.integers(w // 20, w // 6))
    start = int(rng.integers(w))
    cols = (start + np.arange(width)) % w
    left, right = values[:, (start - 1) % w], values[:, (start + width) % w]
    t = (np.arange(width) + 1) / (width + 1)
    out = values.copy()
    out[:, cols] = left[:, None] * (1 - t) + right[:, None] * t
    return out


class TrainingStream:
    """``stream(step) -> (patches [B, 1, H, 360], targets)`` for :func:`nmskit.nn.train`.

    Args:
        batch: patches per step.
        seed: the stream's seed (synthetic logs are ``(seed, index)``; keep validation
            seeds different).
        real: optional ``(image, picks)`` raw real log and its picks (already cut to the
            training interval) to crop from.
        real_share: expected share of real crops in a batch.
        reuse: uses per synthetic log, on average. window: logs kept in the cache.
        height: patch rows.
    """

    def __init__(
        self,
        batch: int = 8,
        seed: int = 0,
        real=None,
        real_share: float = 0.25,
        reuse: int = 4,
        window: int = 256,
        height: int = 800,
    ):
        self.batch, self.seed, self.reuse, self.window, self.height = batch, seed, reuse, window, height
        self.real_share = real_share if real is not None else 0.0
        self._cache: OrderedDict = OrderedDict()
        if real is not None:
            image, picks = real
            self.real_log = prepare_log(image)
            if self.real_log.shape[0] < height:
                raise ValueError(
                    f"the real training interval has {self.real_log.shape[0]} prepared rows, "
                    f"fewer than one patch ({height})"
                )
            self.real_picks = picks

    def _synthetic(self, index: int):
        if index not in self._cache:
            self._cache[index] = synthetic_patch(self.seed, index, self.height)
            while len(self._cache) > self.window:
                self._cache.popitem(last=False)
        return self._cache[index]

    def _real(self, rng: np.random.Generator):
        start = int(rng.integers(0, self.real_log.shape[0] - self.height + 1))
        crop = self.real_log.rows(start, start + self.height)
        labels, classes = patch_labels_from_picks(crop, self.real_picks, self.height)
        values = crop.values.astype(np.float32)
        values = np.clip(values, 0, 1) ** float(np.exp(rng.normal(0, 0.3)))
        values = values + rng.normal(0, rng.uniform(0, 0.08), values.shape).astype(np.float32)
        if rng.random() < 0.5:
            values = mask_gap(values, rng)
        return values, labels, classes

    def __call__(self, step: int):
        rng = np.random.default_rng([self.seed, step, 11])
        produced = (step + 1) * self.batch // self.reuse + 1
        patches, targets = [], []
        for _ in range(self.batch):
            if rng.random() < self.real_share:
                values, labels, classes = self._real(rng)
            else:
                index = int(rng.integers(max(0, produced - self.window), produced))
                values, labels, classes, _ = self._synthetic(index)
            mask = np.ones(values.shape, bool)
            values, _, labels = rotate_azimuth(values, mask, labels, int(rng.integers(values.shape[1])))
            if rng.random() < 0.5:
                values, _, labels = flip_depth(values, mask, labels)
            patches.append(np.clip(values, 0.0, 1.0).astype(np.float32))
            targets.append(to_target(labels, classes, self.height))
        return torch.from_numpy(np.stack(patches)[:, None]), targets
