"""The live server: it binds beyond this computer only when asked, says so, and stops whole on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.viz.live_server import SERVER_SETTINGS, environment, free_port, is_loopback, wait_until_served


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serving_beyond_this_computer_needs_allow_remote(host: str) -> None:
    result = CliRunner().invoke(app, ["live", "--host", host, "--port", str(free_port())])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --host {host} would serve") and "--allow-remote" in lines[0]


def test_an_unknown_host_is_one_line() -> None:
    result = CliRunner().invoke(app, ["live", "--host", "no-such-host.invalid"])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0 and "is not an address" in result.output


def test_loopback_names_and_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0")
    assert {k: environment()[k] for k in SERVER_SETTINGS} == {k: os.environ.get(k, v) for k, v in SERVER_SETTINGS.items()}


def test_sigterm_stops_the_whole_server_and_frees_the_port(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "live.log"
    cli = Path(sys.executable).with_name("partnerships")
    with open(log, "w") as out:
        server = subprocess.Popen([str(cli), "live", "--host", "0.0.0.0", "--allow-remote", "--port", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_served(f"http://127.0.0.1:{port}/", server, log, timeout=90)
        assert "warning: serving on 0.0.0.0" in log.read_text() and "no password" in log.read_text()
        assert "solara" in Path(f"/proc/{server.pid}/cmdline").read_text()  # the CLI became the server
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while True:  # nothing of the server is left: its process group is empty ...
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a process of the live server outlived SIGTERM"
        time.sleep(0.2)
    with socket.socket() as probe:  # ... and the port is free again
        probe.bind(("0.0.0.0", port))
