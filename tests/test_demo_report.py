"""The demo report, checked in a real browser: headless Chromium opens index.html, every
image must decode and every table render; a screenshot is kept beside the report."""

import re
import shutil
import subprocess

import pytest

from nmskit.demo import run_demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed (CI installs it)")
@pytest.mark.slow
def test_demo_report_renders_in_chromium(tmp_path):
    out = tmp_path / "demo-report"
    run_demo(str(out), quick=True)
    page = (out / "index.html").resolve().as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, *profile, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    images = re.search(r'data-images="(\d+)/(\d+)"', dom)
    tables = re.search(r'data-tables="(\d+)/(\d+)"', dom)
    assert images and tables, "the page's load check did not run"
    assert int(images[2]) >= 4 and images[1] == images[2], f"images decoded: {images[0]}"
    assert int(tables[2]) >= 5 and tables[1] == tables[2], f"tables rendered: {tables[0]}"
    shot = out / "screenshot.png"
    subprocess.run(
        [CHROMIUM, *FLAGS, *profile, "--window-size=1280,2400", f"--screenshot={shot}", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
