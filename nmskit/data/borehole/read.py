"""One entry point for every image-log format, chosen by file suffix."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..._arrays import PathLike
from ..files import file_error, reader
from .csv_image import read_image_csv
from .dlis import read_dlis
from .las import read_las
from .npz import read_npz

if TYPE_CHECKING:
    from .image import BoreholeImage

READERS = {".csv": read_image_csv, ".csv.gz": read_image_csv, ".las": read_las, ".dlis": read_dlis, ".npz": read_npz}


@reader
def read_borehole(path: PathLike, **kwargs: Any) -> BoreholeImage:
    """Read an image log by suffix: ``.csv``/``.csv.gz`` (long CSV layout), ``.las``,
    ``.dlis`` or ``.npz``; ``kwargs`` go to the format's reader.

    Returns:
        :class:`~nmskit.data.borehole.BoreholeImage`.
    """
    name = os.fspath(path).lower()
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return READERS[suffix](path, **kwargs)
    raise file_error(path, f"unknown image-log format; expected a suffix among {sorted(READERS)}")
