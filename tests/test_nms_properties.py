"""Invariants of greedy NMS, checked with Hypothesis on small random box sets."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nmskit

from .conftest import brute_force_nms

coords = st.floats(0, 100, allow_nan=False, width=32)


@st.composite
def box_sets(draw, max_n=40):
    n = draw(st.integers(0, max_n))
    xy = draw(arrays(np.float64, (n, 2), elements=coords))
    wh = draw(arrays(np.float64, (n, 2), elements=st.floats(0, 40, allow_nan=False, width=32)))
    scores = draw(arrays(np.float64, (n,), elements=st.floats(0, 1, allow_nan=False, width=32)))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, 2)))
    t = draw(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.7, 1.0]))
    return np.c_[xy, xy + wh], scores, labels, t


def _same_label(labels, i, j):
    return labels is None or labels[i] == labels[j]


def _check_invariants(boxes, scores, labels, t, keep):
    iou = nmskit.box_iou(boxes, boxes)
    kept = set(keep.tolist())
    rank = np.empty(len(boxes), int)
    rank[np.argsort(-scores, kind="stable")] = np.arange(len(boxes))
    for a in keep:  # no two kept boxes of one label overlap beyond the threshold
        for b in keep:
            if a != b and _same_label(labels, a, b):
                assert iou[a, b] <= t
    for j in set(range(len(boxes))) - kept:  # each suppressed box has a kept suppressor of equal or higher rank
        assert any(iou[k, j] > t and rank[k] < rank[j] and _same_label(labels, k, j) for k in keep)
    assert np.all(np.diff(scores[keep]) <= 0)


@settings(max_examples=150, deadline=None)
@given(box_sets())
def test_nms_invariants(case):
    boxes, scores, _, t = case
    keep = nmskit.nms(boxes, scores, t)
    _check_invariants(boxes, scores, None, t, keep)
    np.testing.assert_array_equal(keep, brute_force_nms(boxes, scores, t))
    again = nmskit.nms(boxes[keep], scores[keep], t)  # NMS of the kept set is the kept set
    np.testing.assert_array_equal(keep[again], keep)


@settings(max_examples=150, deadline=None)
@given(box_sets())
def test_batched_nms_invariants(case):
    boxes, scores, labels, t = case
    keep = nmskit.batched_nms(boxes, scores, labels, t)
    _check_invariants(boxes, scores, labels, t, keep)
    again = nmskit.batched_nms(boxes[keep], scores[keep], labels[keep], t)
    np.testing.assert_array_equal(keep[again], keep)
    for c in np.unique(labels):  # per label it is plain NMS
        idx = np.flatnonzero(labels == c)
        np.testing.assert_array_equal(
            np.sort(keep[labels[keep] == c]), np.sort(idx[nmskit.nms(boxes[idx], scores[idx], t)])
        )


@settings(max_examples=100, deadline=None)
@given(box_sets(), st.randoms(use_true_random=False))
def test_permutation_equivariance(case, rnd):
    boxes, _, labels, t = case
    n = len(boxes)
    scores = np.arange(n, dtype=np.float64)[::-1] / max(n, 1)  # distinct
    perm = np.array(rnd.sample(range(n), n), dtype=np.int64)
    for fn in (lambda b, s, l: nmskit.nms(b, s, t), lambda b, s, l: nmskit.batched_nms(b, s, l, t)):
        keep = fn(boxes, scores, labels)
        keep_p = fn(boxes[perm], scores[perm], labels[perm])
        np.testing.assert_array_equal(perm[keep_p], keep)


def test_batched_nms_exact_at_large_magnitude():
    """Far-apart labels at 1e15 scale: an offset trick would merge or lose boxes."""
    base = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]], np.float64) + 1e15
    scores = np.array([0.9, 0.8, 0.7])
    labels = np.array([0, 0, 1])
    np.testing.assert_array_equal(nmskit.batched_nms(base, scores, labels, 0.5), [0, 2])
    small = np.array([[0, 0, 1e-12, 1e-12], [0, 0, 1e-12, 1.1e-12]])
    np.testing.assert_array_equal(nmskit.batched_nms(small, np.array([0.9, 0.8]), np.array([3, 3]), 0.5), [0])


def test_determinism_and_ties():
    boxes = np.array([[0, 0, 10, 10]] * 4 + [[50, 50, 60, 60]], float)
    scores = np.array([0.5, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(nmskit.nms(boxes, scores, 0.5), [0, 4])
    np.testing.assert_array_equal(nmskit.nms(boxes[::-1], scores, 0.5), [0, 1])
