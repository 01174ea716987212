"""Serving the live view: the ``solara run`` command and its settings, and a server run for tests
and benchmarks.

The server runs with Solara's "runs on Solara" banner off (it covered the network's legend), no
telemetry, and sessions whose browser has gone culled after :data:`CULL_TIMEOUT` (Solara's default
keeps them 24 hours; the live view's play loop already stops within seconds of the browser going).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CULL_TIMEOUT = "30m"  # a session whose browser has gone is freed after this (a long coffee break)
SERVER_SETTINGS = {"SOLARA_THEME_SHOW_BANNER": "False", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
                   "SOLARA_KERNEL_CULL_TIMEOUT": CULL_TIMEOUT}


def command(host: str, port: int, app: str = "partnerships.viz.app") -> list[str]:
    """``solara run viz/app.py`` (or the page module ``app``) in production mode on ``host:port``, without
    opening a browser."""
    spec = importlib.util.find_spec(app)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no page module named {app!r}")
    path = spec.origin
    return [sys.executable, "-m", "solara", "run", str(path), "--host", host, "--port", str(port), "--production",
            "--no-open"]


def environment() -> dict[str, str]:
    """This process's environment plus :data:`SERVER_SETTINGS` (a setting already set is kept)."""
    return {**SERVER_SETTINGS, **os.environ}


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` stands for is this computer's loopback (127.x, ::1); raises
    ``OSError`` when the name does not resolve."""
    addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Served:
    """A running live-view server: its address, its process and its log file."""

    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def running(port: int, log: Path, timeout: float = 60.0, app: str = "partnerships.viz.app") -> Iterator[Served]:
    """Serve the live view (or the page module ``app``) on 127.0.0.1:``port`` (output to ``log``) until the
    block ends; yields it once it answers. Raises ``RuntimeError`` if it does not answer within ``timeout`` s."""
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as out:
        server = subprocess.Popen(command("127.0.0.1", port, app), stdout=out, stderr=subprocess.STDOUT,
                                  env=environment())
    try:
        wait_until_served(url, server, log, timeout)
        yield Served(url, server, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def wait_until_served(url: str, server: subprocess.Popen, log: Path | None, timeout: float) -> None:
    """Wait until ``url`` answers; raises ``RuntimeError`` if ``server`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if server.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"solara did not serve {url}: {tail}")
        time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
