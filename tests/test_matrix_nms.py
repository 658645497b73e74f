"""Matrix NMS against a brute-force transcription of SOLOv2's formula."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit

from .test_nms_properties import box_sets


def brute_force_matrix_nms(boxes, scores, labels, kernel, sigma):
    """Loop-by-loop transcription: decay_j = min over i above j of f(iou_ij) / f(c_i)."""
    f = (lambda x: math.exp(-sigma * x * x)) if kernel == "gaussian" else (lambda x: 1.0 - x)
    iou = nmskit.box_iou(boxes, boxes)
    n = len(boxes)
    labels = np.zeros(n, int) if labels is None else labels
    rank = sorted(range(n), key=lambda i: (-scores[i], i))
    out = np.array(scores, np.float64)
    for pos, j in enumerate(rank):
        above = [i for i in rank[:pos] if labels[i] == labels[j]]
        decay = 1.0
        for i in above:
            ranked_above_i = [k for k in rank[: rank.index(i)] if labels[k] == labels[i]]
            c = max((iou[k, i] for k in ranked_above_i), default=0.0)
            if f(c) > 0:
                decay = min(decay, f(iou[i, j]) / f(c))
        out[j] = scores[j] * decay
    return out


@settings(max_examples=80, deadline=None)
@given(box_sets(max_n=25), st.sampled_from(["gaussian", "linear"]), st.sampled_from([0.5, 2.0]), st.booleans())
def test_matrix_nms_equals_formula(case, kernel, sigma, use_labels):
    boxes, scores, labels, _ = case
    labels = labels if use_labels else None
    ours = nmskit.matrix_nms(boxes, scores, labels=labels, kernel=kernel, sigma=sigma)
    np.testing.assert_allclose(
        ours, brute_force_matrix_nms(boxes, scores, labels, kernel, sigma), rtol=1e-9, atol=1e-12
    )
    tensor = nmskit.matrix_nms(
        torch.from_numpy(boxes),
        torch.from_numpy(scores),
        labels=None if labels is None else torch.from_numpy(labels),
        kernel=kernel,
        sigma=sigma,
    )
    assert isinstance(tensor, torch.Tensor)
    np.testing.assert_allclose(tensor.numpy(), ours, rtol=1e-9, atol=1e-12)


def test_matrix_nms_small_example():
    b = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30]], float)  # IoU(0, 1) = 0.5
    s = np.array([0.9, 0.8, 0.7], np.float32)
    out = nmskit.matrix_nms(b, s, kernel="linear")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.9, 0.4, 0.7], rtol=1e-6)
    np.testing.assert_allclose(nmskit.matrix_nms(b, s, sigma=2.0), [0.9, 0.8 * math.exp(-0.5), 0.7], rtol=1e-6)
    np.testing.assert_allclose(nmskit.matrix_nms(b, s, labels=[0, 1, 0]), s)  # other label: no decay


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: nmskit.matrix_nms(np.ones((2, 3)), np.ones(2)), r"boxes must have shape \[N, 4\]"),
        (lambda: nmskit.matrix_nms(np.zeros((2, 4)), np.ones(3)), r"scores has length 3"),
        (lambda: nmskit.matrix_nms(np.zeros((1, 4)), [np.nan]), r"scores contains NaN at index 0"),
        (lambda: nmskit.matrix_nms(np.zeros((1, 4)), [1.0], kernel="box"), r"kernel must be one of"),
        (lambda: nmskit.matrix_nms(np.zeros((1, 4)), [1.0], sigma=0), r"sigma must be > 0"),
        (lambda: nmskit.matrix_nms(np.zeros((1, 4)), [1.0], labels=[0.5]), r"labels must hold integer class ids"),
        (
            lambda: nmskit.matrix_nms(torch.tensor([[0.0, 0, 1, float("inf")]]), torch.ones(1)),
            r"boxes contains inf at index 0",
        ),
        (
            lambda: nmskit.matrix_nms(torch.tensor([[2.0, 0, 1, 1]]), torch.ones(1)),
            r"boxes has inverted corners at index 0",
        ),
        (lambda: nmskit.matrix_nms(torch.zeros(1, 4), np.ones(1)), r"scores must be a tensor on the boxes' device"),
        (lambda: nmskit.matrix_nms(torch.zeros(1, 4), torch.ones(1), box_format="xy"), r"box_format must be one of"),
    ],
)
def test_matrix_nms_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
