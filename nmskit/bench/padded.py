"""Fixed-shape batched NMS on CPU: nmskit's ``sorted_nms_padded`` (eager and under
``torch.compile``) against tensorflow/models' ``sorted_non_max_suppression_padded`` in a
``tf.function``, on the same sorted inputs in this process, timed in alternation; and
nmskit's greedy CPU ``nms`` run item by item.

The scenes are those of ``nmskit bench nms`` (detector-like clusters, crowded, wide sizes,
uniform clutter). ``max_output_size`` is 1000 (tensorflow/models' proposal count) and N,
the worst case, where no implementation can stop early.
"""

from __future__ import annotations

import functools
import os
import time

import numpy as np

from .._table import format_table
from ..data.scene2d import detector_scene
from .nms import SCENES
from .timing import interleaved_medians, load_note

IOU = 0.5
PROPOSALS = 1000  # MultilevelROIGenerator's num_proposals


def scene_batch(batch: int, n: int, scene: str = "detector", seed: int = 0):
    """``batch`` scenes of :data:`nmskit.bench.nms.SCENES` as boxes ``[B, N, 4]`` (the
    scene's corners, used as yxyx) and scores ``[B, N]``, float32, each item sorted by
    descending score."""
    items = [detector_scene(n, seed=seed + i, **SCENES[scene])[:2] for i in range(batch)]
    orders = [np.argsort(-s, kind="stable") for _, s in items]
    return (
        np.stack([b[o] for (b, _), o in zip(items, orders)]).astype(np.float32),
        np.stack([s[o] for (_, s), o in zip(items, orders)]).astype(np.float32),
    )


def _cases(quick: bool) -> list[tuple[str, int, int, int]]:
    """``(scene, B, N, max_output_size)`` rows."""
    if quick:
        return [("detector", 2, 2000, PROPOSALS), ("detector", 2, 2000, 2000), ("uniform clutter", 2, 2000, 2000)]
    rows = [(scene, 8, 5000, m) for m in (PROPOSALS, 5000) for scene in SCENES]
    return rows + [("detector", 1, 20000, PROPOSALS)]


def run(quick: bool = False) -> None:
    """Print the timing table (medians, milliseconds) and the speed ratios."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch

    from .. import nms, sorted_nms_padded

    torch.set_num_threads(1)
    repeats = 3 if quick else 5
    try:
        import tensorflow as tf

        from .tf_models import load_tf_models

        peer = load_tf_models().nms
    except ImportError as exc:
        print(f"tf-models padded NMS skipped: {exc}")
        tf = peer = None

    rows, compiled_fns = [], {}
    for scene, b, n, m in _cases(quick):
        boxes, scores = scene_batch(b, n, scene, seed=n)
        tb, ts = torch.from_numpy(boxes), torch.from_numpy(scores)
        eager_fn = functools.partial(sorted_nms_padded, max_output_size=m, iou_threshold=IOU)
        compile_s = ""
        if (b, n, m) not in compiled_fns:  # one graph per shape and M, whatever the scene
            fn = functools.partial(eager_fn, check_sorted=False, check_values=False)
            compiled_fns[b, n, m] = torch.compile(fn, fullgraph=True, dynamic=False)
            start = time.perf_counter()
            compiled_fns[b, n, m](ts, tb)
            compile_s = f"{time.perf_counter() - start:.0f} s"
        compiled_fn = compiled_fns[b, n, m]
        out = eager_fn(ts, tb)
        assert torch.equal(compiled_fn(ts, tb)[1], out[1])

        def greedy():
            return [nms(boxes[i], scores[i], IOU, box_format="yxyx", inclusive=True, max_output=m) for i in range(b)]

        kept = f"{np.mean([len(k) for k in greedy()]):.0f}"

        contenders = [lambda: eager_fn(ts, tb), lambda: compiled_fn(ts, tb), greedy]
        if peer is not None:
            tf_fn = tf.function(lambda s, x, m=m: peer.sorted_non_max_suppression_padded(s, x, m, IOU))
            tf_s, tf_b = tf.constant(scores), tf.constant(boxes)
            assert np.array_equal(tf_fn(tf_s, tf_b)[1].numpy(), out[1].numpy())
            contenders.append(lambda: tf_fn(tf_s, tf_b)[1].numpy())
        eager, compiled, greedy_s, *peer_s = interleaved_medians(contenders, repeats, budget=60.0)
        ratios = (f"{peer_s[0] / eager:.1f}x", f"{peer_s[0] / compiled:.1f}x") if peer_s else ("-", "-")
        rows.append(
            (
                scene,
                b,
                f"{n:,}",
                f"{m:,}",
                kept,
                f"{peer_s[0] * 1e3:.0f}" if peer_s else "-",
                f"{eager * 1e3:.0f}",
                f"{compiled * 1e3:.0f}",
                compile_s,
                f"{greedy_s * 1e3:.1f}",
                *ratios,
            )
        )

    print(
        f"\nPadded NMS on CPU, sorted boxes, IoU {IOU}; medians in ms, timed in alternation; "
        f"torch on 1 thread, TensorFlow on its default pools; {load_note()}"
    )
    print(
        format_table(
            [
                "scene",
                "B",
                "N",
                "max_output_size",
                "kept per item",
                "tf-models (tf.function)",
                "nmskit eager",
                "nmskit compiled",
                "compile time",
                "nmskit greedy nms, item by item",
                "tf-models / eager",
                "tf-models / compiled",
            ],
            rows,
        )
    )
