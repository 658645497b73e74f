"""Hough vs dense + sinusoid NMS vs DETR on the same logs: `python benchmarks/fractures.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("fractures", quick="--quick" in sys.argv)
