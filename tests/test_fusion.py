"""Weighted boxes fusion and non-maximum weighting against ensemble-boxes, in process."""

import warnings

import numpy as np
import pytest

import nmskit

ensemble_boxes = pytest.importorskip("ensemble_boxes")

CONF_TYPES = ["avg", "max", "box_and_model_avg", "absent_model_aware_avg"]


def models(seed, n_models=3, n=60, n_labels=3):
    """Several models' detections of the same objects: jittered copies, some out of [0, 1],
    some inverted or zero-area, some tied scores."""
    rng = np.random.default_rng(seed)
    objects = rng.uniform(0.05, 0.95, (max(1, n // 6), 2))
    size = rng.uniform(0.02, 0.3, (len(objects), 2))
    boxes, scores, labels = [], [], []
    for _ in range(n_models):
        pick = rng.integers(0, len(objects), n)
        c = objects[pick] + rng.normal(0, 0.02, (n, 2))
        wh = size[pick] * rng.uniform(0.7, 1.3, (n, 2))
        b = np.c_[c - wh / 2, c + wh / 2]
        b[:3] = b[:3][:, [2, 1, 0, 3]]  # inverted x corners: the peer swaps them
        b[3, 2] = b[3, 0]  # zero area: dropped
        s = np.round(rng.uniform(0.01, 1, n), 2)  # ties
        boxes.append(b)
        scores.append(s)
        labels.append(rng.integers(0, n_labels, n))
    return boxes, scores, labels


def assert_same(ours, theirs):
    assert len(ours[0]) == len(theirs[0])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(ours[2], theirs[2])


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("allows_overflow", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_wbf_equals_ensemble_boxes(conf_type, allows_overflow, seed):
    boxes, scores, labels = models(seed)
    kw = dict(
        weights=[2.0, 1.0, 0.5],
        iou_thr=[0.3, 0.55, 0.7, 0.0][seed],
        skip_box_thr=[0.0, 0.2, 0.5, 0.05][seed],
        conf_type=conf_type,
        allows_overflow=allows_overflow,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ensemble_boxes.weighted_boxes_fusion(boxes, scores, labels, **kw)
    assert_same(nmskit.weighted_boxes_fusion(boxes, scores, labels, **kw), theirs)


@pytest.mark.parametrize("seed", range(6))
def test_nmw_equals_ensemble_boxes(seed):
    boxes, scores, labels = models(seed, n_models=2 + seed % 3)
    kw = dict(
        weights=None if seed % 2 else list(range(1, 3 + seed % 3)),
        iou_thr=[0.3, 0.55, 0.8][seed % 3],
        skip_box_thr=[0.0, 0.3][seed % 2],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ensemble_boxes.non_maximum_weighted(boxes, scores, labels, **kw)
    assert_same(nmskit.non_maximum_weighted(boxes, scores, labels, **kw), theirs)


def test_fusion_of_one_box_and_of_nothing():
    b, s, lab = [np.array([[0.1, 0.1, 0.4, 0.5]])], [np.array([0.8])], [np.array([3])]
    fused, conf, labels = nmskit.weighted_boxes_fusion(b, s, lab)
    np.testing.assert_array_equal(fused, b[0])
    np.testing.assert_array_equal(conf, [0.8])
    assert labels.dtype == np.int64 and labels.tolist() == [3]
    for fn in (nmskit.weighted_boxes_fusion, nmskit.non_maximum_weighted):
        out = fn([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, int)])
        assert [x.shape for x in out] == [(0, 4), (0,), (0,)]
        out = fn(b, s, lab, skip_box_thr=0.9)
        assert len(out[0]) == 0


def test_zero_scores_keep_the_first_box():
    b = [np.array([[0.1, 0.1, 0.3, 0.3], [0.11, 0.1, 0.31, 0.3]])]
    for fn in (nmskit.weighted_boxes_fusion, nmskit.non_maximum_weighted):
        fused, conf, _ = fn(b, [np.zeros(2)], [np.zeros(2, int)])
        assert fused.shape == (1, 4) and np.isfinite(fused).all()
        assert np.abs(b[0] - fused).max(1).min() < 1e-7  # one of the members, unchanged
        np.testing.assert_array_equal(conf, [0.0])


def test_two_models_agreeing_fuse_to_their_weighted_mean():
    a, b = np.array([[0.1, 0.1, 0.3, 0.3]]), np.array([[0.12, 0.1, 0.32, 0.3]])
    fused, conf, _ = nmskit.weighted_boxes_fusion([a, b], [np.array([0.6]), np.array([0.2])], [[0], [0]])
    np.testing.assert_allclose(fused[0], (0.6 * a[0] + 0.2 * b[0]) / 0.8, atol=1e-7)
    np.testing.assert_allclose(conf, [0.4])


B = [np.array([[0.1, 0.1, 0.3, 0.3]])]
S = [np.array([0.5])]
L = [np.array([0])]


@pytest.mark.parametrize("fn", [nmskit.weighted_boxes_fusion, nmskit.non_maximum_weighted])
@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda f: f(B, S, [np.array([0]), np.array([1])]), "one entry per model"),
        (lambda f: f([np.ones((2, 3))], S, L), r"boxes_list\[0\] must have shape \[N, 4\]"),
        (lambda f: f([np.array([[0.1, np.nan, 0.3, 0.3]])], S, L), r"boxes_list\[0\] contains NaN at index 0"),
        (lambda f: f(B, [np.array([0.5, 0.4])], L), r"scores_list\[0\] has length 2"),
        (lambda f: f(B, [np.array([np.inf])], L), r"scores_list\[0\] contains inf"),
        (lambda f: f(B, [np.array([-0.5])], L), r"scores_list\[0\] must be >= 0"),
        (lambda f: f(B, S, [np.array([0.5])]), r"labels_list\[0\] must hold integer class ids"),
        (lambda f: f(B, S, L, weights=[1, 2]), r"weights must have one entry per model \(1\)"),
        (lambda f: f(B, S, L, weights=[0.0]), r"weights must be > 0"),
        (lambda f: f(B, S, L, iou_thr=1.5), r"iou_thr must lie in \[0, 1\]"),
        (lambda f: f(B, S, L, skip_box_thr="x"), r"skip_box_thr must be a real number"),
        (lambda f: f("boxes", S, L), r"boxes_list must be a list"),
    ],
)
def test_fusion_bad_input_names_the_argument(fn, call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call(fn)


def test_wbf_bad_conf_type():
    with pytest.raises(ValueError, match=r"conf_type must be one of"):
        nmskit.weighted_boxes_fusion(B, S, L, conf_type="mean")
