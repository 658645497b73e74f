"""Fuzz cases for readers, the CLI, the learned models and the picking workflow.

Every reader gets every corruption of its kind of file; a right outcome is a ValueError
naming the file. A CLI case runs ``nmskit.cli.main`` in this process: a right failure is
exit status 2 with one stderr line ``nmskit: error: FILE: ...`` and no output left behind.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import json
import tempfile
from pathlib import Path

import numpy as np

from .harness import Case, HalfWritten


def _bytes_variants(good: bytes, text: bool):
    """``(label, bytes)`` corruptions of a file whose good content is ``good``."""
    yield "empty file", b""
    row = good.rfind(b"\n", 0, len(good) // 2) + 1  # cut the row that holds the middle after its first field
    yield "truncated mid-row", good[: good.index(b",", row)] if b"," in good[row:] else good[: len(good) // 2]
    yield "truncated to 7 bytes", good[:7]
    yield "random bytes", bytes(np.random.default_rng(0).integers(0, 256, 512, dtype=np.uint8))
    yield "gzip, truncated", gzip.compress(good)[:-20]
    crc = bytearray(gzip.compress(good))
    crc[-8] ^= 0xFF
    yield "gzip, bad CRC", bytes(crc)
    if text:
        yield "non-UTF-8 byte in the header", b"\xff\xfe" + good
        yield "non-UTF-8 byte at the end", good + b"\n\xe9\xe9\xe9\n"
        yield "NUL bytes", good.replace(b",", b"\x00", 3)


class Files:
    """Good files of each kind, written once into a temporary folder."""

    def __init__(self):
        from nmskit.data import Detections3D, write_nuscenes_gt, write_nuscenes_results
        from nmskit.data.borehole import BoreholeImage, PickTable, save_npz, write_image_csv, write_picks

        self.dir = Path(tempfile.mkdtemp(prefix="nmskit-fuzz-"))
        rng = np.random.default_rng(0)
        image = BoreholeImage(
            values=rng.normal(size=(40, 16)),
            depths=100 + 0.01 * np.arange(40),
            depth_unit="m",
            diameter=0.2,
            diameter_unit="m",
            well="W",
        )
        self.image = image
        write_image_csv(image, self.dir / "log.csv")
        write_image_csv(image, self.dir / "log.csv.gz")
        save_npz(image, self.dir / "log.npz")
        picks = PickTable.from_arrays([[100.1, 30, 90], [100.2, 45, 180]], depth_unit="m", diameter=[0.2, 0.2])
        write_picks(picks, self.dir / "picks.csv")
        dets = Detections3D.create(
            center=[[1, 2, 0], [5, 5, 0], [1.2, 2, 0]],
            size=[[2, 4, 1.5]] * 3,
            yaw=[0, 1, 0],
            label=["car", "pedestrian", "car"],
            score=[0.9, 0.8, 0.5],
            velocity=[[0, 0], [1, 0], [0, 0]],
            ego=[[1, 2, 0], [5, 5, 0], [1.2, 2, 0]],
            sample_tokens=["s0"],
        )
        gt = Detections3D.create(
            center=[[1, 2, 0], [5, 5, 0]],
            size=[[2, 4, 1.5]] * 2,
            yaw=[0, 1],
            label=["car", "pedestrian"],
            ego=[[1, 2, 0], [5, 5, 0]],
            num_pts=[5, 5],
            sample_tokens=["s0"],
        )
        self.dets, self.gt = dets, gt
        write_nuscenes_results(dets, self.dir / "pred.json")
        write_nuscenes_gt(gt, self.dir / "gt.json")
        self.count = 0

    def bad(self, name: str, content: bytes) -> Path:
        """A new file ``name`` (unique folder) holding ``content``."""
        self.count += 1
        folder = self.dir / f"bad{self.count}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(content)
        return path

    def good(self, name: str) -> Path:
        return self.dir / name

    def out(self, name: str) -> Path:
        """A fresh output path that does not exist yet."""
        self.count += 1
        folder = self.dir / f"out{self.count}"
        folder.mkdir()
        return folder / name


def run_cli(argv, outputs=()):
    """Run ``nmskit ARGV`` in this process. Returns stdout on success; raises ValueError(the
    stderr line) for a one-line ``nmskit: error:`` exit 2, HalfWritten when a failed run
    left an output file, RuntimeError for any other failure shape."""
    from nmskit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in argv])
        except SystemExit as exc:
            status = exc.code
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    if status == 0:
        return out.getvalue()
    left = [str(p) for p in outputs if Path(p).exists()]
    if left:
        raise HalfWritten(f"exit {status} left {left}")
    if status == 2 and len(lines) == 1 and lines[0].startswith("nmskit: error: "):
        raise ValueError(lines[0])
    raise RuntimeError(f"exit status {status}, stderr {err.getvalue()[-300:]!r}")


def _reader_cases(f: Files):
    from nmskit.data import read_nuscenes_gt, read_nuscenes_results
    from nmskit.data.borehole import read_borehole, read_picks

    readers = {
        "read_picks": (read_picks, "picks.csv", True),
        "read_borehole(csv)": (read_borehole, "log.csv", True),
        "read_borehole(csv.gz)": (read_borehole, "log.csv.gz", False),
        "read_borehole(npz)": (read_borehole, "log.npz", False),
        "read_borehole(las)": (read_borehole, "log.las", True),
        "read_borehole(dlis)": (read_borehole, "log.dlis", False),
        "read_nuscenes_results": (read_nuscenes_results, "pred.json", True),
        "read_nuscenes_gt": (read_nuscenes_gt, "gt.json", True),
    }
    for target, (reader, name, text) in readers.items():
        good = f.good(name).read_bytes() if f.good(name).exists() else b"~Version\nVERS. 2.0\n"
        if name == "log.csv.gz":
            good = gzip.decompress(good)
        for label, content in _bytes_variants(good, text):
            path = f.bad(name, content)
            yield Case("7 readers", target, label, functools.partial(reader, path), reject=str(path))
        missing = f.dir / "missing" / name
        yield Case("7 readers", target, "missing file", functools.partial(reader, missing), reject=str(missing))
        folder = f.bad("x", b"").parent / name
        folder.mkdir()
        yield Case("7 readers", target, "a folder", functools.partial(reader, folder), reject=str(folder))

    # contents that parse but mean nothing
    csv_rows = {
        "comment only": "# depth_unit: m\n",
        "infinite depth": "depth,apparent_dip,apparent_azimuth\ninf,30,90\n",
        "dip 500": "depth,apparent_dip,apparent_azimuth\n100,500,90\n",
        "dip -20": "depth,apparent_dip,apparent_azimuth\n100,-20,90\n",
        "azimuth 1e300": "depth,apparent_dip,apparent_azimuth\n100,20,1e300\n",
        "depth 1e400": "depth,apparent_dip,apparent_azimuth\n1e400,20,90\n",
        "NaN depth": "depth,apparent_dip,apparent_azimuth\nnan,20,90\n",
        "score NaN": "depth,apparent_dip,apparent_azimuth,score\n100,20,90,nan\n",
        "true dip 95": "depth,apparent_dip,apparent_azimuth,true_dip\n100,20,90,95\n",
        "unknown class": "depth,apparent_dip,apparent_azimuth,class\n100,20,90,fault\n",
        "bad diameter comment": "# diameter: -3 m\ndepth,apparent_dip,apparent_azimuth\n100,20,90\n",
    }
    for label, text in csv_rows.items():
        path = f.bad("picks.csv", text.encode())
        yield Case("8 silent", "read_picks", label, functools.partial(read_picks, path), reject=str(path))
    path = f.bad("picks.csv", b"depth,apparent_dip,apparent_azimuth\n100,20,90\n")
    yield Case(
        "8 silent", "read_picks", "one good row", functools.partial(read_picks, path), check=lambda t: len(t) == 1
    )
    path = f.bad("picks.csv", b"depth,apparent_dip,apparent_azimuth\n")
    yield Case(
        "7 readers",
        "read_picks",
        "header only: no picks",
        functools.partial(read_picks, path),
        check=lambda t: len(t) == 0,
    )

    log_rows = {
        "header only": "wellName,datasetName,TDEP,IMG\n,,m,\n",
        "float32 overflow 1e39": "TDEP,IMG\nm,\n"
        + "".join(f"{100 + i * 0.1},{1e39 if k == 0 else 1}\n" for i in range(4) for k in range(4)),
        "depth 1e400": "TDEP,IMG\nm,\n"
        + "".join(f"{1e400 if i == 3 else 100 + i},1\n" for i in range(4) for _ in range(4)),
        "NaN depth": "TDEP,IMG\nm,\n"
        + "".join(f"{'nan' if i == 3 else 100 + i},1\n" for i in range(4) for _ in range(4)),
        "two columns": "TDEP,IMG\nm,\n100,1\n100,1\n101,1\n101,1\n",
    }
    for label, text in log_rows.items():
        path = f.bad("log.csv", text.encode())
        beyond_float32 = "overflow" in label  # read, but the pixel is invalid
        yield Case(
            "1 range" if "1e" in label else "8 silent",
            "read_borehole(csv)",
            label,
            functools.partial(read_borehole, path),
            reject=str(path),
            check=(lambda im: not im.mask[0, 0] and im.mask[0, 1:].all()) if beyond_float32 else None,
        )

    def npz(label, check=None, **arrays):
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        path = f.bad("log.npz", buf.getvalue())
        return Case(
            "7 readers",
            "read_borehole(npz)",
            label,
            functools.partial(read_borehole, path),
            reject=str(path),
            check=check,
        )

    img = f.image
    yield npz("empty archive")
    yield npz("values without depths", values=img.values)
    yield npz(
        "values float64 1e39 (beyond float32: invalid)",
        values=np.where(np.arange(16) < 8, 1e39, 0.0)[None].repeat(len(img.depths), 0),
        depths=img.depths,
        check=lambda im: not im.mask[:, :8].any() and im.mask[:, 8:].all(),
    )
    yield npz("object array", values=img.values, depths=img.depths.astype(object))
    yield npz("string depths", values=img.values, depths=img.depths.astype(str))
    yield npz("depth_unit as number", values=img.values, depths=img.depths, depth_unit=np.array(5))
    yield npz("azimuth_direction 3", values=img.values, depths=img.depths, azimuth_direction=np.array(3))
    yield npz("azimuth_origin array", values=img.values, depths=img.depths, azimuth_origin=np.zeros(3))
    yield npz("diameter NaN", values=img.values, depths=img.depths, diameter=np.array(np.nan))
    yield npz("complex values", values=img.values.astype(complex), depths=img.depths)

    # nuScenes JSON contents
    base = json.loads(f.good("pred.json").read_text())
    box = base["results"]["s0"][0]

    def results(label, obj, reader=read_nuscenes_results, defect="7 readers", raw=None, check=None):
        path = f.bad("pred.json", raw if raw is not None else json.dumps(obj).encode())
        return Case(defect, reader.__name__, label, functools.partial(reader, path), reject=str(path), check=check)

    yield results(
        "400-digit number",
        None,
        raw=json.dumps(base, separators=(",", ":"))
        .replace('"detection_score":0.9', '"detection_score":' + "9" * 400)
        .encode(),
    )
    yield results(
        "400-digit translation",
        None,
        raw=json.dumps(base, separators=(",", ":"))
        .replace('"translation":[1.0', '"translation":[' + "1" * 400, 1)
        .encode(),
    )
    yield results("nested 100000 deep", None, raw=b"[" * 100000 + b"]" * 100000)
    yield results("JSON 5", 5)
    yield results("JSON null", None, raw=b"null")
    yield results("results is a list", {"results": []})
    yield results("meta is a list", {"results": {}, "meta": []})
    yield results("box is a number", {"results": {"s0": [5]}})
    yield results("translation of strings", {"results": {"s0": [{**box, "translation": ["a", "b", "c"]}]}})
    yield results("translation 1e39 (float32 inf)", {"results": {"s0": [{**box, "translation": [1e39, 0, 0]}]}})
    yield results("score true", {"results": {"s0": [{**box, "detection_score": True}]}})
    yield results(
        "score NaN", None, raw=json.dumps({"results": {"s0": [{**box, "detection_score": float("nan")}]}}).encode()
    )
    yield results("unknown class", {"results": {"s0": [{**box, "detection_name": "dragon"}]}})
    yield results("rotation zeros", {"results": {"s0": [{**box, "rotation": [0, 0, 0, 0]}]}})
    yield results(
        "rotation 1e200 (90 degrees about x: yaw 0)",
        {"results": {"s0": [{**box, "rotation": [1e200, 1e200, 0, 0]}]}},
        defect="1 range",
        check=lambda r: abs(float(r[0].yaw[0])) < 1e-12,
    )
    gtbox = json.loads(f.good("gt.json").read_text())
    gtbox = next(iter(gtbox.values()))[0] if "results" not in gtbox else next(iter(gtbox["results"].values()))[0]
    yield results("num_pts -7", {"s0": [{**gtbox, "num_pts": -7}]}, read_nuscenes_gt, "8 silent")
    yield results("num_pts 1e30", {"s0": [{**gtbox, "num_pts": 1e30}]}, read_nuscenes_gt, "1 range")
    yield results(
        "ego_translation 1e39", {"s0": [{**gtbox, "ego_translation": [1e39, 0, 0]}]}, read_nuscenes_gt, "1 range"
    )


def _checkpoint_cases(f: Files):
    from nmskit.learned import Rescorer, SetPredictor
    from nmskit.learned.build import WEIGHTS

    good_json = (WEIGHTS / "gossip.json").read_bytes()
    good_st = (WEIGHTS / "gossip.safetensors").read_bytes()
    variants = {
        "json is 5": (b"5", good_st),
        "json is null": (b"null", good_st),
        "json empty": (b"", good_st),
        "json non-UTF-8": (b"\xff" + good_json, good_st),
        "json truncated": (good_json[:40], good_st),
        "json config is a list": (b'{"config": []}', good_st),
        "safetensors empty": (good_json, b""),
        "safetensors truncated": (good_json, good_st[: len(good_st) // 2]),
        "safetensors random": (good_json, bytes(range(256)) * 4),
        "safetensors header lies": (good_json, (10**12).to_bytes(8, "little") + good_st[8:]),
    }
    for label, (js, st) in variants.items():
        stem = f.bad("model.json", js).with_suffix("")
        stem.with_suffix(".safetensors").write_bytes(st)
        for loader in (Rescorer.load, SetPredictor.load):
            yield Case("7 readers", f"{loader.__qualname__}", label, functools.partial(loader, stem), reject=str(stem))


def _learned_cases(f: Files):
    from nmskit.learned import Rescorer, columns_of

    cols = columns_of(f.dets)
    for model in ("d2d", "gossip", "gcn"):
        r = functools.lru_cache(None)(lambda m=model: Rescorer.load(m))
        for field, value in (("x", 1e39), ("x", 1e30), ("y", -1e20), ("w", 1e39), ("vx", 1e30), ("z", 1e12)):
            bad = dict(cols)
            bad[field] = np.where(np.arange(len(cols["x"])) == 0, value, cols[field])
            yield Case(
                "5 learned",
                f"Rescorer({model}).rescore",
                f"{field}={value:g}",
                lambda r=r, bad=bad: r().rescore(bad),
                reject=field,
            )
        frame = dict(cols, frame=np.array([0, 10**6, 0]))
        yield Case(
            "5 learned",
            f"Rescorer({model}).select",
            "frame id 10**6",
            lambda r=r, frame=frame: r().select(frame, 2),
            seconds=5.0,
            expect=lambda r=r: r().select(dict(cols, frame=np.array([0, 1, 0])), 2),
        )
        yield Case(
            "6 leniency", f"Rescorer({model}).select", "top_k=True", lambda r=r: r().select(cols, True), reject="top_k"
        )
        yield Case(
            "6 leniency",
            f"Rescorer({model}).rescore",
            "label column of strings",
            lambda r=r: r().rescore(dict(cols, label=np.array(["car"] * 3))),
            reject="label",
        )
        yield Case(
            "6 leniency",
            f"Rescorer({model}).rescore",
            "frame of floats",
            lambda r=r: r().rescore(dict(cols, frame=np.array([0.5, 0, 0]))),
            reject="frame",
        )
        yield Case(
            "5 learned",
            f"Rescorer({model}).rescore",
            "frame id 2**62",
            lambda r=r: r().rescore(dict(cols, frame=np.array([0, 2**62, 0]))),
            seconds=5.0,
            expect=lambda r=r: r().rescore(dict(cols, frame=np.array([0, 1, 0]))),
        )


def _evaluate_cases(f: Files):
    from nmskit.data import CLASS_RANGE
    from nmskit.data.borehole import PickTable
    from nmskit.evaluate import evaluate_picks, match_picks, nuscenes_detection

    for label, opts in (
        ("class_range NaN", {"class_range": {**CLASS_RANGE, "car": float("nan")}}),
        ("class_range -1", {"class_range": {**CLASS_RANGE, "car": -1.0}}),
        ("mean_ap_weight NaN", {"mean_ap_weight": float("nan")}),
        ("mean_ap_weight True", {"mean_ap_weight": True}),
        ("dist_threshold_tp NaN", {"dist_threshold_tp": float("nan")}),
        ("min_recall NaN", {"min_recall": float("nan")}),
        ("dist_thresholds of strings", {"dist_thresholds": ("1", "2")}),
        ("ego_poses of strings", {"ego_poses": {"s0": ("a", "b", "c")}}),
    ):
        yield Case(
            "8 silent",
            "nuscenes_detection",
            label,
            functools.partial(nuscenes_detection, f.dets, f.gt, **opts),
            reject=label.split()[0],
        )
    good = PickTable.from_arrays([[100.1, 30, 90]], depth_unit="m")
    for label, rows, name in (
        ("depth inf", [[np.inf, 30, 90]], "depth"),
        ("dip 500", [[100, 500, 90]], "apparent_dip"),
        ("dip -20", [[100, -20, 90]], "apparent_dip"),
        ("azimuth NaN", [[100, 20, np.nan]], "apparent_azimuth"),
    ):
        yield Case(
            "8 silent", "PickTable", label, functools.partial(PickTable.from_arrays, rows, depth_unit="m"), reject=name
        )
    yield Case(
        "6 leniency",
        "evaluate_picks",
        "tolerances of strings",
        functools.partial(evaluate_picks, good, good, ("3", "5")),
        reject="tolerances",
    )
    yield Case(
        "1 range",
        "evaluate_picks",
        "tolerance NaN",
        functools.partial(evaluate_picks, good, good, (np.nan,)),
        reject="tolerances",
    )
    yield Case(
        "1 range",
        "match_picks",
        "tolerance -1",
        functools.partial(match_picks, good.apparent(), good.apparent(), -1.0),
        reject="tolerance",
    )


def _picking_cases(f: Files):
    import warnings

    from nmskit.borehole import detect_picks, hough_picks
    from nmskit.data.borehole import BoreholeImage, read_picks, write_picks

    yield Case("6 leniency", "detect_picks", "image None", functools.partial(detect_picks, None), reject="image")
    yield Case(
        "6 leniency",
        "detect_picks",
        "image an array",
        functools.partial(detect_picks, np.zeros((5, 5))),
        reject="image",
    )
    yield Case("6 leniency", "hough_picks", "image None", functools.partial(hough_picks, None), reject="image")
    for label, value in (("1e39 float64", 1e39), ("-1e39", -1e39)):
        yield Case(
            "1 range",
            "BoreholeImage",
            f"values {label}",
            functools.partial(BoreholeImage, values=np.full((4, 4), value), depths=np.arange(4.0)),
            reject="values",
            check=lambda im: not im.mask.any(),
        )
    yield Case(
        "1 range",
        "BoreholeImage",
        "depths 1e400 (inf)",
        functools.partial(BoreholeImage, values=np.zeros((2, 4)), depths=np.array([0, 1e400])),
        reject="depths",
    )
    yield Case(
        "6 leniency",
        "BoreholeImage",
        "azimuth_direction True",
        functools.partial(BoreholeImage, values=np.zeros((2, 4)), depths=np.arange(2.0), azimuth_direction=True),
        reject="azimuth_direction",
    )

    # sentinel stretches give no sqrt warning in hough
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(300, 36))
    vals[100:200] = -9999.0
    sentinel_log = BoreholeImage(
        values=vals, depths=1000 + 0.01 * np.arange(300), depth_unit="m", diameter=0.2, diameter_unit="m"
    )

    def no_warning():
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            return detect_picks(sentinel_log)

    yield Case(
        "workflow",
        "detect_picks(hough)",
        "sentinel stretch: no sqrt warning",
        no_warning,
        check=lambda t: True,
        seconds=60,
    )
    # picks written by nmskit keep the diameter
    picks = read_picks(f.good("picks.csv"))
    with_diam = type(picks)(
        **{
            **{
                k: getattr(picks, k)
                for k in ("depth", "apparent_dip", "apparent_azimuth", "true_dip", "true_azimuth", "score", "cls")
            },
            "depth_unit": "m",
            "diameter": np.full(len(picks), 0.2),
        }
    )
    out = f.out("with_diameter.csv")

    def round_trip():
        write_picks(with_diam, out)
        return read_picks(out).diameter

    yield Case(
        "workflow", "write_picks", "diameter survives a round trip", round_trip, check=lambda d: np.allclose(d, 0.2)
    )


def _cli_cases(f: Files):
    bad_json = f.bad("pred.json", b"null")
    bad_csv = f.bad("picks.csv", b"depth,apparent_dip,apparent_azimuth\n")
    gz = bytearray(gzip.compress(f.good("log.csv").read_bytes()))
    gz[-8] ^= 0xFF
    bad_gz = f.bad("log.csv.gz", bytes(gz))
    utf = f.bad("picks.csv", b"\xff\xfedepth,apparent_dip,apparent_azimuth\n100,20,90\n")
    empty_npz = f.bad("log.npz", b"PK\x05\x06" + b"\x00" * 18)
    deep = f.bad("pred.json", b"[" * 100000 + b"]" * 100000)
    digits = f.bad(
        "pred.json",
        f.good("pred.json").read_bytes().replace(b'"detection_score":0.9', b'"detection_score":' + b"9" * 400),
    )
    non_utf_json = f.bad("pred.json", b"\xff" + f.good("pred.json").read_bytes())

    def cli(label, argv, file, outputs=(), defect="7 readers"):
        return Case(
            defect,
            "cli " + " ".join(str(a) for a in argv[:2]),
            label,
            functools.partial(run_cli, argv, outputs),
            reject=f"nmskit: error: {file}",
        )

    for label, bad in (
        ("results JSON null", bad_json),
        ("nested 100000 deep", deep),
        ("400-digit number", digits),
        ("non-UTF-8 JSON", non_utf_json),
    ):
        out = f.out("post.json")
        yield cli(label, ["suppress", "--method", "circle", "--in", bad, "--out", out], bad, [out])
        yield cli(label, ["evaluate", "nuscenes", "--pred", bad, "--gt", f.good("gt.json")], bad)
        yield cli(label, ["evaluate", "nuscenes", "--pred", f.good("pred.json"), "--gt", bad], bad)
    missing_dir = f.dir / "no" / "such" / "post.json"
    yield cli(
        "--out into a missing folder",
        ["suppress", "--method", "circle", "--in", f.good("pred.json"), "--out", missing_dir],
        missing_dir,
        [missing_dir],
    )
    yield Case(
        "7 readers",
        "cli fractures evaluate",
        "predictions header only (no picks)",
        functools.partial(run_cli, ["fractures", "evaluate", "--pred", bad_csv, "--truth", f.good("picks.csv")]),
        check=lambda text: "|" in text,
    )
    yield Case(
        "7 readers",
        "cli fractures evaluate",
        "truth header only (no picks)",
        functools.partial(run_cli, ["fractures", "evaluate", "--pred", f.good("picks.csv"), "--truth", bad_csv]),
        check=lambda text: "|" in text,
    )
    yield cli("picks non-UTF-8", ["fractures", "evaluate", "--pred", f.good("picks.csv"), "--truth", utf], utf)
    for label, bad in (("gzip bad CRC", bad_gz), ("empty npz", empty_npz)):
        out = f.out("picks.csv")
        yield cli(label, ["fractures", "detect", "--log", bad, "--out", out], bad, [out])
        png = f.out("fig.png")
        yield cli(label, ["fractures", "plot", "--log", bad, "--out", png], bad, [png])
    out = f.out("picks.csv")
    missing_png = f.dir / "no" / "fig.png"
    yield cli(
        "--plot into a missing folder",
        ["fractures", "detect", "--log", f.good("log.csv"), "--out", out, "--plot", missing_png],
        missing_png,
        [out, missing_png],
    )
    weights = Path(__import__("nmskit").__file__).parent / "borehole" / "weights" / "fracture_detr.safetensors"
    bad_init = f.bad("init.safetensors", weights.read_bytes())
    bad_init.with_suffix(".json").write_bytes(b"{not json")
    out = f.out("train")
    yield cli(
        "train --init with a corrupt JSON",
        ["fractures", "train", "--out", out, "--steps", "1", "--init", bad_init, "--quiet", "--val-every", "1"],
        bad_init.with_suffix(""),
        [out / "best.safetensors"],
        "8 silent",
    )
    bad_w = f.bad("w.json", b"5")
    bad_w.with_suffix(".safetensors").write_bytes(b"")
    out = f.out("post.json")
    yield cli(
        "--weights JSON 5",
        ["suppress", "--method", "d2d", "--in", f.good("pred.json"), "--out", out, "--weights", bad_w.with_suffix("")],
        bad_w.with_suffix(""),
        [out],
    )
    out = f.out("post.json")
    yield Case(
        "7 readers",
        "cli suppress",
        "good input writes a complete file",
        functools.partial(run_cli, ["suppress", "--method", "circle", "--in", f.good("pred.json"), "--out", out]),
        check=lambda _: json.loads(out.read_text())["results"] is not None,
    )
    # the picking workflow: evaluate nmskit's own picks by sinusoid distance, crop to the truth
    truth = f.good("picks.csv")
    whole = f.bad(
        "pred.csv",
        b"# depth_unit: m\n# diameter: 0.2 m\ndepth,apparent_dip,apparent_azimuth\n"
        b"100.1,30,90\n100.2,45,180\n50,10,10\n500,10,10\n",
    )
    yield Case(
        "workflow",
        "cli fractures evaluate",
        "--distance sinusoid on nmskit picks",
        functools.partial(
            run_cli, ["fractures", "evaluate", "--pred", whole, "--truth", truth, "--distance", "sinusoid"]
        ),
        check=lambda text: "crop" in text.lower(),
    )
    yield Case(
        "workflow",
        "cli fractures evaluate",
        "crops predictions to the truth's interval",
        functools.partial(run_cli, ["fractures", "evaluate", "--pred", whole, "--truth", truth]),
        check=lambda text: "crop" in text.lower(),
    )


def cases():
    """Every reader, CLI, learned-model and workflow case (writes into a temporary folder)."""
    f = Files()
    out = []
    for make in (_reader_cases, _checkpoint_cases, _learned_cases, _evaluate_cases, _picking_cases, _cli_cases):
        out.extend(make(f))
    return out
