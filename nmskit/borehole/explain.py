"""Where one detection looked: the attention rollout of its query drawn over the patch.

The rollout (:meth:`FractureDETR.attention_maps`) lives on the transformer's token grid,
``ceil(patch / (16 * downsample))`` cells in each direction (50 x 23 for the default
configuration, 13 x 6 for the shipped one). It is drawn as that grid of flat cells over
the patch, never interpolated or smoothed: each cell covers ``16 * downsample`` pixels in
each direction (the last row and column are cut at the patch edge), and the figure states
that factor, read from the actual patch and map shapes.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from matplotlib.figure import Figure

from .models.detr import FractureDETR
from .preprocessing.scale import ROWS_PER_DIAMETER

BACKBONE_STRIDE = 16


def cell_edges(model: FractureDETR, grid_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
    """Pixel edges of the rollout cells.

    Args:
        model: the detector (its patch shape and input pooling).
        grid_shape: ``(h, w)`` of the rollout maps actually returned.

    Returns:
        ``(row_edges [h + 1], column_edges [w + 1], pixels_per_cell)``.

    Raises:
        ValueError: when the map shape is not ``ceil(patch / pixels_per_cell)``.
    """
    cfg = model.config
    per_cell = BACKBONE_STRIDE * cfg.downsample
    h, w = grid_shape
    if (math.ceil(cfg.patch_height / per_cell), math.ceil(cfg.patch_width / per_cell)) != (h, w):
        raise ValueError(
            f"a {h} x {w} map does not tile a {cfg.patch_height} x {cfg.patch_width} patch "
            f"in cells of {per_cell} pixels"
        )
    rows = np.minimum(np.arange(h + 1) * per_cell, cfg.patch_height)
    cols = np.minimum(np.arange(w + 1) * per_cell, cfg.patch_width)
    return rows, cols, per_cell


def explain_patch(model: FractureDETR, patch: np.ndarray, query: int | None = None, threshold: float = 0.5) -> Figure:
    """A figure of one patch and the rollout map of one query.

    Args:
        model: the detector.
        patch: ``[patch_height, patch_width]`` prepared values in [0, 1].
        query: the query to explain (default: the highest-scoring one).
        threshold: detections drawn on the left panel are those above it.

    Returns:
        A matplotlib :class:`Figure`: left, the patch with the detections' sinusoids (the
        explained one highlighted); right, the patch under the query's rollout cells.
    """
    patch = np.asarray(patch, np.float32)
    every = model.predict(patch, 0.0)[0]  # all queries: scores [Q] by query
    scores = np.zeros(model.config.num_queries)
    scores[every["query"]] = every["scores"]
    q = int(scores.argmax()) if query is None else int(query)
    if not 0 <= q < model.config.num_queries:
        raise ValueError(f"query must lie in [0, {model.config.num_queries}), got {query}")
    maps = model.attention_maps(patch)[0, q].numpy()  # [h, w]
    rows, cols, per_cell = cell_edges(model, maps.shape)
    picks = model.predict(patch, threshold)[0]
    h, w = patch.shape
    radius_rows = ROWS_PER_DIAMETER / 2
    x = np.arange(w) + 0.5
    fig = Figure(figsize=(8, 6.5))
    axes = fig.subplots(1, 2, sharey=True)
    for ax in axes:
        ax.imshow(patch, cmap="gray", aspect="auto", interpolation="nearest", extent=[0, w, h, 0])
        ax.set_xlabel("column (azimuth, 1 px = 1 deg)")
    axes[0].set_ylabel("row (px)")
    for k in range(len(picks["row"])):
        amp = radius_rows * np.tan(np.radians(picks["dip"][k]))
        z = picks["row"][k] + amp * np.cos(np.radians(x * 360.0 / w - picks["azimuth"][k]))
        mine = picks["query"][k] == q
        axes[0].plot(x, z, color="#e0218a" if mine else "#00b4d8", lw=2.0 if mine else 0.8)
    axes[0].set_title(f"{len(picks['row'])} detections (p > {threshold:g})", fontsize=9)
    mesh = axes[1].pcolormesh(cols, rows, maps, cmap="magma", alpha=0.6, shading="flat")
    fig.colorbar(mesh, ax=axes[1], fraction=0.05, label="rollout share")
    axes[1].set_title(
        f"query {q} (p = {float(scores[q]):.2f}): rollout on a {maps.shape[0]} x {maps.shape[1]} "
        f"grid,\n1 cell = {per_cell} x {per_cell} px of the {h} x {w} patch",
        fontsize=9,
    )
    axes[0].set_ylim(h, 0)
    fig.tight_layout()
    return fig


def explain_log(image, top: float | None = None, query: int | None = None, model: FractureDETR | None = None) -> Figure:
    """:func:`explain_patch` for the patch of a raw log that starts at depth ``top``.

    Args:
        image: the raw log (:class:`nmskit.data.borehole.BoreholeImage`); it is prepared
            with :func:`nmskit.borehole.prepare_log` first.
        top: the patch's top depth in the log's unit (default: the first row).
        query: the query to explain (default: the highest-scoring one).
        model: the detector (default: the shipped DETR).
    """
    from .picking.patchwise import shipped_model
    from .preprocessing.scale import prepare_log

    if model is None:
        model = cast(FractureDETR, shipped_model("detr"))
    prepared = prepare_log(image)
    start = 0 if top is None else int(np.searchsorted(prepared.depths, top))
    patch = prepared.values[start : start + model.config.patch_height]
    if len(patch) < model.config.patch_height:
        raise ValueError(
            f"top: {top!r} leaves {len(patch)} prepared rows, fewer than one patch ({model.config.patch_height})"
        )
    return explain_patch(model, patch, query)
