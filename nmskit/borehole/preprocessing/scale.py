"""The detector's input scale, and the one preparation every log gets before the detector.

``FractureDETR`` reads sinusoid amplitudes in pixels, and an apparent dip is
``atan(amplitude / radius)``, so a pixel amplitude means one dip only at one ratio of hole
diameter to depth step. The detector is trained and applied at
``ROWS_PER_DIAMETER = 8.5 in / 0.3 in`` (about 28.3 rows across the hole: an 8.5 in hole
logged every 0.025 ft, the embedded well's native sampling), with 360 azimuth columns.
Every log, synthetic or real, is resampled in depth to ``diameter / ROWS_PER_DIAMETER``
(the median diameter) before patches are cut.
"""

from __future__ import annotations

import numpy as np

from ...data.borehole.image import BoreholeImage
from .pipeline import preprocess

ROWS_PER_DIAMETER = 8.5 / 0.3
WIDTH = 360


def detector_step(image: BoreholeImage) -> float:
    """Depth step (in the log's depth unit) that puts ``ROWS_PER_DIAMETER`` rows across the
    log's median hole diameter."""
    return float(np.median(image.diameter_in_depth_units())) / ROWS_PER_DIAMETER


def prepare_log(image: BoreholeImage) -> BoreholeImage:
    """Sentinels masked, depth resampled to :func:`detector_step`, gaps imputed, 2 ft dynamic
    normalisation, azimuth resampled to 360 columns.

    Args:
        image: raw ``[H, W]`` log.

    Returns:
        :class:`BoreholeImage` ``[H', 360]``, values in [0, 1], ``H' = extent / step + 1``.
    """
    step = detector_step(image)
    if len(image.depths) < 2 or abs(image.step - step) <= 1e-6 * step:
        return preprocess(image, width=WIDTH)
    return preprocess(image, width=WIDTH, step=step)
