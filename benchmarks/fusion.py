"""Weighted boxes fusion and non-maximum weighting against ensemble-boxes: `python benchmarks/fusion.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("fusion", quick="--quick" in sys.argv)
