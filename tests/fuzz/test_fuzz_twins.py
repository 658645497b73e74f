"""Twins agree on random input (Hypothesis): padded NMS and NMS, NumPy and torch IoU,
half-precision and integer tensors and float64, sinusoid NMS and its distance, soft NMS and
a direct transcription of its rule, circle NMS at radius 0 and exact duplicates."""

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit
from nmskit.geometry import sinusoid_distance
from nmskit.suppress import padded_nms


@st.composite
def boxes_and_scores(draw, max_n=12, grid=8):
    """Integer-valued boxes on a small grid (many ties, zero-area boxes, equal boxes)."""
    n = draw(st.integers(0, max_n))
    corners = np.array(
        draw(st.lists(st.tuples(*[st.integers(0, grid)] * 4), min_size=n, max_size=n)), np.float64
    ).reshape(n, 4)
    b = np.c_[np.minimum(corners[:, :2], corners[:, 2:]), np.maximum(corners[:, :2], corners[:, 2:])]
    s = np.array(draw(st.lists(st.sampled_from([0.25, 0.5, 0.75, 1.0]), min_size=n, max_size=n)), np.float64)
    return b, s


@settings(max_examples=100, deadline=None)
@given(
    boxes_and_scores(),
    st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    st.booleans(),
    st.sampled_from([1, 2, 3, 128]),
    st.integers(1, 13),
)
def test_padded_nms_equals_nms(bs, t, inclusive, tile, m):
    """Small tiles send boxes through the cross-tile test, a small M through the early stop."""
    b, s = bs
    want = nmskit.nms(b, s, t, inclusive=inclusive, max_output=m)
    idx, count = padded_nms(torch.tensor(b[None]), torch.tensor(s[None]), m, t, inclusive=inclusive, tile_size=tile)
    assert idx[0, : int(count[0])].tolist() == want.tolist()


@settings(max_examples=60, deadline=None)
@given(boxes_and_scores(), boxes_and_scores())
def test_box_iou_numpy_torch_half_and_int8_agree(a, b):
    a, b = a[0], b[0]
    ref = nmskit.box_iou(a, b)
    np.testing.assert_allclose(nmskit.box_iou(torch.tensor(a), torch.tensor(b)).numpy(), ref, atol=1e-12)
    half = nmskit.box_iou(torch.tensor(a, dtype=torch.float16), torch.tensor(b, dtype=torch.float16))
    np.testing.assert_allclose(half.numpy(), ref, atol=1e-6)
    small = nmskit.box_iou(torch.tensor(a, dtype=torch.int8) * 15, torch.tensor(b, dtype=torch.int8) * 15)
    np.testing.assert_allclose(small.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(nmskit.box_area(torch.tensor(a * 15, dtype=torch.int8)).numpy(), nmskit.box_area(a * 15))


def _soft_reference(b, s, t):
    """Linear Soft-NMS as the docstring states it, one selection at a time."""
    iou = nmskit.box_iou(b, b) if len(b) else np.zeros((0, 0))
    live, cur, out = list(range(len(b))), s.copy(), []
    while live:
        i = min(live, key=lambda k: (-cur[k], k))  # highest current score, lower index on ties
        if cur[i] < 0.001:
            break
        out.append(i)
        live.remove(i)
        for j in live:
            if iou[i, j] > t:
                cur[j] *= 1.0 - iou[i, j]
    return out


@settings(max_examples=60, deadline=None)
@given(boxes_and_scores(), st.sampled_from([0.0, 0.3, 0.5]))
def test_soft_nms_follows_its_rule_with_index_ties(bs, t):
    b, s = bs
    idx, _ = nmskit.soft_nms(b, s, method="linear", iou_threshold=t)
    assert idx.tolist() == _soft_reference(b, s, t)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.data())
def test_sinusoid_nms_uses_sinusoid_distance(n, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    p = np.c_[100 + rng.uniform(0, 0.2, n), rng.uniform(0, 80, n), rng.uniform(0, 360, n)]
    s = rng.choice([0.5, 0.75, 1.0], n)
    d = sinusoid_distance(p, p, 0.2)
    t = float(d[data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))]) or 0.05
    t = data.draw(st.sampled_from([t, math.nextafter(t, 0), math.nextafter(t, 1)]))
    alive, want = np.ones(n, bool), []
    for k in np.lexsort((np.arange(n), -s)):
        if alive[k]:
            want.append(int(k))
            alive &= ~(d[k] < t)
    assert nmskit.sinusoid_nms(p, s, 0.2, t).tolist() == want


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30))
def test_circle_nms_radius_zero_drops_exact_duplicates(points):
    c = np.array(points, np.float64)
    s = np.linspace(1, 0.5, len(c))
    _, first = np.unique(c, axis=0, return_index=True)
    assert nmskit.circle_nms(c, s, 0.0).tolist() == sorted(first.tolist())
