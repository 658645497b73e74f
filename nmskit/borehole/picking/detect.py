"""Whole-log dip picking by a chosen method: the classical Hough picker, the DETR-style
detector or the dense detector with sinusoid NMS (shipped weights; see docs/detr.md and
docs/dense.md)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...data.borehole.image import BoreholeImage
from ...data.borehole.picks import PickTable
from ..preprocessing.mask import DEFAULT_SENTINELS, mask_sentinels
from ..preprocessing.pipeline import preprocess
from ..preprocessing.scale import prepare_log
from .hough import WIDTH, hough_picks

METHODS = ("hough", "detr", "dense")


def detect_picks(
    image: BoreholeImage, method: str = "hough", sentinels: Sequence[float] = DEFAULT_SENTINELS, **options: Any
) -> PickTable:
    """Pick sinusoids on a raw log.

    Args:
        image: the log as read (sentinels, gaps and all).
        method: ``"hough"`` (:func:`nmskit.borehole.picking.hough.hough_picks`), ``"detr"`` or
            ``"dense"``
            (:func:`nmskit.borehole.picking.patchwise.log_picks` with that shipped detector).
        sentinels: values that mean "absent".
        options: passed to the method.

    Returns:
        :class:`PickTable` in the log's depth unit (true angles filled when the log has a
        deviation survey). A log without any valid pixel gives no picks and a warning.
    """
    _check_image(image)
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if not mask_sentinels(image, sentinels).mask.any():
        warnings.warn(
            f"the log has no valid pixel ({image.depths[0]:g}-{image.depths[-1]:g} "
            f"{image.depth_unit}, all null or sentinel): no picks",
            stacklevel=2,
        )
        return PickTable.from_arrays(np.zeros((0, 3)), depth_unit=image.depth_unit)
    if method != "hough":
        from .patchwise import log_picks  # loads torch

        return log_picks(image, method, **options)
    return hough_picks(image, **options)


def picker_view(image: BoreholeImage, method: str = "hough") -> BoreholeImage:
    """The prepared image that ``method`` picks on (for figures of what it saw): the Hough
    picker's 72-column preprocessing, or the detectors' :func:`prepare_log`."""
    _check_image(image)
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if method == "hough":
        return preprocess(image, width=WIDTH)
    return prepare_log(image)


def _check_image(image) -> None:
    if not isinstance(image, BoreholeImage):
        raise ValueError(f"image must be a BoreholeImage (see nmskit.data.read_borehole), got {type(image).__name__}")
