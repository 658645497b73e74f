"""FractureDETR: an NMS-free set predictor of planar features on borehole image patches.

patch [B, 1, H, W] --(avg-pool by `downsample`)--> ResNet (circular in azimuth, stride 16)
    --> features [B, d, h, w] + sine positions (periodic in azimuth)
    --> transformer (encoder over the h*w grid, decoder over Q learned queries)
    --> per query and per decoder layer: class logits (fracture, bed, no-object), depth within
        the patch, dip, azimuth as (cos, sin).
With ``query_selection`` a dense first stage (the dense detector's row pyramid and per-row
heads) scores every row cell, and the Q best cells seed the queries: their geometry is the
reference each query refines, their row features the content it starts from.
Inference keeps each query whose best object-class probability exceeds a threshold. Nothing
compares queries with each other: duplicates are discouraged by the one-to-one matching during
training, not removed afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from numpy.typing import ArrayLike
from torch import nn

from ..._arrays import ArrayOrTensor
from ..._checks import check_real
from ...setpred import Transformer, decoder_rollout, row_anchor_encoding, sine_position_encoding, to_grid
from .backbone import ResNetBackbone
from .dense import row_heads, row_outputs
from .dense_loss import DenseLossWeights, dense_loss
from .detr_config import FractureDETRConfig
from .detr_loss import LossWeights, build_criterion
from .patch_detector import PatchDetector
from .refine import SinusoidRefiner, sinusoid_strips
from .rows import RowPyramid
from .targets import CLASS_NAMES, azimuth_degrees, encode_targets

MAX_DIP = 87.0  # degrees; caps the amplitude a refinement pass starts from
DENSE_ROW_BLOCKS = 4  # the first stage's row blocks, as in the dense detector (DenseDetectorConfig)
EPS = 1e-4  # keeps selected references off the ends of the logit scale


class MLP(nn.Module):
    """``[..., d_in] -> [..., d_out]`` through ``layers`` linear layers with ReLU between."""

    def __init__(self, d_in: int, d_hidden: int, d_out: int, layers: int = 3):
        super().__init__()
        dims = [d_in] + [d_hidden] * (layers - 1) + [d_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else torch.relu(layer(x))
        return x


class FractureDETR(PatchDetector):
    """DETR-style detector of fractures and bed boundaries.

    Args:
        config: the architecture (``FractureDETRConfig()`` is the published design).
        loss_weights: matching-cost and loss weights used by ``compute_loss``.

    Input checks, ``save``, ``load_weights`` and ``load(path, loss_weights)`` come from
    ``PatchDetector``.
    """

    config_class = FractureDETRConfig
    config: FractureDETRConfig
    pos: torch.Tensor

    def __init__(self, config: FractureDETRConfig = FractureDETRConfig(), loss_weights: LossWeights = LossWeights()):
        super().__init__()
        if not isinstance(config, FractureDETRConfig):
            raise ValueError(f"config must be a FractureDETRConfig, got {type(config).__name__}")
        c = config
        self.config = c
        self.backbone = ResNetBackbone(c.backbone_depth, c.backbone_width, c.d_model, coords=c.coords, norm=c.norm)
        self.transformer = Transformer(
            c.d_model, c.nhead, c.encoder_layers, c.decoder_layers, c.dim_feedforward, c.dropout, c.pre_norm
        )
        if c.query_selection:
            # The dense detector's first stage under its own names, so its weights can seed it.
            self.rows = RowPyramid(
                self.backbone,
                (c.patch_height // c.downsample, c.patch_width // c.downsample),
                c.d_model,
                DENSE_ROW_BLOCKS,
            )
            self.heat_head, self.box_head = row_heads(c.d_model)
            self.proposal_embed = MLP(5, c.d_model, c.d_model, 2)  # score logit, depth offset, dip, cos, sin
        else:
            self.query_embed = nn.Embedding(c.num_queries, c.d_model)
        if c.anchored_queries:
            # Reference depths spread evenly over the patch, stored as logits [Q].
            q = c.num_queries
            self.query_anchor = nn.Parameter(torch.logit((torch.arange(q) + 0.5) / q))
            nn.init.normal_(self.query_embed.weight, std=0.1)
        if c.row_queries:
            # Fine row features (the dense detector's row pyramid), read at each reference depth
            # to give the decoder's content input local evidence.
            self.rows = RowPyramid(
                self.backbone, (c.patch_height // c.downsample, c.patch_width // c.downsample), c.d_model, layers=2
            )
        if c.refine_passes:
            self.refiner = SinusoidRefiner(c.patch_width, c.refine_window, c.refine_columns)
        self.class_head = nn.Linear(c.d_model, len(CLASS_NAMES) + 1)
        self.depth_head = MLP(c.d_model, c.d_model, 1)
        self.dip_head = MLP(c.d_model, c.d_model, 1)
        self.azimuth_head = MLP(c.d_model, c.d_model, 2)
        self.criterion = build_criterion(loss_weights)
        h, w = c.grid_shape
        self.register_buffer(
            "pos", sine_position_encoding(h, w, c.d_model, periodic_width=True), persistent=False
        )  # [d, h, w]

    # ----------------------------------------------------------------------------- forward
    def forward(self, patches: torch.Tensor, capture_attention: bool = False) -> dict:
        """Raw outputs for a batch of validated patches.

        Args:
            patches: ``[B, 1, patch_height, patch_width]`` float.
            capture_attention: also return the attention weights (see ``Transformer``).

        Returns:
            ``logits [B, Q, 3]`` (fracture, bed, no-object), ``depth [B, Q]`` in [0, 1],
            ``dip [B, Q]`` (dip / 90, in [0, 1]), ``azimuth [B, Q, 2]`` (cos, sin, unnormalised),
            ``aux_outputs`` (the same for decoder layers 1 .. L-1), with ``query_selection``
            ``dense`` (the first stage's outputs, as ``DenseFractureDetector.forward``) and,
            when asked, ``attention``.
        """
        k = self.config.downsample
        x = nn.functional.avg_pool2d(patches, k) if k > 1 else patches  # [B, 1, H/k, W/k]
        levels = self.backbone.levels(x)
        features = levels[-1]  # [B, d, h, w]
        grid_scale = x.shape[-2] / (16 * features.shape[-2])  # depth fraction of the patch -> of the grid
        dense, dip_ref, az_ref = None, 0.0, 0.0
        if self.config.query_selection:
            dense, queries, content, anchor, dip_ref, az_ref = self._select(levels, grid_scale)
        else:
            queries, anchor, content = self.query_embed.weight, 0.0, None  # [Q, d]
        if self.config.anchored_queries:
            anchor = self.query_anchor  # [Q] logits of the reference depths
            # Depth fraction of the patch -> fraction of the grid height (the grid may overhang).
            rows = anchor.sigmoid() * grid_scale
            queries = queries + row_anchor_encoding(rows, self.config.d_model)
        if self.config.row_queries:
            content = _sample_rows(self.rows(levels), anchor.sigmoid())  # [B, Q, d]
        hs, _, attention = self.transformer(
            features, self.pos[None], queries, capture_attention, content
        )  # hs [L, B, Q, d]
        layers = [
            {
                "logits": self.class_head(h),  # [B, Q, 3]
                "depth": (self.depth_head(h).squeeze(-1) + anchor).sigmoid(),  # [B, Q]
                "dip": (self.dip_head(h).squeeze(-1) + dip_ref).sigmoid(),  # [B, Q]
                "azimuth": self.azimuth_head(h) + az_ref,  # [B, Q, 2]
            }
            for h in hs
        ]
        for _ in range(self.config.refine_passes):
            layers.append(self._refine(patches, layers[-1]))
        out = dict(layers[-1], aux_outputs=layers[:-1])
        if dense is not None:
            out["dense"] = dense
        if capture_attention:
            out["attention"] = attention
        return out

    def _select(self, levels: list, grid_scale: float):
        """The dense first stage and the queries it seeds (``query_selection``).

        Every row cell gets the dense detector's outputs; the ``Q`` cells of highest object
        logit, taken in depth order, become the queries. A query's reference (depth, dip and
        azimuth of its cell, detached as between DINO's stages) is what the decoder's heads
        refine; its content starts from the cell's row features plus an embedding of the
        cell's score and geometry; its positional part is the row encoding of its depth.

        Returns:
            ``(dense, queries [B, Q, d], content [B, Q, d], anchor [B, Q] depth logit,
            dip_ref [B, Q] dip logit, az_ref [B, Q, 2] unit (cos, sin))``; ``dense`` holds the
            first stage's outputs for its own loss.
        """
        rows = self.rows(levels)  # [B, d, N]
        dense = row_outputs(rows, self.heat_head, self.box_head)
        n = rows.shape[-1]
        score = dense["logits"].detach().max(1).values  # [B, N]
        cells = score.topk(self.config.num_queries, dim=1).indices.sort(dim=1).values  # [B, Q]
        offset = dense["offset"].detach().gather(1, cells)
        depth = (cells + offset) / n  # [B, Q]
        dip = dense["dip"].detach().gather(1, cells).clamp(EPS, 1 - EPS)
        az = nn.functional.normalize(
            dense["azimuth"].detach().gather(1, cells[..., None].expand(-1, -1, 2)), dim=-1, eps=1e-6
        )  # [B, Q, 2]
        geometry = torch.stack([score.gather(1, cells), offset, dip, az[..., 0], az[..., 1]], -1)  # [B, Q, 5]
        content = rows.transpose(1, 2).gather(1, cells[..., None].expand(-1, -1, rows.shape[1]))  # [B, Q, d]
        content = content + self.proposal_embed(geometry)
        queries = row_anchor_encoding(depth * grid_scale, self.config.d_model)  # [B, Q, d]
        anchor = torch.logit(depth.clamp(EPS, 1 - EPS))
        return dense, queries, content, anchor, torch.logit(dip), az

    def _refine(self, patches: torch.Tensor, layer: dict) -> dict:
        """One sinusoid-aligned refinement pass of a layer's outputs (see ``refine``). The
        geometry it starts from is detached; the class logits gain the strip's objectness."""
        c = self.config
        b, nq = layer["depth"].shape
        z0 = layer["depth"].detach() * c.patch_height  # [B, Q] rows
        amp = c.radius_rows * torch.tan(torch.deg2rad((layer["dip"].detach() * 90).clamp(max=MAX_DIP)))
        unit = nn.functional.normalize(layer["azimuth"].detach(), dim=-1, eps=1e-6)  # [B, Q, 2]
        p, q = amp * unit[..., 0], amp * unit[..., 1]
        delta, objectness = self.refiner(sinusoid_strips(patches, z0, p, q, c.refine_window, c.refine_columns))
        delta, objectness = delta.view(b, nq, 3), objectness.view(b, nq)
        p, q = p + delta[..., 1], q + delta[..., 2]
        amp = torch.sqrt(p * p + q * q + 1e-4)
        objects = objectness[..., None].expand(b, nq, len(CLASS_NAMES))  # added to every object class
        logits = layer["logits"] + nn.functional.pad(objects, (0, 1))  # not to no-object
        return {
            "logits": logits,
            "depth": ((z0 + delta[..., 0]) / c.patch_height).clamp(0, 1),
            "dip": torch.atan(amp / c.radius_rows) * (2 / math.pi),
            "azimuth": torch.stack([p, q], -1) / amp[..., None],
        }

    def compute_loss(self, patches: torch.Tensor, targets: Sequence[Mapping[str, ArrayLike]]) -> dict:
        """The training loss of one batch (the training loop calls this).

        Args:
            patches: ``[B, 1, patch_height, patch_width]``.
            targets: ``B`` dicts with ``labels`` (0 fracture, 1 bed), ``depth`` (row / patch
                height), ``dip`` and ``azimuth`` (degrees), each ``[T_b]``; see
                ``encode_targets``.

        Returns:
            ``{"loss": total to backpropagate, "class", "depth", "dip", "azimuth",
            "class_0", ...}`` (scalar tensors; suffixed names are the auxiliary layers'), and
            with ``query_selection`` the first stage's dense loss terms as ``"dense_heatmap"``,
            ``"dense_offset"``, ... (added to the total with weight 1).
        """
        patches = self.check_patches(patches)
        self.check_targets(patches, targets)
        out, encoded = self(patches), encode_targets(targets, patches.device)
        losses = self.criterion(out, encoded)
        if "dense" in out:  # the first stage learns as the dense detector does (one-to-many)
            dense = dense_loss(out["dense"], encoded, DenseLossWeights())
            losses.update({f"dense_{k}": v for k, v in dense.items() if k != "loss"})
            losses["loss"] = losses["loss"] + dense["loss"]
        return losses

    # --------------------------------------------------------------------------- inference
    @torch.no_grad()
    def predict(self, patches: ArrayOrTensor, threshold: float = 0.5) -> list[dict]:
        """Picks per patch: every query whose best object-class probability is > threshold.

        There is no cross-query step: two queries predicting the same feature both survive.

        Args:
            patches: ``[B, 1, patch_height, patch_width]`` (tensor or array) or one
                ``[patch_height, patch_width]`` patch.
            threshold: in [0, 1).

        Returns:
            ``B`` dicts of NumPy arrays, each ``[K]``: ``labels`` (0 fracture, 1 bed),
            ``scores``, ``depth`` (row / patch height), ``row`` (centre row in pixels), ``dip``
            and ``azimuth`` (degrees, azimuth in [0, 360)), ``query`` (the query index).
        """
        if not 0.0 <= check_real(threshold, "threshold") < 1.0:
            raise ValueError(f"threshold must lie in [0, 1), got {threshold!r}")
        x = self.check_patches(patches)
        out = self._eval_forward(x)
        prob = out["logits"].softmax(-1)[..., :-1]  # [B, Q, 2]
        scores, labels = prob.max(-1)  # [B, Q]
        az = azimuth_degrees(out["azimuth"])  # [B, Q]
        picks = []
        for b in range(x.shape[0]):
            keep = torch.nonzero(scores[b] > threshold).squeeze(1)  # [K]
            depth = out["depth"][b, keep]
            picks.append(
                {
                    "labels": labels[b, keep].cpu().numpy(),
                    "scores": scores[b, keep].cpu().numpy(),
                    "depth": depth.cpu().numpy(),
                    "row": (depth * self.config.patch_height).cpu().numpy(),
                    "dip": (out["dip"][b, keep] * 90.0).cpu().numpy(),
                    "azimuth": az[b, keep].cpu().numpy(),
                    "query": keep.cpu().numpy(),
                }
            )
        return picks

    @torch.no_grad()
    def attention_maps(self, patches: ArrayOrTensor) -> torch.Tensor:
        """Attention rollout of every query onto the attention grid.

        Returns:
            ``[B, Q, h, w]`` (``config.grid_shape``), each map divided by its sum. Cell
            ``(i, j)`` covers about ``patch_height / h`` x ``patch_width / w`` pixels.
        """
        att = self._eval_forward(self.check_patches(patches), capture_attention=True)["attention"]
        maps = decoder_rollout(att["encoder"], att["decoder_self"], att["decoder_cross"])
        maps = maps / maps.sum(-1, keepdim=True).clamp_min(1e-12)  # [B, Q, h*w]
        return to_grid(maps, *self.config.grid_shape)


def _sample_rows(rows: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
    """Row features ``[B, d, N]`` read at depths ``[Q]`` (fractions of the patch) by linear
    interpolation between cell centres -> ``[B, Q, d]``."""
    n = rows.shape[-1]
    pos = (depth * n - 0.5).clamp(0, n - 1)  # [Q] in cell units
    lo = pos.floor().long().clamp(max=n - 1)
    hi = (lo + 1).clamp(max=n - 1)
    w = (pos - lo).to(rows.dtype)  # [Q]
    return (rows[:, :, lo] * (1 - w) + rows[:, :, hi] * w).transpose(1, 2)
