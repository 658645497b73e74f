"""The architecture of a ``DenseFractureDetector``, as stored next to its weights (JSON)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..._checks import check_positive_int, config_from_dict
from .detr_config import check_backbone_fields


@dataclass(frozen=True)
class DenseDetectorConfig:
    """Every field that decides the shapes or the computation of the dense detector.

    The defaults are the trained preset, the backbone of ``FractureDETRConfig.small()`` at
    ``downsample=4``: 800 x 360 patches pooled to 200 x 90, a width-32 ResNet-10 with group
    norm and coordinate planes, 128 channels in the head.

    Args:
        patch_height, patch_width: the patch shape ``predict`` and ``forward`` accept (rows =
            depth, columns = azimuth, one revolution).
        downsample: integer factor by which the patch is average-pooled before the backbone.
            One row cell of the output is ``2 * downsample`` patch rows (the backbone's stem
            stride).
        backbone_depth: 10 or 18. backbone_width: first-stage channels.
        norm: ``"batch"`` or ``"group"`` normalisation in the backbone and the head.
        coords: feed depth / azimuth coordinate planes to the backbone.
        d_model: channels of the row features.
        head_layers: residual 1-D convolutions along depth after the levels are merged; their
            dilations double (1, 2, 4, ...) so the context reaches about ``2 ** head_layers``
            cells each way.
    """

    patch_height: int = 800
    patch_width: int = 360
    downsample: int = 4
    backbone_depth: int = 10
    backbone_width: int = 32
    norm: str = "group"
    coords: bool = True
    d_model: int = 128
    head_layers: int = 4

    def __post_init__(self):
        for name in ("patch_height", "patch_width", "downsample", "backbone_width", "d_model", "head_layers"):
            check_positive_int(getattr(self, name), name)
        check_backbone_fields(self)

    @property
    def row_cells(self) -> int:
        """Output cells along depth: ``ceil(patch_height / downsample / 2)``."""
        return -(-self.patch_height // self.downsample // 2)

    @property
    def cell_rows(self) -> float:
        """Patch rows per output cell: ``patch_height / row_cells``."""
        return self.patch_height / self.row_cells

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DenseDetectorConfig:
        """Build from a dict; an unknown or missing field raises a ``ValueError`` naming it."""
        return config_from_dict(cls, data)
