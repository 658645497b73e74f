"""Synthetic borehole image logs with labelled sinusoids, for training and testing pickers.

An image is rendered in log-resistivity at the tool's own azimuth resolution, then
exponentiated, so it goes through the same reading, masking and preprocessing chain as a
real log. The ingredients, in drawing order:

- **Layered background**: one bedding family (dip and azimuth jittered per boundary, so
  beds thin out), layer thicknesses drawn from an exponential law, a resistivity level
  per layer, a smooth texture inside layers and a small-scale 2-D texture.
- **Fractures** across 0-85 degrees of apparent dip: conductive (dark) or resistive,
  with random thickness, contrast and continuity (partial traces miss arcs).
- **Borehole effects**: breakouts (two conductive bands 180 degrees apart), vugs, a
  diameter that varies with depth (washouts change the sinusoid amplitude).
- **Tool effects**: blur, multiplicative noise, pad gaps (FMI/CMI), sentinel stretches,
  and "stuck" stretches where one row repeats (both seen on real logs). Two artefacts of real
  logs that bias a detector's dips when it has never seen them (docs/detr.md, "the
  synthetic-real gap"): **sector stripes**, a per-column gain that persists down the log and
  drifts slowly (an LWD tool bins one sensor into sectors; pads have button gains), scaled to
  the log's own contrast; and **seams**, horizontal discontinuities where the tool's depth
  jumped (stick-slip, depth matching) and a few rows of formation are missing.

Labels are the sinusoids a geologist would pick: every fracture whose trace covers at
least half of the circle, and every bed boundary with a clear contrast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter, gaussian_filter1d

from .._checks import check_count
from .borehole.deviation import DeviationSurvey
from .borehole.image import BoreholeImage, column_azimuths
from .borehole.picks import PickTable


@dataclass(frozen=True)
class Tool:
    """An imaging tool's acquisition: native columns, depth step (ft), share of the circle
    its pads cover, number of pads, blur (sigma in rows, columns), the largest sector-stripe
    level (standard deviation of the per-column log-gain, as a share of the log's own
    log-resistivity spread) and the largest rate of depth seams (per foot)."""

    width: int
    step_ft: float
    coverage: float
    pads: int
    blur: tuple[float, float]
    stripes: float
    seams_per_ft: float


TOOLS = {
    "lwd": Tool(width=56, step_ft=0.025, coverage=1.0, pads=1, blur=(1.2, 0.4), stripes=0.1, seams_per_ft=3.0),
    "fmi": Tool(width=192, step_ft=0.1 / 12, coverage=0.8, pads=8, blur=(0.8, 0.7), stripes=0.06, seams_per_ft=0.3),
    "cmi": Tool(width=176, step_ft=0.1 / 12, coverage=0.82, pads=8, blur=(0.8, 0.7), stripes=0.06, seams_per_ft=0.3),
}
SEAM_FT = (0.05, 0.25)  # formation lost at one seam

_RAD = np.pi / 180


def _sinusoid_rows(z0_rows, dip, az, radius_rows, x):
    """Row position ``[K, W]`` of K sinusoids at column azimuths ``x`` (degrees)."""
    amp = radius_rows * np.tan(dip * _RAD)
    return z0_rows[:, None] + amp[:, None] * np.cos((x[None, :] - az[:, None]) * _RAD)


def _background(rng, rows, x, radius_rows, step_ft, bed_dip_range, bed_spacing_ft):
    """Layered log-resistivity ``[H, W]`` and bed boundaries ``[K, 4]`` (row, dip, az, contrast)."""
    dip0 = rng.uniform(*bed_dip_range)
    az0 = rng.uniform(0, 360)
    amp_max = float(radius_rows.max()) * np.tan(min(dip0 + 4, 86) * _RAD)
    span = rows + 2 * amp_max + 20
    mean_rows = bed_spacing_ft / step_ft
    thick = rng.exponential(mean_rows, size=int(span / mean_rows * 2) + 8) + 0.15 * mean_rows
    pos = -amp_max - 10 + np.cumsum(thick)
    pos = pos[pos < rows + amp_max + 10]
    k = len(pos)
    dips = np.clip(dip0 + rng.normal(0, 1.5, k), 0, 85)
    azs = az0 + rng.normal(0, 4, k)
    levels = 0.5 * np.cumsum(rng.normal(0, 0.3, k + 1)) + rng.normal(0, 0.35, k + 1)
    r_at = np.interp(np.clip(pos, 0, rows - 1), np.arange(rows), radius_rows)
    z = np.sort(_sinusoid_rows(pos, dips, azs, r_at, x), axis=0)  # crossing beds thin out
    row = np.arange(rows, dtype=np.float64)
    idx = np.stack([np.searchsorted(z[:, j], row) for j in range(len(x))], 1)
    field = levels[idx]
    # texture inside layers: smooth along the stratigraphic coordinate, plus 2-D grain
    strat = row[:, None] - (radius_rows[:, None] * np.tan(dip0 * _RAD)) * np.cos((x[None, :] - az0) * _RAD)
    grid = np.arange(int(strat.min()) - 2, int(strat.max()) + 3)
    wiggle = gaussian_filter1d(rng.normal(0, 1, len(grid)), rng.uniform(2, 6)) * 1.6
    field += 0.12 * np.interp(strat, grid, wiggle)
    # grain that follows the bedding: 2-D noise indexed by (stratigraphic row, column),
    # drawn on a grid coarser in depth by ``f`` rows (well below its correlation length)
    grain_rows, grain_cols = rng.uniform(0.03, 0.1) / step_ft, rng.uniform(5, 20) / (360 / len(x))
    f = max(1, int(grain_rows // 4))
    noise2d = gaussian_filter(
        rng.normal(0, 1, (len(grid) // f + 2, len(x))),
        (grain_rows / f, grain_cols),
        mode=("nearest", "wrap"),
        truncate=3.0,
    )
    noise2d /= noise2d.std() + 1e-9
    coarse = np.clip(np.round((strat - grid[0]) / f).astype(np.int64), 0, len(noise2d) - 1)
    field += rng.uniform(0.15, 0.35) * noise2d[coarse, np.arange(len(x))[None, :]]
    # eccentred tool or standoff: a slow azimuthal trend that drifts with depth
    phase = rng.uniform(0, 360) + np.cumsum(rng.normal(0, 0.5, len(row)))
    amp = rng.uniform(0, 0.35) * (1 + 0.5 * gaussian_filter1d(rng.normal(0, 1, len(row)), 0.5 / step_ft) * 5)
    field += amp[:, None] * np.cos((x[None, :] - phase[:, None]) * _RAD)
    contrast = np.abs(np.diff(levels))
    return field, np.stack([pos, dips, np.mod(azs, 360), contrast], 1)


def _draw_fractures(rng, field, x, radius_rows, step_ft, density, dip_range):
    """Add fractures to ``field`` in place; returns labels ``[F, 3]`` (row, dip, az)."""
    rows, width = field.shape
    n = rng.poisson(density * rows * step_ft)
    labels = []
    for _ in range(n):
        dip = rng.uniform(*dip_range)
        az = rng.uniform(0, 360)
        z0 = rng.uniform(0, rows - 1)
        r = np.interp(z0, np.arange(rows), radius_rows)
        zc = _sinusoid_rows(np.array([z0]), np.array([dip]), np.array([az]), np.array([r]), x)[0]
        half = max(0.6, rng.lognormal(np.log(0.05), 0.5) / step_ft) / 2  # ~0.05 ft wide, varying
        contrast = rng.uniform(0.3, 1.2) * (1 if rng.random() < 0.3 else -1)  # most are conductive
        visible = np.ones(width, bool)
        if rng.random() < 0.5:  # partial trace: lose one or two arcs
            for _ in range(rng.integers(1, 3)):
                start = rng.integers(0, width)
                visible[(start + np.arange(int(rng.uniform(0.1, 0.35) * width))) % width] = False
        lo = int(max(0, np.floor(zc.min() - 4 * half - 2)))
        hi = int(min(rows, np.ceil(zc.max() + 4 * half + 3)))
        if hi <= lo:
            continue
        band = np.arange(lo, hi, dtype=np.float64)[:, None]
        profile = np.exp(-0.5 * ((band - zc[None, :]) / half) ** 2)
        field[lo:hi] += contrast * profile * (visible * rng.uniform(0.6, 1.0, width))[None, :]
        if visible.mean() >= 0.5:
            labels.append((z0, dip, az))
    return np.array(labels, np.float64).reshape(-1, 3)


def _borehole_effects(rng, field, x, step_ft):
    rows, width = field.shape
    if rng.random() < 0.3:  # breakouts: two conductive bands 180 degrees apart
        a = rng.uniform(0, 180)
        w = rng.uniform(10, 30)
        top = rng.integers(0, rows)
        length = int(rng.uniform(0.5, 4) / step_ft)
        ragged = gaussian_filter1d(rng.normal(0, 1, rows), 3) * 4
        for centre in (a, a + 180):
            d = np.abs(np.mod(x[None, :] - centre - ragged[:, None] + 180, 360) - 180)
            band = (d < w / 2) & (np.arange(rows)[:, None] >= top) & (np.arange(rows)[:, None] < top + length)
            field -= rng.uniform(0.6, 1.4) * gaussian_filter(band.astype(float), (2, 0.6), mode=("nearest", "wrap"))
    for _ in range(rng.poisson(rows * step_ft * rng.uniform(0, 1.0))):  # vugs: dark blobs
        cz, cx = rng.uniform(0, rows), rng.uniform(0, 360)
        rz, rx = rng.uniform(0.02, 0.08) / step_ft, rng.uniform(3, 10)
        zz = np.arange(max(0, int(cz - 3 * rz)), min(rows, int(cz + 3 * rz) + 1))
        dx = np.mod(x - cx + 180, 360) - 180
        blob = np.exp(-0.5 * (((zz[:, None] - cz) / rz) ** 2 + (dx[None, :] / rx) ** 2))
        field[zz] -= rng.uniform(0.4, 1.2) * blob


def _sector_stripes(rng, rows, width, level):
    """``[H, W]`` log-gain of each column: a fixed pattern plus a second one that fades in and
    out with depth, standard deviation about ``level``."""
    fixed, drift = rng.normal(0, level, (2, width))
    t = np.sin(np.linspace(0, rng.uniform(0.5, 3) * np.pi, rows) + rng.uniform(0, 2 * np.pi))
    return fixed[None, :] * np.sqrt(0.75) + 0.5 * t[:, None] * drift[None, :]


def _seams(rng, rows, spec: Tool):
    """Kept source rows ``[rows]`` of a log rendered taller, with a few rows missing at each
    seam (the tool's depth jumped), and the number of source rows to render."""
    rate = rng.uniform(0, spec.seams_per_ft)
    lost = []
    for _ in range(rng.poisson(rate * rows * spec.step_ft)):
        lost.append((rng.uniform(0, rows), max(1, int(rng.uniform(*SEAM_FT) / spec.step_ft))))
    total = rows + sum(k for _, k in lost)
    keep = np.ones(total, bool)
    for at, k in lost:
        start = int(at * total / rows)
        keep[start : start + k] = False
    kept = np.flatnonzero(keep)[:rows]
    return kept, total


def _diameter(rng, rows, step_ft, base_in):
    """Hole diameter per row in inches: gauge plus smooth washouts."""
    wash = gaussian_filter1d(rng.normal(0, 1, rows), 1.0 / step_ft)
    wash = wash / (np.abs(wash).max() + 1e-9) * rng.uniform(0, 0.08)
    return base_in * (1 + np.abs(wash))


def synthesize_borehole(
    rows: int = 800,
    seed: int | Sequence[int] = 0,
    *,
    tool: str = "lwd",
    top: float = 1000.0,
    diameter_in: float = 8.5,
    bed_dip_range: tuple[float, float] = (0.0, 75.0),
    bed_spacing_ft: float = 0.4,
    fracture_density: float = 0.5,
    fracture_dip_range: tuple[float, float] = (0.0, 85.0),
    bed_contrast: float = 0.25,
    noise: float = 0.05,
    gaps: bool = True,
    deviation: DeviationSurvey | None = None,
) -> tuple[BoreholeImage, PickTable]:
    """A labelled synthetic image log.

    Args:
        rows: H, depth rows.
        seed: same seed, same log (images and labels); an int or a sequence of ints, as
            ``numpy.random.default_rng`` takes.
        tool: ``"lwd"`` (56 columns, 0.025 ft, full coverage), ``"fmi"`` (192 columns, 0.1 in,
            8 pads covering 80 %) or ``"cmi"`` (176 columns, 8 pads, 82 %).
        top: depth of the first row (ft).
        diameter_in: gauge hole diameter (washouts only enlarge it).
        bed_dip_range: apparent dip range of the bedding family, degrees.
        bed_spacing_ft: mean bed thickness.
        fracture_density: mean fractures per foot.
        fracture_dip_range: apparent dip range of fractures (within [0, 85]).
        bed_contrast: minimum log-resistivity step for a bed boundary to be labelled.
        noise: multiplicative noise level (log units).
        gaps: draw the tool's artefacts: pad gaps, sentinel and stuck stretches, sector
            stripes and depth seams.
        deviation: optional survey, to fill the picks' true dip and azimuth.

    Returns:
        ``(image, picks)``: a raw :class:`BoreholeImage` ``[rows, tool width]`` in ohm.m
        (pad gaps NaN, sentinel stretches -9999, depth in ft, per-row diameter in inches) and a
        :class:`PickTable` with classes ``fracture`` and ``bed``, sorted by depth.
    """
    rows = check_count(rows, "rows", allow_none=False, sizes_output=True)
    if rows < 2:
        raise ValueError(f"rows must be >= 2, got {rows}")
    if tool not in TOOLS:
        raise ValueError(f"tool must be one of {sorted(TOOLS)}, got {tool!r}")
    for name, (lo, hi) in (("bed_dip_range", bed_dip_range), ("fracture_dip_range", fracture_dip_range)):
        if not 0 <= lo <= hi <= 85:
            raise ValueError(f"{name} must satisfy 0 <= low <= high <= 85, got {(lo, hi)}")
    spec = TOOLS[tool]
    rng = np.random.default_rng(seed)
    x = column_azimuths(spec.width)
    out_rows = rows
    kept, rows = _seams(rng, out_rows, spec) if gaps else (np.arange(rows), rows)
    diam_in = _diameter(rng, rows, spec.step_ft, diameter_in)
    radius_rows = diam_in / 24.0 / spec.step_ft  # (d / 2) in rows
    field, beds = _background(rng, rows, x, radius_rows, spec.step_ft, bed_dip_range, bed_spacing_ft)
    field += rng.normal(1.2, 0.3)
    fractures = _draw_fractures(rng, field, x, radius_rows, spec.step_ft, fracture_density, fracture_dip_range)
    _borehole_effects(rng, field, x, spec.step_ft)
    field = gaussian_filter(field, spec.blur, mode=("nearest", "wrap"))
    if gaps:
        field += _sector_stripes(rng, rows, spec.width, rng.uniform(0, spec.stripes) * field.std())
    field += rng.normal(0, noise, field.shape) + gaussian_filter1d(rng.normal(0, noise, rows), 1.0)[:, None]
    beds = beds[(beds[:, 0] >= 0) & (beds[:, 0] <= rows - 1) & (beds[:, 3] >= bed_contrast)]
    labels = np.concatenate([fractures, beds[:, :3]])
    # seams: the rows in between are lost; a label whose centre row is lost is dropped
    centre = np.clip(np.round(labels[:, 0]).astype(np.int64), 0, rows - 1)
    present = np.zeros(rows, bool)
    present[kept] = True
    shift = centre - np.searchsorted(kept, centre)  # rows lost above each label
    is_fracture = (np.arange(len(labels)) < len(fractures))[present[centre]]
    labels = np.column_stack([labels[:, 0] - shift, labels[:, 1:]])[present[centre]]
    field, diam_in, rows = field[kept], diam_in[kept], out_rows
    values = np.exp(field)
    blind = _tool_gaps(rng, values, spec) if gaps else np.zeros(rows, bool)
    classes = np.where(is_fracture, "fracture", "bed").astype(object)
    seen = ~blind[np.clip(np.round(labels[:, 0]).astype(np.int64), 0, rows - 1)]
    order = np.argsort(labels[:, 0], kind="stable")
    order = order[seen[order]]
    labels, classes = labels[order], classes[order]
    depths = top + spec.step_ft * np.arange(rows)
    pick_depth = top + spec.step_ft * labels[:, 0]
    diam_ft = np.interp(labels[:, 0], np.arange(rows), diam_in) / 12.0
    picks = PickTable.from_arrays(
        np.column_stack([pick_depth, labels[:, 1], labels[:, 2]]), classes=classes, depth_unit="ft", diameter=diam_ft
    )
    if deviation is not None:
        inc, azi = deviation.at(pick_depth)
        picks = picks.with_true(inc, azi)
    image = BoreholeImage(
        values.astype(np.float32),
        depths,
        depth_unit="ft",
        value_unit="ohm.m",
        well=f"synthetic-{tool}-{seed}",
        diameter=diam_in,
        diameter_unit="in",
        deviation=deviation,
        metadata={"tool": tool, "seed": seed},
    )
    return image, picks


def _tool_gaps(rng, values, spec: Tool):
    """Pad gaps (NaN columns), sentinel stretches (-9999 rows) and stuck stretches, in
    place; returns ``[H]`` bool, True on rows where nothing can be picked."""
    rows, width = values.shape
    blind = np.zeros(rows, bool)
    if spec.pads > 1:
        per_pad = width // spec.pads
        gap = int(round(per_pad * (1 - spec.coverage)))
        cols = (np.arange(width) % per_pad) >= per_pad - gap
        values[:, np.roll(cols, rng.integers(0, per_pad))] = np.nan
    if rng.random() < 0.25:
        top = rng.integers(0, rows)
        stop = top + int(rng.uniform(0.2, 2.0) / spec.step_ft)
        values[top:stop] = -9999.0
        blind[top:stop] = True
    if rng.random() < 0.1:
        top = rng.integers(0, rows)
        stop = top + int(rng.uniform(0.5, 3.0) / spec.step_ft)
        values[top:stop] = values[top]
        blind[top:stop] = True
    return blind
