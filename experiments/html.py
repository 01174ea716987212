"""Build a self-contained HTML report page: headings, paragraphs, figures (as base64 PNG) and tables.

No external URL appears in the page: styles are inline and every figure is embedded, so the file
can be mailed or archived on its own. Every figure needs a caption: one plain-English sentence
saying what it shows. A report opens with :meth:`Page.finding` (two or three sentences that rank
what matters, computed from the numbers) and :meth:`Page.caveats` (what was simulated, what is
assumed, what the intervals cover), and carries a :meth:`Page.glossary`. The same page prints to
PDF (:mod:`experiments.pdf`); the print styles keep figures and tables whole. Usage::

    from matplotlib.figure import Figure
    from partnerships.experiments.html import Page

    page = Page("Headline experiment", intro="What changes whether partnerships deliver?")
    page.finding(["Meeting discipline matters most ..."], names=["meeting_discipline"])
    page.caveats({"What was simulated": "...", "What is assumed": "...", "What the intervals cover": "..."})
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

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
.finding { background: #eef5fb; border-left: 5px solid #1b6ca8; padding: .6em 1.2em; margin: 1.2em 0; }
.finding h2 { border: 0; margin-top: .4em; font-size: 1.25em; } .finding p { font-size: 1.08em; }
.caveats { border: 1px solid #c9d3de; background: #fafbfc; padding: .4em 1.2em; margin: 1.2em 0; }
.caveats h2, .glossary h2 { border: 0; font-size: 1.1em; margin-top: .6em; }
dl { margin: .4em 0 .8em; } dt { font-weight: 600; margin-top: .5em; } dd { margin-left: 1.2em; }
details { margin: .6em 0; } summary { cursor: pointer; font-weight: 600; }
.verdict-clear { color: #1d5e2e; font-weight: 600; } .verdict-none { color: #6b7580; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  figure, table, .finding, .caveats, dl { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  details > * { display: block; }
  pre { white-space: pre-wrap; }
}
"""


#: The font matplotlib ships with: every text of a report figure uses it, so no machine's missing fonts or
#: matplotlibrc can print 'findfont' warnings.
FONT = "DejaVu Sans"


def figure_png(fig: Figure, dpi: int = 110) -> str:
    """A matplotlib figure as a base64-encoded PNG (every text in :data:`FONT`)."""
    for text in fig.findobj(Text):
        text.set_fontfamily(FONT)
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

    def finding(self, sentences: Sequence[str], names: Sequence[str] = (), title: str = "Main finding") -> None:
        """The report's lead: two or three plain sentences that rank what matters, written from the numbers.

        ``names`` are the parameters the sentences present as findings (effects whose interval excludes
        zero); they are recorded in the page (``data-findings``) so tests can check them against the figures.
        """
        text = " ".join(s.strip() for s in sentences if s.strip())
        if not text:
            raise ValueError("a finding needs at least one sentence")
        self.parts.append(f'<section class="finding" data-role="finding" data-findings="{html.escape(" ".join(names))}">'
                          f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p></section>")

    def caveats(self, items: Mapping[str, str], title: str = "What this is, and what it is not") -> None:
        """The box under the finding: what was simulated, what is assumed, what the intervals cover."""
        self.parts.append(f'<section class="caveats" data-role="caveats"><h2>{html.escape(title)}</h2>'
                          + self._definitions(items) + "</section>")

    def glossary(self, terms: Mapping[str, str]) -> None:
        """Plain-English meanings of the model's words (momentum, trust, stage gate, ...)."""
        self.parts.append('<section class="glossary" data-role="glossary"><h2>Glossary</h2>'
                          + self._definitions(terms) + "</section>")

    def details(self, summary: str, items: Sequence[str]) -> None:
        """A folded list (opened by a click; printed open): long lists of warnings or notes."""
        self.parts.append(f"<details><summary>{html.escape(summary)}</summary><ul>"
                          + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul></details>")

    @staticmethod
    def _definitions(items: Mapping[str, str]) -> str:
        return "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items.items()) + "</dl>"

    def bullets(self, items: list[str]) -> None:
        """A bulleted list of plain-text items."""
        self.parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")

    def figure(self, fig: Figure, caption: str, alt: str | None = None, data: Mapping[str, str] | None = None) -> None:
        """Embed ``fig`` as a PNG with ``caption`` (one sentence saying what it shows) beneath it.

        ``data`` adds ``data-*`` attributes to the figure (e.g. which plotted indices are clear effects).
        """
        if not caption.strip():
            raise ValueError("every figure needs a caption saying what it shows")
        png = figure_png(fig)
        alt_text = html.escape(alt or caption)
        attrs = "".join(f' data-{k}="{html.escape(v)}"' for k, v in (data or {}).items())
        self.parts.append(f'<figure{attrs}><img src="data:image/png;base64,{png}" alt="{alt_text}">'
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


@dataclass
class Written:
    """What :func:`write_report` wrote: the page, its CSV tables, and the PDF (or why there is none)."""

    html: Path
    csv: list[Path]
    pdf: Path | str | None

    def summary(self) -> str:
        """One line for the command: every file written, and a note if no PDF could be printed."""
        files = [self.html.name] + ([self.pdf.name] if isinstance(self.pdf, Path) else []) + [p.name for p in self.csv]
        note = f" ({self.pdf})" if isinstance(self.pdf, str) else ""
        return f"wrote {', '.join(files)} in {self.html.parent}{note}"
