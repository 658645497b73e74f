"""Optional dependencies. ``pip install nmskit`` brings NumPy, numba and SciPy: CPU
suppression, geometry, the formats and the nuScenes evaluation. torch, matplotlib and ray
come with extras (``nmskit[torch]``, ``nmskit[plot]``, ``nmskit[ray]``, or ``nmskit[all]``).

When nmskit code imports one of them and it is missing, the import fails with a
``ModuleNotFoundError`` (an ``ImportError``) that names the extra to install. Imports made
by other packages are left alone.
"""

from __future__ import annotations

import importlib.abc
import sys
from types import FrameType

EXTRAS = {"torch": "torch", "safetensors": "torch", "matplotlib": "plot", "ray": "ray"}


class _MissingExtra(importlib.abc.MetaPathFinder):
    """Consulted last, i.e. only for modules no other finder has: names the extra."""

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in EXTRAS and _imported_by_nmskit():
            raise ModuleNotFoundError(
                f"this part of nmskit needs {top}, which is not installed: "
                f"pip install 'nmskit[{EXTRAS[top]}]' (or 'nmskit[all]')",
                name=fullname,
            )
        return None


def _imported_by_nmskit() -> bool:
    """Whether the innermost frame outside the import machinery belongs to nmskit."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(("importlib", "_frozen_importlib", __name__)):
            return name == "nmskit" or name.startswith("nmskit.")
        frame = frame.f_back
    return False


def install() -> None:
    """Append the finder to ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _MissingExtra) for f in sys.meta_path):
        sys.meta_path.append(_MissingExtra())
