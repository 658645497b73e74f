"""Greedy and soft NMS against OpenCV, TensorFlow and ensemble-boxes: `python benchmarks/nms.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("nms", quick="--quick" in sys.argv)
