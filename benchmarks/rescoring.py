"""Learned rescoring (D2D-Rescore, GossipNet3D, GCN) and the NMS-free set predictor against
CenterPoint's circle NMS on held-out simulated frames, normal and crowded:
`python benchmarks/rescoring.py [--quick]`."""

import sys

from nmskit.bench import run_benchmark

run_benchmark("rescoring", quick="--quick" in sys.argv)
