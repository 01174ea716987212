"""The live view in a real browser: serve viz/app.py, drive it in headless Chromium, read what it shows.

Starts the live server on a free local port and checks, as a trainer would meet them: the
presenter layout (at 1280 x 720 and at 150% zoom on 1920 x 1080 the week, play/pause, step, speed
and the chart are on the first screen; at a narrow width no control is hidden); a lesson played
to its end with its events in the log and marked on the chart; the settings twin (set with the
keyboard, pending until Reset); export of a chart (PNG, SVG) and of the summary (text); axe-core
finds no critical or serious violation and focus is visible; a browser that crashes mid-play
leaves no run playing on the server. Screenshots are saved in tmp_path.

Skips when Debian's chromium (or npm, for Solara's browser assets on a machine without the CDN)
is missing, except when the environment variable CI is set: then it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from partnerships.viz.live_server import Served, free_port, running

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
UI_TIMEOUT = 45_000  # ms for the page to show a change
STOP_WITHIN = 60.0  # s: a run whose browser has gone must stop playing within this


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
def server(tmp_path_factory) -> Iterator[Served]:
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
        with running(free_port(), log) as served:
            yield served
    except RuntimeError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def playwright(server: Served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def _open(browser, url: str, width: int = 1280, height: int = 720, scale: float = 1.0, downloads: bool = False):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                  accept_downloads=downloads)
    page = context.new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    page.goto(url)
    expect(page.locator(".live-week")).to_have_text("Week 0", timeout=UI_TIMEOUT)
    expect(page.locator(".live-compare [data-drawn]").first).to_be_visible(timeout=UI_TIMEOUT)
    return context, page, warnings


def _on_first_screen(page, locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height + 1 and box["width"] > 0


@pytest.mark.parametrize("scale", [1.0, 1.5], ids=["1280x720", "1920x1080-at-150%"])
def test_presenter_layout_puts_the_controls_and_the_chart_on_the_first_screen(server, browser, tmp_path,
                                                                              scale: float) -> None:
    context, page, warnings = _open(browser, server.url, scale=scale)
    try:
        first_screen = {
            "week": page.locator(".live-week"),
            "play": page.get_by_role("button", name="Play", exact=True),
            "step": page.get_by_role("button", name="Step 1 week"),
            "speed": page.locator(".live-speed"),
            "run to week": page.locator(".live-target"),
            "side-by-side, first panel": page.locator(".live-compare .live-plot svg").first,
            "side-by-side, second panel": page.locator(".live-compare .live-plot svg").nth(1),
        }
        for name, locator in first_screen.items():
            assert _on_first_screen(page, locator, 720), f"{name} is not on the first screen at {scale:g}x"
        for plot in page.locator(".live-compare .live-plot").all():  # both panels drawn at a useful size
            box = plot.bounding_box()
            assert box["width"] > 300 and box["height"] > 300
        page.screenshot(path=tmp_path / f"first-screen-{scale:g}.png")
        vega = [w for w in warnings if w.startswith("WARN") or "Vega-Lite" in w]
        assert vega == [], vega  # no spec drawn by the wrong Vega-Lite, no spec it finds fault with
        page.set_viewport_size({"width": 900, "height": 700})  # narrower than the old drawer's limit
        for name in ("play", "step", "speed"):
            assert first_screen[name].is_visible(), f"{name} hidden at 900 px wide"
    finally:
        context.close()


def test_a_lesson_plays_to_its_end_with_its_events_in_the_log_and_on_the_charts(server, browser, tmp_path) -> None:
    from playwright.sync_api import expect

    context, page, _ = _open(browser, server.url, 1920, 1080)
    try:
        week = page.locator(".live-week")
        page.locator(".live-speed").click()
        page.get_by_role("option", name="flat out").click()
        page.get_by_role("button", name="Run", exact=True).click()  # the lesson's end, week 80
        expect(page.locator(".live-status")).to_contain_text("Paused at week 29: next week, champion leaves",
                                                             timeout=UI_TIMEOUT)
        expect(week).to_have_text("Week 29")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(week).to_have_text("Week 80", timeout=UI_TIMEOUT)
        expect(page.locator(".live-status")).to_contain_text("Reached week 80")
        log = page.locator(".live-log")
        expect(log).to_contain_text("week 30: the champion of P3 housing leaves", timeout=UI_TIMEOUT)
        expect(log.locator(".live-log-intervention")).to_contain_text("in four weeks (the twin, the same run "
                                                                      "without it:")
        assert log.locator("li").count() >= 5
        for chart in (".live-compare", ".live-stages", ".live-momentum"):
            expect(page.locator(f"{chart} svg text", has_text="champion leaves").first).to_be_attached(
                timeout=UI_TIMEOUT)
        expect(page.locator(".live-compare-text")).to_contain_text("the champion leaves at week 30 against the "
                                                                   "champion stays")
        page.screenshot(path=tmp_path / "lesson-end.png", full_page=True)
    finally:
        context.close()


def test_the_twin_runs_other_lever_values_set_with_the_keyboard_pending_until_reset(server, browser) -> None:
    from playwright.sync_api import expect

    context, page, _ = _open(browser, server.url, 1920, 1080)
    try:
        page.locator(".live-lesson-pick").click()
        page.get_by_role("option", name="Free play (no lesson)").click()
        page.get_by_role("button", name="Start lesson").click()
        expect(page.locator(".live-lesson")).to_contain_text("Free play", timeout=UI_TIMEOUT)
        handle = page.get_by_role("slider", name="Twin: Meeting discipline (0-1): 0.5")
        handle.focus()
        page.keyboard.press("End")  # keyboard operation: to the slider's top, 1
        expect(page.locator(".live-status")).to_contain_text("Pending until Reset: the twin's levers",
                                                             timeout=UI_TIMEOUT)
        expect(page.get_by_role("slider", name="Twin: Meeting discipline (0-1): 1 (pending: now 0.5)")) \
            .to_be_attached()
        page.get_by_role("button", name="Reset (1 pending)").click()
        expect(page.locator(".live-status")).not_to_contain_text("Pending", timeout=UI_TIMEOUT)
        for _ in range(3):
            page.get_by_role("button", name="Step 4 weeks").click()
        expect(page.locator(".live-week")).to_have_text("Week 12", timeout=UI_TIMEOUT)
        expect(page.locator(".live-compare-text")).to_contain_text(
            "meeting_discipline 0.5 in the run, 1 in the twin", timeout=UI_TIMEOUT)
        expect(page.locator(".live-compare svg text", has_text="meeting discipline 1").first).to_be_attached()
    finally:
        context.close()


def test_charts_save_as_png_and_svg_and_the_summary_as_text(server, browser, tmp_path) -> None:
    from playwright.sync_api import expect

    context, page, _ = _open(browser, server.url, 1920, 1080, downloads=True)
    try:
        page.get_by_role("button", name="Step 4 weeks").click()
        expect(page.locator(".live-week")).to_have_text("Week 4", timeout=UI_TIMEOUT)
        expect(page.locator(".live-stages .live-plot")).to_have_attribute("aria-label", re.compile("week 4"),
                                                                           timeout=UI_TIMEOUT)
        saved = {}
        for kind in ("PNG", "SVG"):
            with page.expect_download(timeout=UI_TIMEOUT) as info:
                page.get_by_role("button", name=f"Save the stage chart as {kind}").click()
            saved[kind] = info.value
            assert saved[kind].suggested_filename == f"partnerships-stages-week-4.{kind.lower()}"
        assert Path(saved["PNG"].path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = Path(saved["SVG"].path()).read_text()
        assert svg.lstrip().startswith("<svg") and "Stage of each project" in svg
        with page.expect_download(timeout=UI_TIMEOUT) as info:
            page.get_by_role("button", name="Download the run's summary (text)").click()
        text = Path(info.value.path()).read_text()
        assert text.startswith("Partnerships live view: summary at week 4")
        assert "Lesson: The champion leaves" in text and "projects delivered" in text and "What happened" in text
    finally:
        context.close()


def test_axe_finds_no_critical_or_serious_violation_and_focus_is_visible(server, browser) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    context, page, _ = _open(browser, server.url, 1280, 720)
    try:
        page.get_by_role("button", name="Step 4 weeks").click()
        expect(page.locator(".live-week")).to_have_text("Week 4", timeout=UI_TIMEOUT)
        results = Axe().run(page).response
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results["violations"]
               if v["impact"] in ("critical", "serious")]
        assert bad == [], bad
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        step = page.get_by_role("button", name="Step 1 week")
        step.focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")  # keyboard focus, so :focus-visible applies
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Step 1 week" and outline != "none"
        page.keyboard.press("Enter")  # keyboard operation of a button
        expect(page.locator(".live-week")).to_have_text("Week 5", timeout=UI_TIMEOUT)
    finally:
        context.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_browser_that_crashes_mid_play_leaves_no_run_playing(server, playwright, tmp_path) -> None:
    from playwright.sync_api import expect

    port = free_port()
    chromium = subprocess.Popen([CHROMIUM, *CHROMIUM_ARGS, f"--remote-debugging-port={port}",
                                 f"--user-data-dir={tmp_path / 'profile'}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pw = playwright  # the module's Playwright (a second sync instance cannot run beside it)
        deadline = time.monotonic() + 30
        while True:
            try:
                browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        page = browser.contexts[0].new_page()
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(server.url)
        week = page.locator(".live-week")
        expect(week).to_have_text("Week 0", timeout=UI_TIMEOUT)
        page.locator(".live-lesson-pick").click()
        page.get_by_role("option", name="Free play (no lesson)").click()
        page.get_by_role("button", name="Start lesson").click()
        expect(page.locator(".live-lesson")).to_contain_text("Free play", timeout=UI_TIMEOUT)
        page.get_by_role("button", name="Play", exact=True).click()
        expect(week).not_to_have_text("Week 0", timeout=UI_TIMEOUT)
        logged = server.log.read_text().count("stopped playing")
        os.kill(chromium.pid, signal.SIGKILL)  # a crash: no goodbye to the server
        gone = time.monotonic()
        while server.log.read_text().count("stopped playing") == logged:
            assert time.monotonic() - gone < STOP_WITHIN, "the run was still playing a minute after the crash"
            time.sleep(0.5)
    finally:
        chromium.kill()
        chromium.wait()
    line = server.log.read_text().splitlines()
    assert any("no browser connected" in x for x in line)
    before = _cpu_seconds(server.process.pid)
    time.sleep(3)
    assert _cpu_seconds(server.process.pid) - before < 1.0, "the server still works hard after the run stopped"
