"""The patch detectors of fractures and bed boundaries: ``FractureDETR`` (NMS-free set
prediction) and ``DenseFractureDetector`` (per-row heatmap, then sinusoid NMS), their shared
backbone, row features, refinement, configurations, targets and losses."""
