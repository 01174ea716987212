"""Mesa's stock SolaraViz page in a real browser: serve viz/mesa_app.py, step, play, pause, Reset.

Starts ``solara run viz/mesa_app.py`` on a free local port and drives it in headless Chromium. Reset
must rebuild the model (time back to 0) from the page's seed and sliders, and the two plots, which
read the model's DataCollector, must be drawn again as they were at the start (same seed, same
run). The plots' grid (Mesa's layout) must resize and move a plot. No error may show on the page or
in the server's log. Screenshots are saved in tmp_path.

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


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The stock page's address and the server's log."""
    if not Path(CHROMIUM).exists():
        _missing(f"Debian chromium not found at {CHROMIUM}")
    from partnerships.viz.live_assets import ensure_assets, missing_packages

    if missing_packages() and shutil.which("npm") is None:
        _missing(f"Solara's browser assets are not cached and npm is missing: {', '.join(missing_packages())}")
    try:
        ensure_assets()
    except RuntimeError as err:
        _missing(f"Solara's browser assets could not be fetched: {err}")
    from partnerships import PartnershipModel

    PartnershipModel(rng=0).run_for(2)  # the server then finds Numba's compiled kernels in the cache
    log = tmp_path_factory.mktemp("server") / "solara.log"
    try:
        with running(free_port(), log, app="partnerships.viz.mesa_app") as served:
            yield served.url, log
    except RuntimeError as err:
        pytest.fail(str(err))


#: sha-256 (hex) of the image bytes behind a plot's blob URL: the plot exactly as the server drew it
PNG_DIGEST = """async (src) => {
  const bytes = await (await fetch(src)).arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}"""


def test_step_play_pause_and_reset_rebuild_the_model(served: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, log = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(url)
            time = page.get_by_text("Time: ", exact=False)
            expect(time).to_have_text("Time: 0.0", timeout=UI_TIMEOUT)
            plots = page.locator("img.widget-image")
            expect(plots).to_have_count(2, timeout=UI_TIMEOUT)  # momentum and trust; projects by state

            def shots(label: str) -> list[str]:
                """The plots as the server drew them (the images' data URLs); screenshots kept to look at."""
                for i in range(2):
                    plots.nth(i).screenshot(path=tmp_path / f"{label}-plot{i}.png")
                return [page.evaluate(PNG_DIGEST, plots.nth(i).get_attribute("src")) for i in range(2)]

            start = shots("start")
            step = page.get_by_role("button", name="Step")
            for week in (1, 2, 3):
                step.click()
                expect(time).to_have_text(f"Time: {week}.0", timeout=UI_TIMEOUT)
            stepped = shots("week3")
            assert all(s != t for s, t in zip(stepped, start)), "a plot did not change after three weeks"

            page.get_by_role("button", name="▶").click()
            expect(time).not_to_have_text("Time: 3.0", timeout=UI_TIMEOUT)
            page.get_by_role("button", name="❚❚").click()
            expect(step).to_be_enabled(timeout=UI_TIMEOUT)
            played = float(time.inner_text().removeprefix("Time: "))
            assert played > 3

            page.get_by_role("button", name="Reset").click()
            expect(time).to_have_text("Time: 0.0", timeout=UI_TIMEOUT)
            expect(plots).to_have_count(2, timeout=UI_TIMEOUT)
            again = shots("reset")
            for _ in range(20):  # the rebuilt model's plots arrive after its time display (slowly on a loaded machine)
                if again == start:
                    break
                page.wait_for_timeout(500)
                again = shots("reset")
            assert again == start, "after Reset the plots differ from the start of the same seed"
            page.screenshot(path=tmp_path / "page.png")

            step.click()  # the rebuilt model steps too
            expect(time).to_have_text("Time: 1.0", timeout=UI_TIMEOUT)
            assert not page.get_by_text("error", exact=False).count(), "the page shows an error"
            assert not errors, f"errors in the page: {errors}"
        finally:
            browser.close()
    server = log.read_text()
    assert "Traceback" not in server and "Error" not in server, server[-2000:]


def test_the_plots_grid_resizes_and_moves_a_plot(served: tuple[str, Path], tmp_path: Path) -> None:
    """Mesa's page puts its plots in Solara's draggable grid (under Vue 3, the grid of viz/mesa_grid.vue):
    dragging a plot's corner makes it smaller, dragging the plot puts it under the other one."""
    from playwright.sync_api import expect, sync_playwright

    url, _ = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(url)
            expect(page.locator("img.widget-image")).to_have_count(2, timeout=UI_TIMEOUT)
            items = page.locator(".vgl-item:not(.vgl-item--placeholder)")
            expect(items).to_have_count(2)
            page.wait_for_function("""() => {
                const [a, b] = [...document.querySelectorAll('.vgl-item:not(.vgl-item--placeholder)')]
                    .map(item => item.getBoundingClientRect());
                return Math.abs(a.top - b.top) < 1 && b.left >= a.right;
            }""", timeout=UI_TIMEOUT)  # the grid has settled: its items slide into place as the page lays out
            first, second = (items.nth(i).bounding_box() for i in range(2))
            assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"] + first["width"], (first, second)

            corner = items.nth(0).locator(".vgl-item__resizer").bounding_box()
            page.mouse.move(corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2)
            page.mouse.down()
            page.mouse.move(corner["x"] - first["width"] / 2, corner["y"], steps=10)
            page.mouse.up()
            page.wait_for_function("w => document.querySelector('.vgl-item').offsetWidth < w * 0.75", arg=first["width"],
                                   timeout=UI_TIMEOUT)

            grab = items.nth(1).bounding_box()
            page.mouse.move(grab["x"] + grab["width"] / 2, grab["y"] + grab["height"] / 2)
            page.mouse.down()
            page.mouse.move(first["x"] + 40, grab["y"] + grab["height"] + 100, steps=15)
            page.mouse.up()
            page.wait_for_function("""() => {
                const [a, b] = [...document.querySelectorAll('.vgl-item:not(.vgl-item--placeholder)')]
                    .map(item => item.getBoundingClientRect());
                return b.top >= a.bottom - 1;
            }""", timeout=UI_TIMEOUT)  # the moved plot sits under the other one
            page.screenshot(path=tmp_path / "grid-moved.png")
            assert not errors, f"errors in the page: {errors}"
        finally:
            browser.close()
