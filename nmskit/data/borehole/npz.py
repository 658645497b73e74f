"""Image logs as NumPy ``.npz`` archives (no pickles): arrays plus scalar fields."""

from __future__ import annotations

import os
import zipfile
from typing import Any

import numpy as np

from ..._arrays import PathLike
from ..files import atomic_write, file_error, reader
from .deviation import DeviationSurvey
from .image import BoreholeImage

_TEXT = ("depth_unit", "value_unit", "well", "diameter_unit")


def save_npz(image: BoreholeImage, path: PathLike) -> None:
    """Write ``image`` to ``path`` (``.npz``), readable by :func:`read_npz`."""
    arrays: dict[str, Any] = dict(
        values=image.values,
        mask=image.mask,
        depths=image.depths,
        azimuths=image.azimuths,
        diameter=np.asarray(image.diameter),
        azimuth_origin=np.asarray(image.azimuth_origin),
        azimuth_direction=np.asarray(image.azimuth_direction),
    )
    arrays.update({k: np.asarray(getattr(image, k)) for k in _TEXT})
    if image.deviation is not None:
        arrays.update(
            deviation_depths=image.deviation.depths,
            deviation_inclination=image.deviation.inclination,
            deviation_azimuth=image.deviation.azimuth,
        )
    target = os.fspath(path) if os.fspath(path).endswith(".npz") else os.fspath(path) + ".npz"  # as NumPy names it
    with atomic_write(target, "wb") as f:
        np.savez_compressed(f, **arrays)


@reader
def read_npz(path: PathLike, **overrides: Any) -> BoreholeImage:
    """Read an ``.npz`` with at least ``values [H, W]`` and ``depths [H]``; optional
    ``mask``, ``azimuths``, ``diameter``, ``depth_unit``, ``value_unit``, ``well``,
    ``diameter_unit``, ``azimuth_origin``, ``azimuth_direction`` and
    ``deviation_{depths,inclination,azimuth}``. Keyword ``overrides`` replace stored fields."""
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise file_error(path, f"not a readable .npz archive ({exc})") from None
    missing = [k for k in ("values", "depths") if k not in data]
    if missing:
        raise file_error(path, f"missing arrays {missing} (found {sorted(data)})")
    fields = {k: data[k] for k in ("values", "depths", "mask", "azimuths") if k in data}
    fields.update({k: str(data[k]) for k in _TEXT if k in data})
    if "diameter" in data:
        fields["diameter"] = data["diameter"] if data["diameter"].ndim else float(data["diameter"])
    for key, kind in (("azimuth_origin", float), ("azimuth_direction", int)):
        if key in data:
            if data[key].shape != () or data[key].dtype.kind not in "iuf":
                raise file_error(
                    path, f"{key} must be a single number, got {data[key].dtype} of shape {data[key].shape}"
                )
            fields[key] = kind(data[key])
    if "deviation_depths" in data:
        fields["deviation"] = DeviationSurvey(
            data["deviation_depths"], data["deviation_inclination"], data["deviation_azimuth"]
        )
    fields.update(overrides)
    try:
        return BoreholeImage(**fields)
    except ValueError as exc:
        raise file_error(path, str(exc)) from None
