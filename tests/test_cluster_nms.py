"""Cluster-NMS equals greedy NMS exactly; Fast NMS equals its one-reduction definition."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import nmskit

from .test_nms_properties import box_sets


@settings(max_examples=200, deadline=None)
@given(box_sets())
def test_cluster_nms_equals_greedy_nms(case):
    boxes, scores, labels, t = case
    np.testing.assert_array_equal(nmskit.cluster_nms(boxes, scores, t), nmskit.nms(boxes, scores, t))
    np.testing.assert_array_equal(
        nmskit.cluster_nms(boxes, scores, t, labels=labels), nmskit.batched_nms(boxes, scores, labels, t)
    )
    on_torch = nmskit.cluster_nms(torch.from_numpy(boxes), torch.from_numpy(scores), t, labels=torch.from_numpy(labels))
    assert isinstance(on_torch, torch.Tensor) and on_torch.dtype == torch.int64
    np.testing.assert_array_equal(on_torch.numpy(), nmskit.batched_nms(boxes, scores, labels, t))


def test_cluster_nms_on_a_long_chain():
    """Each box suppresses the next: greedy keeps every other one, which takes Cluster-NMS
    several rounds to settle (Fast NMS keeps only the first)."""
    x = np.arange(30, dtype=float) * 4.0
    boxes = np.c_[x, np.zeros(30), x + 10, np.ones(30) * 10]  # IoU of neighbours 6/14 > 0.4
    scores = np.linspace(1, 0.5, 30)
    np.testing.assert_array_equal(nmskit.cluster_nms(boxes, scores, 0.4), nmskit.nms(boxes, scores, 0.4))
    assert len(nmskit.nms(boxes, scores, 0.4)) > 1
    assert nmskit.fast_nms(boxes, scores, 0.4).tolist() == [0]


@settings(max_examples=100, deadline=None)
@given(box_sets())
def test_fast_nms_drops_boxes_overlapping_any_higher_box(case):
    boxes, scores, labels, t = case
    iou = nmskit.box_iou(boxes, boxes)
    rank = sorted(range(len(boxes)), key=lambda i: (-scores[i], i))
    expect = [j for p, j in enumerate(rank) if all(iou[i, j] <= t or labels[i] != labels[j] for i in rank[:p])]
    np.testing.assert_array_equal(nmskit.fast_nms(boxes, scores, t, labels=labels), expect)
    assert set(expect) <= set(nmskit.batched_nms(boxes, scores, labels, t).tolist())


def test_max_output_and_formats():
    b = np.array([[0, 0, 10, 10], [30, 0, 40, 10], [60, 0, 70, 10]], float)
    s = np.array([0.5, 0.9, 0.7])
    assert nmskit.cluster_nms(b, s, max_output=2).tolist() == [1, 2]
    xywh = np.c_[b[:, :2], b[:, 2:] - b[:, :2]]
    assert nmskit.fast_nms(xywh, s, box_format="xywh").tolist() == [1, 2, 0]
    assert nmskit.cluster_nms(np.zeros((0, 4)), np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("fn", [nmskit.fast_nms, nmskit.cluster_nms])
@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(iou_threshold=2.0), r"iou_threshold must lie in \[0, 1\]"),
        (dict(max_output=-1), r"max_output must be >= 0"),
        (dict(labels=[0, 1]), r"labels must have shape \[1\]"),
        (dict(box_format="xyz"), r"box_format must be one of"),
    ],
)
def test_bad_input(fn, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn(np.zeros((1, 4)), np.ones(1), **kwargs)
