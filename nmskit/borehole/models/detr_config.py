"""The architecture of a ``FractureDETR``, as stored next to its weights (JSON)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..._checks import check_count, check_positive_int, config_from_dict
from ..preprocessing.scale import ROWS_PER_DIAMETER


def check_backbone_fields(cfg) -> None:
    """The checks shared by every detector config on the ResNet backbone: ``backbone_depth``,
    ``norm``, and a ``downsample`` that divides the patch shape."""
    if cfg.backbone_depth not in (10, 18):
        raise ValueError(f"backbone_depth must be 10 or 18, got {cfg.backbone_depth!r}")
    if cfg.norm not in ("batch", "group"):
        raise ValueError(f"norm must be 'batch' or 'group', got {cfg.norm!r}")
    if cfg.patch_height % cfg.downsample or cfg.patch_width % cfg.downsample:
        raise ValueError(
            f"downsample ({cfg.downsample}) must divide the patch shape {cfg.patch_height} x {cfg.patch_width}"
        )


@dataclass(frozen=True)
class FractureDETRConfig:
    """Every field that decides the shapes or the computation of the network.

    The defaults are the published design: 800 x 360 patches, ResNet-10 (width 64) to a
    [B, 256, 50, 23] map, 4 + 4 transformer layers of width 256.

    Args:
        patch_height, patch_width: the patch shape ``predict`` and ``forward`` accept (rows =
            depth, columns = azimuth, one revolution).
        downsample: integer factor by which the patch is average-pooled before the backbone
            (1 keeps the full resolution; 2 turns 800 x 360 into 400 x 180 for CPU training).
        backbone_depth: 10 or 18. backbone_width: first-stage channels (64 = standard ResNet).
        norm: ``"batch"`` or ``"group"`` normalisation in the backbone.
        coords: feed depth / azimuth coordinate planes to the backbone.
        d_model, nhead, encoder_layers, decoder_layers, dim_feedforward, dropout, pre_norm:
            the transformer.
        num_queries: the number of learned queries, the most picks per patch (DETR: 100; a
            20 ft patch of a densely picked well can hold 40 or more).
        anchored_queries: give every query a learned reference depth (DAB-DETR's anchor idea
            in one dimension). Its row encoding is added to the query's positional part, and
            the depth head predicts an offset from it. False is DETR's plain learned queries.
        row_queries: with anchored queries, start each query's content from fine row
            features (``rows.RowPyramid`` over the backbone's levels, 2 row blocks) read at its
            reference depth, instead of DETR's zeros. The stride-16 grid alone is coarser
            (64 patch rows per cell at ``downsample=4``) than the spacing of picks.
        query_selection: seed the queries from a dense first stage (DINO's query selection,
            in one dimension): the dense detector's row pyramid and per-row heads score every
            row cell, the ``num_queries`` best cells become the queries (their depth, dip and
            azimuth the reference the decoder refines, their row features and score the
            content), and the one-to-one decoder decides which of them fire. Excludes
            ``anchored_queries``; ``num_queries`` must not exceed the row cells.
        refine_passes: sinusoid-aligned refinement passes after the decoder (0: none, DETR's
            form). Each pass reads the full-resolution patch along every query's sinusoid
            and corrects its depth, dip and azimuth (``refine.SinusoidRefiner``, per query).
        refine_window, refine_columns: the strip's half height ``R`` in rows and its
            number of columns ``S`` (must divide ``patch_width`` when refining).
        radius_rows: the hole radius in patch rows, which turns a dip into a sinusoid
            amplitude (``scale.ROWS_PER_DIAMETER / 2`` for prepared logs).
    """

    patch_height: int = 800
    patch_width: int = 360
    downsample: int = 1
    backbone_depth: int = 10
    backbone_width: int = 64
    norm: str = "batch"
    coords: bool = True
    d_model: int = 256
    nhead: int = 8
    encoder_layers: int = 4
    decoder_layers: int = 4
    dim_feedforward: int = 2048
    dropout: float = 0.1
    pre_norm: bool = False
    num_queries: int = 100
    anchored_queries: bool = False
    row_queries: bool = False
    query_selection: bool = False
    refine_passes: int = 0
    refine_window: int = 16
    refine_columns: int = 18
    radius_rows: float = ROWS_PER_DIAMETER / 2

    def __post_init__(self):
        for name in (
            "patch_height",
            "patch_width",
            "downsample",
            "backbone_width",
            "d_model",
            "nhead",
            "decoder_layers",
            "dim_feedforward",
            "num_queries",
        ):
            check_positive_int(getattr(self, name), name)
        if not isinstance(self.encoder_layers, int) or self.encoder_layers < 0:
            raise ValueError(f"encoder_layers must be a non-negative integer, got {self.encoder_layers!r}")
        check_backbone_fields(self)
        if self.d_model % self.nhead or self.d_model % 4:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of 4 and of nhead ({self.nhead})")
        for name in ("anchored_queries", "row_queries", "query_selection"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.row_queries and not self.anchored_queries:
            raise ValueError("row_queries needs anchored_queries (the rows are read at the anchors)")
        if self.query_selection and self.anchored_queries:
            raise ValueError(
                "query_selection and anchored_queries exclude each other (the selected cells are the anchors)"
            )
        if self.query_selection and self.num_queries > self.row_cells:
            raise ValueError(
                f"num_queries ({self.num_queries}) must not exceed the row cells ({self.row_cells}) "
                "with query_selection"
            )
        for name in ("refine_passes", "refine_window"):
            check_count(getattr(self, name), name, allow_none=False)
        check_positive_int(self.refine_columns, "refine_columns")
        if self.refine_passes and self.patch_width % self.refine_columns:
            raise ValueError(f"refine_columns ({self.refine_columns}) must divide patch_width ({self.patch_width})")
        if not (isinstance(self.radius_rows, (int, float)) and 0 < self.radius_rows < float("inf")):
            raise ValueError(f"radius_rows must be a positive finite number, got {self.radius_rows!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout!r}")

    @classmethod
    def small(cls) -> FractureDETRConfig:
        """A CPU-trainable variant: same 800 x 360 input and 4 + 4 layers, but the patch is
        average-pooled by 2 (grid 25 x 12), the backbone is ResNet-10 at width 32 with group
        norm (small batches), the transformer is 128 wide and pre-norm, and the queries are
        anchored in depth with row-feature content (see ``anchored_queries`` and
        ``row_queries``; docs/detr.md says why)."""
        return cls(
            downsample=2,
            backbone_width=32,
            norm="group",
            d_model=128,
            dim_feedforward=512,
            pre_norm=True,
            anchored_queries=True,
            row_queries=True,
        )

    @classmethod
    def two_stage(cls, downsample: int = 4, num_queries: int = 64) -> FractureDETRConfig:
        """``small()`` at ``downsample`` with its queries selected from a dense first stage
        (``query_selection``) instead of anchored: the dense detector's architecture plus a
        decoder, so the dense detector's weights can seed it."""
        return dataclasses.replace(
            cls.small(),
            downsample=downsample,
            anchored_queries=False,
            row_queries=False,
            query_selection=True,
            num_queries=num_queries,
        )

    @property
    def row_cells(self) -> int:
        """Row cells of the dense first stage: ``ceil(patch_height / downsample / 2)``."""
        return -(-self.patch_height // self.downsample // 2)

    @property
    def grid_shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of the attention grid: ``ceil(patch / downsample / 16)``."""
        h, w = self.patch_height // self.downsample, self.patch_width // self.downsample
        return -(-h // 16), -(-w // 16)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FractureDETRConfig:
        """Build from a dict; an unknown or missing field raises a ``ValueError`` naming it."""
        return config_from_dict(cls, data)
