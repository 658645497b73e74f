"""The per-input work behind the commands that read one file and write one: picking a log
(``fractures detect``), suppressing a results file (``suppress``) and evaluating one
(``evaluate nuscenes``).

A job holds a command's options. :meth:`Job.setup` loads what every input shares (a model,
the ground truth) and runs once per worker; :meth:`Job.run` handles one input. The
single-input command and every batch engine call the same :meth:`Job.run`, so their
outputs are the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .._arrays import PathLike

LEARNED = ("d2d", "gossip", "gcn", "setpred")  # the suppress methods that load a model


@dataclass
class Job:
    """One kind of per-input work. Subclasses are dataclasses of plain options."""

    suffix = ""  # the output's file suffix, after the input's stem

    def setup(self) -> None:
        """Load what all inputs share; a no-op when already loaded."""

    def run(self, src: PathLike, out: PathLike | None = None) -> tuple[object, str]:
        """Process ``src``; write to ``out`` unless it is None.

        Returns:
            ``(result, note)``: the in-memory result and a one-line note about it.
        """
        raise NotImplementedError

    def describe(self) -> dict:
        """The options that determine the output (recorded beside each batch output)."""
        return {"job": type(self).__name__, **{f.name: getattr(self, f.name) for f in fields(self) if f.init}}


@dataclass
class PickJob(Job):
    """``nmskit fractures detect``: an image log in, a picks CSV out.

    Attributes:
        method: ``"hough"``, ``"detr"`` or ``"dense"`` (see :func:`nmskit.borehole.detect_picks`).
        diameter: hole diameter with a unit, e.g. ``"8.5in"``, for logs that lack it.
        deviation: hole ``(inclination, azimuth)`` in degrees, to fill true dips.
    """

    method: str = "hough"
    diameter: str | None = None
    deviation: tuple[float, float] | None = None
    suffix = ".picks.csv"

    def __post_init__(self):
        from ..borehole import METHODS

        if self.method not in METHODS:
            raise ValueError(f"method must be one of {list(METHODS)}, got {self.method!r}")
        self.read_options()  # rejects a bad diameter before any input is read

    def read_options(self) -> dict:
        """Keyword arguments of :func:`nmskit.data.read_borehole`."""
        from ..data.borehole import DeviationSurvey
        from ..geometry.units import parse_length

        options: dict[str, object] = {}
        if self.diameter is not None:
            options["diameter"], options["diameter_unit"] = parse_length(self.diameter, "--diameter", "in")
        if self.deviation is not None:
            options["deviation"] = DeviationSurvey.constant(*self.deviation)
        return options

    def run(self, src: PathLike, out: PathLike | None = None) -> tuple[object, str]:
        # the shipped detectors (detr, dense) are cached per process: loaded on the first log
        from ..borehole import detect_picks
        from ..data.borehole import read_borehole, write_picks

        picks = detect_picks(read_borehole(src, **self.read_options()), method=self.method)
        if out is not None:
            write_picks(picks, out)
        return picks, f"{len(picks)} picks"


@dataclass
class SuppressJob(Job):
    """``nmskit suppress``: a pre-NMS results file in, a post-NMS results file out.

    Attributes:
        method: ``"circle"``, ``"soft-circle"``, ``"rotated"`` (heuristic, per sample and
            task head) or a learned model ``"d2d"``, ``"gossip"``, ``"gcn"``, ``"setpred"``.
        options: heuristic only: keyword arguments of :func:`nmskit.suppress.centerpoint_nms`.
        weights: learned only: a checkpoint or training folder (default: the shipped one).
        top_k: learned only: boxes kept per sample.
        gt: learned only: ground truth giving each sample's ego position, for results
            without ``ego_translation``.
    """

    method: str
    options: dict = field(default_factory=dict)
    weights: str | None = None
    top_k: int = 300
    gt: str | None = None
    suffix = ".json"
    _model: Any = field(default=None, init=False, repr=False, compare=False)  # loaded by setup()
    _gt: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.learned:
            if self.options:
                raise ValueError(f"options apply to the heuristic methods, not {self.method!r}")
        elif self.weights or self.gt:
            raise ValueError(f"--weights and --gt apply to the learned methods {LEARNED}, not {self.method!r}")

    @property
    def learned(self) -> bool:
        return self.method in LEARNED

    def setup(self) -> None:
        if not self.learned or self._model is not None:
            return
        from ..data import read_nuscenes_gt
        from ..learned import Rescorer, SetPredictor

        loader = SetPredictor if self.method == "setpred" else Rescorer
        self._model = loader.load(self.weights or self.method)
        self._gt = read_nuscenes_gt(self.gt) if self.gt else None

    def run(self, src: PathLike, out: PathLike | None = None) -> tuple[object, str]:
        from ..data import read_nuscenes_results, with_ego, write_nuscenes_results

        dets, meta = read_nuscenes_results(src, max_boxes_per_sample=None)
        if self.learned:
            self.setup()
            dets = with_ego(dets, self._gt)
            keep = self._model.predict if self.method == "setpred" else self._model.suppress
            kept = keep(dets, self.top_k)
        else:
            from ..suppress import centerpoint_nms

            kept = centerpoint_nms(dets, self.method, **self.options)
        if out is not None:
            write_nuscenes_results(kept, out, meta)
        return kept, f"{self.method}: kept {len(kept)} of {len(dets)} boxes over {len(dets.sample_tokens)} samples"


@dataclass
class EvaluateJob(Job):
    """``nmskit evaluate nuscenes``: a results file in, its metrics JSON out.

    Attributes:
        gt: the ground-truth file, read once per worker.
    """

    gt: str
    suffix = ".metrics.json"
    _truth: Any = field(default=None, init=False, repr=False, compare=False)  # read by setup()

    def setup(self) -> None:
        if self._truth is None:
            from ..data import read_nuscenes_gt

            self._truth = read_nuscenes_gt(self.gt)

    def run(self, src: PathLike, out: PathLike | None = None) -> tuple[object, str]:
        from ..data import read_nuscenes_results
        from ..evaluate import nuscenes_detection

        self.setup()
        result = nuscenes_detection(read_nuscenes_results(src)[0], self._truth)
        if out is not None:
            result.write_json(out)
        return result, f"mAP {result.mean_ap:.4f}, NDS {result.nds:.4f}"
