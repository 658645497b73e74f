"""Fixed-shape batched NMS on CPU: nmskit's ``sorted_nms_padded`` (eager and under
``torch.compile``) against tensorflow/models' ``sorted_non_max_suppression_padded`` in a
``tf.function``, on the same sorted, clustered inputs in this process; and against
nmskit's greedy CPU ``nms`` run item by item."""

from __future__ import annotations

import functools
import os
import time

import numpy as np

from .._table import format_table
from ..data.scene2d import detector_scene
from .timing import median_seconds

MAX_OUTPUT = 1000  # MultilevelROIGenerator's num_proposals: every item keeps all its survivors
IOU = 0.5


def clustered_batch(batch: int, n: int, seed: int = 0):
    """``batch`` detector-like scenes (:func:`nmskit.data.scene2d.detector_scene`) as boxes
    ``[B, N, 4]`` (the scene's corners, used as yxyx) and scores ``[B, N]``, float32, each
    item sorted by descending score."""
    items = [detector_scene(n, seed=seed + i)[:2] for i in range(batch)]
    orders = [np.argsort(-s, kind="stable") for _, s in items]
    return (
        np.stack([b[o] for (b, _), o in zip(items, orders)]).astype(np.float32),
        np.stack([s[o] for (_, s), o in zip(items, orders)]).astype(np.float32),
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


def run(quick: bool = False) -> None:
    """Print the timing table (medians, milliseconds) and the speed ratios."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch

    from .. import nms, sorted_nms_padded

    torch.set_num_threads(1)
    sizes = [(2, 2000), (1, 5000)] if quick else [(8, 5000), (1, 20000)]
    repeats = 3 if quick else 5
    try:
        import tensorflow as tf

        from .tf_models import load_tf_models

        peer = load_tf_models().nms
    except ImportError as exc:
        print(f"tf-models padded NMS skipped: {exc}")
        tf = peer = None

    rows = []
    for b, n in sizes:
        boxes, scores = clustered_batch(b, n, seed=n)
        tb, ts = torch.from_numpy(boxes), torch.from_numpy(scores)
        eager = median_seconds(lambda: sorted_nms_padded(ts, tb, MAX_OUTPUT, IOU), repeats)

        fn = functools.partial(
            sorted_nms_padded, max_output_size=MAX_OUTPUT, iou_threshold=IOU, check_sorted=False, check_values=False
        )
        compiled_fn = torch.compile(fn, fullgraph=True, dynamic=False)
        start = time.perf_counter()
        compiled_out = compiled_fn(ts, tb)
        compile_s = time.perf_counter() - start
        assert torch.equal(compiled_out[1], sorted_nms_padded(ts, tb, MAX_OUTPUT, IOU)[1])
        compiled = median_seconds(lambda: compiled_fn(ts, tb), repeats)

        greedy = median_seconds(
            lambda: [
                nms(boxes[i], scores[i], IOU, box_format="yxyx", inclusive=True, max_output=MAX_OUTPUT)
                for i in range(b)
            ],
            repeats,
        )
        if peer is not None:
            tf_fn = tf.function(lambda s, x: peer.sorted_non_max_suppression_padded(s, x, MAX_OUTPUT, IOU))
            tf_s, tf_b = tf.constant(scores), tf.constant(boxes)
            ref = tf_fn(tf_s, tf_b)[1].numpy()
            assert np.array_equal(ref, compiled_out[1].numpy())
            peer_s = median_seconds(lambda: tf_fn(tf_s, tf_b)[1].numpy(), repeats)
            ratios = (f"{peer_s / eager:.1f}x", f"{peer_s / compiled:.1f}x")
        else:
            peer_s, ratios = float("nan"), ("-", "-")
        rows.append(
            (
                b,
                n,
                _ms(peer_s),
                _ms(eager),
                _ms(compiled),
                f"{compile_s:.0f} s",
                _ms(greedy),
                *ratios,
                f"{greedy / compiled:.2f}x",
            )
        )

    print(
        f"\nPadded NMS on CPU, sorted clustered boxes (~30 per object), IoU {IOU}, "
        f"max_output_size {MAX_OUTPUT}; median ms; torch on 1 thread"
    )
    print(
        format_table(
            [
                "B",
                "N",
                "tf-models (tf.function)",
                "nmskit eager",
                "nmskit compiled",
                "compile time",
                "nmskit greedy nms (per item)",
                "tf-models / eager",
                "tf-models / compiled",
                "greedy / compiled",
            ],
            rows,
        )
    )
