"""Importing a subpackage and reaching its torch-free names does not import torch."""

import subprocess
import sys

import pytest

CASES = {
    "nmskit.borehole": ["preprocess", "hough_picks", "detect_picks", "patch_grid", "METHODS"],
    "nmskit.learned": ["__all__"],
    "nmskit.setpred": ["__all__"],
    "nmskit.nn": ["__all__"],
}


@pytest.mark.parametrize("package", sorted(CASES))
def test_subpackage_loads_without_torch(package):
    names = ", ".join(f"pkg.{n}" for n in CASES[package])
    code = (
        f"import sys, importlib; pkg = importlib.import_module({package!r}); {names}; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("package", sorted(CASES))
def test_every_public_name_resolves(package):
    import importlib

    pkg = importlib.import_module(package)
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None, name


def test_names_are_the_functions_not_modules():
    import nmskit.borehole as borehole
    import nmskit.nn as nn
    from nmskit.borehole.training.run import fit
    from nmskit.nn.engine import train

    assert nn.train is train and borehole.fit is fit
