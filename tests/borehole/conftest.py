"""Fixtures for the borehole tests: the embedded real well, loaded once."""

import pytest


@pytest.fixture(scope="session")
def well():
    from nmskit.data.borehole import load_well

    return load_well("48_19a-C2")
