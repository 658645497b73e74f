"""Fixed-shape batched NMS against tensorflow/models' own code, run through TensorFlow in
this process, and against nmskit's exact greedy ``nms``."""

import os

import numpy as np
import pytest
import torch

import nmskit
from nmskit import generate_detections, padded_nms, propose_rois, sorted_nms_padded
from nmskit.bench.tf_models import load_tf_models
from nmskit.data.scene2d import detector_scene
from nmskit.suppress.padded import tile_rows

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="module")
def tfm():
    """tensorflow/models' nms.py, detection and ROI generators, run through TensorFlow."""
    tf = pytest.importorskip("tensorflow")
    try:
        loaded = load_tf_models()
    except ImportError as exc:
        pytest.skip(str(exc))
    loaded.tf = tf
    return loaded


def clustered(rng, n, offset=0.0):
    """Detector-like boxes [n, 4] (a :func:`detector_scene`, corners used as yxyx) shifted by
    ``offset``, and scores [n], sorted by descending score."""
    boxes, scores, _, _ = detector_scene(n, seed=int(rng.integers(2**31)))
    order = np.argsort(-scores, kind="stable")
    return boxes[order] + np.float32(offset), scores[order]


def uniform(rng, n, offset=0.0):
    """Random yxyx boxes [n, 4] in a 200-px square (plus ``offset``), sorted scores [n]."""
    lo = rng.uniform(0, 200, (n, 2)) + offset
    boxes = np.concatenate([lo, lo + rng.uniform(2, 60, (n, 2))], 1)
    return boxes.astype(np.float32), np.sort(rng.random(n).astype(np.float32))[::-1].copy()


def mixed_batch(seed, b, n):
    """B items: clustered; uniform; clustered around the origin, so many boxes have
    negative coordinates; and few candidates (scores of the rest padded to -1 with dot
    boxes, as tensorflow/models' score filter does), so fewer survivors than M."""
    rng = np.random.default_rng(seed)
    kinds = [
        lambda: clustered(rng, n),
        lambda: uniform(rng, n),
        lambda: clustered(rng, n, offset=-0.5 * (90 * np.sqrt(max(1, n // 30)) + 200)),
        lambda: uniform(rng, n, offset=-100.0),
    ]
    items = [kinds[i % 4]() for i in range(b)]
    if b > 1:
        bx, sc = items[-1]
        keep = min(40, max(1, n // 10))
        bx[keep:], sc[keep:] = 0.0, -1.0
    return np.stack([i[0] for i in items]), np.stack([i[1] for i in items])


def tf_rule_greedy(boxes, scores, t):
    """Greedy NMS (IoU >= t) with tensorflow/models' rules: boxes with all coordinates < 0
    take no part, and survivors are output only with a coordinate > 0."""
    part = np.flatnonzero(boxes.max(1) >= 0)
    keep = part[nmskit.nms(boxes[part], scores[part], t, box_format="yxyx", inclusive=True)]
    return keep[boxes[keep].max(1) > 0]


def tf_models_padded(tfm, scores, boxes, m, t):
    out = tfm.nms.sorted_non_max_suppression_padded(tfm.tf.constant(scores), tfm.tf.constant(boxes), m, t)
    return out[0].numpy(), out[1].numpy()


@pytest.mark.parametrize("b", [1, 4])
@pytest.mark.parametrize("n", [10, 511, 512, 513, 3000])
def test_sorted_nms_padded_equals_tf_models(tfm, b, n):
    boxes, scores = mixed_batch(n + b, b, n)
    assert (boxes.max(-1) <= 0).any() or b == 1  # boxes that tensorflow/models never outputs
    m = 120
    for t in (0.5, 0.6, 0.7):
        ref_scores, ref_boxes = tf_models_padded(tfm, scores, boxes, m, t)
        ours = sorted_nms_padded(torch.from_numpy(scores), torch.from_numpy(boxes), m, t)
        np.testing.assert_array_equal(ours[0].numpy(), ref_scores, err_msg=f"t={t}")
        np.testing.assert_array_equal(ours[1].numpy(), ref_boxes, err_msg=f"t={t}")
        if b == 4:  # some items fill all M slots, others fewer
            counts = (ref_scores != 0).sum(1)
            assert counts.min() < m


def test_tile_size_does_not_change_the_result(tfm):
    boxes, scores = mixed_batch(5, 4, 700)
    ref = tf_models_padded(tfm, scores, boxes, 300, 0.6)
    for tile in (1, 37, 512, 1024):
        ours = sorted_nms_padded(torch.from_numpy(scores), torch.from_numpy(boxes), 300, 0.6, tile_size=tile)
        np.testing.assert_array_equal(ours[1].numpy(), ref[1], err_msg=f"tile={tile}")


@pytest.mark.parametrize("t", [0.3, 0.4])
def test_below_half_tf_models_is_wrong_and_nmskit_is_greedy(tfm, t):
    """tensorflow/models hard-codes 0.5 inside a tile: below 0.5 its output is not greedy
    NMS. nmskit's equals greedy NMS (IoU >= t)."""
    chain = np.array([[0, 0, 10, 10], [0, 3.5, 10, 13.5], [0, 7, 10, 17]], np.float32)  # IoU 0.48 in a row
    rng = np.random.default_rng(int(t * 10))
    dense, dense_scores = uniform(rng, 400)
    boxes = np.stack([np.r_[chain, dense[:397]], dense])
    scores = np.stack([np.r_[[0.9, 0.8, 0.7], np.minimum(dense_scores[:397], 0.6)], dense_scores])
    m = 400
    ref_scores, ref_boxes = tf_models_padded(tfm, scores, boxes, m, t)
    ours_scores, ours_boxes = sorted_nms_padded(torch.from_numpy(scores), torch.from_numpy(boxes), m, t)
    for i in range(2):
        keep = tf_rule_greedy(boxes[i], scores[i], t)
        expected = np.zeros((m, 4), np.float32)
        expected[: len(keep)] = boxes[i][keep]
        np.testing.assert_array_equal(ours_boxes[i].numpy(), expected)
        np.testing.assert_array_equal(ours_scores[i].numpy()[: len(keep)], scores[i][keep])
        assert not np.array_equal(ref_boxes[i], expected)  # tensorflow/models is wrong on both
    # the chain: greedy keeps boxes 0 and 2 (box 1 is suppressed, so it cannot suppress 2)
    np.testing.assert_array_equal(ours_boxes[0, :2].numpy(), chain[[0, 2]])
    assert not (ref_boxes[0] == chain[2]).all(1).any()  # tensorflow/models drops box 2


@pytest.mark.parametrize("t", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
def test_equal_to_greedy_nms_at_every_threshold(t):
    rng = np.random.default_rng(int(t * 10))
    boxes, scores = mixed_batch(int(t * 100), 3, 600)
    s_out, b_out = sorted_nms_padded(torch.from_numpy(scores), torch.from_numpy(boxes), 600, t)
    for i in range(3):
        keep = tf_rule_greedy(boxes[i], scores[i], t)
        np.testing.assert_array_equal(b_out[i, : len(keep)].numpy(), boxes[i][keep])
        np.testing.assert_array_equal(s_out[i, : len(keep)].numpy(), scores[i][keep])
        assert not b_out[i, len(keep) :].any() and not s_out[i, len(keep) :].any()
    # padded_nms: unsorted input, strict and inclusive, score threshold and output cap
    perm = rng.permutation(600)
    xyxy = torch.from_numpy(boxes[:, perm][..., [1, 0, 3, 2]].copy())
    sc = torch.from_numpy(scores[:, perm].copy())
    sc[:, ::5] = sc[:, 1::5]  # ties: the lower index goes first
    for inclusive in (False, True):
        for cap, thr in ((600, float("-inf")), (25, 0.3)):
            idx, valid = padded_nms(xyxy, sc, cap, t, thr, inclusive=inclusive)
            for i in range(3):
                ref = nmskit.nms(xyxy[i], sc[i], t, score_threshold=thr, max_output=cap, inclusive=inclusive)
                assert int(valid[i]) == len(ref)
                np.testing.assert_array_equal(idx[i, : len(ref)].numpy(), ref.numpy())
                assert not idx[i, len(ref) :].any()


def test_padded_nms_float64_box_formats_and_zero_area():
    rng = np.random.default_rng(3)
    boxes, scores = uniform(rng, 300)
    xyxy = boxes[:, [1, 0, 3, 2]].astype(np.float64)
    xyxy[::9, 2] = xyxy[::9, 0]  # zero-area boxes never suppress and are never suppressed
    cxcywh = np.c_[(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]]
    ref = nmskit.nms(xyxy, scores, 0.4)
    for fmt, arr in (("xyxy", xyxy), ("yxyx", xyxy[:, [1, 0, 3, 2]]), ("cxcywh", cxcywh)):
        idx, valid = padded_nms(torch.from_numpy(arr)[None], torch.from_numpy(scores)[None], 300, 0.4, box_format=fmt)
        np.testing.assert_array_equal(idx[0, : int(valid[0])].numpy(), ref, err_msg=fmt)
    assert set(range(0, 300, 9)) <= set(ref.tolist())


@pytest.mark.parametrize("tile", [1, 2, 64])
def test_zero_area_boxes_survive_earlier_tiles_at_threshold_zero(tile):
    """At IoU >= 0 every box of positive area suppresses every later one, but a zero-area
    box is never suppressed, also when the suppressor sits in an earlier tile."""
    rng = np.random.default_rng(5)
    boxes, scores = uniform(rng, 100)
    boxes[::7, 2] = boxes[::7, 0]
    ref = nmskit.nms(boxes, scores, 0.0, box_format="yxyx", inclusive=True)
    assert ref.tolist() == sorted({1, *range(0, 100, 7)})  # box 0 has zero area, box 1 is the first suppressor
    idx, valid = padded_nms(
        torch.from_numpy(boxes)[None],
        torch.from_numpy(scores)[None],
        100,
        0.0,
        box_format="yxyx",
        inclusive=True,
        tile_size=tile,
    )
    np.testing.assert_array_equal(idx[0, : int(valid[0])].numpy(), ref)


def _detector_outputs(seed, b, n, c, per_class_boxes):
    rng = np.random.default_rng(seed)
    boxes = np.stack([clustered(rng, n)[0][rng.permutation(n)] for _ in range(b)])
    boxes[:, ::13] -= 400.0  # some boxes end up at negative coordinates
    if per_class_boxes:
        boxes = boxes[:, :, None, :] + rng.uniform(-1, 1, (b, n, c, 4)).astype(np.float32)
    else:
        boxes = boxes[:, :, None, :]
    scores = rng.random((b, n, c)).astype(np.float32) ** 3
    return boxes.astype(np.float32), scores


@pytest.mark.parametrize("per_class_boxes", [False, True])
@pytest.mark.parametrize("agnostic", [False, True])
@pytest.mark.slow
def test_generate_detections_equals_tf_models(tfm, per_class_boxes, agnostic):
    boxes, scores = _detector_outputs(7, 2, 900, 4, per_class_boxes)
    kw = dict(pre_nms_top_k=600, pre_nms_score_threshold=0.05, nms_iou_threshold=0.55, max_num_detections=50)
    ref = tfm.detection_generator._generate_detections_v2(
        tfm.tf.constant(boxes), tfm.tf.constant(scores), use_class_agnostic_nms=agnostic, **kw
    )
    ours = generate_detections(torch.from_numpy(boxes), torch.from_numpy(scores), class_agnostic=agnostic, **kw)
    for r, o, name in zip(ref, ours, ("boxes", "scores", "classes", "num_detections")):
        np.testing.assert_array_equal(o.numpy(), r.numpy(), err_msg=name)
    shared = generate_detections(
        torch.from_numpy(boxes[:, :, 0]), torch.from_numpy(scores), class_agnostic=agnostic, **kw
    )
    if not per_class_boxes:  # [B, N, 4] is the same as [B, N, 1, 4]
        for a, o in zip(shared, ours):
            assert torch.equal(a, o)


def test_propose_rois_equals_tf_models(tfm):
    rng = np.random.default_rng(5)
    tf = tfm.tf
    raw_boxes, raw_scores, boxes, scores = {}, {}, [], []
    for level, (h, w) in zip((2, 3, 4), ((20, 20), (10, 10), (5, 5))):
        n = h * w * 3
        bx, sc = clustered(rng, n)
        perm = rng.permutation(n)
        bx, sc = bx[perm], sc[perm]
        raw_boxes[str(level)] = tf.constant(bx.reshape(1, h, w, 12))
        raw_scores[str(level)] = tf.constant(sc.reshape(1, h, w, 3))
        boxes.append(torch.from_numpy(bx)[None])
        scores.append(torch.from_numpy(sc)[None])
    for kw in (
        dict(),
        dict(pre_nms_top_k=500, pre_nms_score_threshold=0.2, num_proposals=300),
        dict(nms_iou_threshold=0.0, num_proposals=700),
    ):
        anchors = {k: tf.zeros_like(v) for k, v in raw_boxes.items()}  # unused without decoding
        ref = tfm.roi_generator._multilevel_propose_rois(
            raw_boxes,
            raw_scores,
            anchor_boxes=anchors,
            image_shape=tf.ones([1, 2]),
            decode_boxes=False,
            clip_boxes=False,
            apply_sigmoid_to_score=False,
            **kw,
        )
        ours = propose_rois(boxes, scores, **kw)
        np.testing.assert_array_equal(ours[0].numpy(), ref[0].numpy(), err_msg=str(kw))
        np.testing.assert_array_equal(ours[1].numpy(), ref[1].numpy(), err_msg=str(kw))


@pytest.mark.slow
def test_torch_compile_fullgraph_equals_eager():
    boxes, scores = mixed_batch(2, 2, 300)
    sb, ss = torch.from_numpy(boxes), torch.from_numpy(scores)
    xyxy, perm_scores = sb[..., [1, 0, 3, 2]].flip(1), ss.flip(1)  # unsorted input for padded_nms

    def both(b, s, xb, xs):
        return (
            sorted_nms_padded(s, b, 40, 0.5, tile_size=64, check_sorted=False, check_values=False),
            padded_nms(xb, xs, 40, 0.5, 0.2, tile_size=64, check_values=False),
        )

    torch._dynamo.reset()
    compiled = torch.compile(both, fullgraph=True)(sb, ss, xyxy, perm_scores)
    eager = both(sb, ss, xyxy, perm_scores)
    for c, e in zip(compiled[0] + compiled[1], eager[0] + eager[1]):
        assert torch.equal(c, e)


class _PaddedNMS(torch.nn.Module):
    def forward(self, boxes, scores):
        return padded_nms(boxes, scores, 30, 0.5, 0.1, tile_size=64, check_values=False)


@pytest.mark.slow
def test_onnx_export_runs_in_onnxruntime_with_other_batch_sizes(tmp_path):
    """Exported with a dynamic batch and a fixed N (the tile loop needs N at export time)."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    gen = torch.Generator().manual_seed(0)

    def inputs(b, n=200):
        xy = torch.rand(b, n, 2, generator=gen) * 100
        return torch.cat([xy, xy + torch.rand(b, n, 2, generator=gen) * 30 + 1], -1), torch.rand(b, n, generator=gen)

    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.onnx.export(
        _PaddedNMS().eval(), inputs(2), dynamo=True, verbose=False, dynamic_shapes=({0: batch}, {0: batch})
    )
    path = tmp_path / "padded_nms.onnx"
    program.save(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    for b in (2, 1, 5):
        boxes, scores = inputs(b)
        boxes[:, ::7] = boxes[:, 1::7]  # duplicates: always suppressed
        scores[:, 1::2] = scores[:, 0::2]  # ties
        out = session.run(None, dict(zip(names, (boxes.numpy(), scores.numpy()))))
        ref = _PaddedNMS()(boxes, scores)
        np.testing.assert_array_equal(out[0], ref[0].numpy(), err_msg=f"B={b}")
        np.testing.assert_array_equal(out[1], ref[1].numpy(), err_msg=f"B={b}")


def test_unsorted_scores_raise_unless_the_check_is_disabled():
    boxes, scores = mixed_batch(1, 2, 50)
    s = torch.from_numpy(scores)
    s[1, 10], s[1, 11] = s[1, 11].item(), s[1, 10].item() + 1.0
    with pytest.raises(ValueError, match="batch item 1 are not sorted"):
        sorted_nms_padded(s, torch.from_numpy(boxes), 10)
    out_scores, out_boxes = sorted_nms_padded(s, torch.from_numpy(boxes), 10, check_sorted=False)
    assert out_scores.shape == (2, 10) and out_boxes.shape == (2, 10, 4)


@pytest.mark.parametrize("fn", ["sorted", "padded"])
def test_bad_input(fn):
    call = (
        (lambda b, s, *a, **k: sorted_nms_padded(s, b, *a, **k))
        if fn == "sorted"
        else (lambda b, s, *a, **k: padded_nms(b, s, *a, **k))
    )
    b = torch.tensor([[[0.0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]]])
    s = torch.tensor([[0.9, 0.8, 0.7]])
    with pytest.raises(ValueError, match="boxes must have shape"):
        call(b[0], s, 5)
    with pytest.raises(ValueError, match="scores must have shape"):
        call(b, s[:, :2], 5)
    with pytest.raises(ValueError, match="real dtype"):
        call(b, s > 0.5, 5)
    with pytest.raises(ValueError, match="torch.Tensor"):
        call(b.numpy(), s, 5)
    with pytest.raises(ValueError, match="max_output_size"):
        call(b, s, -1)
    with pytest.raises(ValueError, match="iou_threshold"):
        call(b, s, 5, 1.5)
    for tile in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="tile_size"):
            call(b, s, 5, tile_size=tile)
    nan_b = b.clone()
    nan_b[0, 1, 2] = float("nan")
    with pytest.raises(ValueError, match="boxes of batch item 0 contains NaN"):
        call(nan_b, s, 5)
    nan_s = s.clone()
    nan_s[0, 2] = float("nan")
    with pytest.raises(ValueError, match="scores of batch item 0 contains NaN"):
        call(b, nan_s, 5)
    # N = 0 and max_output_size = 0 give well-defined empty-padded outputs
    empty = call(b[:, :0], s[:, :0], 4)
    zero = call(b, s, 0)
    if fn == "sorted":
        assert torch.equal(empty[0], torch.zeros(1, 4)) and torch.equal(empty[1], torch.zeros(1, 4, 4))
        assert zero[0].shape == (1, 0) and zero[1].shape == (1, 0, 4)
    else:
        assert torch.equal(empty[0], torch.zeros(1, 4, dtype=torch.long)) and int(empty[1][0]) == 0
        assert zero[0].shape == (1, 0) and int(zero[1][0]) == 0
        with pytest.raises(ValueError, match="inverted corners at batch item 0, row 1"):
            padded_nms(torch.tensor([[[0.0, 0, 10, 10], [11, 1, 1, 11], [50, 50, 60, 60]]]), s, 5)


def test_default_tile_follows_the_batch_size():
    """None: the power of two nearest 1024 / B within [64, 512], 128 for a symbolic batch,
    never beyond N; an explicit tile is kept (up to N)."""
    assert [tile_rows(None, b, 10**6) for b in (1, 2, 4, 8, 16, 32, 1000)] == [512, 512, 256, 128, 64, 64, 64]
    assert tile_rows(None, object(), 10**6) == 128 and tile_rows(None, 1, 100) == 100
    assert tile_rows(32, 1, 10**6) == 32 and tile_rows(32, 1, 0) == 1
    b, s = (torch.from_numpy(x) for x in mixed_batch(7, 1, 1500))
    assert torch.equal(sorted_nms_padded(s, b, 200)[1], sorted_nms_padded(s, b, 200, tile_size=37)[1])


def test_integer_and_float64_inputs_keep_their_dtypes():
    b = torch.tensor([[[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]]])
    s = torch.tensor([[0.9, 0.8, 0.7]], dtype=torch.float64)
    out_scores, out_boxes = sorted_nms_padded(s, b, 3)
    assert out_boxes.dtype == torch.int64 and out_scores.dtype == torch.float64
    assert out_boxes.tolist() == [[[0, 0, 10, 10], [50, 50, 60, 60], [0, 0, 0, 0]]]
    idx, valid = padded_nms(b, s, 3)
    assert idx.tolist() == [[0, 2, 0]] and valid.tolist() == [2]
