"""The Ray engine on a local two-CPU cluster started here: outputs byte-identical to the
local engine's and to the single-input command's; the docs' ray.data example runs."""

import re
from pathlib import Path

import pytest

from nmskit.cli import main

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow
DOCS = Path(__file__).resolve().parents[1] / "docs" / "batch.md"


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    from nmskit.data.nuscenes_shards import split_results
    from nmskit.data.sim import write_simulation

    folder = tmp_path_factory.mktemp("sim")
    pre, gt = write_simulation(folder, 4, seed=5)
    return pre, split_results(pre, folder / "shards", 2)


def _run(argv) -> None:
    assert main(argv) == 0


def test_ray_equals_local_and_single(cluster, shards, tmp_path):
    pre, parts = shards
    many = ["suppress", "--method", "d2d", "--in", str(parts[0].parent / "*.json")]
    _run([*many, "--out", str(tmp_path / "ray"), "--engine", "ray"])
    _run([*many, "--out", str(tmp_path / "local"), "--workers", "2"])
    for i, part in enumerate(parts):
        _run(["suppress", "--method", "d2d", "--in", str(part), "--out", str(tmp_path / f"{i}.json")])
        single = (tmp_path / f"{i}.json").read_bytes()
        assert (tmp_path / "ray" / part.name).read_bytes() == single
        assert (tmp_path / "local" / part.name).read_bytes() == single
    _run(["shard", "merge", "--in", str(tmp_path / "ray" / "*.json"), "--out", str(tmp_path / "merged.json")])
    _run(["suppress", "--method", "d2d", "--in", str(pre), "--out", str(tmp_path / "whole.json")])
    assert (tmp_path / "merged.json").read_bytes() == (tmp_path / "whole.json").read_bytes()


def test_ray_picks_equal_single(cluster, tmp_path):
    from nmskit.data import synthesize_borehole
    from nmskit.data.borehole import save_npz

    logs = []
    for seed in range(2):
        logs.append(tmp_path / f"well{seed}.npz")
        save_npz(synthesize_borehole(300, seed=seed)[0], logs[-1])
    _run(["fractures", "detect", "--log", str(tmp_path / "*.npz"), "--out", str(tmp_path / "ray"), "--engine", "ray"])
    for log in logs:
        _run(["fractures", "detect", "--log", str(log), "--out", str(tmp_path / "single.csv")])
        assert (tmp_path / "ray" / f"{log.stem}.picks.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()


def test_docs_ray_data_example_runs(cluster, shards, tmp_path, monkeypatch):
    """The ``map_batches`` example of docs/batch.md, run as written."""
    pytest.importorskip("ray.data")
    code = re.search(r"<!-- tested: ray.data -->\n```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    monkeypatch.chdir(shards[1][0].parent)
    scope = {}
    exec(compile(code, str(DOCS), "exec"), scope)
    assert scope["kept"] > 0
