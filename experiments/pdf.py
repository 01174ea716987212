"""A PDF beside each HTML report, printed by headless Chromium through Playwright.

The browser is Debian's ``/usr/bin/chromium`` (or the one named by ``PARTNERSHIPS_CHROMIUM``). When no
browser can be started the report is still complete as HTML: :func:`write_pdf` returns a one-line reason
instead of a path, and the command prints it.
"""

from __future__ import annotations

import os
from pathlib import Path

from partnerships.experiments.store import write_atomic

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    """The Chromium to print with: ``PARTNERSHIPS_CHROMIUM``, else Debian's, else None (Playwright's own)."""
    named = os.environ.get("PARTNERSHIPS_CHROMIUM")
    if named:
        return named
    return CHROMIUM if Path(CHROMIUM).exists() else None


def write_pdf(html: Path, pdf: Path | None = None) -> Path | str:
    """Print the report ``html`` to ``pdf`` (default: the same name with .pdf), A4, figures and tables whole.

    Returns the PDF's path, or a one-line reason why no PDF could be printed (the HTML is unaffected).
    """
    html = Path(html).resolve()
    pdf = Path(pdf) if pdf is not None else html.with_suffix(".pdf")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return "no PDF: Playwright is not installed (pip install playwright)"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
            try:
                page = browser.new_page()
                page.goto(html.as_uri(), wait_until="load")
                write_atomic(pdf, lambda tmp: page.pdf(path=str(tmp), format="A4", print_background=True,
                                                       margin={"top": "14mm", "bottom": "14mm", "left": "12mm",
                                                               "right": "12mm"}))
            finally:
                browser.close()
    except Error as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return f"no PDF: Chromium could not print the report ({first}); install it with 'apt-get install chromium'"
    return pdf
