"""Imports point one way: every nmskit module imports only from its own layer or lower ones.

Layers, lowest first: the private helpers (``_checks``, ``_arrays``, ...); geometry; data
(formats and simulators: no metrics, no suppression); suppress and evaluate; nn; learned
and setpred; borehole; batch; and at the top bench, demo, the report and the CLI, which
nothing below imports. ``nmskit/__init__`` exposes every layer and is not checked.
"""

import ast
import pathlib

import nmskit

ROOT = pathlib.Path(nmskit.__file__).parent
LAYERS = [
    ("_arrays", "_checks", "_optional", "_table", "_threads"),
    ("geometry",),
    ("data",),
    ("suppress", "evaluate"),
    ("nn",),
    ("learned", "setpred"),
    ("borehole",),
    ("batch",),
    ("bench", "demo", "report", "cli"),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
SIDEWAYS = {("learned", "setpred")}  # within a middle layer, only the 3-D set predictor uses setpred


def _imports(path: pathlib.Path, module: str):
    """Absolute names of the nmskit modules that ``module`` (at ``path``) imports."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield from ([target] if node.module else [f"{target}.{a.name}" for a in node.names])
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def _top(module: str) -> str:
    """``nmskit.suppress.nms`` -> ``suppress``; a name re-exported by ``nmskit`` -> ``nmskit``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "nmskit"


def test_every_top_level_module_has_a_layer():
    names = {
        p.stem if p.is_file() else p.name
        for p in ROOT.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"
    }
    assert names <= set(RANK), f"unplaced: {sorted(names - set(RANK))}"


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module == "nmskit":
            continue
        source = _top(module)
        for target in _imports(path, module):
            if not target.startswith("nmskit"):
                continue
            dest = _top(target)
            if dest == source:
                continue
            if dest == "nmskit":  # a name from nmskit/__init__: only the top layer may use it
                ok = RANK[source] == len(LAYERS) - 1
            elif RANK[dest] == RANK[source]:
                ok = RANK[source] in (0, len(LAYERS) - 1) or (source, dest) in SIDEWAYS
            else:
                ok = RANK[dest] < RANK[source]
            if not ok:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)
