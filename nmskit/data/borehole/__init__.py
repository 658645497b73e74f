"""Borehole image logs and dip picks: the ``BoreholeImage`` container, readers for CSV,
LAS (``lasio``), DLIS (``dlisio``) and NumPy ``.npz``, and pick tables in CSV.

Every reader raises a ``ValueError`` naming the file, the line (where there is one) and
the problem. A missing optional package names the extra to install.
"""

from .csv_image import read_image_csv, write_image_csv
from .deviation import DeviationSurvey
from .dlis import read_dlis
from .image import BoreholeImage, column_azimuths
from .las import read_las
from .npz import read_npz, save_npz
from .picks import PICK_COLUMNS, PickTable, read_picks, write_picks
from .read import read_borehole
from .wells import PEER_PICKS, WELLS, load_peer_picks, load_well

__all__ = [
    "PEER_PICKS",
    "PICK_COLUMNS",
    "WELLS",
    "BoreholeImage",
    "DeviationSurvey",
    "PickTable",
    "column_azimuths",
    "load_peer_picks",
    "load_well",
    "read_borehole",
    "read_dlis",
    "read_image_csv",
    "read_las",
    "read_npz",
    "read_picks",
    "save_npz",
    "write_image_csv",
    "write_picks",
]
