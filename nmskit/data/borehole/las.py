"""Image logs in LAS 2.0 via ``lasio`` (the ``las`` extra): the image is a group of curves,
one per azimuth column; LAS null values are read as NaN, so they become invalid."""

from __future__ import annotations

import re
from collections import Counter
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

_INDEX_SUFFIX = re.compile(r"[\[(:_.]?\d+[\])]?$")


def _stem(mnemonic: str) -> str:
    return _INDEX_SUFFIX.sub("", mnemonic)


@reader
def read_las(
    path: PathLike,
    *,
    image_curves: str | None = None,
    diameter_curve: str | None = None,
    diameter: float | ArrayLike | str = 8.5,
    diameter_unit: str = "in",
    deviation: DeviationSurvey | None = None,
    **image_fields: Any,
) -> BoreholeImage:
    """Read an image log from a LAS file.

    Args:
        path: file path.
        image_curves: mnemonic stem of the image curves (``"IMG"`` selects ``IMG1``,
            ``IMG[2]``, ``IMG:3``, ...). Default: the largest group of curves sharing a stem.
            They are taken in file order as azimuth columns ``(k + 0.5) * 360 / W``.
        diameter_curve: mnemonic of a caliper curve giving the diameter per row (its LAS
            unit is used); otherwise ``diameter``/``diameter_unit``.
        deviation, image_fields: passed to :class:`BoreholeImage`.

    Returns:
        :class:`BoreholeImage` ``[H, W]``.
    """
    try:
        import lasio
    except ImportError:
        raise missing_extra("las", "lasio", "LAS") from None
    try:
        las = lasio.read(path)
    except Exception as exc:  # lasio raises many types for malformed files
        raise file_error(path, f"not a readable LAS file ({type(exc).__name__}: {exc})") from None
    curves = las.curves[1:]
    stems = Counter(_stem(c.mnemonic) for c in curves)
    stem = image_curves if image_curves is not None else (stems.most_common(1)[0][0] if stems else None)
    chosen = [c for c in curves if _stem(c.mnemonic) == stem]
    if len(chosen) < 3:
        raise file_error(
            path, f"no image: curves with stem {stem!r} number {len(chosen)}, need >= 3 (stems present: {dict(stems)})"
        )
    try:
        depth_unit = canonical_unit(las.curves[0].unit or "")
    except ValueError:
        raise file_error(
            path, f"unknown depth unit {las.curves[0].unit!r} of index curve {las.curves[0].mnemonic!r}"
        ) from None
    if diameter_curve is not None:
        if diameter_curve not in las.keys():
            raise file_error(path, f"no diameter curve {diameter_curve!r} among {las.keys()}")
        diameter = np.asarray(las[diameter_curve], np.float64)
        diameter_unit = las.curves[diameter_curve].unit
    depths = np.asarray(las.index, np.float64)
    if np.any(np.diff(depths) <= 0):
        k = int(np.argmax(np.diff(depths) <= 0)) + 1
        raise file_error(
            path, f"depths are not strictly increasing: {depths[k]:g} follows {depths[k - 1]:g} (data row {k + 1})"
        )
    well = las.well["WELL"].value if "WELL" in las.well else ""
    image_fields.setdefault("well", str(well))
    image_fields.setdefault("value_unit", chosen[0].unit)
    return BoreholeImage(
        values=np.stack([np.asarray(c.data, np.float64) for c in chosen], 1),
        depths=depths,
        depth_unit=depth_unit,
        diameter=diameter,
        diameter_unit=diameter_unit,
        deviation=deviation,
        **image_fields,
    )
