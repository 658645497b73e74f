"""Demo section: the three dip pickers head to head (Hough, dense + sinusoid NMS, DETR) on
synthetic held-out logs and crowded logs, and the dense detector's F1 against its NMS
tolerance. The real-well comparison is in the fractures section."""

from __future__ import annotations

from .._table import format_table
from ..bench.fractures import REAL_SET, datasets, head_to_head, sweep_figure, tolerance_sweep
from ..report import Report


def headtohead_section(report: Report, quick: bool = False) -> None:
    n, feet = (2, 20.0) if quick else (4, 30.0)
    sets = datasets(n, feet)
    sets.pop(REAL_SET)  # shown, with a figure, in the fractures section
    report.heading("Head to head: heuristic vs NMS-based vs NMS-free dip picking")
    report.text(
        "The dense detector and the DETR detector share the backbone, the training data and the "
        "first-stage training budget; DETR then had a 36-minute stage that trains only its sinusoid-aligned "
        "refinement (docs/detr.md). Every method runs the same whole-log path. Crowded logs have thin parallel "
        "beds, so neighbouring boundaries often lie closer than the NMS tolerance."
        + f" Reduced run: {n} logs of {feet:g} ft per set (`nmskit bench fractures` runs 6 of 30 ft)."
    )
    for caption, header, rows in head_to_head(sets):
        report.table(header, rows, caption=caption)
        print(caption)
        print(format_table(header, rows))
    sweeps = {name.split(" (")[0]: tolerance_sweep(logs) for name, logs in sets.items()}
    report.figure(
        sweep_figure(sweeps),
        "nms_tolerance.png",
        "F1 at 5 cm of the dense detector against its sinusoid-NMS tolerance; DETR has no such knob (flat line).",
    )
