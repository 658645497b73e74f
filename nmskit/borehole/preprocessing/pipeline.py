"""The standard preparation of a log for viewing, picking and the detector."""

from __future__ import annotations

from collections.abc import Sequence

from ...data.borehole.image import BoreholeImage
from .impute import impute
from .mask import DEFAULT_SENTINELS, mask_sentinels
from .normalize import normalize_dynamic, normalize_static
from .resample import resample_azimuth, resample_depth


def preprocess(
    image: BoreholeImage,
    *,
    width: int | None = 360,
    step: float | None = None,
    step_unit: str | None = None,
    sentinels: Sequence[float] = DEFAULT_SENTINELS,
    normalization: str = "dynamic",
    window: float = 2.0,
    window_unit: str = "ft",
    log: bool = False,
) -> BoreholeImage:
    """Mask sentinels, resample depth, impute gaps, normalise, resample azimuth.

    Args:
        image: raw ``[H, W]`` log.
        width: output columns (360 for the detector; None keeps W).
        step: output depth step in ``step_unit`` (None keeps the rows).
        sentinels: values that mean "absent" (see :func:`mask_sentinels`).
        normalization: ``"dynamic"`` (sliding-window rank equalisation), ``"static"``
            (percentile stretch) or ``"none"``.
        window, window_unit: the dynamic window (default 2 ft).
        log: normalise ``log(value)`` (resistivity-like values).

    Returns:
        :class:`BoreholeImage` ``[H', width]``, values in [0, 1] unless ``"none"``; the mask
        keeps which pixels were measured.
    """
    if normalization not in ("dynamic", "static", "none"):
        raise ValueError(f"normalization must be 'dynamic', 'static' or 'none', got {normalization!r}")
    out = mask_sentinels(image, sentinels)
    if step is not None:
        out = resample_depth(out, step, step_unit)
    out = impute(out)
    if normalization == "dynamic":
        out = normalize_dynamic(out, window, window_unit, log=log)
    elif normalization == "static":
        out = normalize_static(out, log=log)
    if width is not None:
        out = resample_azimuth(out, width)
    return out
