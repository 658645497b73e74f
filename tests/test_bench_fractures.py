"""The fracture head-to-head: data sets, the chance comb, scoring on both distances."""

import numpy as np
import pytest

from nmskit.bench.fractures import (
    CROWDED_BED_FT,
    HEADER,
    PEER,
    comb_picks,
    score_logs,
    score_row,
    synthetic_logs,
    tolerance_sweep,
)


@pytest.fixture(scope="module")
def logs():
    return synthetic_logs(1, feet=8.0)


def test_synthetic_logs_are_reproducible_and_crowded_logs_are_denser():
    a, b = synthetic_logs(2, feet=8.0), synthetic_logs(2, feet=8.0)
    for (ia, pa), (ib, pb) in zip(a, b):
        assert np.array_equal(ia.values, ib.values, equal_nan=True) and np.array_equal(pa.depth, pb.depth)
    crowded = synthetic_logs(2, feet=8.0, bed_spacing_ft=CROWDED_BED_FT)
    assert sum(len(p) for _, p in crowded) > 1.5 * sum(len(p) for _, p in a)


def test_comb_is_evenly_spaced_flat_and_reads_no_pixel(logs):
    image, _ = logs[0]
    comb = comb_picks(image, 0.5)
    assert np.allclose(np.diff(comb.depth), 0.5) and comb.depth[0] == image.depths[0]
    assert np.all(comb.apparent_dip == 0) and np.all(np.isfinite(comb.diameter))


def test_score_logs_rewards_the_truth_and_the_sinusoid_distance_exposes_the_comb(logs):
    scores = score_logs(logs, "comb")
    depth, sinusoid, n, speed = scores
    assert n > 0 and speed >= 0 and len(depth) == len(sinusoid) == 3
    # a comb at the truth's spacing matches many picks on depth alone, far fewer on sinusoid distance
    assert sinusoid[1].f1 < depth[1].f1
    row = score_row("comb", scores)
    assert row[0] == "comb" and row[1] == n and len(row) == len(HEADER)
    assert row[2] == f"{100 * sinusoid[1].f1:.1f} %" and row[5] == f"{100 * depth[1].f1:.1f} %"


def test_hough_reads_the_image_where_the_comb_cannot(logs):
    _, hough, n, _ = score_logs(logs, "hough")
    _, comb, _, _ = score_logs(logs, "comb")
    assert n > 0 and hough[1].f1 > comb[1].f1 + 0.2


def test_tolerance_sweep_shape(logs):
    sw = tolerance_sweep(logs, (2.0, 8.0))
    assert sw["dense"].shape == (2, 3) and sw["detr"].shape == (3,)
    assert np.all((sw["dense"] >= 0) & (sw["dense"] <= 1))


@pytest.mark.parametrize(
    "kwargs, name",
    [({"n": -1}, "n"), ({"n": 1.5}, "n"), ({"n": 1, "feet": 0.0}, "feet"), ({"n": 1, "feet": float("nan")}, "feet")],
)
def test_synthetic_logs_bad_sizes_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        synthetic_logs(**kwargs)


@pytest.mark.parametrize("spacing", [0.0, -0.5, float("inf")])
def test_comb_rejects_a_bad_spacing(logs, spacing):
    with pytest.raises(ValueError, match="spacing_ft"):
        comb_picks(logs[0][0], spacing)


def test_acontrario_row_is_the_published_detections_scored_on_the_real_interval():
    from nmskit.data.borehole import load_peer_picks, load_well
    from nmskit.evaluate import evaluate_picks

    image, expert = load_well()
    top, bottom = 13405.0, 13435.0
    part = image.interval(top, bottom)
    truth = expert.select((expert.depth >= top) & (expert.depth < bottom))
    scores = score_logs([(part, truth)], PEER)
    peer = load_peer_picks()
    inside = peer.select((peer.depth >= part.depths[0]) & (peer.depth <= part.depths[-1]))
    assert scores.picks == len(inside) > 0 and np.isnan(scores.seconds_per_100ft)
    direct = evaluate_picks(inside, truth, distance="sinusoid")[1]
    assert scores.sinusoid[1].tp == direct.tp and scores.sinusoid[1].f1 == pytest.approx(direct.f1)
    assert score_row(PEER, scores)[-1] == "n/a"


def test_acontrario_exists_only_for_wells_with_published_detections(logs):
    with pytest.raises(ValueError, match="published detections"):
        score_logs(logs, PEER)
