"""BEV geometry and ground-plane suppression against their peers: shapely polygons for the
rotated IoU, OpenCV's NMSBoxesRotated, and CenterPoint's circle-NMS rule transcribed here."""

import cv2
import numpy as np
import pytest
import shapely
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit
from nmskit import bev_iou, centerpoint_nms, circle_nms, rotated_nms, soft_circle_nms
from nmskit.data import DETECTION_NAMES, Detections3D
from nmskit.geometry import bev_corners, center_distance
from nmskit.suppress import CENTERPOINT_HEADS, CENTERPOINT_MIN_RADIUS

from .nuscenes_devkit import scene


def shapely_iou(a, b):
    pa, pb = shapely.polygons(bev_corners(a)), shapely.polygons(bev_corners(b))
    inter = shapely.area(shapely.intersection(pa[:, None], pb[None, :]))
    return inter / (shapely.area(pa)[:, None] + shapely.area(pb)[None, :] - inter)


def random_boxes(rng, n, spread=8.0, offset=0.0):
    return np.c_[rng.uniform(-spread, spread, (n, 2)) + offset, rng.uniform(0.3, 6, (n, 2)), rng.uniform(-4, 4, n)]


# ----- geometry --------------------------------------------------------------------------
def special_pairs():
    """(a, b) rows: identical, nested, touching along an edge or at a corner, near-parallel."""
    rows = []
    for yaw in (0.0, 0.3, np.pi / 2, -2.2):
        c, s = np.cos(yaw), np.sin(yaw)
        box = np.array([3.0, -1.0, 2.0, 4.5, yaw])
        rows.append((box, box))  # identical
        rows.append((box, [3.2, -1.1, 1.0, 2.0, yaw + 0.4]))  # nested, rotated inside
        rows.append((box, [3.0, -1.0, 2.0, 4.5, yaw + np.pi]))  # identical, heading flipped
        along = 4.5  # touching end to end: shifted by the length along the heading
        rows.append((box, [3.0 + along * c, -1.0 + along * s, 2.0, 4.5, yaw]))
        rows.append((box, [3.0 + along * c - 2.0 * s, -1.0 + along * s + 2.0 * c, 2.0, 4.5, yaw]))  # corner
        for eps in (1e-9, 1e-6, 1e-3):  # near-parallel, partly overlapping
            rows.append((box, [3.0 + 1.1 * c, -1.0 + 1.1 * s + 0.5 * c, 2.0, 4.5, yaw + eps]))
        rows.append((box, [3.0 + 0.7 * c, -1.0 + 0.7 * s, 2.0, 4.5, yaw - 1e-8]))  # sliding copy
    return np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float)


@pytest.mark.slow
def test_bev_iou_matches_shapely_on_random_boxes():
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 300), random_boxes(rng, 250)
    ours = bev_iou(a, b)
    np.testing.assert_allclose(ours, shapely_iou(a, b), rtol=0, atol=1e-6)
    assert (ours > 0).mean() > 0.1  # many real overlaps, not only zeros


def test_bev_iou_matches_shapely_on_special_pairs():
    a, b = special_pairs()
    ours = np.diag(bev_iou(a, b))
    np.testing.assert_allclose(ours, np.diag(shapely_iou(a, b)), rtol=0, atol=1e-6)
    assert np.allclose(ours[::9], 1.0) and np.allclose(ours[2::9], 1.0)  # identical, flipped
    np.testing.assert_allclose(bev_iou(a, a), shapely_iou(a, a), atol=1e-6)


def test_bev_iou_far_from_origin_and_degenerate():
    rng = np.random.default_rng(1)
    a, b = random_boxes(rng, 60, offset=5e4), random_boxes(rng, 60, offset=5e4)
    np.testing.assert_allclose(bev_iou(a, b), shapely_iou(a, b), atol=1e-6)
    flat = np.array([[0, 0, 0.0, 2, 0], [0, 0, 2, 2, 0]])
    assert (bev_iou(flat, flat)[0] == 0).all()  # zero area: IoU 0 with everything


def test_bev_iou_tensors_and_shapes():
    rng = np.random.default_rng(2)
    a = random_boxes(rng, 7)
    out = bev_iou(torch.tensor(a, dtype=torch.float32), torch.tensor(a[:3]))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and out.shape == (7, 3)
    assert bev_iou(np.zeros((0, 5)), a).shape == (0, 7)
    d = center_distance(a[:, :2], a[:3, :2])
    np.testing.assert_allclose(d, np.linalg.norm(a[:, None, :2] - a[None, :3, :2], axis=2))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-np.pi, np.pi), st.floats(-100, 100))
def test_bev_iou_is_symmetric_and_rigid_invariant(seed, turn, shift):
    rng = np.random.default_rng(seed)
    a, b = random_boxes(rng, 12, spread=3), random_boxes(rng, 9, spread=3)
    iou = bev_iou(a, b)
    np.testing.assert_allclose(iou, bev_iou(b, a).T, atol=1e-12)
    assert ((iou >= 0) & (iou <= 1)).all()

    def move(x):
        c, s = np.cos(turn), np.sin(turn)
        return np.c_[c * x[:, 0] - s * x[:, 1] + shift, s * x[:, 0] + c * x[:, 1] - shift, x[:, 2:4], x[:, 4] + turn]

    np.testing.assert_allclose(bev_iou(move(a), move(b)), iou, atol=1e-9)


# ----- rotated NMS against OpenCV -----------------------------------------------------------
def opencv_rotated(boxes):
    """nmskit (cx, cy, w, l, yaw) -> OpenCV ((cx, cy), (l, w), degrees): l along the heading."""
    return [((x, y), (l, w), float(np.degrees(a))) for x, y, w, l, a in boxes]


@pytest.mark.parametrize("seed, threshold", [(0, 0.2), (1, 0.5), (2, 0.05)])
def test_rotated_nms_matches_opencv(seed, threshold):
    rng = np.random.default_rng(seed)
    b = random_boxes(rng, 700, spread=25)
    s = rng.random(700).astype(np.float32)
    s[rng.random(700) < 0.3] = 0.5  # ties: both keep the lower index first
    # OpenCV computes in float32 and scores a box lying entirely inside another as IoU 1
    # (nmskit uses the true IoU): leave out boxes in such pairs or near the threshold.
    poly = shapely.polygons(bev_corners(b))
    nested = shapely.contains(poly[:, None], poly[None, :])
    np.fill_diagonal(nested, False)
    close = np.abs(bev_iou(b, b) - threshold) < 1e-4
    ok = ~(nested.any(0) | nested.any(1) | close.any(1))
    b, s = b[ok], s[ok]
    ours = rotated_nms(b, s, threshold)
    ref = np.asarray(cv2.dnn.NMSBoxesRotated(opencv_rotated(b), s.tolist(), 0.0, threshold)).ravel()
    np.testing.assert_array_equal(ours, ref)
    assert 0.2 * len(b) < len(ours) < len(b)


def test_opencv_scores_nested_boxes_as_full_overlap():
    """The documented difference: a small box inside a large one has a low true IoU, so
    nmskit keeps it; OpenCV suppresses it."""
    b = np.array([[0, 0, 4, 10, 0.3], [0.5, 0.2, 1, 2, 1.0]])
    assert bev_iou(b, b)[0, 1] < 0.1
    np.testing.assert_array_equal(rotated_nms(b, [0.9, 0.8], 0.5), [0, 1])
    assert np.asarray(cv2.dnn.NMSBoxesRotated(opencv_rotated(b), [0.9, 0.8], 0.0, 0.5)).ravel().tolist() == [0]


def test_rotated_nms_labels_caps_and_pre_max_size():
    rng = np.random.default_rng(3)
    b = random_boxes(rng, 300, spread=10)
    s = rng.random(300)
    lab = rng.integers(0, 3, 300)
    both = rotated_nms(b, s, 0.3, labels=lab)
    for k in range(3):
        rows = np.flatnonzero(lab == k)
        assert set(both[lab[both] == k]) == set(rows[rotated_nms(b[rows], s[rows], 0.3)])
    assert np.all(np.diff(s[both]) <= 0)
    capped = rotated_nms(b, s, 0.3, labels=lab, max_per_label=4)
    assert np.bincount(lab[capped]).max() == 4
    top = np.argsort(-s)[:50]
    np.testing.assert_array_equal(rotated_nms(b, s, 0.3, pre_max_size=50), top[rotated_nms(b[top], s[top], 0.3)])


# ----- circle NMS against CenterPoint's rule --------------------------------------------------
def centerpoint_circle_nms(dets, thresh, order=None):
    """CenterPoint's circle_nms, transcribed: greedy by score, j suppressed by a kept i when
    (x_i - x_j)^2 + (y_i - y_j)^2 <= thresh. ``order`` defaults to its ``argsort()[::-1]``."""
    x1, y1, scores = dets[:, 0], dets[:, 1], dets[:, 2]
    order = scores.argsort()[::-1] if order is None else order
    suppressed = np.zeros(len(dets), bool)
    keep = []
    for _i in range(len(dets)):
        i = order[_i]
        if suppressed[i]:
            continue
        keep.append(i)
        for _j in range(_i + 1, len(dets)):
            j = order[_j]
            if suppressed[j]:
                continue
            if (x1[i] - x1[j]) ** 2 + (y1[i] - y1[j]) ** 2 <= thresh:
                suppressed[j] = True
    return np.array(keep, np.int64)


def crowd(rng, n, spread=30.0):
    """Clustered centres, like a detector's candidates around objects."""
    objects = rng.uniform(-spread, spread, (n // 8 + 1, 2))
    return objects[rng.integers(0, len(objects), n)] + rng.normal(0, 0.8, (n, 2))


@pytest.mark.parametrize("thresh", [0.175, 1.0, 4.0, 12.0])
def test_circle_nms_squared_matches_centerpoint(thresh):
    rng = np.random.default_rng(int(thresh * 10))
    c = crowd(rng, 600)
    s = rng.random(600)
    ref = centerpoint_circle_nms(np.c_[c, s], thresh)
    np.testing.assert_array_equal(circle_nms(c, s, thresh, squared_distance=True), ref)
    np.testing.assert_array_equal(circle_nms(c, s, thresh, squared_distance=True, max_output=83), ref[:83])


def test_circle_nms_ties_and_exact_boundaries():
    rng = np.random.default_rng(4)
    c = np.round(crowd(rng, 500) * 2) / 2  # lattice: many squared distances equal the radius
    s = np.round(rng.random(500) * 4) / 4  # five score levels
    stable = np.argsort(-s, kind="stable")  # equal scores: lower index first
    for thresh in (0.25, 1.0, 2.0):
        ref = centerpoint_circle_nms(np.c_[c, s], thresh, order=stable)
        np.testing.assert_array_equal(circle_nms(c, s, thresh, squared_distance=True), ref)
        d = np.sqrt(thresh)
        np.testing.assert_array_equal(circle_nms(c, s, d), ref)  # d <= r: same on the lattice


def test_circle_nms_per_label_radii_match_centerpoint_per_head():
    rng = np.random.default_rng(5)
    c = crowd(rng, 900)
    s = rng.random(900)
    head = rng.integers(0, 6, 900)
    radius = dict(enumerate(CENTERPOINT_MIN_RADIUS))
    ours = circle_nms(c, s, radius, labels=head, squared_distance=True, max_per_label=83)
    ref = []
    for h in range(6):
        rows = np.flatnonzero(head == h)
        ref += rows[centerpoint_circle_nms(np.c_[c[rows], s[rows]], radius[h])[:83]].tolist()
    assert sorted(ours.tolist()) == sorted(ref)
    assert np.all(np.diff(s[ours]) <= 0)


def test_circle_nms_tensor_and_score_threshold():
    rng = np.random.default_rng(6)
    c, s = crowd(rng, 200), rng.random(200)
    out = circle_nms(torch.tensor(c), torch.tensor(s), 1.0, score_threshold=0.5)
    assert isinstance(out, torch.Tensor)
    keep = np.flatnonzero(s > 0.5)
    np.testing.assert_array_equal(out.numpy(), keep[circle_nms(c[keep], s[keep], 1.0)])


# ----- soft circle NMS ------------------------------------------------------------------------
def dense_soft_circle(c, s, sigma, soft_sigma=0.0):
    """The documented rule, O(N^2): select the best, decay the rest by w(sim), with
    sim = exp(-d^2/(2 sigma^2)) and w = 1 - sim, or exp(-sim^2/soft_sigma) when given."""
    s = s.astype(float).copy()
    alive = np.ones(len(s), bool)
    order, values = [], []
    while alive.any():
        cand = np.flatnonzero(alive)
        i = cand[np.lexsort((cand, -s[cand]))[0]]
        if s[i] < 0.001:
            break
        order.append(i)
        values.append(s[i])
        alive[i] = False
        d2 = ((c[alive] - c[i]) ** 2).sum(1)
        sim = np.exp(-d2 * (1.0 / (2.0 * sigma * sigma)))
        s[alive] *= np.exp(-sim * sim / soft_sigma) if soft_sigma else 1.0 - sim
    return np.array(order), np.array(values)


def test_soft_circle_nms_matches_the_documented_rule():
    rng = np.random.default_rng(7)
    c, s = crowd(rng, 300), rng.random(300)
    idx, dec = soft_circle_nms(c, s, 1.5)
    ref_idx, ref_val = dense_soft_circle(c, s, 1.5)
    order = np.lexsort((ref_idx, -ref_val))  # nmskit returns by decayed score
    np.testing.assert_array_equal(idx, ref_idx[order])
    np.testing.assert_allclose(dec, ref_val[order], rtol=1e-13, atol=0)  # exp() may differ by an ulp


def test_soft_circle_nms_soft_nms_decay_matches_the_documented_rule():
    rng = np.random.default_rng(17)
    c, s = crowd(rng, 200), rng.random(200)
    idx, dec = soft_circle_nms(c, s, 1.0, decay="soft-nms", soft_sigma=0.5)
    ref_idx, ref_val = dense_soft_circle(c, s, 1.0, soft_sigma=0.5)
    order = np.lexsort((ref_idx, -ref_val))
    np.testing.assert_array_equal(idx, ref_idx[order])
    np.testing.assert_allclose(dec, ref_val[order], rtol=1e-12, atol=0)
    dup, d = soft_circle_nms(np.zeros((2, 2)), np.array([0.9, 0.8]), 1.0, decay="soft-nms")
    np.testing.assert_allclose(d, [0.9, 0.8 * np.exp(-2.0)])  # an exact duplicate keeps e^-2 of its score
    with pytest.raises(ValueError, match="decay must be one of"):
        soft_circle_nms(c, s, 1.0, decay="linear")
    with pytest.raises(ValueError, match="soft_sigma must be > 0"):
        soft_circle_nms(c, s, 1.0, decay="soft-nms", soft_sigma=0)


def test_soft_circle_nms_labels_and_cutoff():
    rng = np.random.default_rng(8)
    c, s = crowd(rng, 300), rng.random(300)
    lab = rng.integers(0, 2, 300)
    idx, dec = soft_circle_nms(c, s, {0: 1.0, 1: 0.5}, labels=lab)
    for k, sig in ((0, 1.0), (1, 0.5)):
        rows = np.flatnonzero(lab == k)
        r_idx, r_val = dense_soft_circle(c[rows], s[rows], sig)
        got = {int(i): v for i, v in zip(idx, dec) if lab[i] == k}
        ref = {int(rows[i]): v for i, v in zip(r_idx, r_val)}
        assert got.keys() == ref.keys()
        np.testing.assert_allclose([got[i] for i in ref], list(ref.values()), rtol=1e-13, atol=0)
    near, _ = soft_circle_nms(c, s, 1.0, cutoff=0.5, max_output=10)
    assert len(near) == 10


# ----- CenterPoint post-processing ------------------------------------------------------------
def test_centerpoint_nms_matches_per_sample_per_head_transcription():
    pred, _ = scene(seed=9, n_samples=8, objects=(40, 80))
    kept, rows = centerpoint_nms(pred, "circle", return_indices=True)
    head_of = {DETECTION_NAMES.index(n): h for h, names in enumerate(CENTERPOINT_HEADS) for n in names}
    for s in range(len(pred.sample_tokens)):
        ref = []
        for h in range(6):
            mine = (
                np.flatnonzero((pred.sample == s) & (np.vectorize(head_of.get)(pred.label) == h) & (pred.score > 0.1))
                if len(pred)
                else []
            )
            order = mine[np.argsort(-pred.score[mine], kind="stable")]
            dets = np.c_[pred.center[order, :2], pred.score[order]]
            ref += order[
                centerpoint_circle_nms(dets, CENTERPOINT_MIN_RADIUS[h], order=np.arange(len(order)))[:83]
            ].tolist()
        assert sorted(rows[pred.sample[rows] == s].tolist()) == sorted(ref)
    np.testing.assert_array_equal(kept.center, pred.center[rows])
    assert (np.diff(kept.sample) >= 0).all()


def test_centerpoint_methods_keep_at_most_83_per_head():
    rng = np.random.default_rng(10)
    n = 400
    apart = np.c_[np.arange(n) * 3.0, np.zeros((n, 2))]  # no two cars close enough to suppress
    dense = Detections3D.create(apart, np.ones((n, 3)), rng.uniform(-3, 3, n), np.zeros(n, int), rng.uniform(0.2, 1, n))
    for method in ("circle", "rotated", "soft-circle"):
        kept = centerpoint_nms(dense, method)
        assert len(kept) == 83 and (kept.score > 0).all()
    soft = centerpoint_nms(dense, "soft-circle")
    assert np.all(np.diff(soft.score) <= 0)


# ----- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: bev_iou(np.zeros((2, 4)), np.zeros((2, 5))), "a must have shape \\[N, 5\\]"),
        (lambda: bev_iou(np.zeros((2, 5)), [[0, 0, 1, np.nan, 0]]), "b contains NaN"),
        (lambda: bev_iou([[0, 0, -1, 1, 0]], np.zeros((1, 5))), "a row 0 has a negative width"),
        (lambda: center_distance(np.zeros(3), np.zeros((1, 2))), "a must have shape"),
        (lambda: circle_nms(np.zeros((3, 3)), np.zeros(3), 1.0), "centers must have shape \\[N, 2\\]"),
        (lambda: circle_nms(np.zeros((3, 2)), np.zeros(2), 1.0), "scores has length 2"),
        (lambda: circle_nms(np.zeros((3, 2)), np.zeros(3), -1.0), "radius must be finite and >= 0"),
        (lambda: circle_nms(np.zeros((3, 2)), np.zeros(3), "x"), "radius must be a real number"),
        (lambda: circle_nms(np.zeros((3, 2)), np.zeros(3), {0: 1.0}), "radius given per label needs labels"),
        (lambda: circle_nms(np.zeros((2, 2)), np.zeros(2), {0: 1.0}, labels=[0, 1]), "radius has no entry for label 1"),
        (lambda: circle_nms(np.zeros((2, 2)), np.zeros(2), 1.0, labels=[0]), "labels must have shape"),
        (lambda: circle_nms(np.zeros((2, 2)), np.zeros(2), 1.0, max_output=-1), "max_output must be >= 0"),
        (lambda: soft_circle_nms(np.zeros((2, 2)), np.zeros(2), 0.0), "sigma must be > 0"),
        (lambda: soft_circle_nms(np.zeros((2, 2)), np.zeros(2), 1.0, cutoff=0), "cutoff must be > 0"),
        (lambda: soft_circle_nms(np.zeros((2, 2)), np.zeros(2), {0: 1.0}), "sigma given per label needs labels"),
        (lambda: rotated_nms(np.zeros((2, 5)), np.zeros(2), 1.5), "iou_threshold must lie in"),
        (lambda: rotated_nms(np.zeros((2, 5)), np.zeros(2), 0.5, pre_max_size=-2), "pre_max_size must be >= 0"),
        (lambda: centerpoint_nms(np.zeros((2, 5))), "detections must be a Detections3D"),
        (lambda: centerpoint_nms(Detections3D.empty(), "box"), "method must be one of"),
        (lambda: centerpoint_nms(Detections3D.empty(), min_radius=(1, 2)), "min_radius must hold 6"),
        (lambda: centerpoint_nms(Detections3D.empty(), "soft-circle", sigma=[0] * 6), "sigma must hold 6"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_empty_inputs():
    assert len(circle_nms(np.zeros((0, 2)), np.zeros(0), 1.0)) == 0
    assert len(soft_circle_nms(np.zeros((0, 2)), np.zeros(0), 1.0)[0]) == 0
    assert len(rotated_nms(np.zeros((0, 5)), np.zeros(0), 0.2)) == 0
    assert len(centerpoint_nms(Detections3D.empty(["a"]))) == 0
    assert nmskit.bev_iou(np.zeros((0, 5)), np.zeros((0, 5))).shape == (0, 0)


def test_a_cap_of_zero_keeps_nothing():
    rng = np.random.default_rng(5)
    b, s, lab = random_boxes(rng, 40), rng.random(40), rng.integers(0, 3, 40)
    assert len(circle_nms(b[:, :2], s, 1.0, labels=lab, max_per_label=0)) == 0
    assert len(rotated_nms(b, s, 0.2, labels=lab, max_per_label=0)) == 0
    assert len(rotated_nms(b, s, 0.2, max_output=0)) == 0
    assert len(nmskit.nms(b[:, :4] + [0, 0, 10, 10], s, 0.5, max_output=0)) == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0, 3.0]) | st.floats(-5, 5), max_size=60))
def test_rank_order_is_descending_with_lower_index_first_on_ties(values):
    from nmskit.suppress._prepare import rank_order

    s = np.array(values, np.float64)
    np.testing.assert_array_equal(rank_order(s), np.argsort(-s, kind="stable"))
