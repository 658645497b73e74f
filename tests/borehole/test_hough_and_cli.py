"""The classical Hough picker, the plots and the ``nmskit fractures`` commands."""

import numpy as np
import pytest

from nmskit.borehole import detect_picks, hough_picks
from nmskit.borehole.plots import plot_log_with_picks, plot_patches
from nmskit.cli import main
from nmskit.data import synthesize_borehole
from nmskit.data.borehole import BoreholeImage, read_picks, save_npz, write_picks
from nmskit.evaluate import evaluate_picks


@pytest.mark.slow
def test_hough_finds_clean_sinusoids():
    image, picks = synthesize_borehole(1200, 21, tool="lwd", gaps=False, fracture_density=0.0)
    found = hough_picks(image)
    s = evaluate_picks(found, picks, distance="sinusoid")[-1]  # 8 cm
    assert s.recall >= 0.5 and s.precision >= 0.5 and s.dip_within >= 0.8 and s.azimuth_within >= 0.8
    assert found.depth_unit == "ft" and np.all(np.isnan(found.true_dip))


def test_hough_on_real_well_is_a_useful_baseline(well):
    image, truth = well
    part = image.interval(13405, 13420)
    found = detect_picks(part, method="hough")
    ref = truth.select((truth.depth >= 13405) & (truth.depth < 13420))
    s = evaluate_picks(found, ref)[-1]
    assert s.recall > 0.4 and s.precision > 0.3
    assert np.isfinite(found.true_dip).all()  # the embedded log has a deviation survey


def test_all_sentinel_log():
    img = BoreholeImage(np.full((900, 56), -9999.0, np.float32), np.arange(900) * 0.025)
    with pytest.raises(ValueError, match="no valid pixel"):
        hough_picks(img)
    with pytest.warns(UserWarning, match="no valid pixel"):
        assert len(detect_picks(img)) == 0
    with pytest.raises(ValueError, match="method"):
        detect_picks(img, method="magic")


def test_plots(tmp_path, well):
    from nmskit.borehole import preprocess

    image, truth = well
    pre = preprocess(image)
    fig = plot_log_with_picks(pre, truth.select(slice(0, 10)), truth, top=13380, bottom=13390)
    fig.savefig(tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 10_000
    plot_patches([pre.rows(0, 800), pre.rows(800, 1600)], ["a", "b"]).savefig(tmp_path / "b.png")


def test_cli_detect_evaluate_plot(tmp_path, capsys):
    image, truth = synthesize_borehole(800, 2, tool="lwd")
    save_npz(image, tmp_path / "log.npz")
    write_picks(truth, tmp_path / "truth.csv")
    out = tmp_path / "pred.csv"
    assert (
        main(
            [
                "fractures",
                "detect",
                "--log",
                str(tmp_path / "log.npz"),
                "--out",
                str(out),
                "--method",
                "hough",
                "--deviation",
                "10,45",
                "--plot",
                str(tmp_path / "d.png"),
            ]
        )
        == 0
    )
    pred = read_picks(out)
    assert pred.depth_unit == "ft" and np.isfinite(pred.true_dip).all() and (tmp_path / "d.png").exists()
    assert main(["fractures", "evaluate", "--pred", str(out), "--truth", str(tmp_path / "truth.csv")]) == 0
    assert "| tolerance |" in capsys.readouterr().out
    assert (
        main(
            [
                "fractures",
                "plot",
                "--log",
                str(tmp_path / "log.npz"),
                "--picks",
                str(out),
                "--truth",
                str(tmp_path / "truth.csv"),
                "--out",
                str(tmp_path / "p.png"),
            ]
        )
        == 0
    )
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_cli_bad_input_is_an_error_message(tmp_path, capsys):
    (tmp_path / "picks.csv").write_text("depth,score\n1,2\n")
    (tmp_path / "log.csv").write_text("wellName,datasetName,TDEP,IMG\n,,ft,ohm\nW,,1,2\nW,,1,2,3\n")
    assert (
        main(["fractures", "evaluate", "--pred", str(tmp_path / "picks.csv"), "--truth", str(tmp_path / "picks.csv")])
        == 2
    )
    assert "missing columns" in capsys.readouterr().err
    assert main(["fractures", "detect", "--log", str(tmp_path / "log.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "line 4: ragged row" in capsys.readouterr().err
    assert main(["fractures", "detect", "--log", str(tmp_path / "log.csv"), "--out", "o.csv", "--diameter=-8in"]) == 2
    assert "--diameter must be > 0" in capsys.readouterr().err
