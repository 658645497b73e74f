"""Image logs in DLIS (RP66 v1) via ``dlisio`` (the ``dlis`` extra): an image is a frame
channel with one value per azimuth column per frame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ..._arrays import PathLike
from ...geometry.units import canonical_unit
from ..files import file_error, reader
from .errors import missing_extra
from .image import BoreholeImage

if TYPE_CHECKING:
    from .deviation import DeviationSurvey


def _find_image(path, logical_files, channel):
    """First (logical file, frame, channel) whose channel is named ``channel`` or, by
    default, is the first one with more than one value per frame."""
    for lf in logical_files:
        for frame in lf.frames:
            for ch in frame.channels:
                size = int(np.prod(ch.dimension)) if ch.dimension else 1
                if (channel is None and size > 1) or ch.name == channel:
                    return lf, frame, ch
    raise file_error(
        path, f"no image channel {'(a channel with >1 value per frame)' if channel is None else repr(channel)}"
    )


@reader
def read_dlis(
    path: PathLike,
    *,
    channel: str | None = None,
    diameter: float | ArrayLike | str = 8.5,
    diameter_unit: str = "in",
    deviation: DeviationSurvey | None = None,
    **image_fields: Any,
) -> BoreholeImage:
    """Read an image log from a DLIS file.

    Args:
        path: file path.
        channel: name of the image channel (default: the first multi-valued channel). Its
            frame's index channel gives the depths; its values per frame are the azimuth
            columns ``(k + 0.5) * 360 / W``. Absent values (e.g. -999.25) are kept as read,
            for :func:`nmskit.borehole.mask_sentinels`.
        diameter, diameter_unit, deviation, image_fields: passed to :class:`BoreholeImage`.

    Returns:
        :class:`BoreholeImage` ``[H, W]``, rows sorted by increasing depth.
    """
    try:
        from dlisio import dlis
    except ImportError:
        raise missing_extra("dlis", "dlisio", "DLIS") from None
    try:
        files = dlis.load(path)
    except Exception as exc:
        raise file_error(path, f"not a readable DLIS file ({type(exc).__name__}: {exc})") from None
    with files as logical_files:
        lf, frame, ch = _find_image(path, logical_files, channel)
        curves = frame.curves()
        index = frame.channels[0]
        depths = np.asarray(curves[index.name], np.float64)
        values = np.asarray(curves[ch.name], np.float64).reshape(len(depths), -1)
        well = lf.origins[0].well_name if lf.origins else ""
        try:
            depth_unit = canonical_unit(index.units or "")
        except ValueError:
            raise file_error(path, f"unknown depth unit {index.units!r} of index channel {index.name!r}") from None
        value_unit = ch.units or ""
    if len(depths) > 1 and depths[-1] < depths[0]:  # logged upward
        depths, values = depths[::-1], values[::-1]
    if np.any(np.diff(depths) <= 0):
        k = int(np.argmax(np.diff(depths) <= 0)) + 1
        raise file_error(path, f"depths are not monotonic: {depths[k]:g} follows {depths[k - 1]:g} (frame {k + 1})")
    image_fields.setdefault("well", str(well or ""))
    image_fields.setdefault("value_unit", value_unit)
    return BoreholeImage(
        values=values,
        depths=depths,
        depth_unit=depth_unit,
        diameter=diameter,
        diameter_unit=diameter_unit,
        deviation=deviation,
        **image_fields,
    )
