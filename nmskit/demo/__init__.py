"""``nmskit demo``: the main job, on embedded and built-in data, written as an HTML report
(``index.html`` plus PNGs) with a printed summary. Each section lives in its own module."""

from __future__ import annotations

import time

from ..report import Report
from .bev3d import bev3d_section
from .fractures import fractures_section
from .headtohead import headtohead_section
from .nms2d import nms_section


def run_demo(out: str = "demo-report", quick: bool = False) -> None:
    """Run every demo section and write ``out/index.html``; ``quick`` uses smaller inputs
    (for tests)."""
    start = time.perf_counter()
    report = Report(out, "nmskit demo report")
    report.text("Every number on this page was computed when the report was generated, on this machine.", note=True)
    nms_section(report, (1_000, 20_000) if quick else (1_000, 20_000, 100_000))
    bev3d_section(report, frames=40 if quick else 150)
    fractures_section(report)
    headtohead_section(report, quick)
    path = report.write()
    print(f"\nReport written to {path} in {time.perf_counter() - start:.0f} s")
