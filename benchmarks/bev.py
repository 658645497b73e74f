"""Circle NMS, rotated IoU and rotated NMS against their peers: `python benchmarks/bev.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("bev", quick="--quick" in sys.argv)
