"""Demo section: suppression of simulated CenterPoint-like 3-D detections, scored with the
nuScenes protocol, in the layout of the learned-NMS paper's Tables I and II."""

from __future__ import annotations

import time

from .._table import format_table
from ..data import DETECTION_NAMES
from ..data.sim import simulate_centerpoint
from ..evaluate import nuscenes_detection
from ..report import Report
from ..suppress.centerpoint import centerpoint_nms

PRETTY = ("Car", "Truck", "Bus", "Trailer", "C.V.", "Ped.", "Motor.", "Bicycle", "T.C.", "Barrier")


def methods():
    """``name -> callable(pre_nms) -> post``: the heuristic suppressors, the shipped
    learned rescorers (top 300 per frame by refined score) and the NMS-free set predictor
    (its boxes, up to 300 per frame)."""
    from ..learned import Rescorer, SetPredictor

    out = {
        "CircleNMS": lambda d: centerpoint_nms(d, "circle"),
        "Soft-CircleNMS": lambda d: centerpoint_nms(d, "soft-circle"),
        "Rotated NMS (IoU 0.2)": lambda d: centerpoint_nms(d, "rotated"),
    }
    for name, weights in (("GCN", "gcn"), ("GossipNet3D", "gossip"), ("D2D-Rescore", "d2d")):
        model = Rescorer.load(weights)
        out[name] = lambda d, m=model: m.suppress(d, top_k=300)
    predictor = SetPredictor.load()
    out["Set predictor (NMS-free)"] = lambda d: predictor.predict(d, top_k=300)
    return out


def bev3d_section(report: Report, frames: int = 150, seed: int = 7) -> None:
    pre, gt = simulate_centerpoint(frames, seed)
    report.heading("3-D detections: suppression on simulated CenterPoint output (simulated data)")
    report.text(
        f"{frames} held-out simulated frames (seed {seed}; {len(pre) / frames:.0f} pre-NMS detections "
        "per frame on average), scored with nmskit's nuScenes evaluation, which equals "
        "nuscenes-devkit to 1e-9. The learned rescorers use the shipped weights (trained on other "
        "simulated seeds; docs/learned.md says which simulator version each saw, as some are still "
        "being retrained on the current one) and keep the top 300 per frame; the NMS-free set predictor outputs its own "
        "boxes (up to 300 per frame, nothing suppressed). Simulated data: calibrated to the paper's "
        "CircleNMS operating point, not nuScenes."
    )
    t1, t2 = [], []
    results = {}
    fns = methods()
    for name, fn in fns.items():
        t0 = time.perf_counter()
        post = fn(pre)
        ms = 1e3 * (time.perf_counter() - t0) / frames
        r = nuscenes_detection(post, gt)
        e = 100 * r.mean_tp_errors
        t1.append([name, f"{100 * r.mean_ap:.2f}", f"{100 * r.nds:.2f}", f"{ms:.2f}"] + [f"{v:.2f}" for v in e[:4]])
        ap = r.class_ap()
        t2.append([name] + [f"{100 * ap[c]:.2f}" for c in DETECTION_NAMES])
        results[name] = r
    h1 = ["Method", "mAP", "NDS", "CPU ms/frame", "ATE", "ASE", "AOE", "AVE"]
    h2 = ["Method", *PRETTY]
    report.table(h1, t1, caption="Table I layout (simulated): mAP, NDS, CPU latency per frame, TP errors")
    report.table(h2, t2, caption="Table II layout (simulated): per-class AP")
    print(format_table(h1, t1))
    print(format_table(h2, t2))
    crowded_table(report, fns, frames // 2, seed)
    for name, folder in (("CircleNMS", "pr_circle"), ("D2D-Rescore", "pr_d2d")):
        results[name].plot_pr_curves(report.out / folder)
        report.image(f"{folder}/summary.png", f"{name}: precision-recall of every class at 2 m (simulated)")


def crowded_table(report: Report, fns: dict, frames: int, seed: int) -> None:
    """Every method of ``fns`` (as from :func:`methods`) on frames with packed pedestrian
    crowds, where a fixed radius must fail."""
    from ..bench.rescoring import CROWD_RATE, CROWD_SPACING

    pre, gt = simulate_centerpoint(frames, seed, crowd_rate=CROWD_RATE, crowd_spacing=CROWD_SPACING)
    rows = []
    for name, fn in fns.items():
        r = nuscenes_detection(fn(pre), gt)
        rows.append([name, f"{100 * r.mean_ap:.2f}", f"{100 * r.nds:.2f}", f"{100 * r.class_ap()['pedestrian']:.2f}"])
    header = ["Method", "mAP", "NDS", "Ped. AP"]
    report.table(
        header,
        rows,
        caption=f"Packed crowds (simulated; {frames} frames, crowd_rate={CROWD_RATE:g}, "
        f"crowd_spacing={CROWD_SPACING:g} m: pedestrians closer than CircleNMS's 0.42 m radius)",
    )
    print(format_table(header, rows))
