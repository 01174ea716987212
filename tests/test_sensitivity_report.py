"""The sensitivity report: a quick real-model study renders in headless Chromium with every figure,
its tables are written as CSV, it resumes, and its summary sentences follow the indices."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.sensitivity import Factor, Results, Study
from partnerships.experiments.sensitivity_report import summary_paragraph

CHROMIUM = Path("/usr/bin/chromium")
runner = CliRunner()

QUICK = """# a quick form of experiments/sensitivity.toml: 5 parameters, few weeks, tiny samples
method = "morris_then_sobol"
weeks = 40
base_seed = 11
replications = 2
outcomes = ["working_well_share", "mean_trust"]
parameters = ["external_funding", "leader_turnover", "meeting_interval", "meeting_discipline", "obstacle_rate"]
dummy = true
[ranges]
meeting_interval = [1, 12]
[morris]
trajectories = 4
keep_max = 3
resamples = 100
[sobol]
n = 8
n_min = 2
resamples = 50
[response_curves]
levers = 1
keep = ["meeting_discipline"]
points = 3
replications = 3
"""


@pytest.fixture(scope="module")
def quick_study(tmp_path_factory) -> tuple[Path, Path, str]:
    """Run the quick study once through the CLI (in this process); return (study file, results folder, output)."""
    root = tmp_path_factory.mktemp("sensitivity")
    study = root / "quick.toml"
    study.write_text(QUICK)
    out = root / "out"
    result = runner.invoke(app, ["sensitivity", str(study), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return study, out, result.stdout


def test_quick_study_writes_report_and_csv_tables(quick_study):
    _, out, stdout = quick_study
    assert "report.html" in stdout
    for name in ("parameters", "morris", "sobol_indices", "sobol_second_order", "sobol_convergence",
                 "replication_noise", "response_curves"):
        assert (out / f"{name}.csv").is_file(), name
    morris = pd.read_csv(out / "morris.csv")
    assert set(morris["outcome"]) == {"working_well_share", "mean_trust"} and len(morris) == 2 * 6
    sobol = pd.read_csv(out / "sobol_indices.csv")
    assert len(set(sobol["parameter"])) == 4 and "dummy" in set(sobol["parameter"])  # 3 survivors + dummy
    conv = pd.read_csv(out / "sobol_convergence.csv")
    assert sorted(conv["n"].unique()) == [2, 4, 8]
    noise = pd.read_csv(out / "replication_noise.csv")
    assert set(noise["phase"]) == {"morris", "sobol"} and (noise["replications"] == 2).all()
    curves = pd.read_csv(out / "response_curves.csv")
    levers = list(dict.fromkeys(curves["lever"]))
    top = sobol[sobol["outcome"] == "working_well_share"].query("parameter != 'dummy'").sort_values("ST").iloc[-1]
    assert levers[0] == top["parameter"] and "meeting_discipline" in levers and len(levers) <= 2
    assert (curves["runs"] == 3).all() and (curves["ci_low"] <= curves["mean"]).all()
    runs = pd.read_parquet(out / "sobol" / "runs.parquet")
    assert len(runs) == 8 * (2 * 4 + 2) * 2 and (runs["status"] == "ok").all()


def test_running_again_resumes_and_a_changed_study_is_refused(quick_study, tmp_path):
    study, out, _ = quick_study
    stamp = {p: p.stat().st_mtime_ns for p in (out / "sobol" / "runs").iterdir()}
    result = runner.invoke(app, ["sensitivity", str(study), "--out", str(out), "--workers", "1", "--resume"])
    assert result.exit_code == 0, result.output
    assert {p: p.stat().st_mtime_ns for p in (out / "sobol" / "runs").iterdir()} == stamp  # nothing re-run
    changed = tmp_path / "quick.toml"
    changed.write_text(QUICK.replace("base_seed = 11", "base_seed = 12"))
    result = runner.invoke(app, ["sensitivity", str(changed), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "different" in result.stderr


@pytest.mark.browser
def test_report_renders_in_chromium_with_every_figure(quick_study, tmp_path):
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing at /usr/bin/chromium (required when CI is set)")
        pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    _, out, _ = quick_study
    html = (out / "report.html").read_text()
    assert "src=\"http" not in html and "<script src" not in html  # self-contained
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((out / "report.html").as_uri())
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        captions = page.evaluate("Array.from(document.querySelectorAll('figure')).map("
                                 "f => f.querySelector('figcaption').innerText)")
        headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.innerText)")
        page.screenshot(path=str(tmp_path / "sensitivity_report.png"), full_page=True)
        browser.close()
    # per outcome: Morris, Sobol, interactions, convergence; plus the response curves
    assert len(images) == 2 * 4 + 1
    assert all(complete and width > 100 for complete, width in images)
    assert len(captions) == len(images) and all(len(c.split()) >= 8 for c in captions)
    assert "Summary" in headings and "One lever at a time" in headings
    assert (tmp_path / "sensitivity_report.png").stat().st_size > 10_000


def _results(s1: dict[str, float], st: dict[str, float], s2: float) -> Results:
    names = list(s1)
    factors = tuple(Factor(n, 0.0, 1.0, "float", n.replace("_", " ").capitalize()) for n in names)
    study = Study(factors=factors, outcomes=("delivered_share",), method="sobol")
    sobol = pd.DataFrame([{"outcome": "delivered_share", "n": 64, "parameter": n, "label": f.label, "S1": s1[n],
                           "S1_conf": 0.02, "ST": st[n], "ST_conf": 0.02} for n, f in zip(names, factors)])
    second = pd.DataFrame([{"outcome": "delivered_share", "a": names[1], "b": names[2], "S2": s2, "S2_conf": 0.03},
                           {"outcome": "delivered_share", "a": names[0], "b": names[1], "S2": 0.0, "S2_conf": 0.03}])
    return Results(study, sobol=sobol, second=second, survivors=names)


def test_summary_paragraph_follows_the_indices():
    """The ranking, the percentages and the interaction partner are read from the indices."""
    s1 = {"meeting_discipline": 0.42, "external_funding": 0.06, "leader_turnover": 0.10, "patience": 0.01}
    st = {"meeting_discipline": 0.47, "external_funding": 0.31, "leader_turnover": 0.36, "patience": 0.02}
    text = summary_paragraph(_results(s1, st, s2=0.2))
    assert text.startswith("Meeting discipline explains about 42% of the variation in the share of the starting "
                           "projects that finished their delivery stage")
    assert text.index("Meeting discipline") < text.index("leader turnover") < text.index("external funding")
    assert "external funding about 6%, mostly through its interaction with leader turnover (31% in all)" in text
    assert "1 of them matters little for the share of the starting projects that finished their delivery stage " \
           "(under 5% in all): patience." in text
    assert ("Of the headline policy levers, ranked by their total share: meeting discipline about 42% alone, 47% in "
            "all; leader turnover about 10% alone, 36% in all; external funding about 6% alone, 31% in all.") in text
    swapped = summary_paragraph(_results({**s1, "meeting_discipline": 0.05, "patience": 0.5},
                                         {**st, "meeting_discipline": 0.06, "patience": 0.55}, s2=0.0))
    assert swapped.startswith("Patience explains about 50%")
    assert "mostly through its interactions with other levers" in swapped  # no pair clearly above zero


def test_direction_sentence_reads_the_response_curves():
    """A curve whose only reversal lies within the intervals counts as rising; a clear peak is reported as one."""
    results = _results({"meeting_discipline": 0.4, "external_funding": 0.1, "leader_turnover": 0.1, "patience": 0.0},
                       {"meeting_discipline": 0.5, "external_funding": 0.2, "leader_turnover": 0.2, "patience": 0.0},
                       s2=0.0)
    rows = []
    for lever, means in (("meeting_discipline", [0.1, 0.5, 0.48, 0.8]), ("external_funding", [0.2, 0.7, 0.7, 0.2])):
        rows += [{"lever": lever, "label": results.study.label(lever), "value": v, "outcome": "delivered_share",
                  "mean": m, "ci_low": m - 0.05, "ci_high": m + 0.05, "runs": 20}
                 for v, m in zip([0.0, 1.0, 2.0, 3.0], means)]
    results.curves, results.levers = pd.DataFrame(rows), ["meeting_discipline", "external_funding"]
    text = summary_paragraph(results)
    assert "moving meeting discipline from 0 to 3 raises it from 0.10 to 0.80;" in text
    assert "external funding does best at 1 (0.70) and worst at 0 (0.20)." in text
