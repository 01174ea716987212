"""Open a report in headless Chromium (Debian's, driven by Playwright) and read what a reader sees.

Used by the report tests: the finding, the caveat box, every figure with its caption and data attributes,
and a full-page screenshot (also copied to $PARTNERSHIPS_SCREENSHOTS when set, to look at by hand).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def inspect_report(html: Path, screenshot: Path) -> dict:
    """What the page shows, read in the browser; skips (fails with CI set) when Chromium is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing at /usr/bin/chromium (required when CI is set)")
        pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(Path(html).resolve().as_uri())
            page.wait_for_load_state("load")
            seen = page.evaluate("""() => {
                const finding = document.querySelector('[data-role=finding]');
                const caveats = document.querySelector('[data-role=caveats]');
                return {
                  first: document.body.children[1] ? document.body.children[1].className : '',
                  order: Array.from(document.body.children).map(e => e.getAttribute('data-role') || e.tagName),
                  finding: finding ? finding.querySelector('p').innerText : '',
                  findings: finding ? finding.dataset.findings.split(' ').filter(x => x) : [],
                  caveats: caveats ? Array.from(caveats.querySelectorAll('dt')).map(d => d.innerText) : [],
                  caveat_text: caveats ? caveats.innerText : '',
                  glossary: !!document.querySelector('[data-role=glossary]'),
                  figures: Array.from(document.querySelectorAll('figure')).map(f => ({
                    data: Object.assign({}, f.dataset), caption: f.querySelector('figcaption').innerText,
                    complete: f.querySelector('img').complete, width: f.querySelector('img').naturalWidth})),
                  headings: Array.from(document.querySelectorAll('h2')).map(h => h.innerText),
                };
            }""")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    seen["requests"] = requests
    copy = os.environ.get("PARTNERSHIPS_SCREENSHOTS")
    if copy:
        Path(copy).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(copy) / screenshot.name)
    return seen


def assert_reads_right(seen: dict) -> None:
    """Checks every report must pass: the finding first, then the caveat box, a glossary, nothing fetched,
    every figure drawn with a caption, and no plotted index whose interval spans zero called a finding."""
    roles = [r for r in seen["order"] if r in ("finding", "caveats")]
    assert roles[:2] == ["finding", "caveats"], seen["order"]
    assert seen["order"].index("finding") <= 3  # right under the title (and the description)
    sentences = [s for s in seen["finding"].replace("e.g.", "eg").split(". ") if s.strip()]
    assert 1 <= len(sentences) <= 3 and len(seen["finding"].split()) <= 110, seen["finding"]
    assert seen["caveats"] == ["What was simulated", "What is assumed", "What the intervals cover"]
    assert "simulation" in seen["caveat_text"] and "chance" in seen["caveat_text"]
    assert seen["glossary"] and "Provenance" in seen["headings"]
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"])
    assert all(f["complete"] and f["width"] > 100 and len(f["caption"].split()) >= 8 for f in seen["figures"])
    for figure in seen["figures"]:
        weak = set(figure["data"].get("noEvidence", "").split())
        assert not weak & set(seen["findings"]), (weak, seen["findings"])
