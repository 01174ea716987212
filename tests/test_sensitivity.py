"""Sensitivity pipeline: known answers on Ishigami, replication noise, designs and seeds, and bad study files.

The Ishigami tests run the same code path as the model (``run_study``: SALib design -> RunSpecs ->
evaluate -> point means -> SALib analysis) with the evaluator swapped for SALib's Ishigami function.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.progress import sensitivity_plan
from partnerships.model.parameters import HEADLINE_LEVERS
from partnerships.experiments.sensitivity import (
    DUMMY, CurveSettings, Factor, MorrisSettings, SobolSettings, Study, design_specs, load_study, point_means,
    replication_noise, run_study, sobol_design,
)

REPO = Path(__file__).resolve().parent.parent
A, B = 7.0, 0.1
#: Allowed distance of an estimate from the analytic index beyond its own 95% bootstrap half-width.
TOLERANCE = 0.02
IGNORED = "x4"


def ishigami_indices() -> dict[str, tuple[float, float]]:
    """Analytic (first-order, total) indices of Ishigami-Homma (Sobol' & Levitan 1999), x4 ignored."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"x1": (v1 / var, (v1 + v13) / var), "x2": (v2 / var, v2 / var), "x3": (0.0, v13 / var),
            IGNORED: (0.0, 0.0)}


def ishigami_evaluator(noise_sd: float = 0.0):
    """evaluate(specs, phase): Ishigami of x1..x3 (x4 ignored) plus Gaussian noise seeded by each run's seed."""
    def evaluate(specs, phase):
        x = np.array([[s.parameters.get(k, 0.0) for k in ("x1", "x2", "x3")] for s in specs])
        noise = np.array([np.random.default_rng(s.seed).normal(0.0, noise_sd) for s in specs]) if noise_sd else 0.0
        return pd.DataFrame({"run_id": [s.run_id for s in specs], "point": [s.point for s in specs],
                             "replication": [s.replication for s in specs],
                             "delivered_share": Ishigami.evaluate(x, A, B) + noise, "status": "ok"})
    return evaluate


def ishigami_study(method: str, replications: int = 1, dummy: bool = False, n: int = 1024) -> Study:
    factors = [Factor(name, -math.pi, math.pi, "float", name) for name in ("x1", "x2", "x3", IGNORED)]
    if dummy:
        factors.append(Factor(DUMMY, 0.0, 1.0, DUMMY, "dummy"))
    return Study(factors=tuple(factors), outcomes=("delivered_share",), method=method, base_seed=20261126,
                 replications=replications, sobol=SobolSettings(n=n, resamples=300, n_min=64),
                 morris=MorrisSettings(trajectories=40, keep_share=0.1, keep_max=8),
                 curves=CurveSettings(levers=0))


def test_ishigami_sobol_recovers_analytic_indices_and_ignored_parameter_is_zero():
    results = run_study(ishigami_study("sobol"), ishigami_evaluator())
    table = results.sobol.set_index("parameter")
    for name, (s1, st) in ishigami_indices().items():
        row = table.loc[name]
        assert abs(row["S1"] - s1) <= row["S1_conf"] + TOLERANCE, (name, row["S1"], s1, row["S1_conf"])
        assert abs(row["ST"] - st) <= row["ST_conf"] + TOLERANCE, (name, row["ST"], st, row["ST_conf"])
    ignored = table.loc[IGNORED]
    assert ignored["S1"] - ignored["S1_conf"] <= 0 <= ignored["S1"] + ignored["S1_conf"]
    assert ignored["ST"] - ignored["ST_conf"] <= 0 <= ignored["ST"] + ignored["ST_conf"]
    # second order: only x1 with x3 interacts
    pairs = results.second.set_index(["a", "b"])["S2"]
    assert pairs[("x1", "x3")] == pytest.approx(ishigami_indices()["x1"][1] - ishigami_indices()["x1"][0], abs=0.08)
    assert abs(pairs[("x1", "x2")]) < 0.08 and abs(pairs[("x2", "x3")]) < 0.08


def test_morris_then_sobol_screens_out_the_ignored_parameter():
    results = run_study(ishigami_study("morris_then_sobol", n=256), ishigami_evaluator())
    morris = results.morris.set_index("parameter")
    assert morris.loc[IGNORED, "mu_star"] == 0.0
    assert min(morris.loc[["x1", "x2", "x3"], "mu_star"]) > 10 * morris.loc[IGNORED, "mu_star_conf"] + 0.5
    assert results.survivors == ["x1", "x2", "x3"]
    assert list(results.sobol["parameter"]) == ["x1", "x2", "x3"]
    forced = replace(ishigami_study("morris_then_sobol", n=64), morris=MorrisSettings(
        trajectories=40, keep_share=0.1, keep_max=3, keep=(IGNORED,)))
    strongest = morris["mu_star"].drop(IGNORED).sort_values(ascending=False).index[:2]
    assert run_study(forced, ishigami_evaluator()).survivors == sorted([IGNORED, *strongest])


def test_replication_noise_is_measured_and_averaged_out(base_seed):
    """Noise of sd 1 added to every run: the within-point variance estimates 1; averaging 4 replications
    leaves noise/4 in the point means, which the dummy factor's total index measures; first-order
    indices stay on their analytic values."""
    sd, reps = 1.0, 4
    results = run_study(ishigami_study("sobol", replications=reps, dummy=True, n=512), ishigami_evaluator(sd))
    noise = results.noise["sobol"].iloc[0]
    points = 512 * (2 * 5 + 2)
    # the variance of a sample variance with 3 degrees of freedom is 2 sd^4 / 3; averaged over `points`
    assert noise["within_point_variance"] == pytest.approx(sd**2, abs=4 * math.sqrt(2 / 3 / points))
    assert noise["replications"] == reps
    expected_share = (sd**2 / reps) / (noise["point_mean_sd"] ** 2)
    assert noise["noise_share_of_means"] == pytest.approx(expected_share, rel=0.02)
    table = results.sobol.set_index("parameter")
    dummy = table.loc[DUMMY]
    assert abs(dummy["ST"] - noise["noise_share_of_means"]) <= dummy["ST_conf"] + 0.01
    assert dummy["ST"] - dummy["ST_conf"] > 0  # noise is visible: the floor is real, not zero
    for name, (s1, _) in ishigami_indices().items():
        assert abs(table.loc[name, "S1"] - s1) <= table.loc[name, "S1_conf"] + TOLERANCE


def test_replication_noise_table_on_known_groups():
    runs = pd.DataFrame({"point": [0, 0, 1, 1], "delivered_share": [1.0, 3.0, 5.0, 7.0], "status": "ok"})
    row = replication_noise(runs, ["delivered_share"]).iloc[0]
    assert row["within_point_variance"] == pytest.approx(2.0)  # each point: var(1, 3) = 2
    assert row["point_mean_sd"] == pytest.approx(math.sqrt(8.0))  # means 2 and 6
    assert row["noise_share_of_means"] == pytest.approx((2.0 / 2) / 8.0)


def test_failed_runs_are_left_out_of_point_means():
    runs = pd.DataFrame({"point": [0, 0, 1, 1], "delivered_share": [1.0, None, 3.0, 5.0],
                         "status": ["ok", "failed", "ok", "ok"]})
    means = point_means(runs, ["delivered_share"], 2)
    assert means["delivered_share"].tolist() == [1.0, 4.0]


def test_sobol_design_for_smaller_n_is_a_prefix_of_the_full_design():
    study = ishigami_study("sobol", n=256)
    names = [f.name for f in study.factors]
    full = sobol_design(study, names)
    rows = 2 * len(names) + 2
    for n in (16, 64, 128):
        assert np.array_equal(sobol_design(study, names, n), full[: n * rows])


def test_convergence_is_computed_at_every_power_of_two_and_settles():
    results = run_study(ishigami_study("sobol", n=1024), ishigami_evaluator())
    conv = results.convergence
    assert sorted(conv["n"].unique()) == [64, 128, 256, 512, 1024]
    width = conv.groupby("n")["ST_conf"].mean()
    assert width[1024] < width[64]  # intervals narrow as N grows
    few = run_study(replace(ishigami_study("sobol"), sobol=SobolSettings(n=16, n_min=4, resamples=100)),
                    ishigami_evaluator())
    assert any("has not settled at N = 16" in w for w in few.warnings)


def test_specs_interleave_points_and_take_distinct_reproducible_seeds():
    study = ishigami_study("sobol", replications=3, n=4)
    names = [f.name for f in study.factors]
    design = sobol_design(study, names)
    specs = design_specs(study, design, names, "sobol")
    assert [s.run_id for s in specs] == list(range(len(design) * 3))
    assert [s.replication for s in specs[: len(design)]] == [0] * len(design)
    assert [s.point for s in specs[: len(design)]] == list(range(len(design)))
    assert len({s.seed for s in specs}) == len(specs)
    again = design_specs(study, sobol_design(study, names), names, "sobol")
    assert [s.seed for s in again] == [s.seed for s in specs] and again[5].parameters == specs[5].parameters
    morris_seeds = {s.seed for s in design_specs(study, design, names, "morris")}
    assert not morris_seeds & {s.seed for s in specs}


def test_sobol_phase_can_take_its_own_replications():
    study = replace(ishigami_study("morris_then_sobol", replications=1, n=16),
                    sobol=SobolSettings(n=16, n_min=4, replications=3))
    results = run_study(study, ishigami_evaluator(0.1))
    assert results.noise["morris"]["replications"].iloc[0] == 1
    assert results.noise["sobol"]["replications"].iloc[0] == 3
    assert results.runs["sobol"] == 3 * 16 * (2 * len(results.survivors) + 2)


def test_whole_number_factor_gives_every_value_equal_weight():
    factor = Factor("meeting_interval", 1, 13, "int")
    low, high = factor.bounds()
    xs = np.linspace(low, high, 13 * 1000, endpoint=False) + (high - low) / 26000
    counts = pd.Series([factor.value(x) for x in xs]).value_counts()
    assert sorted(counts.index) == list(range(1, 14)) and counts.min() == counts.max()
    assert factor.grid(7) == [1, 3, 5, 7, 9, 11, 13]


def test_shipped_study_validates_and_fits_the_budget():
    """The study the README names: every number parameter but the switches; its worst-case run count is the
    114,314 runs its comments budget (N = 1024 so the levers' indices settle), under an hour on 2 cores at
    the measured 51 ms per run, and the progress display plans the same total."""
    study = load_study(REPO / "experiments" / "sensitivity.toml")
    assert study.name == "sensitivity" and set(study.morris.keep) == set(HEADLINE_LEVERS)
    assert study.excluded_switches == ("funding_resource_effect", "funding_catalytic_effect")
    assert {f.name for f in study.factors} >= {"external_funding", "leader_turnover", "meeting_interval",
                                                 "meeting_discipline", DUMMY}
    d = len(study.factors)
    morris = study.morris.trajectories * (d + 1) * study.replications
    sobol = study.sobol.n * (2 * (study.morris.keep_max + 1) + 2) * (study.sobol.replications or study.replications)
    curves = (study.curves.levers + len(study.curves.keep)) * study.curves.points * study.curves.replications
    assert morris + sobol + curves == 114_314 <= 60 * 60 * 2 / 0.051
    assert sum(sensitivity_plan(study).values()) == morris + sobol + curves


# --- bad study files: one line, exit 2, nothing written ------------------------------------------------
runner = CliRunner()
GOOD = """method = "sobol"
weeks = 10
parameters = ["meeting_discipline", "leader_turnover"]
outcomes = ["delivered_share"]
[sobol]
n = 4
"""


@pytest.mark.parametrize("change, message", [
    (("[sobol]\nn = 4", "[sobol]\nn = 100"), "sobol.n = 100: allowed a power of 2 (2, 4, 8, ...), such as 128"),
    (('outcomes = ["delivered_share"]', 'outcomes = ["delivered"]'),
     "outcomes: unknown outcome 'delivered': did you mean 'delivered_share'?"),
    (('"leader_turnover"]', '"leader_turnovr"]'),
     "parameters: unknown parameter 'leader_turnovr': did you mean 'leader_turnover'?"),
    (('method = "sobol"', 'method = "sobel"'), "method: unknown method 'sobel': did you mean 'sobol'?"),
    (("[sobol]", "[ranges]\nmeeting_discipline = [0.2, 1.5]\n[sobol]"),
     "ranges.meeting_discipline[2] = 1.5: allowed 0 to 1 (0-1 score)"),
    (("[sobol]", "[ranges]\nmeeting_discipline = [false, 0.5]\n[sobol]"),
     "ranges.meeting_discipline[1] = false: allowed 0 to 1 (0-1 score)"),
    (("weeks = 10", "weeks = 10\nreplicates = 3"), "unknown field 'replicates': did you mean 'replications'?"),
    (("weeks = 10", "weeks = nan"), "weeks = nan: allowed a whole number from 1 to 5,200"),
    (("weeks = 10", "weeks = true"), "weeks = true: allowed a whole number from 1 to 5,200"),
    (("weeks = 10", "weeks = 10\ndummy = 1"), "dummy = 1: allowed true or false"),
    (("[sobol]", "[morris]\nkeep = ['meeting_disciplin']\n[sobol]"),
     "morris.keep: unknown parameter 'meeting_disciplin': did you mean 'meeting_discipline'?"),
    (("[sobol]", "[morris]\nlevels = 3\n[sobol]"), "morris.levels = 3: allowed an even whole number of 2 or more"),
    (("[sobol]\nn = 4", "[sobol]\nn = 1073741824"), "sobol.n = 1073741824: allowed a whole number from 2 to 1,000,000"),
    (("[sobol]\nn = 4", "[sobol]\nn = 524288"), "sobol.n = 524288: allowed at most 1,000,000 runs in the whole study"),
    (("weeks = 10", 'weeks = 10\nscenario = "no-such-region"'), "scenario = \"no-such-region\": scenario "
                                                                 "'no-such-region' not found"),
])
def test_bad_study_file_is_one_line_exit_2_and_writes_nothing(tmp_path, change, message):
    study = tmp_path / "study.toml"
    assert change[0] in GOOD
    study.write_text(GOOD.replace(*change))
    out = tmp_path / "never"
    result = runner.invoke(app, ["sensitivity", str(study), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert lines[0].startswith(f"error: {study}: ")
    assert not out.exists()


def test_resume_of_a_folder_without_a_study_is_refused(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(GOOD)
    assert load_study(study).sobol.n_min == 4  # the good file is good: n_min follows a small n
    result = runner.invoke(app, ["sensitivity", str(study), "--out", str(tmp_path / "none"), "--resume"])
    assert result.exit_code == 2 and "holds no sensitivity study to resume" in result.stderr
    assert not (tmp_path / "none").exists()
