"""Shared test fixtures and helpers. Peers (OpenCV, TensorFlow, ...) are test-only
dependencies installed by `make test`; the tests import them directly."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def brute_force_nms(boxes, scores, t, inclusive=False):
    """Reference greedy NMS over a dense IoU matrix (small N only)."""
    from nmskit import box_iou

    iou = box_iou(np.asarray(boxes, np.float64), np.asarray(boxes, np.float64))
    suppressed = np.zeros(len(boxes), bool)
    keep = []
    for i in np.argsort(-np.asarray(scores, np.float64), kind="stable"):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= (iou[i] > t) | (inclusive & (iou[i] >= t))
    return np.array(keep, dtype=np.int64)


@pytest.fixture(scope="session")
def tf():
    import tensorflow

    return tensorflow


def xywh(boxes):
    """xyxy -> OpenCV's (x, y, w, h), float64."""
    b = np.asarray(boxes, np.float64)
    return np.c_[b[:, :2], b[:, 2:] - b[:, :2]]


@pytest.fixture(scope="module")
def one_thread():
    """Run a module's torch code on one thread: steadier on a small, shared machine."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
