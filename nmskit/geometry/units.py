"""Length units for depths, diameters and tolerances, and their conversion factors."""

from __future__ import annotations

import re

from .._checks import check_positive

#: metres per unit
LENGTH_UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "ft": 0.3048, "in": 0.0254}

_ALIASES = {
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "feet": "ft",
    "foot": "ft",
    "f": "ft",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "'": "ft",
}


def canonical_unit(unit: str, name: str = "unit") -> str:
    """A length unit spelled any common way (``"FT"``, ``"feet"``, ``"m"``) -> its key in
    :data:`LENGTH_UNITS`; raises ``ValueError`` naming ``name`` for anything else."""
    key = str(unit).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in LENGTH_UNITS:
        raise ValueError(f"{name}: unknown length unit {unit!r}; use one of {sorted(LENGTH_UNITS)}")
    return key


def length_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a length in ``from_unit`` by this to get it in ``to_unit``."""
    return LENGTH_UNITS[canonical_unit(from_unit, "from_unit")] / LENGTH_UNITS[canonical_unit(to_unit, "to_unit")]


def parse_length(text: str | float, name: str = "length", default_unit: str | None = None) -> tuple[float, str]:
    """``"8.5in"``, ``"0.2159 m"`` or a bare number (with ``default_unit``) -> ``(value, unit)``;
    the value must be > 0."""
    match = re.fullmatch(r"\s*([-+0-9.eE]+)\s*([A-Za-z\"']*)\s*", str(text))
    if match is None:
        raise ValueError(f"{name} must be a number with a unit such as '8.5in', got {text!r}")
    value, unit = match.group(1), match.group(2) or default_unit
    if unit is None:
        raise ValueError(f"{name} needs a unit (for example '8.5in' or '0.216m'), got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number with a unit such as '8.5in', got {text!r}") from None
    return check_positive(number, name), canonical_unit(unit, name)
