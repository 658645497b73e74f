"""The error for a log format whose optional reader package is missing."""

from __future__ import annotations


def missing_extra(extra: str, module: str, fmt: str) -> ValueError:
    """The error for an optional reader whose package is not installed."""
    return ValueError(
        f"reading {fmt} files needs the optional package '{module}'; install it with: pip install 'nmskit[{extra}]'"
    )
