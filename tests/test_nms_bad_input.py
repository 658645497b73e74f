"""Bad input: a clear ValueError naming the argument, never a crash, hang or wrong answer."""

import numpy as np
import pytest
import torch

import nmskit

B = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], np.float64)
S = np.array([0.9, 0.8, 0.7])


@pytest.mark.parametrize(
    "fn",
    [
        lambda b, s: nmskit.nms(b, s),
        lambda b, s: nmskit.batched_nms(b, s, np.zeros(len(s), int)),
        lambda b, s: nmskit.soft_nms(b, s)[0],
    ],
)
def test_empty_input_gives_empty_int64(fn):
    out = fn(np.zeros((0, 4)), np.zeros(0))
    assert out.dtype == np.int64 and out.shape == (0,)
    out = fn(torch.zeros((0, 4)), torch.zeros(0))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int64 and out.shape == (0,)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_boxes_and_scores_name_argument_and_index(bad):
    b = B.copy()
    b[2, 1] = bad
    with pytest.raises(ValueError, match=r"boxes contains (NaN|inf) at index 2"):
        nmskit.nms(b, S)
    s = S.copy()
    s[1] = bad
    with pytest.raises(ValueError, match=r"scores contains (NaN|inf) at index 1"):
        nmskit.nms(B, s)
    with pytest.raises(ValueError, match="scores"):
        nmskit.soft_nms(B, s)


def test_inverted_corners_raise_unless_canonicalize():
    b = B.copy()
    b[1] = [11, 1, 1, 11]
    with pytest.raises(ValueError, match=r"boxes has inverted corners at index 1"):
        nmskit.nms(b, S)
    np.testing.assert_array_equal(nmskit.nms(b, S, canonicalize=True), nmskit.nms(B, S))


def test_zero_area_boxes_never_suppress_nor_are_suppressed():
    b = np.array([[0, 0, 10, 10], [0, 0, 0, 10], [5, 5, 5, 5], [0, 0, 0, 10], [0, 0, 10, 10]], float)
    s = np.array([0.5, 0.9, 0.8, 0.7, 0.4])
    np.testing.assert_array_equal(nmskit.nms(b, s, 0.0), [1, 2, 3, 0])
    np.testing.assert_array_equal(nmskit.nms(b, s, 0.0, inclusive=True), [1, 2, 3, 0])
    idx, _ = nmskit.soft_nms(b, s, score_threshold=0.0)
    assert set(idx.tolist()) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: nmskit.nms(B, S[:2]), r"scores has length 2 but boxes has 3"),
        (lambda: nmskit.nms(B[:, :3], S), r"boxes must have shape \[N, 4\], got \(3, 3\)"),
        (lambda: nmskit.nms(B[None], S), r"boxes must have shape \[N, 4\]"),
        (lambda: nmskit.nms(B, S[:, None]), r"scores must be one-dimensional"),
        (lambda: nmskit.nms(B, S, 1.5), r"iou_threshold must lie in \[0, 1\], got 1.5"),
        (lambda: nmskit.nms(B, S, -0.1), r"iou_threshold must lie in \[0, 1\]"),
        (lambda: nmskit.nms(B, S, float("nan")), r"iou_threshold must be a finite number"),
        (lambda: nmskit.nms(B, S, max_output=-1), r"max_output must be >= 0"),
        (lambda: nmskit.nms(B, S, box_format="xwyh"), r"box_format must be one of"),
        (lambda: nmskit.nms(B.astype(str), S), r"boxes must be a real numeric array"),
        (lambda: nmskit.batched_nms(B, S, np.zeros(2, int)), r"labels must have shape \[3\]"),
        (lambda: nmskit.batched_nms(B, S, np.array([0.5, 1, 2])), r"labels must hold integer class ids"),
        (lambda: nmskit.soft_nms(B, S, method="cubic"), r"method must be one of"),
        (lambda: nmskit.soft_nms(B, S, sigma=0), r"sigma must be > 0"),
        (lambda: nmskit.soft_nms(B, S, score_threshold=float("-inf")), r"score_threshold must be a finite number"),
        (lambda: nmskit.combined_nms(B, S, 5, 5), r"boxes must have shape \[B, N, q, 4\]"),
        (
            lambda: nmskit.combined_nms(np.zeros((1, 3, 2, 4)), np.zeros((1, 3, 3)), 5, 5),
            r"q must be 1 or the number of classes 3",
        ),
        (lambda: nmskit.combined_nms(np.zeros((1, 3, 1, 4)), np.zeros((1, 3, 2)), 5, 0), r"max_total_size must be > 0"),
        (
            lambda: nmskit.combined_nms(np.zeros((1, 3, 1, 4)), np.full((1, 3, 2), np.nan), 5, 5),
            r"scores contains NaN at index 0",
        ),
        # length mismatches name the argument the length comes from
        (lambda: nmskit.circle_nms(B[:, :2], S[:2], 1.0), r"scores has length 2 but centers has 3 rows"),
        (lambda: nmskit.circle_nms(B[:, :2], S, 1.0, labels=[0, 1]), r"labels must have shape \[3\] to match centers"),
        (lambda: nmskit.sinusoid_nms(B[:, :3], S[:2], 8.0, 1.0), r"scores has length 2 but picks has 3 rows"),
        (lambda: nmskit.rotated_nms(np.c_[B, S], S[:1]), r"scores has length 1 but boxes has 3 rows"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_integer_and_half_inputs_are_accepted():
    ref = nmskit.nms(B, S)
    np.testing.assert_array_equal(nmskit.nms(B.astype(np.int32), S), ref)
    np.testing.assert_array_equal(nmskit.nms(B.astype(np.float16), S.astype(np.float16)), ref)
    out = nmskit.nms(torch.tensor(B, dtype=torch.float16), torch.tensor(S))
    assert isinstance(out, torch.Tensor) and out.tolist() == ref.tolist()


def test_combined_nms_empty_and_all_below_threshold():
    out = nmskit.combined_nms(np.zeros((2, 0, 1, 4)), np.zeros((2, 0, 3)), 5, 7)
    assert out[0].shape == (2, 7, 4) and out[3].tolist() == [0, 0]
    rng = np.random.default_rng(0)
    out = nmskit.combined_nms(rng.random((1, 10, 1, 4)), rng.random((1, 10, 2)) * 0.1, 5, 7, score_threshold=0.5)
    assert out[3].tolist() == [0] and np.all(out[1] == 0)


@pytest.mark.slow
def test_million_boxes_stay_under_one_gigabyte(tmp_path):
    """N = 1,000,000 in a fresh process: peak RSS growth of the NMS call < 1 GB (an N x N
    float matrix would need 8 TB)."""
    import subprocess
    import sys

    code = (
        "import resource, numpy as np, nmskit\n"
        "from nmskit.data.scene2d import detector_scene\n"
        "b, s, _, _ = detector_scene(1_000_000, seed=0)\n"
        "nmskit.nms(b[:1000], s[:1000])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "k = nmskit.nms(b, s, 0.5)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(len(k), (after - before) * 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    kept, extra = map(int, out.stdout.split())
    assert 0 < kept < 1_000_000
    assert extra < 1_000_000_000
