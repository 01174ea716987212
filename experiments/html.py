"""Build a self-contained HTML report page: headings, paragraphs, figures (as base64 PNG) and tables.

No external URL appears in the page: styles are inline and every figure is embedded, so the file
can be mailed or archived on its own. Every figure needs a caption: one plain-English sentence
saying what it shows. Usage::

    from matplotlib.figure import Figure
    from partnerships.experiments.html import Page

    page = Page("Headline experiment", intro="What changes whether partnerships deliver?")
    page.heading("Effects")
    page.paragraph("Each point is a mean over runs; bars are 95% confidence intervals.")
    fig = Figure(figsize=(6, 4)); fig.add_subplot().plot([0, 1], [0, 1])
    page.figure(fig, "Delivered share rises with meeting discipline.")
    page.table(frame, caption="Cell means", digits=3)
    page.write(Path("results/x/report.html"))
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from partnerships.experiments.store import write_atomic

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #1d2733; line-height: 1.5; }
h1 { font-size: 1.8em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #d5dbe3; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #e3e7ec; }
figcaption { font-size: .95em; color: #3b4a5a; margin-top: .4em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .88em; }
th, td { border: 1px solid #d5dbe3; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eef2f6; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .3em; }
pre { background: #f5f7f9; padding: .8em; overflow-x: auto; font-size: .85em; }
.note { color: #55606c; font-size: .92em; }
"""


def figure_png(fig: Figure, dpi: int = 110) -> str:
    """A matplotlib figure as a base64-encoded PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class Page:
    """An HTML page built in order: call the methods, then :meth:`html` or :meth:`write`."""

    def __init__(self, title: str, intro: str = "") -> None:
        self.title = title
        self.parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]
        if intro:
            self.paragraph(intro)

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (level 2 for sections, 3 for subsections)."""
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, note: bool = False) -> None:
        """A paragraph of plain text (escaped); ``note=True`` sets it in smaller grey type."""
        cls = ' class="note"' if note else ""
        self.parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def bullets(self, items: list[str]) -> None:
        """A bulleted list of plain-text items."""
        self.parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")

    def figure(self, fig: Figure, caption: str, alt: str | None = None) -> None:
        """Embed ``fig`` as a PNG with ``caption`` (one sentence saying what it shows) beneath it."""
        if not caption.strip():
            raise ValueError("every figure needs a caption saying what it shows")
        data = figure_png(fig)
        alt_text = html.escape(alt or caption)
        self.parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{alt_text}">'
                          f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def table(self, frame: pd.DataFrame, caption: str = "", digits: int = 3, index: bool = False) -> None:
        """A table of ``frame``; floats shown to ``digits`` significant figures, missing values as '-'."""
        body = frame.to_html(index=index, border=0, na_rep="-", escape=True, justify="left",
                             float_format=lambda x: f"{x:.{digits}g}")
        if caption:
            body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
        self.parts.append(body)

    def preformatted(self, text: str) -> None:
        """Text shown as is, in a monospaced block (experiment files, versions)."""
        self.parts.append(f"<pre>{html.escape(text)}</pre>")

    def html(self) -> str:
        body = "\n".join(self.parts)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")

    def write(self, path: Path) -> Path:
        """Write the page atomically to ``path`` and return it."""
        path = Path(path)
        text = self.html()
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return path
