"""`partnerships report`: the self-contained HTML page, its PDF and CSV tables, its intervals, the finding written
from the numbers, time to delivery as a survival analysis, and a browser check."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.discovery import PD_OUTCOMES
from partnerships.experiments.report import OUTCOMES, cell_stats, marginal
from partnerships.experiments.store import Store
from report_browser import assert_reads_right, inspect_report

runner = CliRunner()

EXPERIMENT = """
[experiment]
name = "report-test"
description = "A small sweep for the report tests."
weeks = 60
replications = 4
base_seed = 17
outputs = ["runs", "model_weekly", "projects"]

[vary.external_funding]
levels = [0, 500]
labels = ["none", "large"]

[vary.leader_turnover]
levels = [0.05, 0.4]
labels = ["low", "high"]

[vary.meeting_discipline]
levels = [0.2, 0.5, 0.8]
labels = ["poor", "typical", "good"]
"""
# effect of each lever per outcome, delivery curves, two interaction figures, momentum and trust over all projects
FIGURES = len(OUTCOMES) + 1 + 2 + 2


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    path = folder / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    out = folder / "out"
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    (out / "report-stdout.txt").write_text(result.stdout)
    return out


def test_report_is_self_contained_with_a_caption_under_every_figure(results):
    page = (results / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "http://" not in page and "https://" not in page
    figures = re.findall(r'<figure><img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"]+"><figcaption>([^<]+)'
                         r"</figcaption></figure>", page)
    assert len(figures) == FIGURES and all(len(caption.split()) >= 8 for caption in figures)
    for section in ("Main finding", "What was simulated", "What is assumed", "What the intervals cover",
                    "Effect of each lever", "Time to delivery", "Interactions", "Momentum and trust over time",
                    "Are there enough replications?", "Every combination of settings", "Glossary", "Provenance"):
        assert section in page
    assert "SeedSequence" in page and "chance in the simulation only" in page
    # momentum and trust over every starting project, never the survivorship average over open projects
    assert "Mean momentum of every project each run started with" in page and "an abandoned one at zero" in page
    assert "Mean trust of every project each run started with" in page


def test_csv_tables_hold_effects_cells_and_precision(results):
    effects = pd.read_csv(results / "lever_effects.csv")
    assert len(effects) == len(OUTCOMES) * (2 + 2 + 3)
    reference = effects.groupby(["outcome", "lever"]).head(1)
    assert (reference.dropna(subset=["mean"])["effect"] == 0).all()
    assert reference["mean"].notna().sum() >= 9  # delivered share, momentum and trust have values at every level
    rest = effects.drop(reference.index).dropna(subset=["effect"])
    assert ((rest["effect_low"] <= rest["effect"]) & (rest["effect"] <= rest["effect_high"])).all()
    cells = pd.read_csv(results / "cell_means.csv")
    runs = pd.read_parquet(results / "runs.parquet")
    assert len(cells) == 12 and (cells["runs"] == 4).all()
    one = cells.iloc[0]
    mask = ((runs["external_funding"] == one["external_funding"]) & (runs["leader_turnover"] == one["leader_turnover"])
            & (runs["meeting_discipline"] == one["meeting_discipline"]))
    assert one["delivered_share"] == pytest.approx(runs.loc[mask, "delivered_share"].mean())
    precision = pd.read_csv(results / "precision.csv")
    assert set(precision["outcome"]) == {"delivered_share", "working_well_share"} and len(precision) == 2 * (1 + 1 + 2)
    curves = pd.read_csv(results / "delivery_curves.csv")
    assert curves["week"].max() == 60 and set(curves["lever"]) == {"external_funding", "leader_turnover",
                                                                    "meeting_discipline"}
    assert (curves["low"] <= curves["delivered"] + 1e-12).all() and (curves["delivered"] <= curves["high"] + 1e-12).all()


def test_command_names_exactly_the_files_it_wrote(results):
    """'wrote report.html, report.pdf, a.csv, ... in DIR': every file named exists, and every CSV the page names too."""
    line = (results / "report-stdout.txt").read_text().strip().splitlines()[-1]
    assert line.startswith("wrote ") and " in " in line
    names = line[len("wrote "):line.rindex(" in ")].split(", ")
    assert "report.html" in names and all((results / name).is_file() for name in names)
    page = (results / "report.html").read_text()
    assert set(re.findall(r"\b([a-z_]+\.csv)\b", page)) <= set(names)
    if Path("/usr/bin/chromium").exists():
        assert "report.pdf" in names and (results / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_level_mean_intervals_cover_the_true_mean_95_percent_of_the_time(base_seed):
    """Balanced 2x3 design, unequal cell variances: the t-interval of a level's mean covers the truth ~95%."""
    rng = np.random.default_rng(base_seed)
    cells = [(a, b) for a in (0, 1) for b in (0, 1, 2)]
    means = {cell: 0.3 + 0.1 * cell[0] + 0.05 * cell[1] for cell in cells}
    sds = {cell: 0.05 + 0.05 * cell[1] for cell in cells}
    truth = np.mean([means[(1, b)] for b in (0, 1, 2)])
    trials, reps = 400, 6
    index = pd.MultiIndex.from_product([range(trials), cells, range(reps)], names=["trial", "cell", "rep"])
    runs = index.to_frame(index=False)
    runs["a"], runs["b"] = runs["cell"].str[0], runs["cell"].str[1]
    runs["y"] = rng.normal(runs["cell"].map(means), runs["cell"].map(sds))
    levels = marginal(cell_stats(runs, ["trial", "a", "b"], "y"), ["trial", "a"])
    level = levels[levels["a"] == 1]
    assert len(level) == trials and (level["df"] == 3 * (reps - 1)).all()
    coverage = ((level["low"] <= truth) & (truth <= level["high"])).mean()
    assert 0.92 <= coverage <= 0.98


def test_unfinished_sweep_is_reported_as_such(results, tmp_path):
    """A sweep stopped after its first 24 runs (two replications of every cell) still gets a report."""
    partial = Store(tmp_path / "partial")
    partial.write_manifest(Store(results).read_manifest())
    runs = pd.read_parquet(results / "runs.parquet")
    weekly = pd.read_parquet(results / "model_weekly.parquet")
    partial.write_part(runs[runs["run_id"] < 24], {"model_weekly": weekly[weekly["run_id"] < 24]})
    result = runner.invoke(app, ["report", str(partial.root), "--no-pdf"])
    assert result.exit_code == 0, result.output
    page = (partial.root / "report.html").read_text()
    assert "This sweep is unfinished: 24 of 48 runs are stored" in page
    assert pd.read_csv(partial.root / "cell_means.csv")["runs"].eq(2).all()


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "holds no sweep results (no manifest.json)"),
])
def test_missing_or_empty_results_folder_is_one_line_exit_2(tmp_path, make, message):
    result = runner.invoke(app, ["report", str(make(tmp_path))])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "report.html").exists()


@pytest.mark.browser
def test_report_reads_right_in_headless_chromium(results, tmp_path):
    """The finding first, then the caveat box; every figure and table drawn; nothing fetched from the network."""
    seen = inspect_report(results / "report.html", tmp_path / "headline-report.png")
    assert_reads_right(seen)
    assert len(seen["figures"]) == FIGURES
    assert seen["finding"].startswith(("In this simulation", "The 95% intervals"))
    assert "60 weeks" in seen["caveat_text"] and "20 organisations" in seen["caveat_text"]
    assert (tmp_path / "headline-report.png").stat().st_size > 10_000


LHS = """
[experiment]
name = "lhs-test"
base_seed = 2
replications = 1
weeks = 150
[vary.meeting_discipline]
low = 0.1
high = 0.9
[vary.external_funding]
low = 0
high = 500
[design]
kind = "latin_hypercube"
samples = 40
"""


@pytest.fixture(scope="module")
def sampled(tmp_path_factory) -> tuple[Path, str]:
    """A latin hypercube sweep of 40 runs and its report (no PDF): (folder, the command's last line)."""
    folder = tmp_path_factory.mktemp("lhs")
    (folder / "lhs.toml").write_text(LHS)
    out = folder / "out"
    assert runner.invoke(app, ["sweep", str(folder / "lhs.toml"), "--out", str(out), "--workers", "1"]).exit_code == 0
    result = runner.invoke(app, ["report", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    return out, result.stdout.strip().splitlines()[-1]


def test_sampled_design_report_has_scenario_discovery_and_partial_dependence(sampled):
    """A latin hypercube sweep gets PRIM scenario discovery and partial-dependence plots, and every CSV it names."""
    out, line = sampled
    page = (out / "report.html").read_text()
    assert "Scenario discovery" in page and "Partial dependence" in page and 'data-role="finding"' in page
    assert page.count("<figure") >= len(PD_OUTCOMES)
    names = line[len("wrote "):line.rindex(" in ")].split(", ")
    assert "partial_dependence.csv" in names and all((out / n).is_file() for n in names)
    assert set(re.findall(r"\b([a-z_]+\.csv)\b", page)) <= set(names) | {"runs.csv"}
    curves = pd.read_csv(out / "partial_dependence.csv")
    assert set(curves["factor"]) == {"meeting_discipline", "external_funding"} and curves["runs"].sum() == 2 * 2 * 40


@pytest.mark.browser
def test_sampled_design_report_reads_right_in_headless_chromium(sampled, tmp_path):
    out, _ = sampled
    seen = inspect_report(out / "report.html", tmp_path / "sampled-report.png")
    assert_reads_right(seen)
    assert "Scenario discovery: where do projects deliver?" in seen["headings"]
    assert "latin hypercube design of 40 points" in seen["caveat_text"]


def test_html_page_needs_a_caption_for_every_figure_and_escapes_text():
    from matplotlib.figure import Figure

    from partnerships.experiments.html import Page

    page = Page("A <title>")
    with pytest.raises(ValueError, match="caption"):
        page.figure(Figure(), " ")
    page.paragraph("5 < 6 & 7 > 3")
    text = page.html()
    assert "<title>A &lt;title&gt;</title>" in text and "5 &lt; 6 &amp; 7 &gt; 3" in text
