"""Real wells shipped with the package (see each folder's PROVENANCE.md)."""

from __future__ import annotations

import csv
import dataclasses
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from ..._checks import check_real
from .csv_image import read_image_csv
from .deviation import DeviationSurvey
from .picks import read_picks

if TYPE_CHECKING:
    from .image import BoreholeImage
    from .picks import PickTable

WELLS = {
    "48_19a-C2": ("48_19a-C2_image_13375-13435ft.csv.gz", "48_19a-C2_picks_13375-13435ft.csv"),
}
PEER_PICKS = {
    "48_19a-C2": "48_19a-C2_dippicker_13375-13435ft.csv",
}


def _folder(name: str, table: dict):
    if name not in table:
        raise ValueError(f"unknown well {name!r}; embedded wells: {sorted(table)}")
    return resources.files("nmskit.data") / "wells" / name


def load_well(name: str = "48_19a-C2") -> tuple[BoreholeImage, PickTable]:
    """An embedded real well: its image and its expert picks.

    The diameter (caliper) and the deviation survey come from the picks file, which records
    them at every pick.

    Args:
        name: a key of :data:`WELLS`.

    Returns:
        ``(image, picks)``: a :class:`BoreholeImage` and a :class:`PickTable` (depths in ft).
    """
    picks = _expert_picks(name)
    order = np.argsort(picks.depth)
    deviation = DeviationSurvey(picks.depth[order], picks.inclination[order], picks.hole_azimuth[order])
    diameter_ft = float(np.median(picks.diameter))
    with resources.as_file(_folder(name, WELLS) / WELLS[name][0]) as p:
        image = read_image_csv(p, diameter=diameter_ft * 12.0, diameter_unit="in", deviation=deviation)
    return image, picks


def load_peer_picks(name: str = "48_19a-C2", max_nfa: float = 30.0) -> PickTable:
    """The a contrario dip picker's published detections on an embedded well.

    These are another method's output (Costes et al. 2021, see the well's PROVENANCE.md), a
    peer to compare with, not labels. Each detection carries its ``nfa`` (log10 of the
    number of false alarms; smaller is more meaningful; ``score = -nfa``) and the image
    pyramid ``octave`` it was found at. Detections at octave 2 and above are scaled copies of
    octave-1 detections (an artefact of the published file) and are always dropped.

    Args:
        name: a key of :data:`PEER_PICKS`.
        max_nfa: keep detections with ``nfa < max_nfa`` (30: the authors' viewer's setting).

    Returns:
        :class:`PickTable` (depths in ft, apparent angles, the well's caliper as diameter).
    """
    max_nfa = check_real(max_nfa, "max_nfa", allow_inf=True)
    folder = _folder(name, PEER_PICKS)
    with resources.as_file(folder / PEER_PICKS[name]) as p:
        picks = read_picks(p, depth_unit="ft")
        with open(p, newline="") as f:
            rows = list(csv.DictReader(f))
    nfa = np.array([float(r["nfa"]) for r in rows])
    octave = np.array([int(r["octave"]) for r in rows])
    diameter = float(np.median(_expert_picks(name).diameter))
    picks = dataclasses.replace(picks, diameter=np.full(len(picks), diameter))
    return picks.select((octave < 2) & (nfa < max_nfa))


def _expert_picks(name: str):
    with resources.as_file(_folder(name, WELLS) / WELLS[name][1]) as p:
        return read_picks(p)
