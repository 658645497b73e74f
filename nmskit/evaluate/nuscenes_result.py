"""The result of a nuScenes detection evaluation: metrics, curves, JSON, tables and plots."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .._arrays import Array, PathLike
from ..data.nuscenes_classes import DETECTION_NAMES

TP_METRICS = ("trans_err", "scale_err", "orient_err", "vel_err", "attr_err")
TP_SHORT = {"trans_err": "ATE", "scale_err": "ASE", "orient_err": "AOE", "vel_err": "AVE", "attr_err": "AAE"}
# Undefined by the protocol: cones have no heading, velocity or attribute; barriers no
# velocity or attribute.
UNDEFINED_TP = {
    ("traffic_cone", "attr_err"),
    ("traffic_cone", "vel_err"),
    ("traffic_cone", "orient_err"),
    ("barrier", "attr_err"),
    ("barrier", "vel_err"),
}
PRETTY = {
    "car": "Car",
    "truck": "Truck",
    "bus": "Bus",
    "trailer": "Trailer",
    "construction_vehicle": "C.V.",
    "pedestrian": "Ped.",
    "motorcycle": "Motor.",
    "bicycle": "Bicycle",
    "traffic_cone": "T.C.",
    "barrier": "Barrier",
}


@dataclass(frozen=True, eq=False)
class NuScenesDetectionResult:
    """Metrics of one evaluation (class order: :data:`DETECTION_NAMES`).

    Attributes:
        curves: ``[10, T, 7, 101]`` per class and threshold, on the 101-point recall grid:
            precision, confidence, then the ATE, ASE, AOE, AVE, AAE cumulative-mean curves
            (exactly the official ``DetectionMetricData`` arrays).
        ap: ``[10, T]`` average precision per class and distance threshold.
        tp_errors: ``[10, 5]`` TP errors per class (NaN where undefined by rule).
        dist_thresholds: the T matching distances; ``dist_threshold_tp`` the one for TP errors.
        mean_ap, nds: the headline numbers; ``mean_tp_errors`` ``[5]`` and ``tp_scores``
            ``[5]`` (``max(0, 1 - error)``) feed the NDS.
    """

    curves: np.ndarray
    ap: np.ndarray
    tp_errors: np.ndarray
    dist_thresholds: tuple
    dist_threshold_tp: float
    min_recall: float
    min_precision: float
    mean_ap: float
    mean_tp_errors: np.ndarray
    tp_scores: np.ndarray
    nds: float

    @classmethod
    def from_curves(
        cls,
        curves: Array,
        dist_thresholds: tuple[float, ...],
        dist_threshold_tp: float,
        min_recall: float,
        min_precision: float,
        mean_ap_weight: float,
    ) -> NuScenesDetectionResult:
        """Summarise ``[10, T, 7, 101]`` curves into AP, TP errors, mAP and NDS."""
        first = round(100 * min_recall) + 1
        prec = curves[:, :, 0, first:] - min_precision
        ap = np.maximum(prec, 0).mean(axis=2) / (1.0 - min_precision)
        t_tp = dist_thresholds.index(dist_threshold_tp)
        tp = np.empty((len(DETECTION_NAMES), len(TP_METRICS)))
        for c, name in enumerate(DETECTION_NAMES):
            conf = curves[c, t_tp, 1]
            nonzero = np.flatnonzero(conf)
            last = nonzero[-1] if len(nonzero) else 0
            for m, metric in enumerate(TP_METRICS):
                if (name, metric) in UNDEFINED_TP:
                    tp[c, m] = np.nan
                elif last < first:
                    tp[c, m] = 1.0
                else:
                    tp[c, m] = np.mean(curves[c, t_tp, 2 + m, first : last + 1])
        mean_ap = float(np.mean(np.mean(ap, axis=1)))
        mean_tp = np.nanmean(tp, axis=0)
        scores = np.maximum(0.0, 1.0 - mean_tp)
        nds = float(mean_ap_weight * mean_ap + np.sum(scores)) / float(mean_ap_weight + len(scores))
        return cls(
            curves, ap, tp, dist_thresholds, dist_threshold_tp, min_recall, min_precision, mean_ap, mean_tp, scores, nds
        )

    # ----- access ---------------------------------------------------------------------
    def class_ap(self) -> dict:
        """``{class_name: AP averaged over the distance thresholds}``."""
        return {n: float(v) for n, v in zip(DETECTION_NAMES, self.ap.mean(axis=1))}

    def to_dict(self) -> dict:
        """JSON-friendly summary, keyed like the official ``metrics_summary.json``."""
        ths = self.dist_thresholds
        return {
            "mean_ap": self.mean_ap,
            "nd_score": self.nds,
            "mean_dist_aps": self.class_ap(),
            "label_aps": {
                n: {str(t): float(self.ap[c, i]) for i, t in enumerate(ths)} for c, n in enumerate(DETECTION_NAMES)
            },
            "label_tp_errors": {
                n: {m: _num(self.tp_errors[c, k]) for k, m in enumerate(TP_METRICS)}
                for c, n in enumerate(DETECTION_NAMES)
            },
            "tp_errors": {m: float(v) for m, v in zip(TP_METRICS, self.mean_tp_errors)},
            "tp_scores": {m: float(v) for m, v in zip(TP_METRICS, self.tp_scores)},
            "cfg": {
                "dist_ths": list(ths),
                "dist_th_tp": self.dist_threshold_tp,
                "min_recall": self.min_recall,
                "min_precision": self.min_precision,
            },
            "pr_curves": {
                f"{n}:{t}": {
                    "recall": np.linspace(0, 1, 101).tolist(),
                    "precision": self.curves[c, i, 0].tolist(),
                    "confidence": self.curves[c, i, 1].tolist(),
                }
                for c, n in enumerate(DETECTION_NAMES)
                for i, t in enumerate(ths)
            },
        }

    def write_json(self, path: PathLike) -> None:
        """Write :meth:`to_dict` as JSON (undefined errors as ``null``)."""
        try:
            with open(path, "w") as f:
                json.dump(self.to_dict(), f, indent=1)
        except OSError as exc:
            raise ValueError(f"cannot write {path}: {exc}") from None

    def format_tables(self) -> str:
        """Two plain-text tables: summary (mAP, NDS, TP errors; percent, as the paper prints
        them) and per-class AP."""
        from .._table import format_table

        head = ["mAP", "NDS"] + [TP_SHORT[m] for m in TP_METRICS]
        row = [f"{100 * self.mean_ap:.2f}", f"{100 * self.nds:.2f}"]
        row += [f"{100 * e:.2f}" for e in self.mean_tp_errors]
        per = self.class_ap()
        classes = format_table([PRETTY[n] for n in DETECTION_NAMES], [[f"{100 * per[n]:.2f}" for n in DETECTION_NAMES]])
        return format_table(head, [row]) + "\n\n" + classes

    def plot_pr_curves(self, directory: PathLike) -> list:
        """Write one PR-curve PNG per class (all thresholds) plus ``summary.png``.

        Returns:
            The written file paths.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create plot directory {directory}: {exc}") from None
        recall = np.linspace(0, 1, 101)
        paths = []
        fig_all, ax_all = plt.subplots(figsize=(6, 5))
        t_tp = self.dist_thresholds.index(self.dist_threshold_tp)
        for c, name in enumerate(DETECTION_NAMES):
            fig, ax = plt.subplots(figsize=(6, 5))
            for i, t in enumerate(self.dist_thresholds):
                ax.plot(recall, self.curves[c, i, 0], label=f"{t} m: AP {100 * self.ap[c, i]:.1f}")
            _frame(ax, f"{name}: precision-recall", self.min_recall, self.min_precision)
            paths.append(os.path.join(directory, f"{name}_pr.png"))
            fig.savefig(paths[-1], dpi=100)
            plt.close(fig)
            ax_all.plot(recall, self.curves[c, t_tp, 0], label=PRETTY[name])
        _frame(
            ax_all,
            f"all classes at {self.dist_threshold_tp} m (mAP {100 * self.mean_ap:.1f}, NDS {100 * self.nds:.1f})",
            self.min_recall,
            self.min_precision,
        )
        paths.append(os.path.join(directory, "summary.png"))
        fig_all.savefig(paths[-1], dpi=100)
        plt.close(fig_all)
        return paths


def _frame(ax, title, min_recall, min_precision):
    ax.axvline(min_recall, color="grey", ls=":")
    ax.axhline(min_precision, color="grey", ls=":")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title=title)
    ax.legend(fontsize=8, loc="lower left")
    ax.figure.tight_layout()


def _num(v):
    return None if np.isnan(v) else float(v)
