"""Whole-log detection with the shipped detector: end to end, ownership, empty logs,
explain figure and CLI smoke tests."""

import numpy as np
import pytest

from nmskit.borehole.explain import explain_patch
from nmskit.borehole.picking.patchwise import log_picks, shipped_model
from nmskit.borehole.preprocessing.patches import patch_grid
from nmskit.borehole.preprocessing.scale import prepare_log
from nmskit.cli import main
from nmskit.data.borehole import write_picks
from nmskit.data.synth_borehole import synthesize_borehole


@pytest.fixture(scope="module")
def short_log():
    return synthesize_borehole(1500, [3, 1], tool="lwd")


def test_detect_short_synthetic_log(short_log):
    image, _ = short_log
    picks = log_picks(image)
    assert picks.depth_unit == "ft"
    assert np.all(np.diff(picks.depth) >= 0)
    assert np.all((picks.depth >= image.depths[0]) & (picks.depth <= image.depths[-1]))
    assert np.all((picks.apparent_dip >= 0) & (picks.apparent_dip <= 90))
    assert np.all(picks.score > 0.5)


def test_each_pick_reported_once_by_its_core_owner(short_log):
    image, _ = short_log
    prepared = prepare_log(image)
    grid = patch_grid(prepared, 800, 200)
    assert len(grid) >= 2
    picks = log_picks(prepared, prepared=True)
    owners = grid.owner(picks.depth)
    for p in range(len(grid)):
        mine = picks.depth[owners == p]
        z0, z1 = grid.depths[grid.core[p, 0]], grid.depths[grid.core[p, 1] - 1]
        assert np.all((mine >= z0 - prepared.step) & (mine <= z1 + prepared.step))
    # the same patches predicted alone: every owned prediction appears exactly once
    values, _ = grid.take(prepared)
    owned = 0
    for p, out in enumerate(shipped_model().predict(values[:, None])):
        z = grid.row_to_depth(p, out["row"])
        owned += int(np.sum((grid.owner(z) == p) & (z <= prepared.depths[-1])))
    assert len(picks) <= owned


def test_no_valid_pixels_gives_no_picks_and_a_warning(short_log):
    image, _ = short_log
    blank = image.replace(values=np.full(image.shape, np.nan, np.float32))
    with pytest.warns(RuntimeWarning, match="no valid pixel"):
        picks = log_picks(blank, prepared=True)
    assert len(picks) == 0


def test_explain_writes_png(tmp_path, short_log):
    patch = prepare_log(short_log[0]).values[:800]
    out = tmp_path / "explain.png"
    explain_patch(shipped_model(), patch).savefig(out, dpi=50)
    assert out.stat().st_size > 1000


def test_cli_detect_and_evaluate(tmp_path, short_log):
    image, truth = short_log
    log = tmp_path / "log.npz"
    np.savez(log, values=image.values, depths=image.depths)
    truth_csv, pred_csv = tmp_path / "truth.csv", tmp_path / "pred.csv"
    write_picks(truth, truth_csv)
    try:
        assert (
            main(
                [
                    "fractures",
                    "detect",
                    "--log",
                    str(log),
                    "--out",
                    str(pred_csv),
                    "--diameter",
                    "8.5in",
                    "--deviation",
                    "30,120",
                ]
            )
            == 0
        )
    except Exception as exc:  # the npz reader may need other keys; fail loudly with them
        raise AssertionError(f"detect on an npz log failed: {exc}") from exc
    assert pred_csv.is_file()
    assert main(["fractures", "evaluate", "--pred", str(pred_csv), "--truth", str(truth_csv)]) == 0


def test_cli_explain_writes_png(tmp_path, short_log):
    image, _ = short_log
    log = tmp_path / "log.npz"
    np.savez(log, values=image.values, depths=image.depths)
    out = tmp_path / "explain.png"
    assert main(["fractures", "explain", "--log", str(log), "--out", str(out), "--diameter", "8.5in"]) == 0
    assert out.stat().st_size > 1000


def test_explain_log_rejects_a_top_past_the_last_patch(short_log):
    from nmskit.borehole.explain import explain_log

    image, _ = short_log
    with pytest.raises(ValueError, match="top"):
        explain_log(image, top=float(image.depths[-1]))
