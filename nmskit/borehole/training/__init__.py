"""Training the patch detectors: the loop, the training stream, validation on held-out
picks, and recorded runs."""
