"""A classical, model-free dip picker: edge detection, a Hough search over sinusoids, a
least-squares refinement, then sinusoid NMS. It is the NMS-based reference for the
fracture detector.

1. **Edges.** The log is preprocessed (sentinels masked, gaps imputed, dynamic
   normalisation) at a modest azimuth resolution, and its derivative along depth is taken
   with a Gaussian (sigma in rows), normalised by the local rms edge strength over
   ``edge_window`` of depth. Bed boundaries and fracture edges are depth edges whose sign
   holds all around the hole. Masked pixels contribute nothing.
2. **Hough.** For every (dip, azimuth) on a grid, every centre row gets the mean signed
   edge strength along its sinusoid (in units of the edge map's standard deviation).
   Local maxima of its absolute value over (dip, azimuth, row) above ``threshold`` are
   candidates.
3. **Least squares.** Each candidate is re-traced: in every column, the strongest edge of
   the same sign within ``search_rows`` of the curve is taken, and a sinusoid is fitted to
   those points in the linear form (weighted by edge strength).
4. **NMS.** Candidates are suppressed greedily by sinusoid distance
   (:func:`nmskit.sinusoid_nms`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.ndimage import gaussian_filter, maximum_filter, uniform_filter1d

from ..._checks import check_positive
from ...data.borehole.image import BoreholeImage
from ...data.borehole.picks import PickTable
from ...geometry.sinusoid import fit_sinusoid
from ...geometry.units import length_factor
from ...suppress.sinusoid import sinusoid_nms
from ..preprocessing.pipeline import preprocess

_RAD = np.pi / 180


@njit(cache=True)
def _accumulate(edges, shifts, out):
    """``out[s, z]`` = mean over columns x of ``edges[z + shifts[s, x], x]`` (0 outside)."""
    n_shift, w = shifts.shape
    h = edges.shape[0]
    for s in range(n_shift):
        for z in range(h):
            acc = 0.0
            for x in range(w):
                r = z + shifts[s, x]
                if 0 <= r < h:
                    acc += edges[r, x]
            out[s, z] = acc / w


@njit(cache=True)
def _trace(edges, rows, sign, reach, out_rows, out_weight):
    """Per column, the row of the strongest same-sign edge within ``reach`` of ``rows``."""
    h, w = edges.shape
    for x in range(w):
        centre = int(round(rows[x]))
        best, best_r = 0.0, -1
        for r in range(max(0, centre - reach), min(h, centre + reach + 1)):
            v = sign * edges[r, x]
            if v > best:
                best, best_r = v, r
        out_rows[x] = best_r if best_r >= 0 else rows[x]
        out_weight[x] = best


def edge_map(image: BoreholeImage, sigma: float = 1.5, window_rows: int = 80) -> np.ndarray:
    """Depth derivative of a preprocessed image, ``[H, W]`` float32; invalid pixels are 0.

    Each row is divided by the rms edge strength of the ``window_rows`` rows around it (local
    contrast normalisation: faint boundaries in quiet intervals count as much as sharp ones
    in busy intervals), then the whole map is scaled to unit standard deviation.
    """
    edges = gaussian_filter(image.values.astype(np.float64), (sigma, 0.5), order=(1, 0), mode=("nearest", "wrap"))
    edges[~image.mask] = 0.0
    power = uniform_filter1d((edges**2).mean(1), size=max(1, int(window_rows)), mode="nearest")
    rms = np.sqrt(np.maximum(power, 0.0))  # the running mean of zeros can round to -1e-20
    edges /= np.maximum(rms, 1e-6)[:, None]
    std = edges[image.mask].std() if image.mask.any() else 1.0
    return (edges / (std if std > 0 else 1.0)).astype(np.float32)


WIDTH = 72  # azimuth columns of the search


def hough_picks(
    image: BoreholeImage,
    *,
    width: int = WIDTH,
    sigma: float = 1.5,
    dip_step: float = 2.0,
    max_dip: float = 84.0,
    threshold: float = 1.0,
    min_separation: float = 2.0,
    nms_distance: float = 0.06,
    nms_unit: str = "m",
    search_rows: int = 3,
    edge_window: float = 2.0,
    edge_window_unit: str = "ft",
    preprocessed: bool = False,
) -> PickTable:
    """Pick sinusoids on an image log without a model.

    Args:
        image: raw log (or an already preprocessed one with ``preprocessed=True``).
        width: azimuth columns used for the search (the log is resampled to it).
        sigma: edge-detector scale along depth, rows.
        dip_step: dip grid step, degrees (azimuth grid step is 360 / width).
        max_dip: largest apparent dip searched.
        threshold: minimum mean edge strength along a sinusoid, in edge standard deviations.
        min_separation: candidates must be local maxima over +-this many rows (and
            neighbouring dips and azimuths).
        nms_distance, nms_unit: sinusoid-NMS distance threshold (default 6 cm).
        search_rows: least-squares re-tracing reach, rows.
        edge_window, edge_window_unit: depth window of the local edge normalisation.
        preprocessed: skip the preprocessing (values already normalised to [0, 1]).

    Returns:
        :class:`PickTable` in the log's depth unit, by depth; ``score`` is the edge
        strength along the refined sinusoid; class ``unknown`` (edges do not tell beds from
        fractures); true angles filled when the log has a deviation survey. The search uses
        the log's median diameter; each pick's dip is read with the diameter at its depth.
    """
    if not isinstance(image, BoreholeImage):
        raise ValueError(f"image must be a BoreholeImage, got {type(image).__name__}")
    check_positive(dip_step, "dip_step")
    check_positive(threshold, "threshold")
    if not 0 < max_dip < 90:
        raise ValueError(f"max_dip must lie in (0, 90), got {max_dip}")
    img = image if preprocessed else preprocess(image, width=width)
    window = check_positive(edge_window, "edge_window") * length_factor(edge_window_unit, img.depth_unit)
    edges = edge_map(img, sigma, int(round(window / img.step)) if img.step > 0 else 1)
    h, w = edges.shape
    radius_rows = float(np.median(img.diameter_in_depth_units())) / 2 / img.step
    x = img.frame_azimuths()
    dips = np.arange(0.0, max_dip + 1e-9, dip_step)
    azis = np.arange(w) * (360.0 / w)
    amp = radius_rows * np.tan(dips * _RAD)
    shifts = np.rint(amp[:, None, None] * np.cos((x[None, None, :] - azis[None, :, None]) * _RAD))
    shifts = shifts.reshape(-1, w).astype(np.int64)
    acc = np.empty((len(shifts), h), np.float32)
    _accumulate(edges, shifts, acc)
    strength = np.abs(acc).reshape(len(dips), w, h)
    peaks = strength == maximum_filter(
        strength, size=(3, 3, 2 * int(min_separation) + 1), mode=("nearest", "wrap", "nearest")
    )
    di, ai, zi = np.nonzero(peaks & (strength >= threshold))
    if len(zi) == 0:
        return _table(img, np.zeros((0, 3)), np.zeros(0))
    sign = np.sign(acc.reshape(len(dips), w, h)[di, ai, zi])
    cand_rows = zi[:, None] + amp[di][:, None] * np.cos((x[None, :] - azis[ai][:, None]) * _RAD)
    traced = np.empty_like(cand_rows)
    weight = np.empty_like(cand_rows)
    for k in range(len(zi)):
        _trace(edges, cand_rows[k], float(sign[k]), int(search_rows), traced[k], weight[k])
    ok = (weight > 0).sum(1) >= max(3, w // 3)
    traced, weight, sign = traced[ok], weight[ok], sign[ok]
    if len(traced) == 0:
        return _table(img, np.zeros((0, 3)), np.zeros(0))
    fit, _ = fit_sinusoid(
        img.azimuths,
        traced,
        2 * radius_rows,
        weights=weight + 1e-6,
        azimuth_origin=img.azimuth_origin,
        azimuth_direction=img.azimuth_direction,
    )
    fit[:, 1] = np.minimum(fit[:, 1], max_dip)
    score = _strength_along(edges, _curve_rows(fit, radius_rows, x)) * sign
    # the refined curve must still follow an edge of its sign, centred inside the log
    good = (score > 0) & (fit[:, 0] >= 0) & (fit[:, 0] <= h - 1)
    fit, score = fit[good], score[good]
    rows = np.arange(h)
    diameter = np.interp(fit[:, 0], rows, img.diameter_in_depth_units())
    amplitude = radius_rows * np.tan(fit[:, 1] * _RAD) * img.step  # depth units
    dip = np.arctan2(2 * amplitude, diameter) / _RAD  # read with the local diameter
    depth_picks = np.column_stack([np.interp(fit[:, 0], rows, img.depths), dip, fit[:, 2]])
    distance = check_positive(nms_distance, "nms_distance") * length_factor(nms_unit, img.depth_unit)
    keep = sinusoid_nms(depth_picks, score, diameter, distance, score_threshold=threshold)
    return _table(img, depth_picks[keep], score[keep])


def _curve_rows(fit, radius_rows, x):
    return fit[:, :1] + radius_rows * np.tan(fit[:, 1:2] * _RAD) * np.cos((x[None, :] - fit[:, 2:3]) * _RAD)


def _strength_along(edges, rows):
    """Mean signed edge value along curves ``rows [N, W]`` (nearest row, 0 outside)."""
    h, w = edges.shape
    r = np.rint(rows).astype(np.int64)
    inside = (r >= 0) & (r < h)
    vals = np.where(inside, edges[np.clip(r, 0, h - 1), np.arange(w)[None, :]], 0.0)
    return vals.mean(1)


def _table(img: BoreholeImage, picks: np.ndarray, score: np.ndarray) -> PickTable:
    order = np.argsort(picks[:, 0], kind="stable")
    picks, score = picks[order], score[order]
    diameter = np.interp(picks[:, 0], img.depths, img.diameter_in_depth_units())
    table = PickTable.from_arrays(picks, score=score, classes="unknown", depth_unit=img.depth_unit, diameter=diameter)
    if img.deviation is not None and len(table):
        inc, azi = img.deviation.at(table.depth)
        table = table.with_true(inc, azi)
    return table
