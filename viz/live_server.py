"""Serving the live view: the ``solara run`` command, and a server run for tests and benchmarks."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def command(host: str, port: int, app: str = "partnerships.viz.app") -> list[str]:
    """``solara run viz/app.py`` (or the page module ``app``) in production mode on ``host:port``, without
    opening a browser."""
    path = importlib.util.find_spec(app).origin
    return [sys.executable, "-m", "solara", "run", str(path), "--host", host, "--port", str(port), "--production",
            "--no-open"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(port: int, log: Path, timeout: float = 60.0, app: str = "partnerships.viz.app") -> Iterator[str]:
    """Serve the live view on 127.0.0.1:``port`` (output to ``log``) until the block ends; yields its
    address once it answers. Raises ``RuntimeError`` if it does not answer within ``timeout`` s."""
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as out:
        server = subprocess.Popen(command("127.0.0.1", port, app), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"solara did not serve {url}: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
