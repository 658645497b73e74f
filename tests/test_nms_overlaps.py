"""NMS over a given overlap matrix against tf.image.non_max_suppression_overlaps."""

import numpy as np
import pytest
import torch

import nmskit


def random_overlaps(rng, n):
    ov = rng.uniform(0, 1, (n, n)).astype(np.float32)  # not symmetric: the row/column convention matters
    ov[rng.uniform(size=(n, n)) < 0.6] = 0
    ov[rng.uniform(size=(n, n)) < 0.05] = 0.5  # exactly at the threshold
    return ov.astype(np.float64)


@pytest.mark.parametrize("seed", range(12))
def test_nms_overlaps_equals_tensorflow(tf, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    ov = random_overlaps(rng, n)
    s = np.round(rng.uniform(0, 1, n), 1).astype(np.float32).astype(np.float64)  # many ties
    cap = int(rng.integers(0, n + 2))
    thr = [0.5, 0.3, 0.0][seed % 3]
    score_thr = [None, 0.5][seed % 2]
    theirs = tf.image.non_max_suppression_overlaps(
        ov.astype(np.float32),
        s.astype(np.float32),
        cap,
        overlap_threshold=thr,
        score_threshold=-np.inf if score_thr is None else score_thr,
    )
    ours = nmskit.nms_overlaps(ov, s, thr, score_threshold=score_thr, max_output=cap)
    np.testing.assert_array_equal(ours, theirs.numpy())


def test_nms_overlaps_with_iou_is_greedy_nms():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, (200, 2))
    b = np.c_[xy, xy + rng.uniform(5, 30, (200, 2))]
    s = rng.uniform(size=200)
    np.testing.assert_array_equal(nmskit.nms_overlaps(nmskit.box_iou(b, b), s, 0.5), nmskit.nms(b, s, 0.5))
    out = nmskit.nms_overlaps(torch.from_numpy(nmskit.box_iou(b, b)), torch.from_numpy(s), 0.5)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: nmskit.nms_overlaps(np.ones((2, 3)), np.ones(2)), r"overlaps must be a square matrix"),
        (lambda: nmskit.nms_overlaps(np.ones((2, 2)), np.ones(3)), r"scores must have shape \[2\]"),
        (lambda: nmskit.nms_overlaps([[0, np.nan], [0, 0]], np.ones(2)), r"overlaps contains NaN at index 0"),
        (lambda: nmskit.nms_overlaps(np.ones((2, 2)), [1, np.inf]), r"scores contains inf at index 1"),
        (lambda: nmskit.nms_overlaps(np.ones((2, 2)), np.ones(2), "a"), r"overlap_threshold must be a real number"),
        (
            lambda: nmskit.nms_overlaps(np.ones((2, 2)), np.ones(2), max_output=1.5),
            r"max_output must be a non-negative",
        ),
        (lambda: nmskit.nms_overlaps(np.ones((2, 2)), np.ones(2), score_threshold=np.nan), r"score_threshold must be"),
    ],
)
def test_nms_overlaps_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
