"""A deviation survey: hole inclination and azimuth against measured depth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..._arrays import Array
from ..._checks import check_vector

_RAD = np.pi / 180.0


@dataclass(frozen=True)
class DeviationSurvey:
    """Hole direction along the well.

    Attributes:
        depths: ``[S]`` strictly increasing measured depths (the log's depth unit).
        inclination: ``[S]`` degrees from vertical, in [0, 180].
        azimuth: ``[S]`` degrees clockwise from north.
    """

    depths: np.ndarray
    inclination: np.ndarray
    azimuth: np.ndarray

    def __post_init__(self):
        d = check_vector(self.depths, "deviation depths")
        inc = check_vector(self.inclination, "deviation inclination", len(d), like="deviation depths")
        azi = check_vector(self.azimuth, "deviation azimuth", len(d), like="deviation depths")
        if len(d) == 0:
            raise ValueError("a deviation survey needs at least one station")
        if np.any(np.diff(d) <= 0):
            raise ValueError("deviation depths must be strictly increasing")
        if np.any((inc < 0) | (inc > 180)):
            raise ValueError("deviation inclination must lie in [0, 180] degrees")
        object.__setattr__(self, "depths", d)
        object.__setattr__(self, "inclination", inc)
        object.__setattr__(self, "azimuth", np.mod(azi, 360.0))

    @classmethod
    def constant(cls, inclination: float, azimuth: float) -> DeviationSurvey:
        """A straight hole: one station, used at every depth."""
        return cls(np.zeros(1), np.array([float(inclination)]), np.array([float(azimuth)]))

    def at(self, depths: ArrayLike) -> tuple[Array, Array]:
        """Inclination and azimuth at ``depths`` ``[N]``: linear between stations (azimuth
        interpolated on the circle), held constant beyond the ends.

        Returns:
            ``(inclination [N], azimuth [N])`` in degrees.
        """
        z = np.asarray(depths, np.float64)
        inc = np.interp(z, self.depths, self.inclination)
        c = np.interp(z, self.depths, np.cos(self.azimuth * _RAD))
        s = np.interp(z, self.depths, np.sin(self.azimuth * _RAD))
        return inc, np.mod(np.arctan2(s, c) / _RAD, 360.0)
