"""tensorflow/models' vision ops, loaded by file path from the installed ``official``
package (``tf-models-official``), so that its package ``__init__`` files, which import
many unrelated dependencies, are never run. Used by benchmarks and tests as the peer."""

from __future__ import annotations

import importlib.util
import os
import sys
import types

# name -> path inside the ``official`` package, in import order
_MODULES = {
    "official.vision.ops.box_ops": "vision/ops/box_ops.py",
    "official.vision.ops.nms": "vision/ops/nms.py",
    "official.vision.modeling.layers.detection_generator": "vision/modeling/layers/detection_generator.py",
    "official.vision.modeling.layers.roi_generator": "vision/modeling/layers/roi_generator.py",
}
# imported by detection_generator.py, but used only by functions nmskit never calls
_STUBS = ["official.vision.modeling.layers.edgetpu", "official.vision.ops.preprocess_ops"]


def load_tf_models() -> types.SimpleNamespace:
    """Load ``box_ops``, ``nms``, ``detection_generator`` and ``roi_generator``.

    Returns:
        A namespace with those four modules as attributes. ``sys.modules`` is left as it
        was found.

    Raises:
        ImportError: if TensorFlow or tf-models-official is not installed.
    """
    import tensorflow  # noqa: F401  (fail early and clearly when TensorFlow is missing)

    spec = importlib.util.find_spec("official")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("tf-models-official is not installed (pip install --no-deps tf-models-official)")
    root = spec.submodule_search_locations[0]
    before = {name: module for name, module in sys.modules.items() if name.startswith("official")}
    loaded = types.SimpleNamespace()
    try:
        packages = {
            ".".join(name.split(".")[:depth])
            for name in _STUBS + list(_MODULES)
            for depth in range(1, name.count(".") + 1)
        }
        for name in sorted(packages) + _STUBS:  # empty stand-ins, replaced while loading
            sys.modules[name] = types.ModuleType(name)
        for name, relpath in _MODULES.items():
            spec = importlib.util.spec_from_file_location(name, os.path.join(root, relpath))
            if spec is None or spec.loader is None:
                raise ImportError(f"tensorflow/models' {relpath} could not be loaded from {root}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            parent, _, leaf = name.rpartition(".")
            setattr(sys.modules[parent], leaf, module)
            spec.loader.exec_module(module)
            setattr(loaded, leaf, module)
    finally:
        for name in [n for n in sys.modules if n.startswith("official")]:
            del sys.modules[name]
        sys.modules.update(before)
    return loaded
