"""On-device class-aware NMS: nmskit.batched_nms on CUDA tensors (the torch path that stays
on the device) against torchvision.ops.batched_nms, side by side in one process.

    python scripts/bench_gpu_nms.py            # needs a CUDA device and torchvision
    python scripts/bench_gpu_nms.py --smoke    # tiny sizes on the CPU (forced device path;
                                               # without torchvision, against nmskit's host path)

For each batch size B in {1, 8, 32} and N in {1k, 10k, 100k} boxes per image (clustered
detector-like scenes, 80 classes, IoU 0.5), the B images are suppressed in one call with
labels ``image * 80 + class``. Before timing, the kept indices are compared (torchvision
computes IoU in float32, nmskit in float64, so a pair within float32 rounding of the
threshold may differ; the agreement is printed). Times are medians of interleaved runs,
each ending with a device synchronisation.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch

import nmskit
from nmskit.data.scene2d import detector_scene

CLASSES = 80


def batch(b: int, n: int, device):
    """B scenes of n boxes: boxes [B*n, 4], scores [B*n], labels [B*n] (image * 80 + class)."""
    parts = [detector_scene(n, seed=i, num_classes=CLASSES) for i in range(b)]
    boxes = torch.from_numpy(np.concatenate([p[0] for p in parts])).to(device)
    scores = torch.from_numpy(np.concatenate([p[1] for p in parts])).to(device)
    labels = torch.from_numpy(np.concatenate([p[2] + i * CLASSES for i, p in enumerate(parts)])).to(device)
    return boxes, scores, labels


def timed(fn, device):
    def run():
        t0 = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    return run


def main(smoke: bool) -> None:
    if smoke:
        from nmskit import _arrays

        _arrays.DEVICE_PATH_FOR_CPU = True
        device, sizes, batches, repeats = torch.device("cpu"), (1_000,), (1, 2), 2
    else:
        if not torch.cuda.is_available():
            sys.exit("no CUDA device: run with --smoke for a CPU check of the script")
        device, sizes, batches, repeats = torch.device("cuda"), (1_000, 10_000, 100_000), (1, 8, 32), 7
    try:
        import torchvision

        peer, peer_name = torchvision.ops.batched_nms, f"torchvision {torchvision.__version__}"
    except ImportError:
        if not smoke:
            sys.exit("torchvision is needed: pip install torchvision (the build matching torch)")
        peer = lambda b, s, lab, t: torch.from_numpy(nmskit.batched_nms(b.numpy(), s.numpy(), lab.numpy(), t))
        peer_name = "nmskit host path (torchvision not installed)"
    print(
        f"device: {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu (smoke)'}; "
        f"torch {torch.__version__}; peer: {peer_name}"
    )
    print("| B | N per image | kept | same kept set | nmskit ms | peer ms | peer / nmskit |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        for b in batches:
            boxes, scores, labels = batch(b, n, device)
            ours = lambda: nmskit.batched_nms(boxes, scores, labels, 0.5)
            theirs = lambda: peer(boxes, scores, labels, 0.5)
            k_ours, k_theirs = ours(), theirs()
            same = set(k_ours.tolist()) == set(k_theirs.tolist())
            runs = [timed(ours, device), timed(theirs, device)]
            for r in runs:
                r()  # warm-up
            times = [[], []]
            for _ in range(repeats):
                for k, r in enumerate(runs):
                    times[k].append(r())
            t_o, t_t = (float(np.median(t)) * 1e3 for t in times)
            print(f"| {b} | {n:,} | {len(k_ours):,} | {same} | {t_o:.2f} | {t_t:.2f} | {t_t / t_o:.2f}x |", flush=True)


if __name__ == "__main__":
    main("--smoke" in sys.argv)
