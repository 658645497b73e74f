"""The batch layer on the local engine: input expansion, one output per input equal to the
single-input command's, a bad input among good ones, resume after a killed run, sharding."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nmskit.batch import PickJob, SuppressJob, expand_inputs, imap, is_many, output_paths, run_batch
from nmskit.cli import main
from nmskit.data.nuscenes_shards import merge_results, split_results

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """Six simulated frames, and the pre-NMS file split into three shards."""
    from nmskit.data.sim import write_simulation

    folder = tmp_path_factory.mktemp("sim")
    pre, gt = write_simulation(folder, 6, seed=3)
    return pre, gt, split_results(pre, folder / "shards", 3)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Three small synthetic image logs (.npz)."""
    from nmskit.data import synthesize_borehole
    from nmskit.data.borehole import save_npz

    folder = tmp_path_factory.mktemp("logs")
    paths = []
    for seed in range(3):
        paths.append(folder / f"well{seed}.npz")
        save_npz(synthesize_borehole(300, seed=seed)[0], paths[-1])
    return paths


# ----- inputs ---------------------------------------------------------------------------
def test_expand_repeated_glob_and_manifest(tmp_path, monkeypatch):
    for name in ("a.json", "b.json", "c.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "list.txt").write_text("# inputs\n../c.json\n\n../a.json\n")
    monkeypatch.chdir(tmp_path)
    got = expand_inputs(["b.json", "*.json", "@sub/list.txt"])
    assert [p.name for p in got] == ["b.json", "a.json", "c.json"]  # first place kept, sorted glob
    assert is_many(["a.json", "b.json"]) and is_many(["*.json"]) and is_many(["@sub/list.txt"])
    assert not is_many(["a.json"])


@pytest.mark.parametrize(
    "values, match",
    [
        (["nothing*.json"], "matches no file"),
        (["@missing.txt"], "cannot read the manifest"),
        (["@empty.txt"], "lists no input"),
    ],
)
def test_expand_rejects(tmp_path, monkeypatch, values, match):
    (tmp_path / "empty.txt").write_text("# nothing\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=match):
        expand_inputs(values, "--in")


def test_output_names_and_collisions(tmp_path):
    out = output_paths([Path("x/well.csv.gz"), Path("y/pre.json")], tmp_path, ".picks.csv")
    assert [p.name for p in out] == ["well.picks.csv", "pre.picks.csv"]
    with pytest.raises(ValueError, match="would both write"):
        output_paths([Path("x/well.csv"), Path("y/well.las")], tmp_path, ".picks.csv")
    with pytest.raises(ValueError, match="overwrite an input"):
        output_paths([tmp_path / "pre.json"], tmp_path, ".json")


# ----- many inputs = the single-input command, input by input ----------------------------
def _single(argv, tmp_path, name):
    out = tmp_path / name
    assert main([*argv, "--out", str(out)]) == 0
    return out.read_bytes()


@pytest.mark.slow
def test_suppress_many_equals_single(sim, tmp_path, capsys):
    _, _, shards = sim
    argv = ["suppress", "--method", "circle"]
    status = main([*argv, "--in", str(shards[0].parent / "*.json"), "--out", str(tmp_path / "many"), "--workers", "2"])
    assert status == 0
    assert "3 inputs: 3 written, 0 already complete, 0 failed" in capsys.readouterr().out
    for i, shard in enumerate(shards):
        assert (tmp_path / "many" / shard.name).read_bytes() == _single(
            [*argv, "--in", str(shard)], tmp_path, f"{i}.json"
        )


def test_detect_many_equals_single(logs, tmp_path):
    args = ["fractures", "detect", "--diameter", "8.5in"]
    many = [a for p in logs for a in ("--log", str(p))]
    assert main([*args, *many, "--out", str(tmp_path / "many"), "--workers", "1"]) == 0
    for i, log in enumerate(logs):
        single = _single([*args, "--log", str(log)], tmp_path, f"{i}.csv")
        assert (tmp_path / "many" / f"well{i}.picks.csv").read_bytes() == single


@pytest.mark.slow
def test_evaluate_many_writes_one_metrics_file_each(sim, tmp_path):
    pre, gt, _ = sim
    post = tmp_path / "post"
    post.mkdir()
    for method in ("circle", "rotated"):
        assert main(["suppress", "--method", method, "--in", str(pre), "--out", str(post / f"{method}.json")]) == 0
    assert (
        main(
            [
                "evaluate",
                "nuscenes",
                "--pred",
                str(post / "*.json"),
                "--gt",
                str(gt),
                "--out",
                str(tmp_path / "metrics"),
                "--workers",
                "1",
            ]
        )
        == 0
    )
    for method in ("circle", "rotated"):
        single = tmp_path / f"{method}.single.json"
        assert (
            main(
                ["evaluate", "nuscenes", "--pred", str(post / f"{method}.json"), "--gt", str(gt), "--json", str(single)]
            )
            == 0
        )
        assert (tmp_path / "metrics" / f"{method}.metrics.json").read_bytes() == single.read_bytes()


def test_imap_yields_each_inputs_result(logs):
    from nmskit.borehole import detect_picks
    from nmskit.data.borehole import read_borehole

    got = {o.input: o.value for o in imap(PickJob(), logs, workers=1)}
    assert set(got) == set(logs)
    for log in logs:
        expected = detect_picks(read_borehole(log))
        assert list(got[log].depth) == list(expected.depth)


# ----- failures ---------------------------------------------------------------------------
@pytest.mark.slow
def test_a_corrupt_input_fails_alone(sim, tmp_path, capsys):
    _, _, shards = sim
    bad = tmp_path / "in" / "broken.json"
    bad.parent.mkdir()
    bad.write_text('{"results": {"tok": [{"sample_token": "tok"')  # truncated
    inputs = [*shards, bad]
    status = main(
        [
            "suppress",
            "--method",
            "circle",
            *[a for p in inputs for a in ("--in", str(p))],
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "2",
        ]
    )
    captured = capsys.readouterr()
    assert status == 2
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"nmskit: error: {bad}: ") and "not valid JSON" in errors[0]
    assert "4 inputs: 3 written, 0 already complete, 1 failed" in captured.out
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == sorted(
        s.name for s in shards
    )


def test_bad_options_fail_before_any_work(tmp_path, capsys):
    assert main(["suppress", "--method", "circle", "--in", "a.json", "--out", "b.json", "--workers", "2"]) == 2
    assert "apply to many inputs" in capsys.readouterr().err
    with pytest.raises(ValueError, match="address"):
        run_batch(SuppressJob("circle"), [tmp_path / "a.json", tmp_path / "b.json"], tmp_path / "o", address="auto")
    with pytest.raises(ValueError, match="engine must be one of"):
        run_batch(SuppressJob("circle"), [tmp_path / "a.json"], tmp_path / "o", engine="spark")
    assert not (tmp_path / "o").exists()
    with pytest.raises(ValueError, match="--weights and --gt"):
        SuppressJob("circle", weights="d2d")


def test_ray_missing_names_the_extra(sim, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    _, _, shards = sim
    status = main(
        [
            "suppress",
            "--method",
            "circle",
            "--in",
            str(shards[0].parent / "*.json"),
            "--out",
            str(tmp_path / "out"),
            "--engine",
            "ray",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and err == ["nmskit: error: --engine ray needs Ray: pip install 'nmskit[ray]'"]


# ----- exactly once and resume ------------------------------------------------------------
KILLER = """
import os, signal, sys
from nmskit.batch import SuppressJob
from nmskit.cli import main

plain_run = SuppressJob.run

def run(self, src, out=None):
    if src.name == {victim!r}:
        with open(out, "w") as f:
            f.write('{{"meta": {{}}, "resu')  # half an output, then the process dies
        os.kill(os.getpid(), signal.SIGKILL)
    return plain_run(self, src, out)

SuppressJob.run = run
main(sys.argv[1:])
"""


@pytest.mark.slow
def test_resume_after_a_killed_run_recomputes_nothing(sim, tmp_path, capsys):
    _, _, shards = sim
    out = tmp_path / "out"
    script = KILLER.format(victim=shards[2].name)
    argv = ["suppress", "--method", "circle", "--in", str(shards[0].parent / "*.json"), "--out", str(out)]
    run = subprocess.run(
        [sys.executable, "-c", script, *argv, "--workers", "1"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == -9, run.stderr
    first = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if p.is_file()}
    assert sorted(n for n in first if not n.startswith(".")) == [shards[0].name, shards[1].name]
    assert any(n.endswith(".part") for n in first)  # the killed output never reached its name

    assert main([*argv, "--resume", "--workers", "2"]) == 0
    assert "3 inputs: 1 written, 2 already complete, 0 failed" in capsys.readouterr().out
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if p.is_file()}
    assert sorted(after) == sorted(s.name for s in shards)  # no temporary file left
    for s in shards[:2]:
        assert after[s.name] == first[s.name]  # not rewritten
    for i, shard in enumerate(shards):
        assert (out / shard.name).read_bytes() == _single(
            ["suppress", "--method", "circle", "--in", str(shard)], tmp_path, f"{i}.json"
        )


@pytest.mark.slow
def test_resume_recomputes_outputs_of_other_options_or_changed_files(sim, tmp_path):
    _, _, shards = sim
    out = tmp_path / "out"
    assert run_batch(SuppressJob("circle"), shards, out, workers=1, progress=False).exit_status == 0
    again = run_batch(SuppressJob("circle"), shards, out, workers=1, resume=True, progress=False)
    assert sum(o.skipped for o in again.outcomes) == 3
    other = run_batch(
        SuppressJob("circle", {"score_threshold": 0.3}), shards, out, workers=1, resume=True, progress=False
    )
    assert sum(o.skipped for o in other.outcomes) == 0
    with open(out / shards[1].name, "a") as f:
        f.write(" ")  # an output changed after it was written is not complete
    last = run_batch(
        SuppressJob("circle", {"score_threshold": 0.3}), shards, out, workers=1, resume=True, progress=False
    )
    assert [o.input for o in last.outcomes if not o.skipped] == [shards[1]]


# ----- shards -----------------------------------------------------------------------------
def test_split_then_merge_is_the_file(sim, tmp_path):
    pre, _, _ = sim
    for count in (1, 4, 6):
        paths = split_results(pre, tmp_path / str(count), count)
        sizes = [len(json.loads(p.read_text())["results"]) for p in paths]
        assert len(paths) == count and min(sizes) >= 1 and sum(sizes) == 6
        assert merge_results(paths, tmp_path / f"{count}.json") == 6
        assert json.loads((tmp_path / f"{count}.json").read_text()) == json.loads(Path(pre).read_text())


@pytest.mark.slow
def test_suppressed_shards_merge_to_the_single_file_result(sim, tmp_path, capsys):
    pre, _, shards = sim
    argv = ["suppress", "--method", "d2d"]
    assert (
        main([*argv, "--in", str(shards[0].parent / "*.json"), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    )
    assert (
        main(["shard", "merge", "--in", str(tmp_path / "out" / "*.json"), "--out", str(tmp_path / "merged.json")]) == 0
    )
    assert (tmp_path / "merged.json").read_bytes() == _single([*argv, "--in", str(pre)], tmp_path, "whole.json")


def test_merge_rejects_incomplete_or_mixed_sets(sim, tmp_path):
    pre, _, shards = sim
    with pytest.raises(ValueError, match="shard 1 of 3 is missing"):
        merge_results([shards[0], shards[2]], tmp_path / "m.json")
    with pytest.raises(ValueError, match="index order"):
        merge_results([shards[1], shards[0], shards[2]], tmp_path / "m.json")
    with pytest.raises(ValueError, match="already came from"):
        merge_results([pre, pre], tmp_path / "m.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"meta": {"use_camera": True}, "results": {}}))
    with pytest.raises(ValueError, match="'meta' differs"):
        merge_results([pre, other], tmp_path / "m.json")
    with pytest.raises(ValueError, match="fewer than the 7 shards"):
        split_results(pre, tmp_path / "s", 7)
    with pytest.raises(ValueError, match="shards must be an integer"):
        split_results(pre, tmp_path / "s", 0)


def test_ray_address_that_does_not_answer_is_refused(sim, tmp_path, capsys):
    pytest.importorskip("ray")
    _, _, shards = sim
    status = main(
        [
            "suppress",
            "--method",
            "circle",
            "--in",
            str(shards[0].parent / "*.json"),
            "--out",
            str(tmp_path / "out"),
            "--engine",
            "ray",
            "--address",
            "127.0.0.1:1",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("nmskit: error: --address 127.0.0.1:1: no Ray cluster")


def test_cli_options_that_need_one_or_many_inputs(sim, logs, tmp_path, capsys):
    pre, gt, _ = sim
    cases = [
        (
            [
                "fractures",
                "detect",
                "--log",
                str(logs[0]),
                "--log",
                str(logs[1]),
                "--out",
                str(tmp_path / "o"),
                "--plot",
                str(tmp_path / "p.png"),
            ],
            "--plot takes one --log",
        ),
        (
            ["evaluate", "nuscenes", "--pred", str(pre), "--pred", str(pre.parent / "*.json"), "--gt", str(gt)],
            "folder --out",
        ),
        (
            ["evaluate", "nuscenes", "--pred", str(pre), "--gt", str(gt), "--out", str(tmp_path / "o")],
            "with one, use --json",
        ),
        (
            ["shard", "split", "--in", str(pre), "--out", str(tmp_path / "s"), "--shards", "0"],
            "shards must be an integer",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (argv, err)


def test_shard_commands(sim, tmp_path, capsys):
    pre, _, _ = sim
    assert main(["shard", "split", "--in", str(pre), "--out", str(tmp_path / "s"), "--shards", "4"]) == 0
    assert main(["shard", "merge", "--in", str(tmp_path / "s" / "*.json"), "--out", str(tmp_path / "m.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"4 shards -> {tmp_path / 's'}",
        f"6 samples -> {tmp_path / 'm.json'}",
    ]
    assert json.loads((tmp_path / "m.json").read_text()) == json.loads(Path(pre).read_text())
