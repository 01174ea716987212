"""The sensitivity report: a quick real-model study renders in headless Chromium with every figure,
its tables are written as CSV, it resumes, and its summary sentences follow the indices."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.sensitivity import Factor, Results, Study
from partnerships.experiments.sensitivity_report import classified, finding, grouped_warnings, render, verdict
from partnerships.model.parameters import PARAMETERS
from report_browser import assert_reads_right, inspect_report

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
def test_report_reads_right_in_chromium_with_every_figure(quick_study, tmp_path):
    _, out, _ = quick_study
    html = (out / "report.html").read_text()
    assert "src=\"http" not in html and "<script src" not in html  # self-contained
    seen = inspect_report(out / "report.html", tmp_path / "sensitivity-report.png")
    assert_reads_right(seen)
    # per outcome: Sobol, pairs, convergence, Morris; plus the response curves
    assert len(seen["figures"]) == 2 * 4 + 1
    assert "One lever at a time" in seen["headings"]
    assert (tmp_path / "sensitivity-report.png").stat().st_size > 10_000


@pytest.mark.browser
def test_no_index_whose_interval_spans_zero_is_called_a_finding_in_the_browser(tmp_path):
    """The issue's case: a negative first-order estimate, a lever at the noise floor, a -0.32 +- 0.35 pair."""
    page = tmp_path / "synthetic.html"
    render(_results(S1, ST, s2=0.2)).write(page)
    seen = inspect_report(page, tmp_path / "synthetic-sensitivity.png")
    assert_reads_right(seen)
    assert seen["findings"] == ["meeting_discipline", "external_funding", "obstacle_rate"]
    sobol = next(f for f in seen["figures"] if "noEvidence" in f["data"])
    assert set(sobol["data"]["noEvidence"].split()) == {"leader_turnover", "dummy"}
    pairs = [f for f in seen["figures"] if "Second-order" in f["caption"]]
    assert pairs and pairs[0]["data"]["clear"] == "external_funding+leader_turnover"
    assert "no evidence of an effect" in seen["finding"]


def _results(s1: dict[str, float], st: dict[str, float], s2: float, conf: float = 0.02) -> Results:
    names = list(s1)
    factors = tuple(Factor(n, 0.0, 1.0, "dummy" if n == "dummy" else "float", PARAMETERS[n].label if n in PARAMETERS
                           else "Dummy (does nothing: the noise floor)") for n in names)
    study = Study(factors=factors, outcomes=("delivered_share",), method="sobol")
    sobol = pd.DataFrame([{"outcome": "delivered_share", "n": 64, "parameter": n, "label": f.label, "S1": s1[n],
                           "S1_conf": conf, "ST": st[n], "ST_conf": conf} for n, f in zip(names, factors)])
    second = pd.DataFrame([{"outcome": "delivered_share", "a": names[1], "b": names[2], "S2": s2, "S2_conf": 0.03},
                           {"outcome": "delivered_share", "a": names[0], "b": names[1], "S2": -0.32, "S2_conf": 0.35}])
    return Results(study, sobol=sobol, second=second, survivors=names)


S1 = {"meeting_discipline": 0.42, "external_funding": 0.06, "leader_turnover": -0.03, "obstacle_rate": 0.3,
      "dummy": -0.01}
ST = {"meeting_discipline": 0.47, "external_funding": 0.31, "leader_turnover": 0.01, "obstacle_rate": 0.55,
      "dummy": 0.005}


def test_finding_ranks_levers_apart_from_assumptions_and_names_no_index_whose_interval_includes_zero():
    sentences, names = finding(_results(S1, ST, s2=0.2))
    text = " ".join(sentences)
    assert 2 <= len(sentences) <= 3
    assert sentences[0].startswith("Of the levers a policy team controls, the meeting discipline matters most for "
                                   "the share of projects delivered (47% of its variation, 95% interval 45% to "
                                   "49%, counting its interactions), then the external funding award (31%).")
    assert ("The leadership turnover shows no evidence of an effect above the noise floor at this sample size (the "
            "interval includes it), which is not evidence of no effect.") in text
    assert ("Of the model's assumptions, which nobody controls, the obstacles per year matters more than any lever "
            "(55%)") in text
    assert names == ["meeting_discipline", "external_funding", "obstacle_rate"]
    assert "leader_turnover" not in names and "dummy" not in names
    weak = finding(_results(S1, ST, s2=0.2, conf=0.5))[0]  # every interval includes zero
    assert weak[0].startswith("None of the 3 levers a policy team controls shows evidence of an effect")


def test_verdicts_call_an_index_an_effect_only_when_its_interval_lies_above_zero():
    table = classified(_results(S1, ST, s2=0.2), "delivered_share").set_index("parameter")
    assert table.loc["meeting_discipline", "ST_verdict"] == "effect"
    assert table.loc["leader_turnover", "S1_verdict"] == "no evidence of an effect (estimate below zero: noise)"
    assert table.loc["dummy", "ST_verdict"] == "no evidence of an effect" and table.loc["dummy", "kind"] == "noise floor"
    assert table.loc["obstacle_rate", "kind"] == "model assumption" and table.loc["external_funding", "kind"] == "lever"
    assert verdict(0.021, 0.02) == "effect" and verdict(0.019, 0.02) == "no evidence of an effect"
    # Above zero but not above the dummy's 0.04 +- 0.02 (the leadership turnover): no evidence.
    assert verdict(0.04, 0.01, 0.04, 0.02) == "no evidence of an effect (not above the noise floor)"
    assert verdict(0.11, 0.04, 0.04, 0.02) == "effect"


def test_page_draws_no_interval_spanning_zero_as_a_finding():
    """The -0.32 +- 0.35 pair of the issue is left out of the heat map; the Sobol figure lists what is clear."""
    page = render(_results(S1, ST, s2=0.2)).html()
    figures = dict(re.findall(r'<figure data-outcome="delivered_share" data-clear="([^"]*)"[^>]*data-no-evidence="([^"]*)"',
                              page))
    clear = next(iter(figures))
    assert set(clear.split()) == {"meeting_discipline", "external_funding", "obstacle_rate"}
    assert set(figures[clear].split()) == {"leader_turnover", "dummy"}
    pairs = re.findall(r'<figure data-outcome="delivered_share" data-clear="([^"]*)"><img', page)
    assert pairs == ["external_funding+leader_turnover"]  # the pair at 0.2 +- 0.03, not the -0.32 +- 0.35 one
    assert "estimates are below zero" in page and "A share of variance cannot be negative" in page
    assert 'data-role="finding"' in page and 'data-role="caveats"' in page and "Glossary" in page


def test_convergence_warnings_are_grouped_by_outcome():
    conv = pd.DataFrame([{"outcome": "delivered_share", "n": n, "parameter": p, "label": p, "S1": 0.1, "S1_conf": 0.01,
                          "ST": st, "ST_conf": conf} for n, rows in
                         ((32, [("meeting_discipline", 0.4, 0.1), ("obstacle_rate", 0.2, 0.1), ("patience", 0.1, 0.01)]),
                          (64, [("meeting_discipline", 0.5, 0.08), ("obstacle_rate", 0.21, 0.02),
                                ("patience", 0.1, 0.01)]))
                         for p, st, conf in rows])
    results = _results(S1, ST, s2=0.2)
    results.convergence = conv
    lines, others = grouped_warnings(results)
    assert len(lines) == 1 and lines[0].startswith("The share of projects delivered: the total indices of 1 of 3 "
                                                   "parameters have not settled at N = 64")
    assert "interval wider than 0.1: meeting discipline" in lines[0] and "1 of them levers" in lines[0]
