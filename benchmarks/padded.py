"""Fixed-shape batched NMS against tensorflow/models' padded NMS: ``python benchmarks/padded.py [--quick]``."""

import sys

from nmskit.bench.padded import run

if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
