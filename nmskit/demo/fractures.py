"""Demo section: dip picking on the embedded real well (48/19a-C2), every available picker
scored against the expert picks on the validation interval 13405-13435 ft."""
from __future__ import annotations

import time

from ..bench.timing import format_table
from ..borehole import detect_picks, preprocess
from ..borehole.plots import plot_log_with_picks
from ..data import load_well
from ..evaluate import evaluate_picks
from ..report import Report

TOP, BOTTOM = 13405.0, 13435.0  # the validation interval: no picker is tuned or trained on it


def fractures_section(report: Report) -> None:
    image, expert = load_well()
    part = image.interval(TOP, BOTTOM)
    truth = expert.select((expert.depth >= TOP) & (expert.depth < BOTTOM))
    report.heading("Borehole fracture picking on a real well (48/19a-C2, expert picks)")
    report.text(f"LWD resistivity image, {TOP:g}-{BOTTOM:g} ft ({len(part.depths)} rows x {part.values.shape[1]} "
                f"columns), {len(truth)} expert picks. Matching is one-to-one (Hungarian) within a depth tolerance.")
    header = ["method", "picks", "F1 @3 cm", "F1 @5 cm", "F1 @8 cm", "recall @5 cm", "dip within 3 deg",
              "azimuth within 15 deg", "seconds"]
    rows, last = [], None
    for method in ("detr", "hough"):  # the last one drawn below: the better picker so far
        t0 = time.perf_counter()
        pred = detect_picks(part, method)
        seconds = time.perf_counter() - t0
        s3, s5, s8 = evaluate_picks(pred, truth)
        pct = lambda v: f"{100 * v:.1f} %"
        rows.append([method, len(pred.depth), pct(s3.f1), pct(s5.f1), pct(s8.f1), pct(s5.recall),
                     pct(s5.dip_within), pct(s5.azimuth_within), f"{seconds:.1f}"])
        last = (method, pred)
    report.table(header, rows, caption="Picking scores on the validation interval (dip and azimuth at 5 cm)")
    print(format_table(header, rows))
    method, pred = last
    fig = plot_log_with_picks(preprocess(part), pred, truth, top=TOP, bottom=TOP + 8.0,
                              title=f"48/19a-C2 {TOP:g}-{TOP + 8:g} ft: expert (magenta) and {method} (cyan) picks")
    report.figure(fig, "well_picks.png", f"Real-well interval with expert and {method} picks drawn as sinusoids.")
    from ..borehole.log_detect import shipped_model
    from ..borehole.explain import explain_patch
    from ..borehole.scale import prepare_log

    model = shipped_model()
    patch = prepare_log(part).values[:model.config.patch_height]
    report.figure(explain_patch(model, patch), "detr_rollout.png",
                  f"Attention rollout of the DETR detector's highest-scoring query on the patch starting at {TOP:g} ft, "
                  "drawn as the transformer's grid cells, not smoothed (the pixels-per-cell factor is in the figure). "
                  "The shipped detector is undertrained: see its scores in the table above.")
