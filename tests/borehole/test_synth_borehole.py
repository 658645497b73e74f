"""The synthetic borehole generator: determinism, labels that follow the image, options."""

import numpy as np
import pytest

from nmskit.borehole import mask_sentinels, preprocess
from nmskit.borehole.picking.hough import edge_map
from nmskit.data import synthesize_borehole
from nmskit.data.borehole import DeviationSurvey
from nmskit.geometry import sinusoid_depths


def test_deterministic_by_seed():
    a, pa = synthesize_borehole(400, 7, tool="fmi")
    b, pb = synthesize_borehole(400, 7, tool="fmi")
    c, _ = synthesize_borehole(400, 8, tool="fmi")
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(pa.apparent(), pb.apparent())
    assert not np.array_equal(np.nan_to_num(a.values), np.nan_to_num(c.values))


@pytest.mark.parametrize("tool, width", [("lwd", 56), ("fmi", 192), ("cmi", 176)])
def test_tools_and_labels(tool, width):
    image, picks = synthesize_borehole(800, 3, tool=tool)
    assert image.shape == (800, width) and image.depth_unit == "ft" and image.value_unit == "ohm.m"
    assert len(picks) > 0 and set(picks.cls) <= {"fracture", "bed"}
    assert np.all(np.diff(picks.depth) >= 0)
    assert np.all((picks.apparent_dip >= 0) & (picks.apparent_dip <= 85))
    assert np.all((picks.depth >= image.depths[0]) & (picks.depth <= image.depths[-1]))
    valid = mask_sentinels(image).mask
    assert np.all(image.values[valid] > 0)  # resistivities
    if tool != "lwd":
        measured = (image.values != -9999.0).all(axis=1)  # rows outside sentinel stretches
        assert (~np.isfinite(image.values[measured])).all(axis=0).mean() == pytest.approx(
            1 - {"fmi": 0.8, "cmi": 0.82}[tool], abs=0.05
        )  # pad gaps


def test_labels_lie_on_image_edges():
    """Labelled sinusoids follow depth edges of the image far more than random ones."""
    image, picks = synthesize_borehole(1600, 11, tool="lwd", gaps=False)
    pre = preprocess(image, width=72)
    edges = np.abs(edge_map(pre, 1.5))
    x = pre.frame_azimuths()

    def strength(p, diameter):
        z = sinusoid_depths(p, diameter, x)
        rows = np.clip(np.rint((z - image.depths[0]) / image.step).astype(int), 0, 1599)
        return edges[rows, np.arange(72)].mean(1)

    labelled = strength(picks.apparent(), picks.diameter)
    rng = np.random.default_rng(0)
    rand = np.column_stack(
        [rng.uniform(image.depths[0], image.depths[-1], 300), rng.uniform(0, 80, 300), rng.uniform(0, 360, 300)]
    )
    assert np.median(labelled) > 1.5 * np.median(strength(rand, 8.5 / 12))


def test_options_and_true_dips():
    image, picks = synthesize_borehole(
        800,
        5,
        fracture_density=3.0,
        bed_contrast=10.0,
        fracture_dip_range=(70, 80),
        deviation=DeviationSurvey.constant(30, 90),
    )
    assert set(picks.cls) == {"fracture"}
    assert np.all((picks.apparent_dip >= 70) & (picks.apparent_dip <= 80))
    assert np.isfinite(picks.true_dip).all() and image.deviation is not None
    assert np.ptp(image.diameter) >= 0 and np.all(image.diameter >= 8.5)
    with pytest.raises(ValueError, match="tool"):
        synthesize_borehole(100, tool="ultrasonic")
    with pytest.raises(ValueError, match="fracture_dip_range"):
        synthesize_borehole(100, fracture_dip_range=(0, 89))
