"""Figures of image logs and picks (matplotlib, no pyplot state): an interval with picks
drawn as sinusoids, and a tadpole plot of dip against depth."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data.borehole.image import BoreholeImage
from ..data.borehole.picks import PickTable
from ..geometry.sinusoid import sinusoid_depths

PRED_COLOUR = "#00b4d8"
TRUE_COLOUR = "#e0218a"
IMAGE_CMAP = "YlOrBr_r"  # conductive dark, resistive light, as interpreters show them


def _in_unit(picks: PickTable, unit: str) -> PickTable:
    return picks if picks.depth_unit in (None, unit) else picks.in_unit(unit)


def draw_image(ax, image: BoreholeImage, cmap: str = IMAGE_CMAP) -> None:
    """The image on ``ax``: azimuth across (degrees), depth down (log units); invalid
    pixels are left blank."""
    half = image.step / 2 if image.step > 0 else 0.5
    shown = np.ma.masked_array(image.values, ~image.mask)
    ax.imshow(
        shown,
        cmap=cmap,
        aspect="auto",
        interpolation="nearest",
        extent=[0, 360, image.depths[-1] + half, image.depths[0] - half],
    )
    ax.set_xlim(0, 360)
    ax.set_xticks([0, 90, 180, 270, 360])
    ax.set_xlabel("azimuth (deg)")
    ax.set_ylabel(f"depth ({image.depth_unit})")


def draw_sinusoids(ax, image: BoreholeImage, picks: PickTable, colour: str, label: str, lw: float = 1.0) -> None:
    """Each pick's trace over the image (in the image's azimuth frame and depth unit)."""
    p = _in_unit(picks, image.depth_unit)
    inside = (p.depth >= image.depths[0] - 5 * image.step) & (p.depth <= image.depths[-1] + 5 * image.step)
    p = p.select(inside)
    if len(p) == 0:
        return
    x = np.linspace(0, 360, 181)
    diameter = np.where(
        np.isfinite(p.diameter), p.diameter, np.interp(p.depth, image.depths, image.diameter_in_depth_units())
    )
    frame_x = image.azimuth_origin + image.azimuth_direction * x
    z = sinusoid_depths(p.apparent(), diameter, frame_x)
    for k, zz in enumerate(z):
        ax.plot(x, zz, color=colour, lw=lw, label=label if k == 0 else None)


def draw_tadpoles(ax, picks: PickTable, colour: str, label: str, depth_unit: str, angles: str = "apparent") -> None:
    """Dip (x) against depth (y, down), with a tail pointing to the dip azimuth (north or
    the high side up, clockwise)."""
    p = _in_unit(picks, depth_unit)
    dip, az = (p.apparent_dip, p.apparent_azimuth) if angles == "apparent" else (p.true_dip, p.true_azimuth)
    ax.scatter(dip, p.depth, s=14, color=colour, label=label, zorder=3)
    ax.quiver(
        dip,
        p.depth,
        np.sin(np.radians(az)),
        np.cos(np.radians(az)),
        color=colour,
        angles="uv",
        pivot="tail",
        scale=40,
        width=0.004,
        headwidth=0,
        headlength=0,
        headaxislength=0,
        zorder=2,
    )
    ax.set_xlim(0, 90)
    ax.set_xlabel(f"{angles} dip (deg)")


def plot_log_with_picks(
    image: BoreholeImage,
    picks: PickTable | None = None,
    truth: PickTable | None = None,
    *,
    top: float | None = None,
    bottom: float | None = None,
    tadpoles: bool = True,
    title: str | None = None,
    height: float = 9.0,
) -> Figure:
    """An interval of a (preprocessed) log with predicted and true picks as sinusoids in two
    colours, and optionally a tadpole plot beside it, depth in the log's units.

    Args:
        image: the log to show (normally :func:`nmskit.borehole.preprocess` output).
        picks: predicted picks (cyan); truth: reference picks (magenta).
        top, bottom: depth interval (log units); default the whole log.
        tadpoles: add the tadpole panel.
        title: figure title (default: the well name and interval).
        height: figure height in inches.

    Returns:
        A matplotlib ``Figure`` (save it with ``fig.savefig(path)``).
    """
    lo = image.depths[0] if top is None else top
    hi = image.depths[-1] + image.step if bottom is None else bottom
    part = image.interval(lo, hi)
    fig = Figure(figsize=(7.5 if tadpoles else 4.5, height), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2]) if tadpoles else [fig.subplots()]
    draw_image(axes[0], part)
    for table, colour, label in ((truth, TRUE_COLOUR, "reference"), (picks, PRED_COLOUR, "predicted")):
        if table is None:
            continue
        draw_sinusoids(axes[0], part, table, colour, label, lw=1.4 if colour == TRUE_COLOUR else 1.0)
        if tadpoles:
            t = _in_unit(table, part.depth_unit)
            sel = t.select((t.depth >= part.depths[0]) & (t.depth <= part.depths[-1]))
            draw_tadpoles(axes[1], sel, colour, label, part.depth_unit)
    axes[0].set_ylim(part.depths[-1] + part.step / 2, part.depths[0] - part.step / 2)
    if picks is not None or truth is not None:
        axes[-1].legend(loc="lower right", fontsize=8)
    fig.suptitle(title or f"{part.well or 'log'}  {part.depths[0]:g}-{part.depths[-1]:g} {part.depth_unit}")
    return fig


def plot_patches(images, titles, *, height: float = 6.0) -> Figure:
    """Several images side by side, rendered alike (same colour map, azimuth 0-360, each in
    its own depth units); for comparing real and synthetic patches."""
    fig = Figure(figsize=(2.2 * len(images) + 0.5, height), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(images)))
    for ax, img, title in zip(axes, images, titles):
        draw_image(ax, img)
        ax.set_title(title, fontsize=9)
    return fig
