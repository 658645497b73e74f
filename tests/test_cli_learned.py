"""`nmskit rescore train` and `nmskit suppress --method d2d|gossip|gcn`, end to end on tiny
simulated folders as `nmskit simulate --out` writes them."""

import json

import numpy as np
import pytest

from nmskit.cli import main
from nmskit.data import read_nuscenes_gt, read_nuscenes_results, with_ego, write_nuscenes_results
from nmskit.learned import Rescorer


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    for name, frames, seed in (("train", 6, 21), ("val", 2, 22)):
        assert main(["simulate", "--frames", str(frames), "--seed", str(seed), "--out", str(root / name)]) == 0
    return root


def _per_sample(d):
    return np.bincount(d.sample, minlength=len(d.sample_tokens))


@pytest.mark.slow
def test_train_then_suppress_with_the_checkpoint(sim, tmp_path):
    ckpt = tmp_path / "gcn"
    assert (
        main(
            [
                "rescore",
                "train",
                "--train",
                str(sim / "train"),
                "--val",
                str(sim / "val"),
                "--model",
                "gcn",
                "--out",
                str(ckpt),
                "--epochs",
                "2",
                "--batch-size",
                "4",
                "--lr",
                "0.01",
            ]
        )
        == 0
    )
    record = json.loads((ckpt / "best.json").read_text())["record"]
    assert [h["step"] for h in record["history"]] == [2, 4]  # 6 frames, 4 per step: 2 steps per epoch
    assert record["data"]["train_frames"] == 6 and record["epochs"]["batch_size"] == 4
    assert record["train"]["lr"] == 0.01 and record["train"]["weight_decay"] == 0.01  # given; default
    pre = sim / "val" / "pre_nms.json"
    post = tmp_path / "post.json"
    assert (
        main(
            [
                "suppress",
                "--method",
                "gcn",
                "--weights",
                str(ckpt),
                "--top-k",
                "40",
                "--in",
                str(pre),
                "--out",
                str(post),
            ]
        )
        == 0
    )
    kept, _ = read_nuscenes_results(post, max_boxes_per_sample=None)
    dets, _ = read_nuscenes_results(pre, max_boxes_per_sample=None)
    assert (_per_sample(kept) == np.minimum(_per_sample(dets), 40)).all()
    refined = Rescorer.load(ckpt).rescore(dets)
    for s in range(len(dets.sample_tokens)):
        expected = np.sort(refined[dets.sample == s])[::-1][:40]
        np.testing.assert_allclose(np.sort(kept.score[kept.sample == s])[::-1], expected, rtol=1e-6)


@pytest.mark.parametrize("method", ["d2d", "gossip", "gcn"])
@pytest.mark.slow
def test_suppress_with_shipped_weights(sim, tmp_path, method):
    post = tmp_path / "post.json"
    assert main(["suppress", "--method", method, "--in", str(sim / "val" / "pre_nms.json"), "--out", str(post)]) == 0
    kept, _ = read_nuscenes_results(post)
    assert 0 < len(kept) <= 2 * 300 and (np.diff(_per_sample(kept)) == 0).all()


def test_results_without_ego_need_the_ground_truth(sim, tmp_path, capsys):
    dets, meta = read_nuscenes_results(sim / "val" / "pre_nms.json", max_boxes_per_sample=None)
    gt_path = sim / "val" / "ground_truth.json"
    bare = tmp_path / "bare.json"
    write_nuscenes_results(dets, bare, meta, with_ego=False)
    args = ["suppress", "--method", "d2d", "--in", str(bare), "--top-k", "50"]
    assert main(args + ["--out", str(tmp_path / "x.json")]) == 2
    assert "--gt" in capsys.readouterr().err
    assert main(args + ["--out", str(tmp_path / "a.json"), "--gt", str(gt_path)]) == 0
    assert (
        main(
            [
                "suppress",
                "--method",
                "d2d",
                "--in",
                str(sim / "val" / "pre_nms.json"),
                "--top-k",
                "50",
                "--out",
                str(tmp_path / "b.json"),
            ]
        )
        == 0
    )
    a, _ = read_nuscenes_results(tmp_path / "a.json")
    b, _ = read_nuscenes_results(tmp_path / "b.json")
    np.testing.assert_allclose(a.score, b.score, rtol=1e-6)
    np.testing.assert_allclose(
        with_ego(read_nuscenes_results(bare, max_boxes_per_sample=None)[0], read_nuscenes_gt(gt_path)).ego,
        dets.ego,
        atol=1e-6,
    )


def test_rescore_train_names_a_missing_file(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert (
        main(
            [
                "rescore",
                "train",
                "--train",
                str(tmp_path / "empty"),
                "--val",
                str(tmp_path / "empty"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "pre_nms.json" in capsys.readouterr().err


@pytest.mark.slow
def test_rescoring_tables_reduced():
    from nmskit.bench.rescoring import frames_of_size, held_out, rescoring_tables

    frames = held_out(4, seeds=(200, 201))
    assert frames.num_frames == 4 and set(np.unique(frames.det["frame"])) == {0, 1, 2, 3}
    assert [len(c["x"]) for c in frames_of_size(frames, 1000, 2)] == [1000, 1000]
    t = rescoring_tables(frames=4, timing_frames=4, threads=(1,), learned={"GCN": "gcn"})
    header, rows = t["I"]
    names = ["CircleNMS", "Soft-CircleNMS", "Rotated NMS (IoU 0.2)", "GCN"]
    assert [r[0] for r in rows] == names and len(header) == len(rows[0])
    assert rows[3][-1] == f"{sum(p.numel() for p in Rescorer.load('gcn').model.parameters()):,}"
    assert len(t["II"][1]) == 4 and len(t["II"][0]) == 11
    assert t["IV"][0] == ["Method", "mAP", "NDS", "Ped. AP"] and [r[0] for r in t["IV"][1]] == names
    assert [(r[0], r[2]) for r in t["III"][1]] == [("GCN", "metric-aware"), ("GCN", "Hungarian")]
    assert all(len(r) == 6 for r in t["III"][1])
    assert "seeds 200, 201" in t["summary"] and "% (crowded)" in t["summary"]
