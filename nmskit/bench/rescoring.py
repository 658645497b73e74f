"""Learned rescoring against CenterPoint's circle NMS on held-out simulated frames.

Results are on simulated data (``nmskit.data.sim`` defaults), not nuScenes. The shipped
models were trained on seed 100 and validated on seed 1; the held-out frames here come
from seeds 200 and 201 (half each; seed 0 is the simulator's own acceptance seed).
CircleNMS and Soft-CircleNMS are :func:`nmskit.suppress.centerpoint.centerpoint_nms` (six
task heads, squared radii, 83 kept per head); the learned models keep the top K = 300.

:func:`rescoring_tables` returns the tables as ``(header, rows)``; :func:`run` prints them:
- Table I: mAP, NDS, ATE, ASE, AOE, AVE, CPU ms per frame at 1 and 2 threads (whole path:
  packing, model, top K), peak memory, parameters; the mean input detections per frame
  and the latency at 1000 input detections.
- Table II: per-class AP.
- Table III: K = 300 / 150 / 100 for each model, and the matching used in training
  (metric-aware vs Hungarian) for GCN and D2D-Rescore pairs trained alike otherwise.
- Table IV: crowded scenes (``CROWD_RATE`` times the pedestrian crowds, packed with
  neighbours ``CROWD_SPACING`` apart, same seeds): mAP, NDS and pedestrian AP of every
  method. The summary gives the share of visible pedestrians with another within
  CircleNMS's pedestrian radius, on the default and the crowded frames.

The set predictor (``setpred``) outputs its own boxes (up to 300 queries, no suppression)
instead of keeping input rows; rotated NMS is ``centerpoint_nms(method="rotated")``.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import cast

import numpy as np

CLASS_NAMES = ("Car", "Truck", "Bus", "Trailer", "C.V.", "Ped.", "Motor.", "Bicycle", "T.C.", "Barrier")
HEURISTICS = {"CircleNMS": "circle", "Soft-CircleNMS": "soft-circle", "Rotated NMS (IoU 0.2)": "rotated"}
LEARNED = {"GCN": "gcn", "GossipNet3D": "gossip", "D2D-Rescore": "d2d", "Set predictor (NMS-free)": "setpred"}
# Shipped for Table III: pairs trained alike except for the matching (2048 frames, 6 epochs).
MATCHING_PAIRS = {"GCN": ("gcn", "gcn_hungarian"), "D2D-Rescore": ("d2d_metric_2048", "d2d_hungarian_2048")}
KS = (300, 150, 100)
CROWD_RATE = 3.0  # pedestrian crowds per frame, relative to the default, in the crowded table
CROWD_SPACING = 0.4  # m between neighbours in the crowded table's crowds (shoulder to shoulder)


def held_out(frames: int, seeds=(200, 201), crowd_rate: float = 1.0, crowd_spacing: float | None = None):
    """A :class:`nmskit.learned.FrameSet` of ``frames`` simulated frames split evenly over
    ``seeds``, with ``crowd_rate`` times the default number of pedestrian crowds, packed
    with neighbours ``crowd_spacing`` metres apart (None: the simulator's loose crowds)."""
    from nmskit.data.sim import simulate_columns
    from nmskit.learned import FrameSet

    sizes = [frames // len(seeds) + (i < frames % len(seeds)) for i in range(len(seeds))]
    parts = [simulate_columns(n, s, crowd_rate=crowd_rate, crowd_spacing=crowd_spacing) for n, s in zip(sizes, seeds)]
    start = np.cumsum([0, *sizes[:-1]])
    cat = lambda i: {
        k: np.concatenate([p[i][k] + (a if k == "frame" else 0) for p, a in zip(parts, start)]) for k in parts[0][i]
    }
    return FrameSet(cat(0), cat(1), frames)


def close_pedestrian_share(gt) -> float:
    """Share of the visible pedestrians in ground-truth columns ``gt`` (with ``frame`` and
    ``num_pts``) that have another visible pedestrian of their frame closer than
    CircleNMS's pedestrian radius (sqrt 0.175 m, about 0.42 m); NaN without any."""
    from nmskit.data import DETECTION_NAMES
    from nmskit.suppress.centerpoint import CENTERPOINT_MIN_RADIUS

    ped = (gt["label"] == DETECTION_NAMES.index("pedestrian")) & (gt["num_pts"] > 0)
    close = 0
    for f in np.unique(gt["frame"][ped]):
        xy = np.c_[gt["x"], gt["y"]][ped & (gt["frame"] == f)]
        d2 = ((xy[:, None] - xy[None]) ** 2).sum(-1)
        np.fill_diagonal(d2, np.inf)
        close += np.count_nonzero(d2.min(axis=1) < CENTERPOINT_MIN_RADIUS[-1])
    return close / ped.sum() if ped.any() else float("nan")


def frames_of_size(frames, size: int, count: int) -> list:
    """``count`` single frames of exactly ``size`` detections: the union of consecutive
    frames of ``frames`` (overlaid in the ego frame), cut to the ``size`` highest scores."""
    out: list[dict] = []
    f = 0
    while len(out) < count:
        parts: list[np.ndarray] = []
        while sum(len(p) for p in parts) < size:
            g = f % frames.num_frames
            parts.append(np.arange(frames.det_offsets[g], frames.det_offsets[g + 1]))
            f += 1
        rows = np.concatenate(parts)
        rows = rows[np.argsort(-frames.det["score"][rows], kind="stable")[:size]]
        out.append({k: v[rows] for k, v in frames.det.items() if k not in ("frame", "attribute")})
    return out


def _suppressor(key: str):
    """``fn(columns of one frame) -> output`` for a heuristic or learned method: the kept
    boxes (heuristics, set predictor) or rows (rescorers)."""
    from nmskit.learned import Rescorer
    from nmskit.learned.dataset import to_detections
    from nmskit.learned.predictor import predict
    from nmskit.learned.setpred3d import SetPredictor3D
    from nmskit.suppress.centerpoint import centerpoint_nms

    def boxes(cols):
        n = len(cols["x"])
        return to_detections({**cols, "attribute": np.full(n, -1), "frame": np.zeros(n, int)}, 1)

    if key in HEURISTICS.values():
        return lambda cols: centerpoint_nms(boxes(cols), key)
    model = _model(key)
    if isinstance(model, SetPredictor3D):
        return lambda cols: predict(model, boxes(cols), 300)
    return lambda cols: Rescorer(model).select(cols, 300)


def _rss_kib(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in KiB from ``/proc`` (NaN elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> None:
    """Reset this process's peak resident set (Linux; a no-op elsewhere)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _time_and_peak(key: str, sets: list, threads) -> tuple[list, float]:
    """Mean ms per frame for each list of frames in ``sets`` at each thread count, and the
    peak resident memory (MB) above the resident set after one warm-up call, over the last
    set at ``threads[0]`` (untimed). Run in a fresh process so that the peak belongs to
    this method alone."""
    import torch

    fn = _suppressor(key)
    torch.set_num_threads(threads[0])
    fn(sets[-1][0])  # lazy imports and first-call set-up are not per-frame memory
    _reset_peak()
    base = _rss_kib("VmRSS")
    for cols in sets[-1]:
        fn(cols)
    peak = max(0.0, (_rss_kib("VmHWM") - base) / 1024)
    ms = []
    for frames in sets:
        for t in threads:
            torch.set_num_threads(t)
            fn(frames[0])
            start = time.perf_counter()
            for cols in frames:
                fn(cols)
            ms.append(1000 * (time.perf_counter() - start) / len(frames))
    return ms, peak


def _measure(key: str, sets: list, threads) -> tuple[list, float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_time_and_peak, (key, sets, tuple(threads)))


def _evaluate(key: str, frames, ks=(300,)) -> list:
    """nuScenes results of ``key`` on ``frames`` (one per K for learned models)."""
    from nmskit.data import Detections3D
    from nmskit.evaluate import nuscenes_detection
    from nmskit.learned.train import evaluate_model
    from nmskit.suppress.centerpoint import centerpoint_nms

    if key in HEURISTICS.values():
        kept = cast(Detections3D, centerpoint_nms(frames.detections(), key))
        return [nuscenes_detection(kept, frames.ground_truth())]
    model = _model(key)
    return [evaluate_model(model, frames, k) for k in ks]


def _model(key: str):
    """A shipped model by name (``d2d``, ``gossip``, ``gcn``, ``setpred`` or a benchmark
    variant such as ``gcn_hungarian``), in eval mode."""
    from nmskit.learned import load_model
    from nmskit.learned.build import WEIGHTS

    return load_model(Path(WEIGHTS) / key)


def _record(key: str) -> dict:
    """The training record in a shipped model's JSON."""
    import json

    from nmskit.learned.build import WEIGHTS

    return json.loads((Path(WEIGHTS) / f"{key}.json").read_text())["record"]


def rescoring_tables(
    frames: int = 500, seeds=(200, 201), timing_frames: int = 100, threads=(1, 2), learned: dict | None = None
) -> dict:
    """The benchmark's tables on ``frames`` held-out simulated frames.

    Args:
        frames: held-out frames for the accuracy tables, split over ``seeds``.
        timing_frames: frames timed per method and thread count (also at 1000 detections).
        threads: torch thread counts for the latency columns.
        learned: ``{name: shipped model}`` to include (default all four).

    Returns:
        ``{"summary": str, "I": ..., "I-1000": ..., "II": ..., "III": ..., "IV": ...}``, each
        table ``(header, rows)`` with cells formatted as strings; metrics in percent. Table
        IV is :func:`crowded_table` on as many frames of the same seeds with ``CROWD_RATE``
        and ``CROWD_SPACING``.
    """
    import torch

    learned = LEARNED if learned is None else learned
    data = held_out(frames, seeds)
    per_frame = [data.subset([f]).det for f in range(min(timing_frames, frames))]
    per_frame = [{k: v for k, v in c.items() if k not in ("frame", "attribute")} for c in per_frame]
    big = frames_of_size(data, 1000, max(1, timing_frames // 4))
    methods = {**HEURISTICS, **learned}
    t1, t2, lat = [], [], []
    results = {}
    for name, key in methods.items():
        ks = KS if key in learned.values() else (300,)
        results[name] = _evaluate(key, data, ks)
        m = results[name][0]
        ms, peak = _measure(key, [per_frame, big], threads)
        params = sum(p.numel() for p in _model(key).parameters()) if key in learned.values() else 0
        e = 100 * m.mean_tp_errors
        t1.append(
            [
                name,
                f"{100 * m.mean_ap:.2f}",
                f"{100 * m.nds:.2f}",
                *[f"{v:.2f}" for v in e[:4]],
                *[f"{v:.2f}" for v in ms[: len(threads)]],
                f"{peak:.1f}",
                f"{params:,}",
            ]
        )
        t2.append([name, *[f"{100 * a:.2f}" for a in m.ap.mean(axis=1)]])
        lat.append([name, *[f"{v:.2f}" for v in ms[len(threads) :]]])
    t3 = []
    for name, key in learned.items():
        keys = [key, *[k for k in MATCHING_PAIRS.get(name, ()) if k != key]]
        for k in keys:
            rs = results[name] if k == key else _evaluate(k, data, KS)
            rec = _record(k)
            matching = (
                "Hungarian (set loss)"
                if k == "setpred"
                else {"metric": "metric-aware", "hungarian": "Hungarian"}[rec["train"]["matching"]]
            )
            t3.append(
                [
                    name,
                    f"{rec['data']['train_frames']} frames, {rec['epochs_run']} epochs",
                    matching,
                    *[f"{100 * r.mean_ap:.2f} / {100 * r.nds:.2f}" for r in rs],
                ]
            )
    crowded = held_out(frames, seeds, CROWD_RATE, CROWD_SPACING)
    summary = (
        f"Held-out simulated frames: {frames} (seeds {', '.join(map(str, seeds))}); mean input detections "
        f"per frame: {len(data.det['x']) / frames:.0f}; latency over {len(per_frame)} frames in a fresh "
        f"process per method (torch {torch.__version__}). Crowded frames ({CROWD_RATE:g}x pedestrian "
        f"crowds, neighbours {CROWD_SPACING:g} m apart): {len(crowded.det['x']) / frames:.0f} input "
        f"detections and {np.count_nonzero(crowded.gt['num_pts'] > 0) / frames:.0f} visible objects per "
        f"frame. Visible pedestrians with another within CircleNMS's 0.42 m radius: "
        f"{100 * close_pedestrian_share(data.gt):.1f} % (default), "
        f"{100 * close_pedestrian_share(crowded.gt):.1f} % (crowded). Simulated data, not nuScenes."
    )
    return {
        "summary": summary,
        "I": (
            [
                "Method",
                "mAP",
                "NDS",
                "ATE",
                "ASE",
                "AOE",
                "AVE",
                *[f"ms/frame {t}t" for t in threads],
                "peak MB",
                "params",
            ],
            t1,
        ),
        "I-1000": (["Method", *[f"ms/frame at 1000 det., {t}t" for t in threads]], lat),
        "II": (["Method", *CLASS_NAMES], t2),
        "III": (["Model", "training", "matching", *[f"K={k} mAP / NDS" for k in KS]], t3),
        "IV": crowded_table(crowded, learned),
    }


def crowded_table(data, learned: dict | None = None) -> tuple:
    """mAP, NDS and pedestrian AP of every method (K = 300 for the learned ones) on the
    frames of ``data`` (a :class:`nmskit.learned.FrameSet`; :func:`held_out` with
    ``CROWD_RATE`` and ``CROWD_SPACING`` gives crowds whose centres are mostly closer
    than CircleNMS's fixed pedestrian radius).

    Returns:
        ``(header, rows)``, cells formatted as strings, metrics in percent.
    """
    ped = CLASS_NAMES.index("Ped.")
    rows = []
    for name, key in {**HEURISTICS, **(LEARNED if learned is None else learned)}.items():
        m = _evaluate(key, data)[0]
        rows.append([name, f"{100 * m.mean_ap:.2f}", f"{100 * m.nds:.2f}", f"{100 * m.ap.mean(axis=1)[ped]:.2f}"])
    return ["Method", "mAP", "NDS", "Ped. AP"], rows


def run(quick: bool = False) -> None:
    from .._table import format_table

    tables = rescoring_tables(*((100, (200, 201), 20) if quick else (500, (200, 201), 100)))
    print(tables["summary"])
    captions = {
        "I": "Table I (simulated). Heuristics are single-threaded NumPy either way; peak MB: peak "
        "resident memory above the resident set after a warm-up frame, over the 1000-detection frames "
        "at 1 thread",
        "I-1000": "Latency at 1000 input detections per frame (three overlaid frames cut to the 1000 highest scores)",
        "II": "Table II, per-class AP (simulated)",
        "III": "Table III, matching used in training and K (simulated)",
        "IV": f"Table IV, crowded scenes: {CROWD_RATE:g}x the pedestrian crowds, neighbours "
        f"{CROWD_SPACING:g} m apart, same seeds (simulated)",
    }
    for key, caption in captions.items():
        print(f"\n{caption}\n{format_table(*tables[key])}")
