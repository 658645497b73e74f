import numpy as np
import pytest
import torch

from nmskit import box_area, box_convert, box_iou


def test_convert_round_trips():
    rng = np.random.default_rng(0)
    b = np.sort(rng.uniform(0, 100, (50, 2, 2)), axis=1).transpose(0, 2, 1).reshape(50, 4)[:, [0, 1, 2, 3]]
    b = np.c_[
        np.minimum(b[:, 0], b[:, 2]),
        np.minimum(b[:, 1], b[:, 3]),
        np.maximum(b[:, 0], b[:, 2]),
        np.maximum(b[:, 1], b[:, 3]),
    ]
    for fmt in ("yxyx", "cxcywh", "xywh"):
        np.testing.assert_allclose(box_convert(box_convert(b, "xyxy", fmt), fmt, "xyxy"), b, atol=1e-12)
    np.testing.assert_array_equal(box_convert(b, "xyxy", "yxyx"), b[:, [1, 0, 3, 2]])
    c = box_convert(b, "xyxy", "cxcywh")
    np.testing.assert_allclose(c[:, 2] * c[:, 3], box_area(b))


def test_iou_known_values_and_zero_area():
    a = np.array([[0, 0, 2, 1], [0, 0, 0, 5], [3, 3, 3, 3]], float)
    b = np.array([[0, 0, 1, 1], [0, 0, 0, 5]], float)
    iou = box_iou(a, b)
    assert iou[0, 0] == 0.5
    assert np.all(iou[1:] == 0) and np.all(iou[:, 1] == 0)  # zero-area: IoU 0, even with itself


def test_iou_torch_keeps_kind_device_and_grad():
    a = torch.tensor([[0.0, 0, 2, 2], [1, 1, 3, 3]], requires_grad=True)
    iou = box_iou(a, a)
    assert isinstance(iou, torch.Tensor) and iou.device == a.device
    np.testing.assert_allclose(iou.detach().numpy(), box_iou(a.detach().numpy(), a.detach().numpy()), rtol=1e-6)
    iou.sum().backward()
    assert a.grad is not None


def test_iou_formats_agree():
    a = np.array([[1.0, 2, 5, 7]])
    b = np.array([[2.0, 1, 6, 4]])
    ref = box_iou(a, b)
    for fmt in ("yxyx", "cxcywh", "xywh"):
        assert box_iou(box_convert(a, "xyxy", fmt), box_convert(b, "xyxy", fmt), box_format=fmt) == pytest.approx(ref)


@pytest.mark.parametrize("bad", [np.zeros((3, 3)), np.zeros(4), np.array([[0, 0, np.nan, 1.0]])])
def test_iou_bad_input(bad):
    with pytest.raises(ValueError, match="a"):
        box_iou(bad, np.zeros((1, 4)))


def test_convert_bad_format():
    with pytest.raises(ValueError, match="in_fmt"):
        box_convert(np.zeros((1, 4)), "xwyh", "xyxy")
