"""The ``nmskit`` command: a thin layer over the library, with no logic of its own.

Each subcommand parses its arguments and calls one library function.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._threads import default_threads
from .batch.jobs import LEARNED

EVALUATE_TOLERANCES_CM = (3.0, 5.0, 8.0)


def _bench(args) -> int:
    from .bench import run_benchmark

    run_benchmark(args.what, quick=args.quick)
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    run_demo(args.out, quick=args.quick)
    return 0


def _suppress(args) -> int:
    from .batch import SuppressJob

    options = {}
    if args.method not in LEARNED:
        options = {
            "score_threshold": args.score_threshold,
            "post_max_size": args.post_max_size,
            "iou_threshold": args.iou_threshold,
        }
        options.update({k: getattr(args, k) for k in ("min_radius", "sigma") if getattr(args, k) is not None})
    job = SuppressJob(args.method, options, weights=args.weights, top_k=args.top_k, gt=args.gt)
    return _run(job, args.inp, args)[0]


def _run(job, inputs: list, args) -> tuple[int, object]:
    """One input: the command as it always was (``--out`` is the output file). Many inputs
    (repeated, a glob or an @manifest): one output each under the folder ``--out``.
    Returns the exit status and, for one input, its result."""
    from .batch import expand_inputs, is_many, run_batch

    if not is_many(inputs):
        given = [f"--{k}" for k in ("engine", "workers", "address", "resume") if getattr(args, k) not in (None, False)]
        if given:
            raise ValueError(
                f"{', '.join(given)} apply to many inputs (repeat the input option, give a glob "
                "or an @manifest); with one input, --out is the output file"
            )
        result, note = job.run(inputs[0], args.out)
        print(f"{note} -> {args.out}")
        return 0, result
    summary = run_batch(
        job,
        expand_inputs(inputs),
        args.out,
        engine=args.engine or "local",
        workers=args.workers,
        address=args.address,
        resume=args.resume,
    )
    for line in summary.error_lines():
        print(f"nmskit: error: {line}", file=sys.stderr)
    print(f"{summary.counts()} -> {args.out}")
    return summary.exit_status, None


def _add_batch_options(p) -> None:
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        help="many inputs: a local process pool (default) or Ray (pip install 'nmskit[ray]')",
    )
    p.add_argument("--workers", type=int, help="many inputs: worker processes or Ray actors (default: one per CPU)")
    p.add_argument("--address", help="--engine ray: a running cluster (e.g. auto); default: start a local one")
    p.add_argument("--resume", action="store_true", help="many inputs: skip inputs whose output is complete")


def _rescore_train(args) -> int:
    import torch

    from .learned import FrameSet
    from .learned.train import OPTIONS, rescore_configs, train_rescorer

    torch.set_num_threads(args.threads)
    cfg, epochs = rescore_configs(**{k: getattr(args, k) for k in OPTIONS})
    train, val = FrameSet.from_directory(args.train), FrameSet.from_directory(args.val)
    record = {
        "command": "nmskit " + " ".join(sys.argv[1:]),
        "data": {
            "train": str(args.train),
            "train_frames": train.num_frames,
            "val": str(args.val),
            "val_frames": val.num_frames,
        },
    }
    best = train_rescorer(args.model, train, val, args.out, cfg, epochs, resume=not args.no_resume, record=record)
    print(f"{args.model}: best checkpoint -> {best} (load it with --weights {args.out})")
    return 0


def _evaluate_nuscenes(args) -> int:
    from .batch import EvaluateJob, is_many
    from .data import read_nuscenes_gt, read_nuscenes_results
    from .evaluate import nuscenes_detection

    if is_many(args.pred):
        if args.json or args.plots or not args.out:
            raise ValueError(
                "many --pred files write one metrics JSON each into the folder --out "
                "(--json and --plots take one --pred)"
            )
        return _run(EvaluateJob(args.gt), args.pred, args)[0]
    if args.out:
        raise ValueError("--out is the folder for many --pred files; with one, use --json")
    pred, _ = read_nuscenes_results(args.pred[0])
    result = nuscenes_detection(pred, read_nuscenes_gt(args.gt))
    print(result.format_tables())
    if args.json:
        result.write_json(args.json)
    if args.plots:
        result.plot_pr_curves(args.plots)
    return 0


def _shard_split(args) -> int:
    from .data.nuscenes_shards import split_results

    paths = split_results(args.inp, args.out, args.shards)
    print(f"{len(paths)} shards -> {args.out}")
    return 0


def _shard_merge(args) -> int:
    from .batch import expand_inputs
    from .data.nuscenes_shards import merge_results

    samples = merge_results(expand_inputs(args.inp, "--in"), args.out)
    print(f"{samples} samples -> {args.out}")
    return 0


def _simulate(args) -> int:
    if args.calibration_report:
        from ._table import format_table
        from .bench.calibration import calibration_report

        print(
            f"Simulated CircleNMS and Soft-CircleNMS AP ({args.frames} frames, seed {args.seed}) "
            "beside the paper's Table II"
        )
        print(format_table(*calibration_report(args.frames, args.seed)))
        return 0
    if not args.out:
        raise ValueError("out: give --out DIR (or --calibration-report)")
    from .data.sim import write_simulation

    pre, gt = write_simulation(
        args.out, args.frames, args.seed, crowd_rate=args.crowd_rate, crowd_spacing=args.crowd_spacing
    )
    print(f"wrote {pre} and {gt} ({args.frames} simulated frames, seed {args.seed})")
    return 0


def _read_log(args):
    from .data.borehole import DeviationSurvey, read_borehole
    from .geometry.units import parse_length

    options = {}
    if args.diameter is not None:
        options["diameter"], options["diameter_unit"] = parse_length(args.diameter, "--diameter", "in")
    if getattr(args, "deviation", None):
        inc, azi = _pair(args.deviation, "--deviation")
        options["deviation"] = DeviationSurvey.constant(inc, azi)
    return read_borehole(args.log, **options)


def _pair(text: str, name: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{name} must be two numbers 'INC,AZ' in degrees, got {text!r}") from None
    return a, b


def _fractures_detect(args) -> int:
    from .batch import PickJob, is_many
    from .borehole import picker_view
    from .data.borehole import read_borehole

    deviation = _pair(args.deviation, "--deviation") if args.deviation else None
    job = PickJob(args.method, args.diameter, deviation)
    if args.plot and is_many(args.log):
        raise ValueError("--plot takes one --log")
    status, picks = _run(job, args.log, args)
    if args.plot:
        image = read_borehole(args.log[0], **job.read_options())
        _save_plot(picker_view(image, args.method), picks, None, args.plot)
    return status


def _fractures_plot(args) -> int:
    from .borehole import preprocess
    from .data.borehole import read_picks

    image = _read_log(args)
    picks = read_picks(args.picks, depth_unit=image.depth_unit) if args.picks else None
    truth = read_picks(args.truth, depth_unit=image.depth_unit) if args.truth else None
    _save_plot(preprocess(image), picks, truth, args.out, args.top, args.bottom)
    return 0


def _save_plot(prepared, picks, truth, out, top=None, bottom=None) -> None:
    from .borehole.plots import plot_log_with_picks

    _save_figure(plot_log_with_picks(prepared, picks, truth, top=top, bottom=bottom), out)


def _save_figure(fig, out) -> None:
    """Write a matplotlib figure to ``out`` whole or not at all; the format follows the suffix."""
    from .data.files import atomic_write

    fmt = os.path.splitext(os.fspath(out))[1].lstrip(".").lower() or "png"
    with atomic_write(out, "wb") as f:
        fig.savefig(f, format=fmt, dpi=110)
    print(f"figure -> {out}")


def _fractures_evaluate(args) -> int:
    from .data.borehole import read_picks
    from .evaluate import crop_picks, evaluate_picks, format_pick_scores
    from .geometry.units import length_factor

    pred = read_picks(args.pred, depth_unit=args.depth_unit)
    truth = read_picks(args.truth, depth_unit=args.depth_unit)
    if args.no_crop or truth.depth_unit is None or pred.depth_unit is None:
        print("predictions not cropped" + ("" if args.no_crop else " (a file states no depth unit)"))
    else:
        pred = pred.in_unit(truth.depth_unit)
        margin = max(EVALUATE_TOLERANCES_CM) * length_factor("cm", truth.depth_unit)
        kept, interval = crop_picks(pred, truth, margin)
        if interval is None:
            print("predictions not cropped: the truth has no picks")
        else:
            print(
                f"predictions cropped to the truth's interval {interval[0]:g}-{interval[1]:g} {truth.depth_unit} "
                f"(its picks +- {max(EVALUATE_TOLERANCES_CM):g} cm): {len(kept)} of {len(pred)} kept "
                "(--no-crop keeps all)"
            )
        pred = kept
    print(format_pick_scores(evaluate_picks(pred, truth, EVALUATE_TOLERANCES_CM, distance=args.distance)))
    return 0


def _fractures_train(args) -> int:
    import dataclasses
    import shlex
    import time

    from .borehole.training.run import OPTIONS, fit, run_settings

    settings = run_settings(
        args.model,
        args.downsample,
        args.refine_passes,
        args.query_selection,
        args.published,
        **{k: getattr(args, k) for k in OPTIONS},
    )
    settings["train_cfg"] = dataclasses.replace(settings["train_cfg"], progress=not args.quiet)
    deadline = time.time() + 60 * args.max_minutes if args.max_minutes else None
    record = fit(
        args.out,
        **settings,
        init=args.init,
        train_only=args.train_only,
        deadline=deadline,
        resume=args.resume,
        command=shlex.join(["nmskit", *args.argv]),
    )
    print(
        f"{record['steps_done']} steps in {record['train_seconds']:.0f} s, best validation score "
        f"{record['best_score']:.3f} -> {args.out}/best.safetensors"
    )
    return 0


def _fractures_explain(args) -> int:
    from .borehole.explain import explain_log

    _save_figure(explain_log(_read_log(args), args.top, args.query), args.out)
    return 0


def _add_fractures(sub) -> None:
    from .borehole.picking.detect import METHODS

    fr = sub.add_parser("fractures", help="dip picking on borehole image logs")
    cmds = fr.add_subparsers(dest="fractures_command", required=True)
    log_help = "image log: .csv/.csv.gz (long layout), .las, .dlis or .npz"

    p = cmds.add_parser("detect", help="pick sinusoids on a log and write picks.csv")
    p.add_argument(
        "--log",
        required=True,
        action="append",
        help=log_help + "; repeat it, or give a glob or @manifest, for many logs",
    )
    p.add_argument("--out", required=True, help="picks CSV to write (many logs: a folder, one <log>.picks.csv each)")
    p.add_argument(
        "--method",
        choices=METHODS,
        default="hough",
        help="picker: hough (default), detr or dense (shipped weights; dense = per-row detector + "
        "sinusoid NMS); docs/headtohead.md compares them",
    )
    p.add_argument("--diameter", help="hole diameter such as 8.5in (when the log does not carry it)")
    p.add_argument("--deviation", help="hole inclination and azimuth 'INC,AZ' (degrees) to fill true dips")
    p.add_argument("--plot", help="also write a figure of the log with the picks")
    _add_batch_options(p)
    p.set_defaults(func=_fractures_detect)

    p = cmds.add_parser("plot", help="draw a log interval with picks as sinusoids and a tadpole plot")
    p.add_argument("--log", required=True, help=log_help)
    p.add_argument("--picks", help="predicted picks CSV")
    p.add_argument("--truth", help="reference picks CSV")
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--top", type=float, help="interval top (log depth units)")
    p.add_argument("--bottom", type=float, help="interval bottom (log depth units)")
    p.add_argument("--diameter", help="hole diameter such as 8.5in")
    p.set_defaults(func=_fractures_plot)

    p = cmds.add_parser("evaluate", help="picking metrics at 3, 5 and 8 cm")
    p.add_argument("--pred", required=True, help="predicted picks CSV")
    p.add_argument("--truth", required=True, help="reference picks CSV")
    p.add_argument("--depth-unit", help="depth unit when a file does not state it (ft or m)")
    p.add_argument(
        "--distance",
        choices=["depth", "sinusoid"],
        default="depth",
        help="matching distance (sinusoid needs the hole diameter, which nmskit's picks files carry)",
    )
    p.add_argument(
        "--no-crop",
        action="store_true",
        help="score all predictions (default: only those within the truth's depth interval)",
    )
    p.set_defaults(func=_fractures_evaluate)

    p = cmds.add_parser(
        "train",
        help="train a detector, DETR-style or dense (synthetic patches + the embedded "
        "well's upper interval; validates on its lower interval)",
    )
    p.add_argument("--out", required=True, help="checkpoint directory")
    p.add_argument(
        "--model",
        choices=("detr", "dense"),
        default="detr",
        help="detr (set prediction, no NMS; default) or dense (per-row heatmap + sinusoid NMS)",
    )
    # Options left out take the defaults of nmskit.borehole.training.run.run_settings.
    p.add_argument("--steps", type=int, help="optimiser steps")
    p.add_argument("--batch", type=int, help="patches per step")
    p.add_argument("--seed", type=int, help="training seed")
    p.add_argument("--downsample", type=int, help="input pooling of the small preset")
    p.add_argument("--real-share", type=float, help="share of real crops per batch")
    p.add_argument("--n-val", type=int, help="held-out synthetic validation patches")
    p.add_argument("--reuse", type=int, help="uses of each synthetic log, on average (rendering dominates a CPU step)")
    p.add_argument("--val-every", type=int, help="validate and checkpoint every N steps")
    p.add_argument("--lr", type=float, help="AdamW learning rate of all but the backbone")
    p.add_argument("--lr-drop", type=int, help="divide the learning rates by 10 from this step (0: never)")
    p.add_argument("--eos-coef", type=float, help="DETR: loss weight of the no-object class")
    p.add_argument("--depth-weight", type=float, help="DETR: depth weight of matching cost and loss")
    p.add_argument("--dip-weight", type=float, help="DETR: dip weight of matching cost and loss")
    p.add_argument("--refine-passes", type=int, help="DETR: sinusoid-refinement passes (default: the preset's)")
    p.add_argument(
        "--query-selection",
        action="store_true",
        help="DETR: seed the queries from a dense first stage (FractureDETRConfig.two_stage); "
        "--init can be the dense detector's weights",
    )
    p.add_argument(
        "--published",
        action="store_true",
        help="DETR: the full-resolution published configuration FractureDETRConfig() (a GPU's work)",
    )
    p.add_argument("--device", help="where to train: cpu (default), cuda, cuda:1, ...")
    p.add_argument("--train-only", help="train only parameters whose names start with this prefix (e.g. refiner.)")
    p.add_argument("--init", help="warm-start from this checkpoint (same-named tensors are copied)")
    p.add_argument("--max-minutes", type=float, help="start no new chunk after this many minutes")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoints in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_fractures_train, out_is_folder=True)

    p = cmds.add_parser("explain", help="attention rollout of one detection, drawn as grid cells over its patch")
    p.add_argument("--log", required=True, help=log_help)
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--top", type=float, help="patch top depth (default: the log's first row)")
    p.add_argument("--query", type=int, help="query to explain (default: the highest-scoring one)")
    p.add_argument("--diameter", help="hole diameter such as 8.5in")
    p.set_defaults(func=_fractures_explain)


def _add_rescore(sub) -> None:
    rs = sub.add_parser("rescore", help="learned NMS: rescoring models for 3-D detections")
    cmds = rs.add_subparsers(dest="rescore_command", required=True)
    folder = "directory with pre_nms.json and ground_truth.json (as nmskit simulate --out writes)"
    p = cmds.add_parser(
        "train",
        help="train a rescoring model; keeps the best checkpoint by validation mAP + NDS",
        description="Options left out take the defaults of nmskit.learned.train.RESCORE_TRAINING "
        "and nmskit.learned.train.EpochConfig.",
    )
    p.add_argument("--train", required=True, help="training " + folder)
    p.add_argument("--val", required=True, help="validation " + folder)
    p.add_argument(
        "--model",
        choices=LEARNED,
        default="d2d",
        help="d2d (D2D-Rescore), gossip (GossipNet3D), gcn, or setpred (the NMS-free set predictor)",
    )
    p.add_argument("--out", required=True, help="checkpoint directory (best and last; resumes from last)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int, help="frames per step")
    p.add_argument("--matching", choices=["metric", "hungarian"], help="target matching")
    p.add_argument("--top-k", type=int, help="kept per frame in validation")
    p.add_argument("--lr", type=float, help="peak AdamW learning rate")
    p.add_argument("--weight-decay", type=float, help="AdamW weight decay")
    p.add_argument("--warmup-steps", type=int, help="linear warm-up steps")
    p.add_argument("--max-norm", type=float, help="gradient-norm clip")
    p.add_argument("--seed", type=int, help="initialisation and shuffling seed")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1)")
    p.add_argument("--no-resume", action="store_true", help="start afresh even if --out holds a checkpoint")
    p.set_defaults(func=_rescore_train, out_is_folder=True)


def build_parser() -> argparse.ArgumentParser:
    from .bench import BENCHMARKS

    parser = _Parser(prog="nmskit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="run the main demo on embedded data and write a report")
    p.add_argument("--out", default="demo-report", help="report directory (default: demo-report)")
    p.add_argument("--quick", action="store_true", help="smaller inputs (a fast smoke run)")
    p.set_defaults(func=_demo, out_is_folder=True)

    p = sub.add_parser("bench", help="benchmarks against the peers, measured in this process")
    p.add_argument("what", choices=[*BENCHMARKS, "all"], help="which benchmark")
    p.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    p.set_defaults(func=_bench)

    p = sub.add_parser("suppress", help="suppress nuScenes-format 3-D detections per sample and CenterPoint task head")
    p.add_argument(
        "--method",
        required=True,
        choices=["circle", "soft-circle", "rotated", *LEARNED],
        help="heuristic NMS, a learned rescorer that keeps the --top-k best per sample, or the "
        "NMS-free set predictor (setpred), which outputs up to --top-k boxes per sample",
    )
    p.add_argument(
        "--in",
        dest="inp",
        required=True,
        action="append",
        help="pre-NMS results JSON; repeat it, or give a glob or @manifest, for many files",
    )
    p.add_argument("--out", required=True, help="post-NMS results JSON to write (many files: a folder)")
    p.add_argument("--score-threshold", type=float, default=0.1, help="drop scores <= this first (0.1)")
    p.add_argument("--post-max-size", type=int, default=83, help="kept per sample and head (83)")
    p.add_argument("--min-radius", type=float, nargs=6, help="circle: six squared radii, one per head")
    p.add_argument("--sigma", type=float, nargs=6, help="soft-circle: six Gaussian widths (m)")
    p.add_argument("--iou-threshold", type=float, default=0.2, help="rotated: IoU threshold (0.2)")
    p.add_argument("--weights", help="learned: checkpoint or training directory (default: the shipped weights)")
    p.add_argument("--top-k", type=int, default=300, help="learned: kept per sample (300)")
    p.add_argument(
        "--gt", help="learned: ground-truth JSON giving each sample's ego position, for results without ego_translation"
    )
    _add_batch_options(p)
    p.set_defaults(func=_suppress)

    p = sub.add_parser("shard", help="split a big nuScenes results file by sample, or merge the shards back")
    sh = p.add_subparsers(dest="shard_command", required=True)
    p = sh.add_parser("split", help="write <stem>-<i>-of-<n>.json shards of whole samples, balanced by boxes")
    p.add_argument("--in", dest="inp", required=True, help="results JSON")
    p.add_argument("--out", required=True, help="folder for the shards")
    p.add_argument("--shards", type=int, required=True, help="number of shards")
    p.set_defaults(func=_shard_split, out_is_folder=True)
    p = sh.add_parser("merge", help="concatenate shards (in index order) into one results file")
    p.add_argument("--in", dest="inp", required=True, action="append", help="shards: repeat it, a glob or @manifest")
    p.add_argument("--out", required=True, help="results JSON to write")
    p.set_defaults(func=_shard_merge)

    _add_rescore(sub)

    p = sub.add_parser("simulate", help="simulated CenterPoint-like dense 3-D detections (nuScenes format)")
    p.add_argument("--frames", type=int, default=1000, help="frames to simulate (1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", help="directory for pre_nms.json and ground_truth.json")
    p.add_argument("--crowd-rate", type=float, default=1.0, help="pedestrian crowds, relative to default (1.0)")
    p.add_argument(
        "--crowd-spacing",
        type=float,
        default=None,
        help="pack pedestrian crowds with neighbours this many metres apart (>= 0.36; default: scattered)",
    )
    p.add_argument(
        "--calibration-report",
        action="store_true",
        help="print simulated CircleNMS and Soft-CircleNMS AP beside the published numbers instead",
    )
    p.set_defaults(func=_simulate, out_is_folder=True)

    p = sub.add_parser("evaluate", help="evaluate detections")
    ev = p.add_subparsers(dest="protocol", required=True)
    p = ev.add_parser("nuscenes", help="the nuScenes detection protocol (mAP, TP errors, NDS)")
    p.add_argument(
        "--pred",
        required=True,
        action="append",
        help="results JSON; repeat it, or give a glob or @manifest, to evaluate many files",
    )
    p.add_argument("--gt", required=True, help="ground-truth JSON (boxes with ego_translation, num_pts)")
    p.add_argument("--json", help="write the metrics and PR curves here")
    p.add_argument("--plots", help="write PR-curve PNGs into this directory")
    p.add_argument("--out", help="many --pred files: folder for one <pred>.metrics.json each")
    _add_batch_options(p)
    p.set_defaults(func=_evaluate_nuscenes)
    _add_fractures(sub)
    return parser


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other failure."""

    def error(self, message):
        self.exit(2, f"nmskit: error: {message} (see {self.prog} --help)\n")


OUTPUT_FILES = ("out", "json", "plot")  # options naming a file to write, where a command has them
INPUTS = ("inp", "log", "pred")  # options that may name many inputs (then --out is a folder)


def _check_outputs(args) -> None:
    """Refuse, before any work, an output file whose folder does not exist."""
    from .batch import is_many
    from .data.files import check_output

    many = any(isinstance(getattr(args, k, None), list) and is_many(getattr(args, k)) for k in INPUTS)
    for name in OUTPUT_FILES:
        path = getattr(args, name, None)
        if path and not (name == "out" and (many or getattr(args, "out_is_folder", False))):
            check_output(path)


def main(argv=None) -> int:
    """Run the command; every failure is one line on stderr, ``nmskit: error: ...``.

    Returns:
        The exit status: 0 on success, 2 for bad input (a file, an option, a missing
        optional extra), 1 for an unexpected internal error (a bug), 130 when interrupted.
    """
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    default_threads()  # one thread per library unless the environment says otherwise
    try:
        _check_outputs(args)
        return args.func(args)
    except (ValueError, ImportError) as exc:  # bad input, or an optional extra not installed
        return _fail(str(exc), 2)
    except OSError as exc:  # e.g. a full disk or a permission while writing
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - one line instead of a traceback, even for a bug
        return _fail(f"internal error, please report it: {type(exc).__name__}: {exc}", 1)


def _fail(message: str, status: int) -> int:
    print(f"nmskit: error: {' '.join(message.split())}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
