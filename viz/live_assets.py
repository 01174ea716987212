"""Solara's browser assets for a machine without access to the public CDN.

Solara's page loads its JavaScript and CSS (the Vuetify app, RequireJS, Font Awesome, Vega for the charts) through its
own server, which fetches each file once from a CDN and caches it in
``solara.server.settings.assets.proxy_cache_dir``. Where the CDN cannot be reached but the npm
registry can (this project's build machines), :func:`ensure_assets` fills that cache from the npm
packages themselves, with ``npm pack``. The package versions are read from Solara's own page
template, so they follow Solara upgrades.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

#: ``{{cdn}}/name@1.2.3/`` in the page template, ``${this.getCdn()}/name@5/`` in a widget's Vue file.
_PACKAGE_URL = re.compile(r"(?:\{\{cdn\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@\d+(?:\.\d+\.\d+(?:-[\w.]+)?)?)/")
#: Solara's file that names CDN packages: the page template.
_SOLARA_FILES = ("server/templates/solara.html.j2",)
#: Our widgets that load packages from the CDN: the live view's chart (Vega 6, Vega-Lite 6, vega-embed 7) and
#: the grid of Mesa's stock page's plots (grid-layout-plus; :mod:`partnerships.viz.mesa_grid`).
_WIDGETS = (Path(__file__).with_name("live_vega.vue"), Path(__file__).with_name("mesa_grid.vue"))


def cache_dir() -> Path:
    """Where Solara's server looks for cached CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def required_packages() -> list[str]:
    """npm ``name@version`` of every package a page loads from Solara's CDN: those of Solara's page
    template, of the live view's chart widget and of the grid of Mesa's stock page."""
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    texts = [*((root / name).read_text() for name in _SOLARA_FILES), *(w.read_text() for w in _WIDGETS)]
    packages = {p for text in texts for p in _PACKAGE_URL.findall(text)}
    if settings.assets.fontawesome_enabled:
        packages.add(settings.assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(packages)


def missing_packages() -> list[str]:
    """Required packages not yet in the cache."""
    return [p for p in required_packages() if not (cache_dir() / p).is_dir()]


def ensure_assets() -> list[str]:
    """Fetch the missing packages with ``npm pack`` into the cache; returns what was fetched.

    Raises ``RuntimeError`` (one line) when npm is missing or a package cannot be fetched.
    """
    missing = missing_packages()
    if not missing:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"Solara's browser assets are missing ({', '.join(missing)}) and npm is not installed")
    for package in missing:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([npm, "pack", package, "--silent", "--pack-destination", tmp], capture_output=True,
                                  text=True, timeout=300)
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                reason = done.stderr.strip().splitlines()[-1:] or ["no tarball"]
                raise RuntimeError(f"npm pack {package} failed: {reason[0]}")
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarballs[0]) as tar:
                tar.extractall(unpacked, filter="data")
            target = cache_dir() / package
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(target.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.move(str(unpacked / "package"), staging)
            staging.rename(target)
    return missing


def prepare() -> str | None:
    """Before serving: fetch missing assets when npm is at hand; a one-line note if that failed
    (Solara will then try its CDN, which works on a computer with ordinary internet access)."""
    if not missing_packages() or shutil.which("npm") is None:
        return None
    try:
        ensure_assets()
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        return f"note: could not fetch Solara's browser assets with npm ({err}); Solara will try its CDN"
    return None


if __name__ == "__main__":  # pragma: no cover - `python -m viz.live_assets`
    fetched = ensure_assets()
    print(f"fetched {', '.join(fetched)} into {cache_dir()}" if fetched else f"all present in {cache_dir()}")
