"""The `nmskit suppress` and `nmskit evaluate nuscenes` commands, end to end on files."""

import json

import numpy as np
import pytest

from nmskit.cli import main
from nmskit.data import read_nuscenes_results, write_nuscenes_gt, write_nuscenes_results
from nmskit.data.random3d import random_detection_set
from nmskit.evaluate import nuscenes_detection
from nmskit.suppress import centerpoint_nms


@pytest.mark.slow
def test_suppress_then_evaluate(tmp_path, capsys):
    pred, gt = random_detection_set(31, n_samples=12, objects=(20, 50))
    write_nuscenes_results(pred, tmp_path / "pre.json")
    write_nuscenes_gt(gt, tmp_path / "gt.json")
    for method in ("circle", "soft-circle", "rotated"):
        out = tmp_path / f"{method}.json"
        assert main(["suppress", "--method", method, "--in", str(tmp_path / "pre.json"), "--out", str(out)]) == 0
        kept, _ = read_nuscenes_results(out)
        expected = centerpoint_nms(pred, method)
        assert len(kept) == len(expected)
        np.testing.assert_array_equal(np.sort(kept.score), np.sort(expected.score))
    assert (
        main(
            [
                "evaluate",
                "nuscenes",
                "--pred",
                str(tmp_path / "circle.json"),
                "--gt",
                str(tmp_path / "gt.json"),
                "--json",
                str(tmp_path / "m.json"),
                "--plots",
                str(tmp_path / "plots"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    result = nuscenes_detection(centerpoint_nms(pred, "circle"), gt)
    assert f"{100 * result.mean_ap:.2f}" in printed and "NDS" in printed and "Barrier" in printed
    assert json.loads((tmp_path / "m.json").read_text())["nd_score"] == result.nds
    assert (tmp_path / "plots" / "car_pr.png").exists()


def test_cli_errors_are_reported_not_raised(tmp_path, capsys):
    assert (
        main(
            [
                "suppress",
                "--method",
                "circle",
                "--in",
                str(tmp_path / "missing.json"),
                "--out",
                str(tmp_path / "o.json"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == f"nmskit: error: {tmp_path / 'missing.json'}: no such file\n"
    (tmp_path / "bad.json").write_text(json.dumps({"results": {"s": [{"sample_token": "s"}]}}))
    assert main(["evaluate", "nuscenes", "--pred", str(tmp_path / "bad.json"), "--gt", str(tmp_path / "bad.json")]) == 2
    assert "sample 's', box 0: field 'translation' is missing" in capsys.readouterr().err
