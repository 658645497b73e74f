"""Borehole data layer speed and the Hough baseline on the real well: `python benchmarks/borehole.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("borehole", quick="--quick" in sys.argv)
