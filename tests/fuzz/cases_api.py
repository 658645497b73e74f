"""Fuzz cases for the array API: every argument of every public function gets the bad
values of its kind (``values.py``), plus the issue's hand-made edge cases."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import torch

import nmskit
from nmskit import geometry
from nmskit.suppress import generate_detections, padded_nms, sorted_nms_padded

from .harness import Case
from .values import KINDS

B = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10], [21, 20, 31, 30]], np.float64)
S = np.array([0.875, 0.75, 0.625, 0.5, 0.375])  # exact in float16
L = np.array([0, 1, 0, 0, 1])
C = np.array([[0, 0], [0.5, 0], [10, 10], [0, 0], [10, 11]], np.float64)
BEV = np.array(
    [[0, 0, 2, 4, 0], [0.5, 0, 2, 4, 0.25], [10, 10, 2, 4, 1], [0, 0, 2, 4, 0], [10, 11, 2, 4, 0]], np.float64
)
PICKS = np.array([[100, 30, 90], [100.02, 31, 92], [101, 60, 200], [103, 0, 0], [100.01, 30, 90]], np.float64)


@dataclass
class Spec:
    """A public function, a valid call, and the kind of each argument."""

    target: str
    fn: object
    args: dict
    kinds: dict = field(default_factory=dict)
    skip: tuple = ()  # variant labels that are valid input for this function

    def call(self, **changes):
        return self.fn(**{**self.args, **changes})


def _kinds(**kw):
    return kw


# labels are optional; the matrix forms take boxes and scores of one kind (a tensor with a
# NumPy array is refused by design, tested in their own tests)
MATRIX_SKIP = ("None", "torch float16", "torch float64", "torch int8", "torch int16")


SPECS = [
    Spec(
        "nms",
        nmskit.nms,
        dict(boxes=B, scores=S, iou_threshold=0.5),
        _kinds(
            boxes=("coords", {}),
            scores=("scores", {}),
            iou_threshold=("unit", {"good": 0.5}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
            max_output=("count", {"good": 2}),
            inclusive=("flag", {"good": False}),
            canonicalize=("flag", {"good": False}),
            box_format=("choice", {"good": "xyxy"}),
        ),
    ),
    Spec(
        "batched_nms",
        nmskit.batched_nms,
        dict(boxes=B, scores=S, labels=L, iou_threshold=0.5),
        _kinds(
            boxes=("coords", {}),
            scores=("scores", {}),
            labels=("labels", {}),
            iou_threshold=("unit", {"good": 0.5}),
            max_output=("count", {"good": 2}),
            inclusive=("flag", {"good": False}),
            box_format=("choice", {"good": "xyxy"}),
        ),
    ),
    Spec(
        "soft_nms",
        nmskit.soft_nms,
        dict(boxes=B, scores=S),
        _kinds(
            boxes=("coords", {}),
            scores=("coords", {"scale_invariant": False, "one_dim": True}),
            sigma=("positive", {"good": 0.5}),
            iou_threshold=("unit", {"good": 0.3}),
            score_threshold=("real", {"good": 0.001}),
            max_output=("count", {"good": 2}),
            method=("choice", {"good": "gaussian"}),
            convention=("choice", {"good": "bodla"}),
            canonicalize=("flag", {"good": False}),
            box_format=("choice", {"good": "xyxy"}),
        ),
    ),
    Spec(
        "box_iou",
        nmskit.box_iou,
        dict(a=B, b=B[:3]),
        _kinds(a=("coords", {}), b=("coords", {}), box_format=("choice", {"good": "xyxy"})),
    ),
    Spec(
        "box_area",
        nmskit.box_area,
        dict(boxes=B),
        _kinds(boxes=("coords", {"scale_invariant": False}), box_format=("choice", {"good": "xyxy"})),
    ),
    Spec(
        "box_convert",
        nmskit.box_convert,
        dict(boxes=B, in_fmt="xyxy", out_fmt="cxcywh"),
        _kinds(
            boxes=("coords", {"scale_invariant": False}),
            in_fmt=("choice", {"good": "xyxy"}),
            out_fmt=("choice", {"good": "cxcywh"}),
        ),
        skip=("3-D",),
    ),
    Spec("bev_iou", nmskit.bev_iou, dict(a=BEV, b=BEV[:3]), _kinds(a=("coords", {"scale_invariant": False}))),
    Spec(
        "center_distance",
        geometry.center_distance,
        dict(a=BEV[:, :3], b=BEV[:2, :3]),
        _kinds(a=("coords", {"scale_invariant": False})),
        skip=("a column too many",),
    ),  # [N, k >= 2]
    Spec(
        "circle_nms",
        nmskit.circle_nms,
        dict(centers=C, scores=S, radius=1.0),
        _kinds(
            centers=("coords", {"scale_invariant": False}),
            scores=("scores", {}),
            radius=("real", {"good": 1.0}),
            labels=("labels", {}),
            max_output=("count", {"good": 2}),
            max_per_label=("count", {"good": 1}),
            squared_distance=("flag", {"good": False}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
        ),
        skip=("None",),
    ),  # labels are optional
    Spec(
        "soft_circle_nms",
        nmskit.soft_circle_nms,
        dict(centers=C, scores=S, sigma=1.0),
        _kinds(
            centers=("coords", {"scale_invariant": False}),
            sigma=("positive", {"good": 1.0}),
            cutoff=("positive", {"good": 5.0}),
            score_threshold=("real", {"good": 0.001}),
            max_output=("count", {"good": 2}),
            max_per_label=("count", {"good": 1}),
            labels=("labels", {}),
            decay=("choice", {"good": "complement"}),
            soft_sigma=("positive", {"good": 0.5}),
        ),
        skip=("None",),
    ),
    Spec(
        "rotated_nms",
        nmskit.rotated_nms,
        dict(boxes=BEV, scores=S, iou_threshold=0.2),
        _kinds(
            boxes=("coords", {"scale_invariant": False}),
            scores=("scores", {}),
            iou_threshold=("unit", {"good": 0.2}),
            labels=("labels", {}),
            max_output=("count", {"good": 2}),
            max_per_label=("count", {"good": 1}),
            pre_max_size=("count", {"good": 2}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
        ),
        skip=("None",),
    ),
    Spec(
        "sinusoid_nms",
        nmskit.sinusoid_nms,
        dict(picks=PICKS, scores=S, diameter=0.7, distance_threshold=0.05),
        _kinds(
            picks=("coords", {"scale_invariant": False}),
            scores=("scores", {}),
            diameter=("positive", {"good": 0.7}),
            distance_threshold=("positive", {"good": 0.05}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
            max_output=("count", {"good": 2}),
        ),
    ),
    Spec(
        "combined_nms",
        nmskit.combined_nms,
        dict(
            boxes=B[None, :, None, [1, 0, 3, 2]] / 40,
            scores=np.c_[S, S[::-1]][None],
            max_output_size_per_class=3,
            max_total_size=4,
        ),
        _kinds(
            iou_threshold=("unit", {"good": 0.5}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
            max_output_size_per_class=("count", {"good": 3, "huge": 5}),
            max_total_size=("count", {"good": 4, "huge": "reject"}),
            pad_per_class=("flag", {"good": False}),
            clip_boxes=("flag", {"good": True}),
        ),
    ),
    Spec(
        "padded_nms",
        padded_nms,
        dict(boxes=torch.from_numpy(B[None]), scores=torch.from_numpy(S[None]), max_output_size=3),
        _kinds(
            iou_threshold=("unit", {"good": 0.5}),
            max_output_size=("count", {"good": 3, "huge": "reject"}),
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
            inclusive=("flag", {"good": False}),
            box_format=("choice", {"good": "xyxy"}),
            tile_size=("count", {"good": 2, "huge": 2}),
        ),
    ),  # tiles change nothing
    Spec(
        "sorted_nms_padded",
        sorted_nms_padded,
        dict(scores=torch.from_numpy(S[None]), boxes=torch.from_numpy(B[None][..., [1, 0, 3, 2]]), max_output_size=3),
        _kinds(
            iou_threshold=("unit", {"good": 0.5}),
            max_output_size=("count", {"good": 3, "huge": "reject"}),
            tile_size=("count", {"good": 2, "huge": 2}),
        ),
    ),
    Spec(
        "generate_detections",
        generate_detections,
        dict(boxes=torch.from_numpy(B[None][..., [1, 0, 3, 2]] / 40), scores=torch.from_numpy(np.c_[S, S[::-1]][None])),
        _kinds(
            pre_nms_top_k=("count", {"good": 5, "huge": 5}),
            max_num_detections=("count", {"good": 3, "huge": "reject"}),
            nms_iou_threshold=("unit", {"good": 0.5}),
            pre_nms_score_threshold=("real", {"good": 0.05}),
            class_agnostic=("flag", {"good": False}),
            tile_size=("count", {"good": 2, "huge": 2}),
        ),
    ),
    *(  # Fast NMS and Cluster-NMS take the same arguments
        Spec(
            fn.__name__,
            fn,
            dict(boxes=B, scores=S),
            _kinds(
                boxes=("coords", {}),
                scores=("scores", {}),
                iou_threshold=("unit", {"good": 0.5}),
                labels=("labels", {}),
                max_output=("count", {"good": 2}),
                box_format=("choice", {"good": "xyxy"}),
            ),
            skip=MATRIX_SKIP,
        )
        for fn in (nmskit.suppress.fast_nms, nmskit.suppress.cluster_nms)
    ),
    Spec(
        "matrix_nms",
        nmskit.suppress.matrix_nms,
        dict(boxes=B, scores=S),
        _kinds(
            boxes=("coords", {}),
            labels=("labels", {}),
            sigma=("positive", {"good": 2.0}),
            kernel=("choice", {"good": "gaussian"}),
            box_format=("choice", {"good": "xyxy"}),
        ),
        skip=MATRIX_SKIP,
    ),
    Spec(
        "nms_overlaps",
        nmskit.suppress.nms_overlaps,
        dict(overlaps=nmskit.box_iou(B, B), scores=S),
        _kinds(
            scores=("scores", {}),
            overlap_threshold=("real", {"good": 0.5}),  # any geometry: any real
            score_threshold=("real", {"good": 0.1, "allow_inf": True}),
            max_output=("count", {"good": 2}),
        ),
    ),
    Spec(
        "weighted_boxes_fusion",
        nmskit.suppress.weighted_boxes_fusion,
        dict(boxes_list=[B / 40, B[::-1] / 40], scores_list=[S, S], labels_list=[L, L]),
        _kinds(iou_thr=("unit", {"good": 0.55}), skip_box_thr=("real", {"good": 0.0, "allow_inf": True})),
    ),
    Spec(
        "non_maximum_weighted",
        nmskit.suppress.non_maximum_weighted,
        dict(boxes_list=[B / 40, B[::-1] / 40], scores_list=[S, S], labels_list=[L, L]),
        _kinds(iou_thr=("unit", {"good": 0.55}), skip_box_thr=("real", {"good": 0.0, "allow_inf": True})),
    ),
    Spec(
        "sinusoid_coefficients",
        geometry.sinusoid_coefficients,
        dict(picks=PICKS, diameter=0.7),
        _kinds(picks=("coords", {"scale_invariant": False}), diameter=("positive", {"good": 0.7})),
    ),
    Spec(
        "sinusoid_distance",
        geometry.sinusoid_distance,
        dict(picks_a=PICKS, picks_b=PICKS[:2], diameter=0.7),
        _kinds(picks_a=("coords", {"scale_invariant": False}), diameter=("positive", {"good": 0.7})),
    ),
    Spec(
        "apparent_to_true",
        geometry.apparent_to_true,
        dict(dip=np.array([30.0, 60]), azimuth=np.array([90.0, 200]), inclination=10.0, hole_azimuth=45.0),
        _kinds(dip=("coords", {"scale_invariant": False, "one_dim": True}), inclination=("real", {"good": 10.0})),
        skip=("too short", "2-D", "a scalar", "a list", "an array of two"),
    ),  # broadcastable shapes are valid
]


def _value_cases(spec: Spec):
    for arg, (kind, options) in spec.kinds.items():
        options = dict(options)
        good = options.pop("good", spec.args.get(arg, L if kind == "labels" else None))
        for defect, label, value, mode, equivalent in KINDS[kind](good, **options):
            if label in spec.skip:
                continue
            call = functools.partial(spec.call, **{arg: value})
            expect = None if mode == "reject" else functools.partial(spec.call, **{arg: equivalent})
            yield Case(
                defect,
                spec.target,
                f"{arg}={label}",
                call,
                reject=None if mode == "same" else arg,
                expect=expect,
                rtol=1e-3 if "float16" in label else 1e-5,
            )


def _edge_cases():
    """The issue's examples and their relatives, one case each."""
    big = np.array([[0, 0, 1e200, 1e200]] * 2)
    tiny = np.array([[0, 0, 1e-200, 1e-200]] * 2)
    s2 = np.array([0.9, 0.8])
    yield Case(
        "1 range",
        "nms",
        "two equal boxes of side 1e200",
        lambda: nmskit.nms(big, s2),
        "boxes",
        check=lambda r: r.tolist() == [0],
    )
    yield Case(
        "1 range",
        "nms",
        "two equal boxes of side 1e-200",
        lambda: nmskit.nms(tiny, s2),
        "boxes",
        check=lambda r: r.tolist() == [0],
    )
    yield Case(
        "1 range",
        "box_iou",
        "equal boxes of side 1e200",
        lambda: nmskit.box_iou(big, big),
        "a",
        check=lambda r: np.allclose(r, 1),
    )
    yield Case(
        "1 range",
        "padded_nms",
        "two equal boxes of side 1e200",
        lambda: padded_nms(torch.tensor(big[None]), torch.tensor(s2[None]), 2),
        "boxes",
        check=lambda r: r[1].tolist() == [1],
    )
    wide = np.array([[-1e308, 0], [1e308, 0], [1e308, 0.5]])
    yield Case(
        "1 range",
        "circle_nms",
        "centres spanning +-1e308",
        lambda: nmskit.circle_nms(wide, S[:3], 1.0),
        "centers",
        check=lambda r: r.tolist() == [0, 1],
    )
    yield Case(
        "1 range",
        "rotated_nms",
        "centres spanning +-1e308",
        lambda: nmskit.rotated_nms(np.c_[wide, np.ones((3, 2)), np.zeros(3)], S[:3]),
        "boxes",
        check=lambda r: r.tolist() == [0, 1],
    )
    yield Case(
        "1 range",
        "batched_nms",
        "labels 1e30 and 2e30",
        lambda: nmskit.batched_nms(B[:2], S[:2], np.array([1e30, 2e30])),
        "labels",
        check=lambda r: r.tolist() == [0, 1],
    )
    yield Case(
        "2 dtype",
        "box_iou",
        "torch float16 300 px box",
        lambda: nmskit.box_iou(
            torch.tensor([[0, 0, 300, 300.0]], dtype=torch.float16),
            torch.tensor([[0, 0, 300, 150.0]], dtype=torch.float16),
        ),
        check=lambda r: abs(float(r) - 0.5) < 1e-3,
    )
    yield Case(
        "2 dtype",
        "box_area",
        "torch int8 [0,0,100,100]",
        lambda: nmskit.box_area(torch.tensor([[0, 0, 100, 100]], dtype=torch.int8)),
        check=lambda r: float(r[0]) == 10000,
    )
    yield Case(
        "3 counts",
        "circle_nms",
        "max_per_label=0 keeps nothing",
        lambda: nmskit.circle_nms(C, S, 1.0, labels=L, max_per_label=0),
        check=lambda r: len(r) == 0,
    )
    yield Case(
        "3 counts",
        "rotated_nms",
        "max_per_label=0 keeps nothing",
        lambda: nmskit.rotated_nms(BEV, S, labels=L, max_per_label=0),
        check=lambda r: len(r) == 0,
    )
    yield Case(
        "3 counts",
        "soft_circle_nms",
        "max_per_label=0 keeps nothing",
        lambda: nmskit.soft_circle_nms(C, S, 1.0, labels=L, max_per_label=0),
        check=lambda r: len(r[0]) == 0,
    )
    empty_b, empty_s = torch.zeros(0, 5, 4), torch.zeros(0, 5)
    yield Case(
        "3 counts",
        "padded_nms",
        "empty batch",
        lambda: padded_nms(empty_b, empty_s, 3),
        check=lambda r: tuple(r[0].shape) == (0, 3) and tuple(r[1].shape) == (0,),
    )
    yield Case(
        "3 counts",
        "sorted_nms_padded",
        "empty batch",
        lambda: sorted_nms_padded(empty_s, empty_b, 3),
        check=lambda r: tuple(r[0].shape) == (0, 3) and tuple(r[1].shape) == (0, 3, 4),
    )
    yield Case(
        "3 counts",
        "generate_detections",
        "empty batch",
        lambda: generate_detections(torch.zeros(0, 5, 4), torch.zeros(0, 5, 2), max_num_detections=3),
        check=lambda r: tuple(r[0].shape) == (0, 3, 4) and tuple(r[3].shape) == (0,),
    )
    yield Case(
        "3 counts",
        "generate_detections",
        "empty batch, class-agnostic",
        lambda: generate_detections(
            torch.zeros(0, 5, 4), torch.zeros(0, 5, 2), max_num_detections=3, class_agnostic=True
        ),
        check=lambda r: tuple(r[0].shape) == (0, 3, 4) and tuple(r[3].shape) == (0,),
    )
    yield Case(
        "3 counts",
        "combined_nms",
        "empty batch",
        lambda: nmskit.combined_nms(np.zeros((0, 5, 1, 4)), np.zeros((0, 5, 2)), 3, 4),
        check=lambda r: r[0].shape == (0, 4, 4),
    )
    yield Case(
        "3 counts",
        "combined_nms",
        "max_total_size=2**31",
        lambda: nmskit.combined_nms(np.zeros((1, 5, 1, 4)), np.zeros((1, 5, 2)), 3, 2**31),
        "max_total_size",
    )
    pts = np.random.default_rng(0).uniform(0, 1, (100_000, 2))
    yield Case(
        "5 learned",
        "circle_nms",
        "radius=0 on 1e5 points",
        lambda: nmskit.circle_nms(pts, np.zeros(len(pts)), 0.0),
        check=lambda r: len(r) == len(pts),
        seconds=2.0,
    )
    same_pts = np.zeros((20_000, 2))
    yield Case(
        "5 learned",
        "circle_nms",
        "radius=0 on 2e4 equal points",
        lambda: nmskit.circle_nms(same_pts, np.zeros(len(same_pts)), 0.0),
        check=lambda r: r.tolist() == [0],
        seconds=2.0,
    )
    # twins
    zero = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 10, 10]], np.float64)
    zs = np.array([0.9, 0.8, 0.7])
    yield Case(
        "4 twins",
        "padded_nms",
        "threshold 0, inclusive, zero-area boxes",
        lambda: padded_nms(torch.tensor(zero[None]), torch.tensor(zs[None]), 3, 0.0, inclusive=True)[0][0],
        expect=lambda: torch.tensor(nmskit.nms(zero, zs, 0.0, inclusive=True)),
    )
    inv = np.array([[10, 10, 0, 0.0]])
    yield Case(
        "4 twins",
        "box_iou",
        "inverted corners, NumPy",
        lambda: nmskit.box_iou(inv, inv),
        "a",
        expect=lambda: nmskit.box_iou(torch.tensor(inv), torch.tensor(inv)).numpy(),
    )
    yield Case(
        "4 twins",
        "box_iou",
        "inverted corners, torch",
        lambda: nmskit.box_iou(torch.tensor(inv), torch.tensor(inv)),
        "a",
        expect=lambda: nmskit.box_iou(inv, inv),
    )
    pk = np.array([[100.0, 0, 0], [100.0499999, 0, 0]])
    yield Case(
        "4 twins",
        "sinusoid_nms",
        "distance 0.0499999 under threshold 0.05",
        lambda: nmskit.sinusoid_nms(pk, np.array([0.9, 0.8]), 0.2, 0.05),
        check=lambda r: r.tolist() == [0],
    )
    pk2 = np.array([[100.0, 0, 0], [100.5, 0, 0]])
    yield Case(
        "4 twins",
        "sinusoid_nms",
        "distance exactly the threshold keeps both (suppress when < t)",
        lambda: nmskit.sinusoid_nms(pk2, np.array([0.9, 0.8]), 0.2, 0.5),
        check=lambda r: r.tolist() == [0, 1],
    )
    tie_b = np.array([[100, 100, 110, 110], [0, 0, 10, 10], [0, 0, 10, 5.0]])
    tie_s = np.array([0.375, 1.0, 0.75])  # box 2 decays to 0.75 * (1 - 0.5) = 0.375, tying box 0
    yield Case(
        "4 twins",
        "soft_nms",
        "equal decayed scores: lower index first",
        lambda: nmskit.soft_nms(tie_b, tie_s, method="linear", iou_threshold=0.3)[0],
        check=lambda r: r.tolist() == [1, 0, 2],
    )
    yield Case("4 twins", "box_area", "unknown box_format", lambda: nmskit.box_area(B, "xywhz"), "box_format")
    yield Case("6 leniency", "nms", "inclusive='False'", lambda: nmskit.nms(B, S, inclusive="False"), "inclusive")
    yield Case("6 leniency", "nms", "iou_threshold=True", lambda: nmskit.nms(B, S, True), "iou_threshold")
    yield Case(
        "8 silent",
        "sinusoid_nms",
        "score_threshold=nan",
        lambda: nmskit.sinusoid_nms(PICKS, S, 0.7, 0.05, score_threshold=float("nan")),
        "score_threshold",
    )
    yield Case(
        "3 counts",
        "nms",
        "max_output=10**30",
        lambda: nmskit.nms(B, S, max_output=10**30),
        expect=lambda: nmskit.nms(B, S),
    )


def cases():
    """Every array-API case."""
    out = []
    for spec in SPECS:
        out.extend(_value_cases(spec))
    out.extend(_edge_cases())
    return out
