"""``BoreholeImage``: an unrolled borehole-wall image with its depth and azimuth axes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..._checks import as_float_array, check_finite, check_real
from ...geometry.units import canonical_unit, length_factor
from .deviation import DeviationSurvey


def column_azimuths(width: int) -> np.ndarray:
    """Centres of ``width`` equal azimuth bins: ``(k + 0.5) * 360 / width`` degrees, ``[width]``."""
    return (np.arange(width) + 0.5) * (360.0 / width)


def check_azimuths(azimuths: ArrayLike, width: int) -> np.ndarray:
    """Column azimuths must be increasing, in [0, 360), and spaced evenly around the whole
    circle (spacing 360 / width, the wrap-around gap included)."""
    az = as_float_array(azimuths, "azimuths")
    if az.shape != (width,):
        raise ValueError(f"azimuths must have shape [{width}] (one per image column), got {tuple(az.shape)}")
    check_finite(az, "azimuths")
    step = 360.0 / width
    gaps = np.diff(np.concatenate([az, az[:1] + 360.0]))
    if np.any(az < 0) or np.any(az >= 360) or np.any(np.abs(gaps - step) > 0.01 * step):
        raise ValueError(
            f"azimuths must cover 360 degrees evenly: {width} increasing columns in [0, 360) "
            f"spaced {step:g} degrees apart (wrap-around included); got {az.min():g} to "
            f"{az.max():g} with gaps from {gaps.min():g} to {gaps.max():g}"
        )
    return az


@dataclass(frozen=True, init=False)
class BoreholeImage:
    """A borehole image log, rows by depth and columns by azimuth.

    Attributes:
        values: ``[H, W]`` float32 measurements (invalid pixels may hold anything).
        depths: ``[H]`` strictly increasing row depths, in ``depth_unit``.
        azimuths: ``[W]`` column-centre azimuths in degrees, increasing and evenly covering
            360 (default ``(k + 0.5) * 360 / W``).
        mask: ``[H, W]`` bool, True where a value is valid. Non-finite values are always
            invalid, and so are values beyond float32's range (+-3.4e38); sentinel values are
            masked by :func:`nmskit.borehole.mask_sentinels`.
        depth_unit: length unit of depths (``ft``, ``m``, ...).
        value_unit: unit of the measurement (free text, e.g. ``ohm.m``).
        well: well name.
        diameter: hole diameter in ``diameter_unit``, a scalar or ``[H]`` per row; > 0.
        diameter_unit: length unit of the diameter.
        deviation: optional :class:`DeviationSurvey` for apparent -> true dip conversion.
        azimuth_origin, azimuth_direction: column azimuth -> apparent-frame azimuth (the
            frame measures clockwise from the high side): ``origin + direction * azimuth``.
    """

    values: np.ndarray
    depths: np.ndarray
    azimuths: np.ndarray
    mask: np.ndarray
    depth_unit: str
    value_unit: str
    well: str
    diameter: float | np.ndarray
    diameter_unit: str
    deviation: DeviationSurvey | None
    azimuth_origin: float
    azimuth_direction: int
    metadata: dict = field(compare=False)

    def __init__(
        self,
        values: ArrayLike,
        depths: ArrayLike,
        azimuths: ArrayLike | None = None,
        mask: ArrayLike | None = None,
        depth_unit: str = "ft",
        value_unit: str = "",
        well: str = "",
        diameter: float | ArrayLike = 8.5,
        diameter_unit: str = "in",
        deviation: DeviationSurvey | None = None,
        azimuth_origin: float = 0.0,
        azimuth_direction: int = 1,
        metadata: dict | None = None,
    ) -> None:
        # The attributes hold the validated forms (arrays filled in, units canonical); the
        # arguments may be any array-like, or None for the defaults derived from the values.
        given = dict(
            values=values,
            depths=depths,
            azimuths=azimuths,
            mask=mask,
            depth_unit=depth_unit,
            value_unit=value_unit,
            well=well,
            diameter=diameter,
            diameter_unit=diameter_unit,
            deviation=deviation,
            azimuth_origin=azimuth_origin,
            azimuth_direction=azimuth_direction,
            metadata={} if metadata is None else metadata,
        )
        for name, value in given.items():
            object.__setattr__(self, name, value)
        self._validate()

    def _validate(self) -> None:
        values = as_float_array(self.values, "values")
        if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] < 3:
            raise ValueError(f"values must be a [depth, azimuth] image with >= 3 columns, got shape {values.shape}")
        h, w = values.shape
        depths = as_float_array(self.depths, "depths")
        if depths.shape != (h,):
            raise ValueError(f"depths must have shape [{h}] (one per image row), got {tuple(depths.shape)}")
        check_finite(depths, "depths")
        if np.any(np.diff(depths) <= 0):
            i = int(np.argmax(np.diff(depths) <= 0))
            raise ValueError(
                f"depths must be strictly increasing; row {i + 1} ({depths[i + 1]:g}) follows row {i} ({depths[i]:g})"
            )
        az = column_azimuths(w) if self.azimuths is None else check_azimuths(self.azimuths, w)
        with np.errstate(over="ignore"):  # beyond float32's +-3.4e38 a value becomes inf: invalid
            values = values.astype(np.float32, copy=False)
        finite = np.isfinite(values)
        if self.mask is None:
            mask = finite
        else:
            mask = np.asarray(self.mask)
            if mask.shape != (h, w) or mask.dtype != bool:
                raise ValueError(f"mask must be a bool array of shape {(h, w)}, got {mask.dtype} {mask.shape}")
            mask = mask & finite
        diameter = as_float_array(self.diameter, "diameter")
        if diameter.ndim > 1 or (diameter.ndim == 1 and diameter.shape != (h,)):
            raise ValueError(f"diameter must be a scalar or one value per row [{h}], got shape {diameter.shape}")
        check_finite(diameter.reshape(-1), "diameter")
        if np.any(diameter <= 0):
            raise ValueError("diameter must be > 0 everywhere: a zero or negative borehole diameter is not a hole")
        if isinstance(self.azimuth_direction, bool) or self.azimuth_direction not in (1, -1):
            raise ValueError(f"azimuth_direction must be +1 or -1, got {self.azimuth_direction!r}")
        if self.deviation is not None and not isinstance(self.deviation, DeviationSurvey):
            raise ValueError("deviation must be a DeviationSurvey or None")
        set_ = lambda k, v: object.__setattr__(self, k, v)
        set_("values", values)
        set_("depths", depths)
        set_("azimuths", az)
        set_("mask", mask)
        set_("depth_unit", canonical_unit(self.depth_unit, "depth_unit"))
        set_("diameter_unit", canonical_unit(self.diameter_unit, "diameter_unit"))
        set_("diameter", float(diameter) if diameter.ndim == 0 else diameter)
        set_("azimuth_origin", check_real(self.azimuth_origin, "azimuth_origin"))

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)``."""
        return self.values.shape

    @property
    def step(self) -> float:
        """Median depth step between rows (0 for a one-row image)."""
        return float(np.median(np.diff(self.depths))) if len(self.depths) > 1 else 0.0

    def diameter_in_depth_units(self) -> np.ndarray:
        """Diameter per row, ``[H]``, converted to ``depth_unit``."""
        d = np.broadcast_to(np.asarray(self.diameter, np.float64), self.depths.shape)
        return d * length_factor(self.diameter_unit, self.depth_unit)

    def frame_azimuths(self) -> np.ndarray:
        """Column azimuths in the apparent frame, ``[W]`` degrees in [0, 360)."""
        return np.mod(self.azimuth_origin + self.azimuth_direction * self.azimuths, 360.0)

    def replace(self, **changes: Any) -> BoreholeImage:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def derive(self, **changes: Any) -> BoreholeImage:
        """A copy with some fields changed, *without* validation: for library steps that
        keep every invariant (same shape, a bool mask, finite values where valid). It saves
        full passes over large logs; use :meth:`replace` for anything else."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def rows(self, start: int, stop: int) -> BoreholeImage:
        """The depth interval of rows ``[start, stop)`` (diameter sliced along)."""
        d = self.diameter if isinstance(self.diameter, float) else self.diameter[start:stop]
        return self.replace(
            values=self.values[start:stop], depths=self.depths[start:stop], mask=self.mask[start:stop], diameter=d
        )

    def interval(self, top: float, bottom: float) -> BoreholeImage:
        """Rows with ``top <= depth < bottom`` (depth units)."""
        lo, hi = np.searchsorted(self.depths, [top, bottom])
        if hi <= lo:
            raise ValueError(
                f"interval [{top}, {bottom}) holds no rows of a log spanning "
                f"{self.depths[0]:g} to {self.depths[-1]:g} {self.depth_unit}"
            )
        return self.rows(int(lo), int(hi))
