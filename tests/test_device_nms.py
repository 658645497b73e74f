"""The on-device torch path of nms, batched_nms and circle_nms (used for CUDA tensors),
forced here on CPU tensors: the same kept indices as the numba kernels."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit
from nmskit import _arrays
from nmskit.suppress import _device

from .test_nms_properties import box_sets


@pytest.fixture
def forced(monkeypatch):
    monkeypatch.setattr(_arrays, "DEVICE_PATH_FOR_CPU", True)
    monkeypatch.setattr(_device, "TILE", 16)  # several tiles and chunks even for small inputs
    monkeypatch.setattr(_device, "CHUNK", 8)


@settings(max_examples=60, deadline=None)
@given(box_sets(max_n=60), st.booleans(), st.sampled_from([None, 3]), st.sampled_from([None, 0.3]))
def test_box_path_equals_cpu_kernels(case, inclusive, cap, score_threshold):
    boxes, scores, labels, t = case
    boxes = boxes.astype(np.float32)  # both paths see the same float32 corners
    kw = dict(inclusive=inclusive, max_output=cap, score_threshold=score_threshold)
    want = nmskit.nms(boxes, scores, t, **kw), nmskit.batched_nms(boxes, scores, labels, t, **kw)
    tb, ts, tl = torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(labels)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_arrays, "DEVICE_PATH_FOR_CPU", True)
        mp.setattr(_device, "TILE", 16)
        mp.setattr(_device, "CHUNK", 8)
        got = nmskit.nms(tb, ts, t, **kw), nmskit.batched_nms(tb, ts, tl, t, **kw)
    for w, g in zip(want, got):
        assert isinstance(g, torch.Tensor) and g.dtype == torch.int64
        np.testing.assert_array_equal(g.numpy(), w)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 80), st.integers(0, 10_000), st.booleans(), st.sampled_from([None, 2]))
def test_circle_path_equals_cpu_kernel(n, seed, squared, per):
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 20, (n, 2))
    s = rng.integers(0, 10, n).astype(np.float64)
    lab = rng.integers(0, 3, n)
    radius = {0: 1.0, 1: 2.5, 2: 0.0}
    want = nmskit.circle_nms(c, s, radius, labels=lab, squared_distance=squared, max_per_label=per, max_output=7)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_arrays, "DEVICE_PATH_FOR_CPU", True)
        mp.setattr(_device, "TILE", 16)
        got = nmskit.circle_nms(
            torch.from_numpy(c),
            torch.from_numpy(s),
            radius,
            labels=torch.from_numpy(lab),
            squared_distance=squared,
            max_per_label=per,
            max_output=7,
        )
    np.testing.assert_array_equal(got.numpy(), want)


def test_crowded_scene_equals_cpu_kernel(forced):
    from nmskit.data.scene2d import detector_scene

    b, s, lab, _ = detector_scene(600, seed=4, num_classes=3, size_range=(8, 150), spacing=40)
    want = nmskit.batched_nms(b, s, lab, 0.5)
    got = nmskit.batched_nms(torch.from_numpy(b), torch.from_numpy(s), torch.from_numpy(lab), 0.5)
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: nmskit.nms(torch.zeros(2, 3), torch.ones(2)), r"boxes must have shape \[N, 4\]"),
        (lambda: nmskit.nms(torch.zeros(2, 4), torch.ones(3)), r"scores must have shape \[2\]"),
        (
            lambda: nmskit.nms(torch.tensor([[0.0, 0, 1, float("nan")]]), torch.ones(1)),
            r"boxes contains NaN at index 0",
        ),
        (lambda: nmskit.nms(torch.tensor([[2.0, 0, 1, 1]]), torch.ones(1)), r"boxes has inverted corners at index 0"),
        (lambda: nmskit.nms(torch.zeros(1, 4), torch.ones(1), 1.5), r"iou_threshold must lie in \[0, 1\]"),
        (lambda: nmskit.circle_nms(torch.zeros(2, 3), torch.ones(2), 1.0), r"centers must have shape \[N, 2\]"),
        (lambda: nmskit.circle_nms(torch.zeros(2, 2), torch.ones(2), -1.0), r"radius must be finite and >= 0"),
        (lambda: nmskit.circle_nms(torch.zeros(1, 2), torch.tensor([float("inf")]), 1.0), r"scores contains inf"),
        (lambda: nmskit.circle_nms(torch.zeros(1, 2), torch.ones(1), {0: 1.0}), r"radius given per label needs labels"),
    ],
)
def test_device_path_bad_input(forced, call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_canonicalize_on_device(forced):
    b = torch.tensor([[10.0, 10, 0, 0], [1, 1, 11, 11]])
    assert nmskit.nms(b, torch.tensor([0.9, 0.8]), 0.5, canonicalize=True).tolist() == [0]
