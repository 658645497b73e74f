"""Batch commands on 1 process, a 2-worker pool and Ray with 2 CPUs:
`python benchmarks/batch.py [--quick] [--work DIR] [--rounds N]` (resumes from DIR/times.jsonl)."""

import argparse

from nmskit.bench.batch import run

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="4 wells and 200 frames, one round")
parser.add_argument("--work", help="folder for inputs, outputs and times (default: ./bench-batch)")
parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
args = parser.parse_args()
run(quick=args.quick, work=args.work, rounds=args.rounds)
