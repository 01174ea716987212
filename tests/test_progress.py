"""Progress without a terminal (plain lines with runs done, rate and time left; one total for several phases),
command-line help that fits the terminal, and report figures that print no font warnings."""

from __future__ import annotations

import io
import logging
import re
import textwrap

import matplotlib
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from partnerships.experiments import progress
from partnerships.experiments.cli import app
from partnerships.experiments.html import Page

runner = CliRunner()
LINE = re.compile(r"^(?P<label>[\w :-]+): (?P<done>[\d,]+) of (?P<total>[\d,]+) runs \(\d+%\)(, phase \w+)?, "
                  r"(?P<pace>.+)$")


def test_plain_lines_say_runs_done_rate_and_time_left(monkeypatch):
    monkeypatch.setenv("PARTNERSHIPS_PROGRESS_SECONDS", "0")
    out = io.StringIO()
    shown = progress.Display("sweep", 200, 50, tty=False, stream=out)  # 50 stored before this start
    for _ in range(3):
        shown.advance(10)
    shown.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 5 and all(LINE.match(line) for line in lines)
    assert lines[0] == "sweep: 50 of 200 runs (25%), rate not known yet"
    assert "runs/s, about " in lines[1] and lines[1].endswith(" left")
    assert LINE.match(lines[-1])["done"] == "80"


def test_plain_lines_come_every_few_seconds_not_every_run(monkeypatch):
    monkeypatch.setenv("PARTNERSHIPS_PROGRESS_SECONDS", "3600")
    out = io.StringIO()
    shown = progress.Display("sweep", 1000, tty=False, stream=out)
    for _ in range(500):
        shown.advance(1)
    shown.close()
    assert len(out.getvalue().splitlines()) == 2  # the first line and the last


def test_a_study_of_several_phases_shows_one_total(monkeypatch):
    monkeypatch.setenv("PARTNERSHIPS_PROGRESS_SECONDS", "0")
    out = io.StringIO()
    with progress.overall("sensitivity", {"sensitivity: morris": 40, "sensitivity: sobol": 100},
                          tty=False, stream=out):
        progress.register("sensitivity: morris", 40, 40)  # a resumed phase: all stored
        with progress.runs("sensitivity: sobol", 60, 0) as advance:  # fewer survivors than planned
            advance(30)
    lines = out.getvalue().splitlines()
    assert all(" of 100 runs" in line or " of 140 runs" in line for line in lines)
    assert "sensitivity: 70 of 100 runs (70%), phase sobol" in lines[-1]
    assert not [line for line in lines if line.startswith("sensitivity: sobol")]  # no separate phase display


def test_sweep_to_a_file_prints_plain_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERSHIPS_PROGRESS_SECONDS", "0")
    path = tmp_path / "tiny.toml"
    path.write_text(textwrap.dedent("""
        [experiment]
        name = "tiny"
        weeks = 10
        replications = 2
        base_seed = 5
        [vary.meeting_discipline]
        levels = [0.2, 0.8]
        """))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("tiny: ")]
    assert lines and all(LINE.match(line) for line in lines) and "4 of 4 runs (100%)" in lines[-1]
    assert "━" not in result.stderr  # no bar drawn into a file


@pytest.mark.parametrize("command", [[], ["run"], ["sweep"], ["report"], ["sensitivity"], ["validate"]])
def test_help_shows_no_bool_placeholder_and_fits_the_terminal(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=60)
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout and "--help" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 60


def test_parameter_table_respects_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    result = runner.invoke(app, ["params"])
    assert result.exit_code == 0 and "external_funding" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_report_figures_print_no_findfont_warnings(caplog):
    """Even with a matplotlibrc asking for a font this machine lacks, the figures use the bundled DejaVu Sans."""
    with matplotlib.rc_context({"font.family": ["No Such Font"], "font.sans-serif": ["No Such Font"]}):
        fig = Figure()
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title("£50k award, ±2 points")
        with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
            Page("t").figure(fig, "A figure whose caption says what it shows.")
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
