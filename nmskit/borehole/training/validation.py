"""Validation of the detector during training: picking metrics on held-out synthetic
patches and on a real labelled interval.

Scores follow :func:`nmskit.evaluate.evaluate_picks`: one-to-one Hungarian matching within
3, 5 and 8 cm of depth, then precision, recall and F1, and among matches the share with dip
within 3 degrees and azimuth within 15 degrees (apparent angles); and F1 at 5 cm of sinusoid
distance (depth, dip and azimuth must all agree), which selects the checkpoint.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ...evaluate.picks import evaluate_picks
from ..picking.patchwise import log_picks
from ..preprocessing.scale import ROWS_PER_DIAMETER
from .stream import synthetic_patch

TOLERANCES_CM = (3.0, 5.0, 8.0)
ITEM_GAP_FT = 3280.84  # one km: picks of items placed this far apart down one virtual log never match


def _summary(prefix: str, pred, truth, **options) -> dict:
    """Flat floats ``{prefix}_f1_{3,5,8}cm`` on depth, the 5 cm precision, recall,
    dip-within-3 and azimuth-within-15 shares, and ``{prefix}_sin_f1_5cm``, F1 at 5 cm of
    sinusoid distance. ``options`` go to :func:`evaluate_picks`."""
    scores = evaluate_picks(pred, truth, TOLERANCES_CM, **options)
    out = {f"{prefix}_f1_{s.tolerance:g}cm": s.f1 for s in scores}
    five = next(s for s in scores if s.tolerance == 5.0)
    out.update(
        {
            f"{prefix}_precision_5cm": five.precision,
            f"{prefix}_recall_5cm": five.recall,
            f"{prefix}_dip3_5cm": five.dip_within,
            f"{prefix}_azi15_5cm": five.azimuth_within,
            f"{prefix}_sin_f1_5cm": evaluate_picks(pred, truth, (5.0,), distance="sinusoid", **options)[0].f1,
        }
    )
    return out


def synthetic_scores(model, patches: list, **predict_options) -> dict:
    """Scores on prepared synthetic patches.

    Args:
        model: the detector (any patch detector).
        patches: ``(values [H, W], labels [N, 3], classes [N], step_ft)`` tuples as from
            :func:`nmskit.borehole.training.stream.synthetic_patch`.
        predict_options: passed to ``model.predict`` (its defaults otherwise).

    Returns:
        :func:`_summary` floats with prefix ``syn``. Patches are scored together: patch ``i``
        is placed ``i`` km down a virtual log so no match can cross patches.
    """
    pred, truth, d_pred, d_true = [], [], [], []
    for i, ((_, labels, _, step), out) in enumerate(zip(patches, _predict_all(model, patches, predict_options))):
        offset = ITEM_GAP_FT * i
        pred.append(np.column_stack([offset + out["row"] * step, out["dip"], out["azimuth"]]))
        truth.append(np.column_stack([offset + labels[:, 0] * step, labels[:, 1], labels[:, 2]]))
        d_pred.append(np.full(len(out["row"]), step * ROWS_PER_DIAMETER))  # hole diameter, ft
        d_true.append(np.full(len(labels), step * ROWS_PER_DIAMETER))
    return _summary(
        "syn",
        np.concatenate(pred),
        np.concatenate(truth),
        depth_unit="ft",
        diameter=(np.concatenate(d_pred), np.concatenate(d_true)),
    )


def _predict_all(model, patches, predict_options: dict, batch: int = 8):
    for first in range(0, len(patches), batch):
        chunk = np.stack([p[0] for p in patches[first : first + batch]])[:, None]
        yield from model.predict(chunk, **predict_options)


class PickValidator:
    """``validator(model) -> dict`` for :func:`nmskit.nn.train`, for any patch detector
    (each predicts with its own default threshold and, for the dense one, NMS tolerance).

    Args:
        n_synthetic: held-out synthetic patches, logs ``(seed, 0 .. n - 1)``.
        seed: their seed (keep it apart from the training stream's).
        real: optional ``(image, picks)`` real validation interval (raw log) and its picks.
        log_path: optional JSON-lines file receiving every result with a time stamp.

    The returned dict holds the ``syn_*`` and ``real_*`` scores and ``score``, the mean of
    the available sinusoid F1 values at 5 cm (the checkpoint-selection criterion).
    """

    def __init__(self, n_synthetic: int = 32, seed: int = 1_000_003, real=None, log_path=None):
        self.patches = [synthetic_patch(seed, i) for i in range(n_synthetic)]
        self.real = real
        self.log_path = Path(log_path) if log_path is not None else None
        self.calls = 0

    def __call__(self, model) -> dict:
        start = time.time()
        out = synthetic_scores(model, self.patches) if self.patches else {}
        if self.real is not None:
            image, picks = self.real
            out.update(_summary("real", log_picks(image, model), picks))
        f1 = [v for k, v in out.items() if k.endswith("_sin_f1_5cm")]
        out["score"] = float(np.mean(f1)) if f1 else 0.0
        self.calls += 1
        if self.log_path is not None:
            with self.log_path.open("a") as f:
                f.write(
                    json.dumps(
                        {
                            "call": self.calls,
                            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                            "seconds": round(time.time() - start, 1),
                            **out,
                        }
                    )
                    + "\n"
                )
        return out
