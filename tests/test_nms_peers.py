"""Exactness against the real peers, run in this process: OpenCV and TensorFlow."""

import cv2
import numpy as np
import pytest

import nmskit
from nmskit.data.scene2d import detector_scene

from .conftest import brute_force_nms, xywh


def _inputs():
    """(name, boxes float, scores float32): random, clustered, heavily tied, large coordinates."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 300, (800, 2))
    rand = np.c_[xy, xy + rng.uniform(5, 80, (800, 2))]
    clustered, s_cl, _, _ = detector_scene(3000, seed=3)
    tied = (np.floor(rng.random(800) * 4) + 1) / 4  # four distinct values only, all > 0
    yield "random", rand, rng.random(800).astype(np.float32)
    yield "clustered", clustered.astype(np.float64), s_cl
    yield "tied", rand, tied.astype(np.float32)
    yield "large", rand * 10 + 3.0e6, rng.random(800).astype(np.float32)


@pytest.mark.parametrize("t", [0.3, 0.5, 0.7])
def test_nms_equals_opencv(t):
    for name, b, s in _inputs():
        ours = nmskit.nms(b, s, t)
        ref = np.asarray(cv2.dnn.NMSBoxes(xywh(b), s, 0.0, t), dtype=np.int64).ravel()
        np.testing.assert_array_equal(ours, ref, err_msg=name)  # same indices, same order
        np.testing.assert_array_equal(ours, brute_force_nms(b, s, t), err_msg=name)


@pytest.mark.parametrize("t", [0.3, 0.5, 0.7])
def test_nms_on_opencv_rectangles_equals_opencv(t):
    """box_format="xywh" takes OpenCV's (x, y, w, h) rectangles as they are."""
    for name, b, s in _inputs():
        rects = xywh(b)
        ref = np.asarray(cv2.dnn.NMSBoxes(rects, s, 0.0, t), dtype=np.int64).ravel()
        np.testing.assert_array_equal(nmskit.nms(rects, s, t, box_format="xywh"), ref, err_msg=name)


@pytest.mark.parametrize("t", [0.3, 0.5, 0.7])
def test_nms_equals_tensorflow(tf, t):
    for name, b, s in _inputs():
        if name == "large":  # TF computes IoU in float32: 3e6 cannot hold these boxes exactly
            continue
        b32 = b.astype(np.float32)
        ref = tf.image.non_max_suppression(b32[:, [1, 0, 3, 2]], s, len(b), t).numpy()
        np.testing.assert_array_equal(nmskit.nms(b32[:, [1, 0, 3, 2]], s, t, box_format="yxyx"), ref, err_msg=name)


def test_threshold_semantics_at_exact_boundary(tf):
    """IoU exactly 0.5: OpenCV and TF 2.x keep both (strict >); inclusive=True suppresses."""
    b = np.array([[0, 0, 2, 1], [0, 0, 1, 1]], np.float32)
    s = np.array([0.9, 0.8], np.float32)
    assert nmskit.box_iou(b, b)[0, 1] == 0.5
    np.testing.assert_array_equal(nmskit.nms(b, s, 0.5), [0, 1])
    np.testing.assert_array_equal(nmskit.nms(b, s, 0.5, inclusive=True), [0])
    np.testing.assert_array_equal(np.ravel(cv2.dnn.NMSBoxes(xywh(b), s, 0.0, 0.5)), [0, 1])
    np.testing.assert_array_equal(tf.image.non_max_suppression(b[:, [1, 0, 3, 2]], s, 2, 0.5).numpy(), [0, 1])


@pytest.mark.parametrize("t", [0.3, 0.5, 0.8])
def test_inclusive_equals_brute_force(t):
    for name, b, s in _inputs():
        np.testing.assert_array_equal(
            nmskit.nms(b, s, t, inclusive=True), brute_force_nms(b, s, t, inclusive=True), err_msg=name
        )


def test_score_threshold_and_max_output_match_tensorflow(tf):
    b, s, _, _ = detector_scene(2000, seed=5)
    yxyx = b[:, [1, 0, 3, 2]]
    ref = tf.image.non_max_suppression(yxyx, s, 50, 0.5, score_threshold=0.4).numpy()
    np.testing.assert_array_equal(nmskit.nms(yxyx, s, 0.5, box_format="yxyx", score_threshold=0.4, max_output=50), ref)


@pytest.mark.parametrize("method", ["gaussian", "linear"])
def test_soft_nms_equals_opencv(method):
    code = {"gaussian": cv2.dnn.SOFT_NMSMETHOD_SOFTNMS_GAUSSIAN, "linear": cv2.dnn.SOFT_NMSMETHOD_SOFTNMS_LINEAR}[
        method
    ]
    for seed, sigma, t in [(2, 0.5, 0.3), (4, 0.3, 0.5)]:
        b, s, _, _ = detector_scene(600, seed=seed)
        bi = np.round(b).astype(np.int64)  # OpenCV's softNMSBoxes takes integer rectangles
        rects = [tuple(int(v) for v in r) for r in np.c_[bi[:, :2], bi[:, 2:] - bi[:, :2]]]
        ref_scores, ref_idx = cv2.dnn.softNMSBoxes(rects, s.tolist(), 0.001, t, 0, sigma, code)
        idx, dec = nmskit.soft_nms(bi, s, method=method, sigma=sigma, iou_threshold=t, score_threshold=0.001)
        np.testing.assert_array_equal(idx, np.ravel(ref_idx))
        # OpenCV multiplies in float32; nmskit in float64, so scores agree to float32 rounding
        np.testing.assert_allclose(dec, np.ravel(ref_scores), rtol=2e-6, atol=1e-7)


def test_soft_nms_tensorflow_convention(tf):
    b, s, _, _ = detector_scene(500, seed=9)
    yxyx = b[:, [1, 0, 3, 2]]
    ref_idx, ref_s = tf.image.non_max_suppression_with_scores(
        yxyx, s, 500, 1.0, score_threshold=0.05, soft_nms_sigma=0.5
    )
    idx, dec = nmskit.soft_nms(yxyx, s, box_format="yxyx", sigma=0.5, score_threshold=0.05, convention="tensorflow")
    # TF keeps scores > threshold, nmskit (like OpenCV) >= threshold: no score here equals 0.05
    np.testing.assert_array_equal(idx, ref_idx.numpy())
    np.testing.assert_allclose(dec, ref_s.numpy(), rtol=2e-6)


def test_soft_nms_hard_equals_nms():
    b, s, _, _ = detector_scene(1500, seed=1)
    idx, dec = nmskit.soft_nms(b, s, method="hard", iou_threshold=0.5, score_threshold=0.0)
    np.testing.assert_array_equal(idx, nmskit.nms(b, s, 0.5))
    np.testing.assert_array_equal(dec, s[idx])


def _combined_case(seed, q_per_class, b=3, n=400, c=4):
    rng = np.random.default_rng(seed)
    boxes, _, _, _ = detector_scene(n * b * (c if q_per_class else 1), seed=seed)
    boxes = boxes / boxes.max() * 1.2 - 0.1  # some coordinates outside [0, 1] to exercise clipping
    q = c if q_per_class else 1
    boxes = boxes[:, [1, 0, 3, 2]].reshape(b, n, q, 4)
    scores = rng.random((b, n, c)).astype(np.float32)
    return boxes.astype(np.float32), scores


@pytest.mark.parametrize("q_per_class", [False, True])
@pytest.mark.parametrize("pad_per_class", [False, True])
def test_combined_nms_equals_tensorflow(tf, q_per_class, pad_per_class):
    boxes, scores = _combined_case(11, q_per_class)
    args = dict(
        max_output_size_per_class=30,
        max_total_size=70,
        iou_threshold=0.5,
        score_threshold=0.2,
        pad_per_class=pad_per_class,
    )
    ref = [x.numpy() for x in tf.image.combined_non_max_suppression(boxes, scores, **args)]
    ours = nmskit.combined_nms(boxes, scores, **args)
    for got, want in zip(ours, ref):
        assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(ours[3], ref[3])
    # Scores are continuous random values, so no ties: the order is determined and the
    # outputs compare row by row (TF's sort is unstable only among equal scores).
    np.testing.assert_array_equal(ours[1], ref[1])
    np.testing.assert_array_equal(ours[2], ref[2])
    np.testing.assert_array_equal(ours[0], ref[0])


def test_combined_nms_ties_compare_as_sets(tf):
    """Every class gives each box the same score, so all classes tie in the final merge,
    which TF sorts with an unstable std::sort: compare each item's output as a set of
    (class, score, box) rows. (Within one class scores are distinct: ties there change
    which boxes TF keeps, not only their order, and no set comparison would be valid.)"""
    boxes, scores = _combined_case(12, False, b=2, n=200, c=3)
    scores = np.repeat(scores[:, :, :1], 3, axis=2)
    args = dict(max_output_size_per_class=500, max_total_size=1000, iou_threshold=0.6, score_threshold=0.1)
    ref = [x.numpy() for x in tf.image.combined_non_max_suppression(boxes, scores, **args)]
    ours = nmskit.combined_nms(boxes, scores, **args)
    np.testing.assert_array_equal(ours[3], ref[3])
    for i in range(2):
        k = ref[3][i]
        rows = lambda o: sorted(map(tuple, np.c_[o[2][i, :k], o[1][i, :k], o[0][i, :k]].tolist()))
        assert rows(ours) == rows(ref)
        assert np.all(np.diff(ours[1][i, :k]) <= 0)
        # nmskit's own tie order is deterministic: lower class first among equal scores
        tie = ours[1][i, 1:k] == ours[1][i, : k - 1]
        assert np.all(ours[2][i, 1:k][tie] >= ours[2][i, : k - 1][tie])
