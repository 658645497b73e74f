"""Reading and writing image logs and picks; corrupt and unusable files."""

import gzip
import logging
import sys

import numpy as np
import pytest

from nmskit.data.borehole import (
    BoreholeImage,
    DeviationSurvey,
    PickTable,
    read_borehole,
    read_dlis,
    read_image_csv,
    read_las,
    read_picks,
    save_npz,
    write_image_csv,
    write_picks,
)


def small_image(h=20, w=8, **kw):
    rng = np.random.default_rng(0)
    return BoreholeImage(rng.random((h, w)).astype(np.float32), 1000 + 0.1 * np.arange(h), **kw)


def test_embedded_well_layout(well):
    image, picks = well
    assert image.shape == (2400, 56) and image.depth_unit == "ft" and image.well == "48/19a-C2"
    assert image.value_unit == "ohm.m" and image.mask.all()
    np.testing.assert_allclose(image.depths[[0, -1]], [13375.0, 13434.975])
    np.testing.assert_allclose(image.azimuths[:2], [180 / 56, 3 * 180 / 56])
    assert len(picks) == 125 and picks.depth_unit == "ft"
    np.testing.assert_allclose(picks.diameter, 8.5 / 12)
    assert set(picks.cls) == {"unknown"}
    inc, azi = image.deviation.at(picks.depth)
    np.testing.assert_allclose(inc, picks.inclination)


def test_csv_round_trip_with_sentinels(tmp_path):
    img = small_image(value_unit="ohm.m", well="W-1")
    mask = np.ones(img.shape, bool)
    mask[3, 2] = False
    img = img.replace(mask=mask)
    for name in ("log.csv", "log.csv.gz"):
        write_image_csv(img, tmp_path / name)
        back = read_borehole(tmp_path / name)
        assert back.values[3, 2] == -9999.0 and back.well == "W-1" and back.value_unit == "ohm.m"
        np.testing.assert_array_equal(back.values[mask], img.values[mask])
        np.testing.assert_allclose(back.depths, img.depths)


def test_npz_round_trip(tmp_path):
    img = small_image(
        diameter=np.linspace(8, 9, 20), deviation=DeviationSurvey.constant(88.0, 131.0), azimuth_origin=15.0, well="W"
    )
    save_npz(img, tmp_path / "log.npz")
    back = read_borehole(tmp_path / "log.npz")
    np.testing.assert_array_equal(back.values, img.values)
    np.testing.assert_allclose(back.diameter, img.diameter)
    assert back.azimuth_origin == 15.0 and back.deviation.inclination[0] == 88.0 and back.well == "W"


CSV_HEAD = "wellName,datasetName,TDEP,IMG\n,,ft,ohm.m\n"


def _rows(depths, w=3):
    return "".join(f"W,,{d},{k + 1.5}\n" for d in depths for k in range(w))


@pytest.mark.parametrize(
    "body, line, problem",
    [
        (_rows([1.0]) + "W,,1.1\n" + _rows([1.2]), 6, "ragged row"),
        (_rows([1.0]) + "W,,1.1,abc\n", 6, "non-numeric value 'abc'"),
        (_rows([1.0, 1.1]).replace("W,,1.1,1.5", "W,,x1.1,1.5"), 6, "non-numeric value 'x1.1'"),
        (_rows([1.0, 1.2, 1.1]), 9, "not monotonic"),
        (_rows([1.0]) + "W,,1.1,1\nW,,1.1,2\n" + _rows([1.2]), 6, "has 2 azimuth rows, expected 3"),
    ],
)
def test_corrupt_csv_names_file_line_problem(tmp_path, body, line, problem):
    path = tmp_path / "bad.csv"
    path.write_text(CSV_HEAD + body)
    with pytest.raises(ValueError) as err:
        read_image_csv(path)
    assert str(path) in str(err.value) and f"line {line}" in str(err.value) and problem in str(err.value)


def test_csv_unknown_depth_unit(tmp_path):
    path = tmp_path / "bad.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write("wellName,datasetName,TDEP,IMG\n,,furlong,ohm.m\n" + _rows([1.0, 1.1]))
    with pytest.raises(ValueError, match=r"bad.csv.gz: line 2: unknown depth unit 'furlong'"):
        read_image_csv(path)


def test_unknown_format_and_missing_file(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="unknown image-log format"):
        read_borehole(tmp_path / "x.txt")
    with pytest.raises(ValueError, match="no such file"):
        read_borehole(tmp_path / "none.las")


def test_las_round_trip_nulls_invalid(tmp_path):
    lasio = pytest.importorskip("lasio")
    las = lasio.LASFile()
    las.well["WELL"].value = "LAS-1"
    las.well["NULL"].value = -999.25
    depth = 500 + 0.05 * np.arange(30)
    las.append_curve("DEPT", depth, unit="M")
    img = np.random.default_rng(2).random((30, 6)) * 10
    img[4, 1] = -999.25
    for k in range(6):
        las.append_curve(f"IMG{k + 1:02d}", img[:, k], unit="OHMM")
    las.append_curve("CALI", np.full(30, 8.0), unit="IN")
    las.write(str(tmp_path / "log.las"), version=2.0)
    out = read_borehole(tmp_path / "log.las", diameter_curve="CALI")
    assert out.shape == (30, 6) and out.depth_unit == "m" and out.well == "LAS-1" and out.diameter_unit == "in"
    assert not out.mask[4, 1] and out.mask.sum() == 30 * 6 - 1  # LAS NULL -999.25 -> NaN -> invalid
    np.testing.assert_allclose(out.values[out.mask], img[out.mask], atol=1e-5)  # LAS keeps 5 decimals


def test_las_unreadable(tmp_path):
    pytest.importorskip("lasio")
    path = tmp_path / "bad.las"
    path.write_text("~V\nnonsense\n~A\n1 2\n3\n")
    with pytest.raises(ValueError, match="bad.las"):
        read_las(path)


def test_dlis_image_frame(tmp_path):
    pytest.importorskip("dlisio")
    dliswriter = pytest.importorskip("dliswriter")
    logging.disable(logging.WARNING)
    try:
        df = dliswriter.DLISFile()
        lf = df.add_logical_file()
        lf.add_origin("ORIGIN", well_name="DLIS-1")
        depth = 2000 - 0.1 * np.arange(40)  # logged upward
        img = np.random.default_rng(3).random((40, 16)).astype(np.float32)
        channels = (
            lf.add_channel("DEPT", data=depth, units="ft"),
            lf.add_channel("FMI", data=img, units="ohm.m"),
            lf.add_channel("CALI", data=np.full(40, 8.5), units="in"),
        )
        lf.add_frame("MAIN", channels=channels, index_type="BOREHOLE-DEPTH")
        df.write(str(tmp_path / "log.dlis"), output_chunk_size=2**20)  # the default allocates 4 GiB
    finally:
        logging.disable(logging.NOTSET)
    out = read_borehole(tmp_path / "log.dlis")
    assert out.shape == (40, 16) and out.well == "DLIS-1" and out.depth_unit == "ft" and out.value_unit == "ohm.m"
    np.testing.assert_allclose(out.depths, depth[::-1])
    np.testing.assert_array_equal(out.values, img[::-1])


@pytest.mark.parametrize("module, reader, extra", [("lasio", read_las, "las"), ("dlisio", read_dlis, "dlis")])
def test_missing_optional_package_names_extra(tmp_path, monkeypatch, module, reader, extra):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    (tmp_path / "any").write_bytes(b"")
    with pytest.raises(ValueError, match=rf"pip install 'nmskit\[{extra}\]'"):
        reader(tmp_path / "any")


def test_image_validation():
    v = np.zeros((10, 8), np.float32)
    z = np.arange(10.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        BoreholeImage(v, z[::-1])
    with pytest.raises(ValueError, match="cover 360"):
        BoreholeImage(v, z, azimuths=np.arange(8) * 20.0)  # 0..140: half the circle
    with pytest.raises(ValueError, match="cover 360"):
        BoreholeImage(v, z, azimuths=np.array([0, 10, 45, 90, 135, 180, 225, 270.0]))
    BoreholeImage(v, z, azimuths=np.arange(8) * 45.0)  # evenly spaced from 0: fine
    for d in (0.0, -8.5, np.r_[np.ones(9), 0.0]):
        with pytest.raises(ValueError, match="diameter must be > 0"):
            BoreholeImage(v, z, diameter=d)
    with pytest.raises(ValueError, match="unknown length unit"):
        BoreholeImage(v, z, depth_unit="yards")


def test_picks_round_trip(tmp_path, well):
    _, truth = well
    write_picks(truth, tmp_path / "p.csv")
    back = read_picks(tmp_path / "p.csv")
    assert back.depth_unit == "ft" and len(back) == 125
    for name in ("depth", "apparent_dip", "apparent_azimuth", "true_dip", "true_azimuth", "score"):
        np.testing.assert_array_equal(getattr(back, name), getattr(truth, name))
    table = PickTable.from_arrays([[1.0, 30.0, 40.0]], score=[0.7], classes="bed", depth_unit="m")
    write_picks(table, tmp_path / "q.csv")
    text = (tmp_path / "q.csv").read_text().splitlines()
    assert text[1] == "depth,apparent_dip,apparent_azimuth,true_dip,true_azimuth,score,class"
    assert text[2] == "1.0,30.0,40.0,,,0.7,bed"
    assert np.isnan(read_picks(tmp_path / "q.csv").true_dip[0])


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ("depth,apparent_azimuth,score\n1,2,3\n", 1, "missing columns ['apparent_dip']"),
        ("TDEP,AvgCali\nft,in\n1,8.5\n", 1, "missing columns"),
        ("depth,apparent_dip,apparent_azimuth\n1,2,3\n4,5\n", 3, "ragged row"),
        ("depth,apparent_dip,apparent_azimuth\n1,2,north\n", 2, "non-numeric value 'north'"),
        ("depth,apparent_dip,apparent_azimuth,class\n1,2,3,fault\n", None, "class must be one of"),
        ("TDEP,X_APP,X_Azimuth\nparsec,dega,dega\n1,2,3\n", 2, "unknown length unit 'parsec'"),
    ],
)
def test_corrupt_picks(tmp_path, text, line, problem):
    path = tmp_path / "picks.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        read_picks(path)
    msg = str(err.value)
    assert str(path) in msg and problem in msg and (line is None or f"line {line}:" in msg)


def test_peer_picks_drop_octave_copies_and_keep_nfa_below_the_limit(well):
    import csv
    from importlib import resources

    from nmskit.data.borehole import PEER_PICKS, load_peer_picks

    path = resources.files("nmskit.data") / "wells" / "48_19a-C2" / PEER_PICKS["48_19a-C2"]
    with resources.as_file(path) as p, open(p, newline="") as f:
        rows = list(csv.DictReader(f))
    expect = sorted(float(r["depth"]) for r in rows if int(r["octave"]) < 2 and float(r["nfa"]) < 30)
    picks = load_peer_picks()
    assert picks.depth_unit == "ft" and np.allclose(np.sort(picks.depth), expect)
    assert np.all(-picks.score < 30) and np.allclose(picks.diameter, np.median(well[1].diameter))
    every = load_peer_picks(max_nfa=float("inf"))
    assert len(every) == sum(int(r["octave"]) < 2 for r in rows) > len(picks)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"name": "nowhere"}, "nowhere"), ({"max_nfa": "x"}, "max_nfa"), ({"max_nfa": float("nan")}, "max_nfa")],
)
def test_peer_picks_bad_arguments_are_named(kwargs, name):
    from nmskit.data.borehole import load_peer_picks

    with pytest.raises(ValueError, match=name):
        load_peer_picks(**kwargs)


def test_deviation_survey_names_the_mismatched_column():
    with pytest.raises(ValueError, match="deviation inclination has length 2 but deviation depths has 3 rows"):
        DeviationSurvey(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]))
