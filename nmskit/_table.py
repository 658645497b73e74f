"""Plain-text tables, for results printed by the library, the benchmarks and the demo."""

from __future__ import annotations


def format_table(header: list, rows: list) -> str:
    """Plain-text table with right-aligned columns (Markdown-compatible pipes)."""
    cells = [list(map(str, header))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])
