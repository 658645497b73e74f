"""Preparing a raw log for picking: sentinel masking, imputation, normalisation,
resampling, the detectors' scale, augmentations and patches."""
