"""The live view in a real browser: serve viz/app.py, drive it in headless Chromium, read what it shows.

Starts ``solara run viz/app.py`` on a free local port, steps the model, presses an intervention
button, plays and pauses, and checks that the network and the plots changed (element screenshots differ), that the
intervention is marked on the plots at its week (the charts are SVG, so their labels are text),
and that the side-by-side names the week of the intervention. Screenshots are saved in tmp_path.

Skips when Debian's chromium (or npm, for Solara's browser assets on a machine without the CDN)
is missing, except when the environment variable CI is set: then it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from partnerships.viz.live_server import free_port, running

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UI_TIMEOUT = 45_000  # ms for the page to show a change


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set, so this fails instead of skipping)")
    pytest.skip(what)


def _compile_kernels() -> None:
    """Step a model once here so the server finds Numba's compiled kernels in the cache rather than
    compiling them (seconds on a cold machine) while the browser waits."""
    from partnerships.viz.live_model import LiveModel

    model = LiveModel(rng=0)
    model.run_for(2)
    model.intervene("funding_award", project=0)
    model.run_for(1)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        _missing(f"Debian chromium not found at {CHROMIUM}")
    from partnerships.viz.live_assets import ensure_assets, missing_packages

    if missing_packages() and shutil.which("npm") is None:
        _missing(f"Solara's browser assets are not cached and npm is missing: {', '.join(missing_packages())}")
    try:
        ensure_assets()
    except RuntimeError as err:
        _missing(f"Solara's browser assets could not be fetched: {err}")
    _compile_kernels()
    log = tmp_path_factory.mktemp("server") / "solara.log"
    try:
        with running(free_port(), log) as url:
            yield url
    except RuntimeError as err:
        pytest.fail(str(err))


def test_stepping_and_an_intervention_change_the_view_and_are_marked(live_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1400})
            page.goto(live_url)
            week = page.locator(".live-week")
            expect(week).to_have_text("Week 0", timeout=UI_TIMEOUT)
            charts = {name: page.locator(f".live-{name}") for name in ("network", "stages", "momentum")}
            for name in charts:  # the chart's container stays; Vega redraws the svg inside it
                expect(page.locator(f".live-{name} svg").first).to_be_visible(timeout=UI_TIMEOUT)

            def shots(label: str) -> dict[str, bytes]:
                return {name: chart.screenshot(path=tmp_path / f"{label}-{name}.png") for name, chart in charts.items()}

            start = shots("week0")
            step4 = page.get_by_role("button", name="Step 4 weeks")
            for weeks in (4, 8, 12):
                step4.click()
                expect(week).to_have_text(f"Week {weeks}", timeout=UI_TIMEOUT)
            stepped = shots("week12")
            for name in charts:
                assert stepped[name] != start[name], f"the {name} chart did not change after 12 weeks"

            marks = page.locator(".live-momentum svg text", has_text="funding award")
            assert marks.count() == 0
            page.locator(".live-action-funding_award").click()
            expect(page.locator(".live-last-event")).to_contain_text("Week 12, funding award arrives: £",
                                                                     timeout=UI_TIMEOUT)
            step4.click()
            expect(week).to_have_text("Week 16", timeout=UI_TIMEOUT)
            for name in ("momentum", "stages", "trust"):
                expect(page.locator(f".live-{name} svg text", has_text="funding award")).to_have_count(
                    1, timeout=UI_TIMEOUT)
            after = shots("week16")
            assert after["momentum"] != stepped["momentum"]

            page.get_by_role("button", name="Play").click()
            expect(week).not_to_have_text("Week 16", timeout=UI_TIMEOUT)
            page.get_by_role("button", name="Pause").click()
            expect(step4).to_be_enabled(timeout=UI_TIMEOUT)

            page.get_by_text("Side by side").click()
            expect(page.locator(".live-compare-text")).to_contain_text("from week 12 on", timeout=UI_TIMEOUT)
            expect(page.locator(".live-compare svg text", has_text="with your interventions").first).to_be_visible(
                timeout=UI_TIMEOUT)
            page.screenshot(path=tmp_path / "page.png")
        finally:
            browser.close()
