"""What happened to each input of a batch, and the summary a command prints at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    """One input's result.

    Attributes:
        input: the input path.
        output: the output path (None when results are returned instead of written).
        value: the computed result (only when no output is written).
        note: one line about the result, e.g. ``"106 picks"``.
        error: why the input failed (None on success).
        skipped: the output was already complete (``resume``), nothing was computed.
        seconds: time spent on this input in its worker.
    """

    input: Path
    output: Path | None = None
    value: object = field(default=None, repr=False)
    note: str = ""
    error: str | None = None
    skipped: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Summary:
    """All outcomes of a batch (input order is not kept: they come as workers finish)."""

    outcomes: list[Outcome]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_status(self) -> int:
        """0 when every input succeeded, else 2 (the status of every failed command)."""
        return 2 if self.failed else 0

    def counts(self) -> str:
        done = sum(o.ok and not o.skipped for o in self.outcomes)
        skipped = sum(o.skipped for o in self.outcomes)
        return f"{len(self.outcomes)} inputs: {done} written, {skipped} already complete, {len(self.failed)} failed"

    def error_lines(self) -> list[str]:
        """``"<input>: <why>"`` per failed input, one line each, sorted by input."""
        lines = []
        for o in sorted(self.failed, key=lambda o: str(o.input)):
            why = " ".join((o.error or "").split()).removeprefix(f"{o.input}: ")
            lines.append(f"{o.input}: {why}")
        return lines
