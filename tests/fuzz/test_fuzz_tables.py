"""Every fuzz case must end well: a right result, or a ValueError naming the argument or file
(see harness.py for the categories; the tables are cases_api.py and cases_files.py)."""

import pytest

from . import cases_api, cases_files
from .harness import GOOD, classify

CASES = cases_api.cases() + cases_files.cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c.name}"[:120] for i, c in enumerate(CASES)])
def test_case_ends_well(case):
    category, detail = classify(case)
    assert category in GOOD, f"{case.defect} | {case.name}: {category}: {detail}"


def test_tables_cover_every_class():
    """Each class of defect from the hardening issue has cases."""
    defects = {c.defect for c in CASES}
    assert defects >= {
        "1 range",
        "2 dtype",
        "3 counts",
        "4 twins",
        "5 learned",
        "6 leniency",
        "7 readers",
        "8 silent",
        "workflow",
    }
