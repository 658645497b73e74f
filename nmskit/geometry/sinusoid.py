"""Planes crossing a borehole, seen as sinusoids on the unrolled wall image.

A plane of apparent dip ``dip`` (angle between its pole and the hole axis) and apparent
dip azimuth ``azimuth`` crosses a hole of diameter ``d`` along

    z(x) = z0 + (d / 2) tan(dip) cos(x - azimuth)

where ``x`` is the azimuth around the hole and depth ``z`` grows downward, so the deepest
point lies at ``x = azimuth``. Angles are in degrees. ``z0``, ``z`` and ``d`` share one
length unit. In the linear form ``z0 + a cos x + b sin x`` (``a = h cos(azimuth)``,
``b = h sin(azimuth)``, ``h = (d/2) tan(dip)``) a sinusoid never wraps, which is what
fitting and distances use.

The apparent frame measures ``x`` clockwise from the high side looking down the hole (from
north in a vertical hole). An image's own column azimuths map to it by
``x = azimuth_origin + azimuth_direction * x_image``.

A pick array is ``[N, 3]``: (depth, dip, azimuth) per row.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._arrays import Array, ArrayOrTensor, like, to_numpy
from .._checks import as_float_array, check_finite, check_matrix

_RAD = np.pi / 180.0


def _frame_azimuth(x_image, azimuth_origin, azimuth_direction):
    if azimuth_direction not in (1, -1):
        raise ValueError(f"azimuth_direction must be +1 or -1, got {azimuth_direction!r}")
    return azimuth_origin + azimuth_direction * x_image


def _check_dips(dip: np.ndarray, name: str = "dip") -> None:
    if np.any((dip < 0) | (dip >= 90)):
        raise ValueError(f"{name} must lie in [0, 90) degrees; a dip of 90 has no finite sinusoid")


def _diameter(diameter, n: int | None = None, name: str = "diameter") -> np.ndarray:
    d = as_float_array(diameter, name)
    check_finite(d.reshape(-1), name)
    if np.any(d <= 0):
        raise ValueError(f"{name} must be > 0 (a zero or negative borehole diameter has no sinusoid)")
    if d.ndim > 1 or (d.ndim == 1 and n is not None and len(d) != n):
        raise ValueError(f"{name} must be a scalar or one value per pick [{n}], got shape {tuple(d.shape)}")
    return d


def sinusoid_coefficients(picks: ArrayOrTensor, diameter: ArrayOrTensor) -> ArrayOrTensor:
    """Picks -> linear coefficients ``(z0, a, b)`` of ``z0 + a cos x + b sin x`` (x in the
    apparent frame).

    Args:
        picks: ``[N, 3]`` (depth, dip in [0, 90), azimuth) in degrees.
        diameter: hole diameter in depth units, scalar or ``[N]``.

    Returns:
        ``[N, 3]`` float64 (same kind of array as ``picks``).
    """
    return like(_coefficients(picks, diameter, "picks", "diameter"), picks)


def _coefficients(picks, diameter, name: str, diameter_name: str) -> np.ndarray:
    p = check_matrix(picks, name, 3)
    _check_dips(p[:, 1], f"{name}[:, 1] (dip)")
    h = 0.5 * _diameter(diameter, len(p), diameter_name) * np.tan(p[:, 1] * _RAD)
    return np.stack([p[:, 0], h * np.cos(p[:, 2] * _RAD), h * np.sin(p[:, 2] * _RAD)], -1)


def picks_from_coefficients(coefficients: ArrayOrTensor, diameter: ArrayOrTensor) -> ArrayOrTensor:
    """Inverse of :func:`sinusoid_coefficients`: ``[N, 3]`` (z0, a, b) -> ``[N, 3]`` picks
    (depth, dip, azimuth in [0, 360))."""
    c = check_matrix(coefficients, "coefficients", 3)
    h = np.hypot(c[:, 1], c[:, 2])
    dip = np.arctan2(2.0 * h, _diameter(diameter, len(c))) / _RAD
    az = np.mod(np.arctan2(c[:, 2], c[:, 1]) / _RAD, 360.0)
    return like(np.stack([c[:, 0], dip, az], -1), coefficients)


def sinusoid_depths(
    picks: ArrayOrTensor,
    diameter: ArrayOrTensor,
    x: ArrayOrTensor,
    *,
    azimuth_origin: float = 0.0,
    azimuth_direction: int = 1,
) -> ArrayOrTensor:
    """Depth of each pick's trace at each image azimuth.

    Args:
        picks: ``[N, 3]`` (depth, dip, azimuth), apparent frame, degrees.
        diameter: hole diameter in depth units, scalar or ``[N]``.
        x: ``[K]`` image azimuths in degrees (for example column centres).
        azimuth_origin, azimuth_direction: image azimuth -> frame azimuth, see module doc.

    Returns:
        ``[N, K]`` depths.
    """
    c = sinusoid_coefficients(to_numpy(picks), diameter)
    xs = _frame_azimuth(as_float_array(x, "x").reshape(-1), azimuth_origin, azimuth_direction) * _RAD
    out = c[:, :1] + c[:, 1:2] * np.cos(xs) + c[:, 2:3] * np.sin(xs)
    return like(out, picks)


def fit_sinusoid(
    x: ArrayLike,
    z: ArrayLike,
    diameter: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    azimuth_origin: float = 0.0,
    azimuth_direction: int = 1,
) -> tuple[Array, Array | float]:
    """Least-squares sinusoid through traced points, in the linear form (it cannot wrap).

    Args:
        x: ``[K]`` image azimuths of the samples, degrees.
        z: ``[K]`` or ``[N, K]`` depths of the traced curve(s) at ``x``.
        diameter: hole diameter in depth units (scalar or ``[N]``).
        weights: optional ``[K]`` or ``[N, K]`` non-negative sample weights (0 drops a sample,
            e.g. masked pixels); each curve needs 3 samples of distinct azimuth with weight > 0.
        azimuth_origin, azimuth_direction: image azimuth -> frame azimuth.

    Returns:
        ``(picks, rms)``: picks ``[N, 3]`` (or ``[3]`` for one curve) as (depth, dip,
        azimuth), and the weighted rms residual ``[N]`` (or scalar) in depth units.
    """
    xs = _frame_azimuth(as_float_array(x, "x"), azimuth_origin, azimuth_direction) * _RAD
    zz = as_float_array(z, "z")
    single = zz.ndim == 1
    zz = np.atleast_2d(zz)
    if xs.ndim != 1 or zz.ndim != 2 or zz.shape[1] != len(xs):
        raise ValueError(f"z must be [K] or [N, K] with K = len(x) = {len(xs)}, got shape {tuple(np.shape(z))}")
    check_finite(zz, "z")
    w = np.ones_like(zz) if weights is None else np.broadcast_to(as_float_array(weights, "weights"), zz.shape)
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    design = np.stack([np.ones_like(xs), np.cos(xs), np.sin(xs)], -1)  # [K, 3]
    normal = np.einsum("nk,ki,kj->nij", w, design, design)
    rhs = np.einsum("nk,ki,nk->ni", w, design, zz)
    if np.any(np.abs(np.linalg.det(normal)) < 1e-12 * np.maximum(w.sum(1), 1) ** 3):
        raise ValueError("a curve has fewer than 3 weighted samples at distinct azimuths; cannot fit a sinusoid")
    coef = np.linalg.solve(normal, rhs[..., None])[..., 0]
    resid = zz - coef @ design.T
    rms = np.sqrt((w * resid**2).sum(1) / w.sum(1))
    picks = picks_from_coefficients(coef, diameter)
    return (picks[0], float(rms[0])) if single else (picks, rms)


def _hole_frame(inclination, hole_azimuth):
    """Unit vectors (axis down-hole, high side, right = axis x high side) in north-east-down."""
    inc, azi = inclination * _RAD, hole_azimuth * _RAD
    axis = np.stack([np.sin(inc) * np.cos(azi), np.sin(inc) * np.sin(azi), np.cos(inc)], -1)
    high = np.stack([np.cos(inc) * np.cos(azi), np.cos(inc) * np.sin(azi), -np.sin(inc)], -1)
    return axis, high, np.cross(axis, high)


def _dip_pair(dip, azimuth, inclination, hole_azimuth):
    arrays = [
        as_float_array(v, n)
        for v, n in ((dip, "dip"), (azimuth, "azimuth"), (inclination, "inclination"), (hole_azimuth, "hole_azimuth"))
    ]
    for arr, n in zip(arrays, ("dip", "azimuth", "inclination", "hole_azimuth")):
        check_finite(arr.reshape(-1), n)
    _check_dips(arrays[0])
    if np.any((arrays[2] < 0) | (arrays[2] > 180)):
        raise ValueError("inclination must lie in [0, 180] degrees")
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = [a.shape for a in arrays]
        raise ValueError(
            f"dip, azimuth, inclination and hole_azimuth must broadcast together, got shapes {shapes}"
        ) from None


def _pole_to_dip(n_down, n_a, n_b):
    """Upper-hemisphere pole components -> (dip, azimuth) in degrees."""
    flip = np.where(n_down > 0, -1.0, 1.0)
    dip = np.arccos(np.clip(-n_down * flip, -1.0, 1.0)) / _RAD
    az = np.mod(np.arctan2(n_b * flip, n_a * flip) / _RAD, 360.0)
    return dip, az


def apparent_to_true(
    dip: ArrayLike, azimuth: ArrayLike, inclination: ArrayLike, hole_azimuth: ArrayLike
) -> tuple[Array, Array]:
    """Apparent (borehole-frame) dip and azimuth -> true (geographic) dip and azimuth.

    The plane's pole is built in the hole frame (tilted by ``dip`` from the hole axis
    towards ``azimuth``, measured clockwise from the high side) and rotated into
    north-east-down coordinates with the hole's inclination and azimuth. In a vertical
    hole the high side is taken as ``hole_azimuth`` (pass 0 for north-referenced images).

    Args:
        dip, azimuth: apparent angles in degrees, broadcastable arrays (dip in [0, 90)).
        inclination: hole deviation from vertical, degrees in [0, 180].
        hole_azimuth: hole direction, degrees clockwise from north.

    Returns:
        ``(true_dip, true_azimuth)`` in degrees, true azimuth in [0, 360).
    """
    d, a, inc, azi = _dip_pair(dip, azimuth, inclination, hole_azimuth)
    axis, high, right = _hole_frame(inc, azi)
    s = np.sin(d * _RAD)[..., None]
    pole = (
        s * (np.cos(a * _RAD)[..., None] * high + np.sin(a * _RAD)[..., None] * right)
        - np.cos(d * _RAD)[..., None] * axis
    )
    return _pole_to_dip(pole[..., 2], pole[..., 0], pole[..., 1])


def true_to_apparent(
    dip: ArrayLike, azimuth: ArrayLike, inclination: ArrayLike, hole_azimuth: ArrayLike
) -> tuple[Array, Array]:
    """True dip and azimuth -> apparent (borehole-frame) ones; inverse of
    :func:`apparent_to_true`. A plane containing the hole axis has apparent dip 90, which
    has no sinusoid and is returned as 90."""
    d, a, inc, azi = _dip_pair(dip, azimuth, inclination, hole_azimuth)
    axis, high, right = _hole_frame(inc, azi)
    s = np.sin(d * _RAD)
    pole = np.stack([s * np.cos(a * _RAD), s * np.sin(a * _RAD), -np.cos(d * _RAD)], -1)
    along = (pole * axis).sum(-1)
    return _pole_to_dip(along, (pole * high).sum(-1), (pole * right).sum(-1))


def mean_abs_sinusoid(c: Array, r: Array) -> Array:
    """Mean over u of ``|c + r cos u|`` (elementwise, ``r >= 0``), in closed form: the
    sinusoid distance of two curves whose linear coefficients differ by ``(c, a, b)``
    with ``r = hypot(a, b)``."""
    safe_r = np.where(r > 0, r, 1.0)
    with np.errstate(over="ignore"):  # |c| >> r: the branch below is not used
        u0 = np.arccos(np.clip(-c / safe_r, -1.0, 1.0))
    inside = (2 * c * u0 + 2 * np.sqrt(np.maximum(r * r - c * c, 0.0)) - np.pi * c) / np.pi
    return np.where(np.abs(c) >= r, np.abs(c), inside)


def sinusoid_distance(
    picks_a: ArrayOrTensor, picks_b: ArrayOrTensor, diameter: ArrayOrTensor, diameter_b: ArrayOrTensor | None = None
) -> ArrayOrTensor:
    """Mean absolute depth difference over azimuth between every pair of sinusoids.

    Exact (closed form, no azimuth sampling): the difference of two sinusoids is
    ``c + r cos(x - psi)`` and its mean absolute value has a closed form.

    Args:
        picks_a: ``[N, 3]`` (depth, dip, azimuth).
        picks_b: ``[M, 3]``.
        diameter: hole diameter in depth units for ``picks_a`` (scalar or ``[N]``).
        diameter_b: for ``picks_b`` (scalar or ``[M]``); defaults to ``diameter`` when scalar.

    Returns:
        ``[N, M]`` distances in depth units.
    """
    if diameter_b is None:
        if np.ndim(diameter) != 0:
            raise ValueError("diameter_b is required when diameter is per pick")
        diameter_b = diameter
    ca = _coefficients(picks_a, diameter, "picks_a", "diameter")
    cb = _coefficients(picks_b, diameter_b, "picks_b", "diameter_b")
    diff = ca[:, None, :] - cb[None, :, :]
    return like(mean_abs_sinusoid(diff[..., 0], np.hypot(diff[..., 1], diff[..., 2])), picks_a)
