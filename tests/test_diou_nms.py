"""DIoU-NMS (metric="diou" on nms and batched_nms) against a dense brute force."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit
from nmskit import _arrays
from nmskit.geometry.boxes import overlap_matrix

from .test_nms_properties import box_sets


def brute_force_diou_nms(boxes, scores, labels, t, inclusive):
    """Greedy NMS over the dense DIoU matrix: IoU - centre distance^2 / enclosing diagonal^2."""
    d = overlap_matrix(boxes, boxes, np, "diou")
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep, suppressed = [], np.zeros(len(boxes), bool)
    for i in sorted(range(len(boxes)), key=lambda k: (-scores[k], k)):
        if suppressed[i]:
            continue
        keep.append(i)
        if area[i] > 0:
            hit = (d[i] >= t) if inclusive else (d[i] > t)
            suppressed |= hit & (area > 0) & (labels == labels[i])
    return np.array(keep, np.int64)


@settings(max_examples=150, deadline=None)
@given(box_sets(), st.booleans())
def test_diou_nms_equals_brute_force(case, inclusive):
    boxes, scores, labels, t = case
    one = np.zeros(len(boxes), np.int64)
    np.testing.assert_array_equal(
        nmskit.nms(boxes, scores, t, metric="diou", inclusive=inclusive),
        brute_force_diou_nms(boxes, scores, one, t, inclusive),
    )
    np.testing.assert_array_equal(
        nmskit.batched_nms(boxes, scores, labels, t, metric="diou", inclusive=inclusive),
        brute_force_diou_nms(boxes, scores, labels, t, inclusive),
    )
    with pytest.MonkeyPatch.context() as mp:  # the on-device torch path, forced on CPU tensors
        mp.setattr(_arrays, "DEVICE_PATH_FOR_CPU", True)
        on_device = nmskit.batched_nms(
            torch.from_numpy(boxes),
            torch.from_numpy(scores),
            torch.from_numpy(labels),
            t,
            metric="diou",
            inclusive=inclusive,
        )
    np.testing.assert_array_equal(on_device.numpy(), brute_force_diou_nms(boxes, scores, labels, t, inclusive))


def test_diou_keeps_overlapping_boxes_with_distant_centres():
    """Two boxes of IoU 0.6 whose centres are apart: IoU-NMS drops the second, DIoU keeps it."""
    b = np.array([[0, 0, 10, 10], [0, 0, 10, 6]], float)  # IoU 0.6, centres 2 apart, diagonal^2 200
    s = np.array([0.9, 0.8])
    assert nmskit.nms(b, s, 0.59).tolist() == [0]
    assert nmskit.nms(b, s, 0.59, metric="diou").tolist() == [0, 1]  # DIoU = 0.6 - 4 / 200 = 0.58
    assert nmskit.nms(b, s, 0.57, metric="diou").tolist() == [0]


def test_bad_metric():
    with pytest.raises(ValueError, match=r"metric must be one of \['diou', 'iou'\], got 'giou'"):
        nmskit.nms(np.zeros((1, 4)), np.ones(1), metric="giou")
    with pytest.raises(ValueError, match=r"metric must be one of"):
        nmskit.batched_nms(np.zeros((1, 4)), np.ones(1), [0], metric=None)
