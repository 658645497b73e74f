"""Picking metrics: Hungarian matching within depth tolerances, units, angles."""

import itertools

import numpy as np
import pytest

from nmskit.data.borehole import PickTable
from nmskit.evaluate import angle_difference, evaluate_picks, match_picks


def test_perfect_and_empty():
    t = np.array([[1.0, 30, 10], [2.0, 40, 350]])
    s = evaluate_picks(t, t, depth_unit="m")
    assert [x.f1 for x in s] == [1.0, 1.0, 1.0] and s[0].dip_mae == 0 and s[0].dip_within == 1
    e = evaluate_picks(np.zeros((0, 3)), t, depth_unit="m")[0]
    assert e.tp == 0 and e.recall == 0 and e.f1 == 0 and np.isnan(e.dip_mae)


def test_tolerances_and_units():
    truth = np.array([[100.0, 30, 10]])
    pred = np.array([[100.0 + 0.04 / 0.3048, 31, 20]])  # 4 cm deeper, in ft
    s = evaluate_picks(pred, truth, depth_unit="ft")
    assert [x.tp for x in s] == [0, 1, 1]
    assert s[1].dip_mae == pytest.approx(1) and s[1].azimuth_mae == pytest.approx(10)
    pm = PickTable.from_arrays(pred * [0.3048, 1, 1], depth_unit="m")
    pf = PickTable.from_arrays(truth, depth_unit="ft")
    assert [x.tp for x in evaluate_picks(pm, pf)] == [0, 1, 1]
    with pytest.raises(ValueError, match="depth_unit"):
        evaluate_picks(pred, truth)


def test_circular_azimuth_error():
    assert angle_difference(355, 5) == pytest.approx(10)
    s = evaluate_picks([[1.0, 30, 359]], [[1.0, 30, 12]], depth_unit="m")[0]
    assert s.azimuth_mae == pytest.approx(13) and s.azimuth_within == 1.0


def test_hungarian_beats_greedy():
    # greedy nearest-first would match pred 1 to truth 0 and leave truth 1 unmatched
    truth = np.array([[0.00, 0, 0], [0.06, 0, 0]])
    pred = np.array([[-0.02, 0, 0], [0.02, 0, 0]])
    i, j = match_picks(pred, truth, 0.045)
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 0), (1, 1)]


def test_matching_is_maximum_cardinality_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(30):
        p = np.column_stack([rng.uniform(0, 1, 5), np.zeros(5), np.zeros(5)])
        t = np.column_stack([rng.uniform(0, 1, 4), np.zeros(4), np.zeros(4)])
        tol = 0.15
        i, j = match_picks(p, t, tol)
        assert np.all(np.abs(p[i, 0] - t[j, 0]) <= tol) and len(set(i)) == len(i) and len(set(j)) == len(j)
        best = 0
        for perm in itertools.permutations(range(5), 4):
            best = max(best, sum(abs(p[perm[k], 0] - t[k, 0]) <= tol for k in range(4)))
        assert len(i) == best


def test_sinusoid_distance_matching():
    truth = np.array([[10.0, 60, 300]])
    same_centre_other_shape = np.array([[10.0, 10, 100]])
    s = evaluate_picks(same_centre_other_shape, truth, depth_unit="ft", distance="sinusoid", diameter=8.5 / 12)
    assert s[-1].tp == 0
    assert evaluate_picks(same_centre_other_shape, truth, depth_unit="ft")[0].tp == 1


def test_class_aware_and_true_angles(well):
    _, truth = well
    pred = truth.with_true(truth.inclination, truth.hole_azimuth)
    s = evaluate_picks(pred, truth, angles="true")
    assert s[0].f1 == 1 and s[0].dip_mae < 1e-3
    bed = PickTable.from_arrays(truth.apparent(), classes="bed", depth_unit="ft")
    assert evaluate_picks(bed, truth, class_aware=True)[0].tp == 0
