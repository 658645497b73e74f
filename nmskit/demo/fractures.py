"""Demo section: dip picking on the embedded real well (48/19a-C2), every available picker
scored against the expert picks on the validation interval 13405-13435 ft."""

from __future__ import annotations

from .._table import format_table
from ..bench.fractures import HEADER, METHODS, PEER, score_logs, score_row
from ..borehole import detect_picks, preprocess
from ..borehole.plots import plot_log_with_picks
from ..data import load_well
from ..report import Report

TOP, BOTTOM = 13405.0, 13435.0  # the validation interval: no picker trains on it (the networks pick checkpoints on it)


def fractures_section(report: Report) -> None:
    image, expert = load_well()
    part = image.interval(TOP, BOTTOM)
    truth = expert.select((expert.depth >= TOP) & (expert.depth < BOTTOM))
    report.heading("Borehole fracture picking on a real well (48/19a-C2, expert picks)")
    report.text(
        f"LWD resistivity image, {TOP:g}-{BOTTOM:g} ft ({len(part.depths)} rows x {part.values.shape[1]} "
        f"columns), {len(truth)} expert picks. Matching is one-to-one (Hungarian) within a depth tolerance."
    )
    rows = [score_row(m, score_logs([(part, truth)], m)) for m in (*METHODS, PEER, "comb")]
    report.table(
        HEADER,
        rows,
        caption="Picking scores on the validation interval. The headline is F1 at 5 cm of "
        "sinusoid distance (the mean depth difference of the two curves round the hole), so depth, dip and "
        "azimuth must all agree; F1 on centre depth alone stands beside it, and the dip and azimuth shares "
        "are of the 5 cm depth matches. acontrario: the a contrario dip picker's published detections "
        "(Costes et al. 2021, nfa < 30; not run here, so no speed). comb: evenly spaced flat picks at the "
        "expert picks' mean spacing, a chance reference that reads no pixel.",
    )
    print(format_table(HEADER, rows))
    for method in ("detr", "dense"):
        fig = plot_log_with_picks(
            preprocess(part),
            detect_picks(part, method),
            truth,
            top=TOP,
            bottom=TOP + 8.0,
            title=f"48/19a-C2 {TOP:g}-{TOP + 8:g} ft: expert (magenta) and {method} (cyan) picks",
        )
        report.figure(
            fig, f"well_picks_{method}.png", f"Real-well interval with expert and {method} picks drawn as sinusoids."
        )
    from ..borehole.explain import explain_log

    report.figure(
        explain_log(part),
        "detr_rollout.png",
        f"Attention rollout of the DETR detector's highest-scoring query on the patch starting at {TOP:g} ft, "
        "drawn as the transformer's grid cells, not smoothed (the pixels-per-cell factor is in the figure). "
        "See the detector's scores in the table above.",
    )
