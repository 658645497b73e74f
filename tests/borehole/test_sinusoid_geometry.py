"""Sinusoid geometry, dip conversion, distance and sinusoid NMS."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nmskit
from nmskit.geometry import apparent_to_true, fit_sinusoid, sinusoid_depths, sinusoid_distance, true_to_apparent

X = (np.arange(56) + 0.5) * 360 / 56


def test_true_columns_of_every_real_pick(well):
    _, picks = well
    dip, az = apparent_to_true(picks.apparent_dip, picks.apparent_azimuth, picks.inclination, picks.hole_azimuth)
    assert len(picks) == 125
    assert np.abs(dip - picks.true_dip).max() < 0.01
    assert np.abs((az - picks.true_azimuth + 180) % 360 - 180).max() < 0.01


def test_real_picks_dip_height_convention():
    """tan(apparent dip) = DipHeight / diameter, read from the raw file columns."""
    import csv
    from importlib import resources

    path = resources.files("nmskit.data") / "wells/48_19a-C2/48_19a-C2_picks_13375-13435ft.csv"
    rows = list(csv.DictReader(path.open()))[1:]
    height = np.array([float(r["RES_BD_IMG_DipHeight"]) for r in rows])
    dip = np.array([float(r["RES_BD_IMG_DipPiking_JK_APP"]) for r in rows])
    picks = np.stack([np.zeros_like(dip), dip, np.zeros_like(dip)], 1)
    z = sinusoid_depths(picks, 8.5 / 12, [0.0, 180.0])
    np.testing.assert_allclose(z[:, 0] - z[:, 1], height, rtol=1e-6)


def test_deepest_point_at_azimuth_and_frame_parameters():
    z = sinusoid_depths([[100.0, 45.0, 90.0]], 1.0, np.arange(360.0))[0]
    assert np.argmax(z) == 90 and np.isclose(z.max() - 100.0, 0.5)
    # the image's column 0 is 30 degrees past the high side, azimuth counted the other way
    z2 = sinusoid_depths([[100.0, 45.0, 90.0]], 1.0, np.arange(360.0), azimuth_origin=30.0, azimuth_direction=-1)[0]
    assert np.argmax(z2) == 300  # 30 - 300 = -270 = 90 in the frame


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 84), st.floats(0, 359.9), st.floats(-50, 50), st.floats(0.3, 2.0))
def test_fit_recovers_sinusoid(dip, az, z0, d):
    z = sinusoid_depths([[z0, dip, az]], d, X)[0]
    pick, rms = fit_sinusoid(X, z, d)
    assert abs(pick[0] - z0) < 1e-8 and abs(pick[1] - dip) < 1e-6 and rms < 1e-8
    if dip > 1e-3:
        assert abs((pick[2] - az + 180) % 360 - 180) < 1e-5


def test_fit_batched_with_weights_ignores_masked_samples():
    picks = np.array([[10.0, 60.0, 300.0], [11.0, 20.0, 10.0]])
    z = sinusoid_depths(picks, 0.7, X)
    w = np.ones_like(z)
    z[:, :20] += 5.0  # corrupt samples that are then masked out
    w[:, :20] = 0
    fit, rms = fit_sinusoid(X, z, 0.7, weights=w)
    np.testing.assert_allclose(fit, picks, atol=1e-8)
    with pytest.raises(ValueError, match="fewer than 3"):
        fit_sinusoid(X, z[0], 0.7, weights=(np.arange(56) < 2).astype(float))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 80), st.floats(0, 359.9), st.floats(5, 175), st.floats(0, 359.9))
def test_true_apparent_round_trip(dip, az, inc, hole_az):
    td, ta = apparent_to_true(dip, az, inc, hole_az)
    d2, a2 = true_to_apparent(td, ta, inc, hole_az)
    assert abs(d2 - dip) < 1e-6
    assert abs((a2 - az + 180) % 360 - 180) < 1e-5


def test_vertical_hole_keeps_dip_and_references_azimuth():
    td, ta = apparent_to_true(30.0, 40.0, 0.0, 0.0)
    assert np.isclose(td, 30.0) and np.isclose(ta, 40.0)


def test_distance_matches_dense_sampling_and_is_a_metric():
    rng = np.random.default_rng(1)
    a = np.column_stack([rng.uniform(0, 1, 6), rng.uniform(0, 80, 6), rng.uniform(0, 360, 6)])
    b = np.column_stack([rng.uniform(0, 1, 5), rng.uniform(0, 80, 5), rng.uniform(0, 360, 5)])
    x = (np.arange(20000) + 0.5) * 360 / 20000
    dense = np.abs(sinusoid_depths(a, 0.7, x)[:, None] - sinusoid_depths(b, 0.7, x)[None]).mean(-1)
    np.testing.assert_allclose(sinusoid_distance(a, b, 0.7), dense, rtol=1e-6, atol=1e-9)
    d = sinusoid_distance(a, a, 0.7)
    assert np.allclose(np.diag(d), 0) and np.allclose(d, d.T)
    shifted = a + [0.25, 0, 0]
    np.testing.assert_allclose(np.diag(sinusoid_distance(a, shifted, 0.7)), 0.25)


def test_sinusoid_nms_keeps_best_of_each_cluster():
    picks = np.array([[10.0, 60, 300], [10.02, 61, 302], [10.5, 60, 300], [10.01, 20, 100]])
    scores = np.array([0.9, 0.95, 0.8, 0.7])
    keep = nmskit.sinusoid_nms(picks, scores, 0.7, 0.05)
    # pick 3 crosses the others but its shape differs: its mean distance is large
    assert keep.tolist() == [1, 2, 3]
    assert nmskit.sinusoid_nms(picks, scores, 0.7, 0.05, max_output=2).tolist() == [1, 2]
    assert nmskit.sinusoid_nms(picks, scores, 0.7, 0.05, score_threshold=0.85).tolist() == [1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 3), st.floats(0, 80), st.floats(0, 359), st.floats(0, 1)), min_size=1, max_size=25),
    st.floats(0.01, 0.5),
)
def test_sinusoid_nms_matches_brute_force(rows, t):
    arr = np.array(rows)
    picks, scores = arr[:, :3], arr[:, 3]
    dist = sinusoid_distance(picks, picks, 0.7)
    alive = np.ones(len(picks), bool)
    ref = []
    for i in np.argsort(-scores, kind="stable"):
        if alive[i]:
            ref.append(i)
            alive &= ~(dist[i] < t)
    assert nmskit.sinusoid_nms(picks, scores, 0.7, t).tolist() == ref


def test_tensor_in_tensor_out():
    torch = pytest.importorskip("torch")
    p = torch.tensor([[1.0, 30.0, 10.0], [1.2, 30.0, 10.0]], dtype=torch.float64)
    assert isinstance(sinusoid_distance(p, p, 0.7), torch.Tensor)
    assert isinstance(nmskit.sinusoid_nms(p, torch.tensor([0.5, 0.6]), 0.7, 0.1), torch.Tensor)


@pytest.mark.parametrize("d", [0.0, -1.0])
def test_zero_or_negative_diameter_rejected(d):
    with pytest.raises(ValueError, match="diameter"):
        sinusoid_depths([[1.0, 30.0, 0.0]], d, X)
    with pytest.raises(ValueError, match="diameter"):
        nmskit.sinusoid_nms([[1.0, 30.0, 0.0]], [1.0], d, 0.1)


def test_bad_angles_rejected():
    with pytest.raises(ValueError, match="dip"):
        sinusoid_depths([[1.0, 90.0, 0.0]], 1.0, X)
    with pytest.raises(ValueError, match="azimuth_direction"):
        sinusoid_depths([[1.0, 30.0, 0.0]], 1.0, X, azimuth_direction=2)
    with pytest.raises(ValueError, match="inclination"):
        apparent_to_true(10.0, 0.0, 200.0, 0.0)
