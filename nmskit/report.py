"""A small static HTML report: sections of text, tables and PNG figures, in one folder."""

from __future__ import annotations

import html
from pathlib import Path

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}
th{background:#eee}img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}
.note{color:#555}"""

# On load, record what rendered, so a headless browser can check the page from its DOM:
# images that decoded, and tables with a visible size and at least one data row.
_SELF_CHECK = """<script>window.addEventListener('load',function(){
var im=Array.from(document.images),ok=im.filter(function(i){return i.complete&&i.naturalWidth>0;});
var tb=Array.from(document.querySelectorAll('table')),shown=tb.filter(function(t){
return t.offsetHeight>0&&t.rows.length>1;});
document.body.setAttribute('data-images',ok.length+'/'+im.length);
document.body.setAttribute('data-tables',shown.length+'/'+tb.length);});</script>"""


class Report:
    """Collects sections and writes ``index.html`` into ``out`` (figures are saved beside it)."""

    def __init__(self, out, title: str):
        self.out = Path(out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"out: cannot create report directory {str(out)!r}: {exc}") from exc
        self.title = title
        self.parts: list[str] = []

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")

    def text(self, text: str, note: bool = False) -> None:
        cls = ' class="note"' if note else ""
        self.parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def table(self, header, rows, caption: str | None = None) -> None:
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        self.parts.append(f"<table>{cap}<tr>{head}</tr>{body}</table>")

    def figure(self, fig, name: str, caption: str) -> Path:
        """Save a matplotlib figure as ``name`` (a PNG) and show it with a caption."""
        path = self.out / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        self.parts.append(
            f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
        return path

    def image(self, name: str, caption: str) -> None:
        """Show a PNG already written into the report folder (``name`` relative to it)."""
        if not (self.out / name).is_file():
            raise ValueError(f"image {name!r} is not in the report folder {str(self.out)!r}")
        self.parts.append(
            f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def write(self) -> Path:
        path = self.out / "index.html"
        path.write_text(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{_STYLE}</style>{_SELF_CHECK}</head><body><h1>{html.escape(self.title)}</h1>"
            + "\n".join(self.parts)
            + "</body></html>",
            encoding="utf-8",
        )
        return path
