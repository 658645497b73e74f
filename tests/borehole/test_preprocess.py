"""Masking, imputation, normalisation, resampling and patching of image logs."""

import numpy as np
import pytest

from nmskit.borehole import (
    impute,
    mask_sentinels,
    normalize_dynamic,
    normalize_static,
    patch_grid,
    preprocess,
    resample_azimuth,
    resample_depth,
)
from nmskit.data.borehole import BoreholeImage


def image(values, step=0.1, **kw):
    v = np.asarray(values, np.float32)
    return BoreholeImage(v, 100 + step * np.arange(len(v)), **kw)


def test_sentinels_and_nan_masked():
    v = np.ones((4, 5), np.float32)
    v[0, 0], v[1, 1], v[2, 2], v[3, 3] = -9999, -999.25, np.nan, 0.0
    m = mask_sentinels(image(v)).mask
    assert m.sum() == 17 and not m[0, 0] and not m[1, 1] and not m[2, 2] and m[3, 3]
    assert not mask_sentinels(image(v), sentinels=(-9999, 0.0)).mask[3, 3]
    assert mask_sentinels(image(v), valid_range=(0.5, 2)).mask.sum() == 16


def test_impute_circular_within_row_and_along_depth():
    v = np.array([[0, 1, 2, 3, 4, 5, 6, 7]] * 5, np.float32)
    mask = np.ones(v.shape, bool)
    mask[0, [7, 0]] = False  # gap across the wrap: between column 6 (6.0) and column 1 (1.0)
    mask[2] = False  # a whole missing row
    out = impute(image(v, mask=mask))
    np.testing.assert_allclose(out.values[0, [7, 0]], [6 + (1 - 6) / 3, 6 + 2 * (1 - 6) / 3], rtol=1e-6)
    np.testing.assert_allclose(out.values[2], v[2])
    assert (out.mask == mask).all()
    grad = np.outer(np.arange(5.0), np.ones(6)).astype(np.float32)
    m2 = np.ones(grad.shape, bool)
    m2[1:3] = False
    np.testing.assert_allclose(impute(image(grad, mask=m2)).values, grad, atol=1e-6)  # linear in depth


def test_all_sentinel_interval():
    img = mask_sentinels(image(np.full((50, 8), -9999.0)))
    assert not img.mask.any()
    with pytest.raises(ValueError, match="no valid pixel"):
        impute(img)
    with pytest.raises(ValueError, match="no valid pixel"):
        preprocess(img)
    with pytest.raises(ValueError, match="no valid pixel"):
        normalize_dynamic(img)


def test_normalisations_range_and_order():
    rng = np.random.default_rng(0)
    v = (rng.random((400, 36)) + 0.5).astype(np.float32)
    v[:200] *= 3  # a bright upper half
    img = image(v, step=0.025)
    s = normalize_static(img).values
    d = normalize_dynamic(img, window=2.0).values
    assert 0 <= s.min() and s.max() <= 1 and 0 <= d.min() and d.max() <= 1
    # dynamic equalisation gives each depth its own contrast: both halves centred near 0.5
    assert abs(np.median(d[:150]) - 0.5) < 0.05 and abs(np.median(d[250:]) - 0.5) < 0.05
    assert np.median(s[:150]) > 0.6 and np.median(s[250:]) < 0.2
    # monotone within a row
    row = 300
    order = np.argsort(v[row])
    assert np.all(np.diff(d[row][order]) >= -1e-6)


def test_dynamic_matches_exact_window_ranks():
    rng = np.random.default_rng(1)
    v = rng.random((60, 10)).astype(np.float32)
    img = image(v, step=0.1)
    d = normalize_dynamic(img, window=1.0, bins=1 << 16).values  # half window = 5 rows
    for i in (0, 30, 59):
        win = v[max(0, i - 5) : i + 6].reshape(-1)
        exact = (win[None, :] < v[i][:, None]).mean(1)
        # the CDF is linear inside a bin, so a pixel adds a fraction of its own count
        assert np.all(d[i] >= exact - 1e-6) and np.all(d[i] <= exact + 1 / len(win) + 1e-6)


def test_normalisation_ignores_invalid_pixels():
    rng = np.random.default_rng(2)
    v = rng.random((100, 10)).astype(np.float32)
    mask = np.ones(v.shape, bool)
    v[:, :3], mask[:, :3] = 1e6, False
    a = normalize_dynamic(image(v, mask=mask)).values[:, 3:]
    b = normalize_dynamic(image(v[:, 3:])).values
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_resample_azimuth_circular():
    x = (np.arange(56) + 0.5) * 360 / 56
    v = np.tile(np.cos(np.radians(x)), (3, 1)).astype(np.float32)
    out = resample_azimuth(image(v), 360)
    x2 = np.arange(360) + 0.5
    assert out.shape == (3, 360)
    np.testing.assert_allclose(out.values[0], np.cos(np.radians(x2)), atol=2e-3)  # incl. across 0/360
    mask = np.ones(v.shape, bool)
    mask[:, 0] = False
    m = resample_azimuth(image(v, mask=mask), 360).mask[0]
    # column 0 (centre 3.2 deg, spacing 6.4) feeds every new column within 6.4 deg of it
    assert not m[:10].any() and m[10:357].all() and not m[357:].any()
    back = resample_azimuth(out, 56)
    np.testing.assert_allclose(back.values, v, atol=2e-3)


def test_resample_depth():
    v = np.outer(np.arange(11.0), np.ones(4)).astype(np.float32)
    img = image(v, step=0.1, diameter=np.linspace(8, 9, 11))
    out = resample_depth(img, 0.05)
    assert out.shape == (21, 4)
    np.testing.assert_allclose(out.depths, 100 + 0.05 * np.arange(21), atol=1e-9)
    np.testing.assert_allclose(out.values[:, 0], np.arange(21) / 2, atol=1e-5)
    np.testing.assert_allclose(out.diameter, np.linspace(8, 9, 21))
    inch = resample_depth(img, 1.2, step_unit="in")  # 0.1 ft
    np.testing.assert_allclose(inch.values, v, atol=1e-5)


def test_patches_cover_and_map_back():
    img = image(np.zeros((2000, 360)), step=0.025)
    grid = patch_grid(img, 800, 200)
    assert grid.starts.tolist() == [0, 600, 1200]
    assert grid.core.tolist() == [[0, 700], [700, 1300], [1300, 2000]]
    np.testing.assert_allclose(grid.row_to_depth(1, 10.5), 100 + 0.025 * 610.5)
    np.testing.assert_allclose(grid.depth_to_row(2, 100 + 0.025 * 1300), 100)
    assert grid.owner(img.depths).tolist() == [0] * 700 + [1] * 600 + [2] * 700
    vals, mask = grid.take(img, [2])
    assert vals.shape == (1, 800, 360) and mask.all()


def test_log_shorter_than_a_patch():
    img = image(np.ones((300, 360)), step=0.025)
    grid = patch_grid(img)
    assert len(grid) == 1
    vals, mask = grid.take(img)
    assert vals.shape == (1, 800, 360) and mask[0, :300].all() and not mask[0, 300:].any()
    assert grid.row_to_depth(0, 799) == pytest.approx(100 + 0.025 * 799)
    with pytest.raises(ValueError, match="shorter than one patch"):
        patch_grid(img, pad=False)


def test_preprocess_real_well(well):
    img, _ = well
    out = preprocess(img)
    assert out.shape == (2400, 360) and out.mask.all()
    assert 0 <= out.values.min() and out.values.max() <= 1
    assert abs(float(out.values.mean()) - 0.5) < 0.02
    with_gaps = img.replace(values=np.where(np.arange(56) < 10, -9999.0, img.values).astype(np.float32))
    out2 = preprocess(with_gaps)
    assert not out2.mask[:, :60].any() and np.isfinite(out2.values).all()


def _render(labels, h=200, w=72, radius_rows=14.0):
    """A thin line per label, at the nearest row of its sinusoid in every column."""
    from nmskit.geometry import sinusoid_depths

    img = np.zeros((h, w), np.float32)
    x = (np.arange(w) + 0.5) * 360 / w
    for row in np.rint(sinusoid_depths(labels, 2 * radius_rows, x)).astype(int):
        ok = (row >= 0) & (row < h)
        img[row[ok], np.arange(w)[ok]] = 1
    return img


def test_augmentations_move_labels_with_the_image():
    from nmskit.borehole import flip_depth, rotate_azimuth

    labels = np.array([[60.0, 55.0, 100.0], [120.0, 20.0, 300.0]])
    img = _render(labels)
    mask = np.ones_like(img, bool)
    v, _, lab = rotate_azimuth(img, mask, labels, 7)
    np.testing.assert_array_equal(v, _render(lab))
    v, m, lab = flip_depth(img, mask, labels)
    np.testing.assert_array_equal(v, _render(lab))
    assert lab[0, 0] == 139 and lab[0, 2] == 280 and m.shape == img.shape


def test_parallel_kernels_match_serial():
    """Logs of >= PARALLEL_PIXELS use the multi-threaded kernels; results are identical."""
    from nmskit.borehole.preprocessing.impute import PARALLEL_PIXELS, _fill_rows_serial
    from nmskit.borehole.preprocessing.normalize import _sliding_rank_serial, _valid_sample

    rows = PARALLEL_PIXELS // 64 + 7
    rng = np.random.default_rng(5)
    v = rng.random((rows, 64), dtype=np.float32)
    v[rng.random(v.shape) < 0.05] = -9999.0
    v[100:130] = np.nan
    big = mask_sentinels(image(v, step=0.025))
    assert big.values.size >= PARALLEL_PIXELS
    filled = impute(big)
    out, has = np.empty_like(v), np.empty(rows, bool)
    _fill_rows_serial(big.values, big.mask, out, has)
    np.testing.assert_array_equal(filled.values[has], out[has])
    norm = normalize_dynamic(filled)
    assert norm.values.shape == v.shape and np.isfinite(norm.values).all()
    ref = np.empty_like(v)
    half = int(round(2.0 / 0.025 / 2))
    lo, hi = np.percentile(_valid_sample(filled, False), [0.1, 99.9])
    _sliding_rank_serial(
        filled.values, filled.mask, float(lo), float(512 / (hi - lo)), 512, half, max(4096, 8 * half), ref
    )
    np.testing.assert_array_equal(norm.values, ref)
