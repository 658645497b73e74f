"""Borehole image logs: from a raw log to dip picks.

- ``preprocessing/``: sentinel masking, imputation, normalisation, resampling, the
  detector's scale (``prepare_log``), augmentations, and cutting a log into patches.
- ``models/``: the patch detectors, ``FractureDETR`` (NMS-free set prediction) and
  ``DenseFractureDetector`` (per-row heatmap, then sinusoid NMS), with their backbone,
  row features, sinusoid refinement, configurations, targets and losses.
- ``training/``: the training stream, validation and recorded runs (the loop is
  :func:`nmskit.nn.train`).
- ``picking/``: whole-log picking by a method: the classical Hough picker or a patch
  detector.
- ``plots`` and ``explain``: figures (they load matplotlib).

Public names load on first use, so ``import nmskit.borehole`` imports neither torch nor
matplotlib.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["explain", "plots"],
    submod_attrs={
        "preprocessing.augment": ["flip_depth", "rotate_azimuth"],
        "preprocessing.impute": ["impute"],
        "preprocessing.mask": ["DEFAULT_SENTINELS", "mask_sentinels"],
        "preprocessing.normalize": ["normalize_dynamic", "normalize_static"],
        "preprocessing.patches": ["PatchGrid", "patch_grid"],
        "preprocessing.pipeline": ["preprocess"],
        "preprocessing.resample": ["resample_azimuth", "resample_depth"],
        "preprocessing.scale": ["ROWS_PER_DIAMETER", "prepare_log"],
        "models.backbone": ["ResNetBackbone"],
        "models.dense": ["DenseFractureDetector"],
        "models.dense_config": ["DenseDetectorConfig"],
        "models.dense_loss": ["DenseLossWeights"],
        "models.detr": ["FractureDETR"],
        "models.detr_config": ["FractureDETRConfig"],
        "models.detr_loss": ["LossWeights"],
        "models.targets": ["CLASS_NAMES"],
        "training.run": ["DataConfig", "fit"],
        "picking.detect": ["METHODS", "detect_picks", "picker_view"],
        "picking.hough": ["hough_picks"],
        "picking.patchwise": ["log_picks", "shipped_model"],
    },
)
