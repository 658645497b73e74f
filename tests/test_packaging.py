"""The package as users install it: the bare install (NumPy, numba, SciPy) runs CPU
suppression and the nuScenes evaluation, imports stay lazy, and a call that needs an extra
says which one."""

import importlib.metadata
import pathlib
import subprocess
import sys

import pytest
import tomllib

import nmskit

REPO = pathlib.Path(__file__).resolve().parents[1]

BARE_RUN = """
import sys
import numpy as np
import nmskit
from nmskit.data.sim import simulate_centerpoint

rng = np.random.default_rng(0)
xy = rng.uniform(0, 100, (300, 2))
boxes = np.c_[xy, xy + rng.uniform(5, 20, (300, 2))]
scores = rng.random(300)
keep = nmskit.nms(boxes, scores, 0.5)
assert 0 < len(keep) < 300
assert len(nmskit.batched_nms(boxes, scores, rng.integers(0, 3, 300), 0.5)) >= len(keep)
assert 0 < len(nmskit.circle_nms(xy, scores, 4.0)) < 300
pre, gt = simulate_centerpoint(4, 0)
result = nmskit.evaluate.nuscenes_detection(nmskit.centerpoint_nms(pre), gt)
assert 0 < result.mean_ap < 1 and 0 < result.nds < 1
try:
    nmskit.padded_nms
except ImportError as exc:
    assert "pip install 'nmskit[torch]'" in str(exc), exc
else:
    raise AssertionError("padded_nms loaded without torch")
assert not any(m.split(".")[0] in ("torch", "matplotlib") for m in sys.modules)
from importlib.metadata import version
assert version("nmskit") == nmskit.__version__
print("bare install ok")
"""


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)


def test_import_loads_neither_torch_nor_matplotlib_and_subpackages_are_reachable():
    done = _run(
        "import sys, nmskit; f = nmskit.evaluate.nuscenes_detection; g = nmskit.nms; "
        "assert callable(f) and callable(g); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib')]; assert not bad, bad"
    )
    assert done.returncode == 0, done.stderr


def test_version_has_one_source():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nmskit.__version__"}
    assert nmskit.__version__ == "0.2.0"  # the installed metadata is checked in the fresh venv below


def test_missing_extra_is_named_only_for_nmskit_imports():
    # torch and matplotlib are hidden from the path finder, as if they were not installed
    code = (
        "import sys, importlib.machinery as m\n"
        "class Hide(m.PathFinder):\n"
        "    @classmethod\n"
        "    def find_spec(cls, name, path=None, target=None):\n"
        "        return None if name.split('.')[0] in ('torch', 'matplotlib') else super().find_spec(name, path, target)\n"
        "sys.meta_path[sys.meta_path.index(m.PathFinder)] = Hide\n"
        "import nmskit\n"
        "try:\n    import torch\nexcept ImportError as e:\n    assert 'nmskit' not in str(e), e\n"
        "try:\n    nmskit.padded_nms\nexcept ImportError as e:\n    assert \"pip install 'nmskit[torch]'\" in str(e), e\n"
        "else:\n    raise SystemExit('no ImportError')\n"
        "try:\n    import nmskit.borehole.plots\nexcept ImportError as e:\n    assert \"pip install 'nmskit[plot]'\" in str(e), e\n"
        "else:\n    raise SystemExit('no ImportError')\n"
        "print('ok')\n"
    )
    done = _run(code)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr


@pytest.mark.slow
def test_bare_install_in_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["--no-deps", str(REPO)], check=True, capture_output=True)
    core = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [req.split(">")[0].split("=")[0].split("<")[0].strip() for req in core]
    pinned = [f"{n}=={importlib.metadata.version(n)}" for n in names]  # the versions installed here
    subprocess.run(pip + pinned, check=True, capture_output=True)
    done = subprocess.run([str(venv / "bin" / "python"), "-c", BARE_RUN], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "bare install ok" in done.stdout
