"""Borehole image logs: preprocessing (masking, imputation, normalisation, resampling,
patches), synthetic training patches, the classical Hough picker, the DETR-style
fracture detector and its dense counterpart (per-row heatmap + sinusoid NMS). The detector's torch-backed names load on first use; figures live in
``nmskit.borehole.plots`` (imported on demand: it loads matplotlib)."""
import importlib

from .augment import flip_depth, rotate_azimuth
from .detect import METHODS, detect_picks
from .hough import hough_picks
from .impute import impute
from .mask import DEFAULT_SENTINELS, mask_sentinels
from .normalize import normalize_dynamic, normalize_static
from .patches import PatchGrid, patch_grid, patch_labels
from .preprocess import preprocess
from .resample import resample_azimuth, resample_depth
from .synth_patches import SyntheticPatches, synthesize_patches

_TORCH = {"ResNetBackbone": ".backbone", "CLASS_NAMES": ".config", "FractureDETRConfig": ".config",
          "DenseFractureDetector": ".dense", "DenseDetectorConfig": ".dense_config",
          "DenseLossWeights": ".dense_loss",
          "LossWeights": ".loss", "FractureDETR": ".model", "TrainConfig": ".train", "train": ".train",
          "train_step": ".train"}


def __getattr__(name):
    if name not in _TORCH:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_TORCH[name], __name__)
    # bind every name of that module now: importing ``.train`` also set the attribute
    # ``train`` to the submodule, which the function of that name must replace
    for other, source in _TORCH.items():
        if source == _TORCH[name]:
            globals()[other] = getattr(module, other)
    return globals()[name]


__all__ = ["CLASS_NAMES", "DEFAULT_SENTINELS", "DenseDetectorConfig", "DenseFractureDetector",
           "DenseLossWeights", "FractureDETR", "FractureDETRConfig", "LossWeights", "METHODS",
           "PatchGrid", "ResNetBackbone", "SyntheticPatches", "TrainConfig", "detect_picks", "flip_depth",
           "hough_picks", "impute", "mask_sentinels", "normalize_dynamic", "normalize_static", "patch_grid",
           "patch_labels", "preprocess", "resample_azimuth", "resample_depth", "rotate_azimuth",
           "synthesize_patches", "train", "train_step"]
