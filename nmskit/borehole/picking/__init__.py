"""Whole-log dip picking: the classical Hough picker, or a patch detector run patch by
patch over the log."""
