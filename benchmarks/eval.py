"""nuScenes detection evaluation against nuscenes-devkit: `python benchmarks/eval.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("eval", quick="--quick" in sys.argv)
