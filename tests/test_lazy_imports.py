"""Importing a subpackage and reaching its torch-free names does not import torch."""
import subprocess
import sys

import pytest

CASES = {
    "nmskit.borehole": ["preprocess", "hough_picks", "detect_picks", "patch_grid", "METHODS"],
}


@pytest.mark.parametrize("package", sorted(CASES))
def test_subpackage_loads_without_torch(package):
    names = ", ".join(f"pkg.{n}" for n in CASES[package])
    code = (f"import sys, importlib; pkg = importlib.import_module({package!r}); {names}; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_borehole_names_resolve_to_functions():
    import nmskit.borehole as borehole
    from nmskit.borehole.training.loop import train

    assert borehole.train is train and callable(borehole.fit)
    assert set(borehole.__all__) >= {"FractureDETR", "DenseFractureDetector", "train", "preprocess"}
