"""Calibration by ABC-SMC: a known posterior recovered, reproducible and resumable, the likelihood, the study file.

The toy simulator stands in for the model: its statistic is the parameter itself (an infinite population
of partnerships whose share working well is the parameter), so with a uniform prior and a survey of k
answers "yes" out of the n respondents who could say, the posterior is Beta(1 + k, 1 + n - k) exactly.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from partnerships.experiments import abc_report, abc_sampler, abc_targets, calibration
from partnerships.experiments.abc_study import Prior, load_study, parse_study
from partnerships.experiments.cli import app
from partnerships.experiments.errors import SweepInterrupted
from partnerships.model.errors import InputError
from partnerships.model.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parent.parent
TOY = """
[calibration]
base_seed = {seed}
population = {population}
generations = 6
runs_per_particle = 1
max_runs = 1000000

[priors.champion_share]
low = 0.0
high = 1.0

[[targets]]
name = "share"
source = "a toy survey"
statistic = "working_well_share"
observed = 0.3
respondents = 60
dont_know = 0.25
"""
K, N = 0.3 * 60, 0.75 * 60  # 18 "yes" of the 45 who could say


class Toy:
    """The share working well is the parameter; counts candidates, can stop after ``stop_after`` batches."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.candidates = 0
        self.batches = 0
        self.stop_after = stop_after

    def simulate(self, generation, first, candidates):
        if self.stop_after is not None and self.batches >= self.stop_after:
            raise KeyboardInterrupt
        self.batches += 1
        self.candidates += len(candidates)
        return {j: {"share": c["champion_share"]} for j, c in candidates.items()}


def toy(seed: int = 5, population: int = 600):
    return parse_study(TOY.format(seed=seed, population=population), "toy.toml", probe=False)


def weighted(posterior: pd.DataFrame) -> tuple[float, float, np.ndarray]:
    w, x = posterior["weight"].to_numpy(), posterior["champion_share"].to_numpy()
    mean = float(np.sum(w * x))
    sd = math.sqrt(float(np.sum(w * (x - mean) ** 2)))
    return mean, sd, abc_report.weighted_quantile(x, w, [0.025, 0.5, 0.975])


def test_the_pipeline_recovers_a_conjugate_beta_posterior(tmp_path):
    result = calibration.calibrate(toy(), tmp_path / "out", simulator=Toy())
    exact = stats.beta(1 + K, 1 + N - K)
    mean, sd, q = weighted(result.posterior)
    ess = result.provenance["ess"]
    assert result.exact and ess > 300
    assert abs(mean - exact.mean()) < 3 * exact.std() / math.sqrt(ess)  # tolerance: 3 Monte Carlo standard errors
    assert abs(sd / exact.std() - 1) < 0.12
    assert np.all(np.abs(q - exact.ppf([0.025, 0.5, 0.975])) < 0.03)
    # the prior (uniform on 0-1) would give mean 0.5 and sd 0.29: the data moved it
    assert sd < 0.3 * (1 / math.sqrt(12))


def test_a_calibration_is_reproducible_and_independent_of_batch_sizes(tmp_path, monkeypatch):
    first = calibration.calibrate(toy(population=120), tmp_path / "a", simulator=Toy())
    monkeypatch.setattr(abc_sampler, "MIN_BATCH", 3)
    monkeypatch.setattr(abc_sampler, "MIN_BATCH_SHARE", 40)
    monkeypatch.setattr(abc_sampler, "FIRST_BATCH", 0.25)
    second = calibration.calibrate(toy(population=120), tmp_path / "b", simulator=Toy())
    pd.testing.assert_frame_equal(first.posterior, second.posterior)
    third = calibration.calibrate(toy(seed=6, population=120), tmp_path / "c", simulator=Toy())
    assert not np.array_equal(first.posterior["champion_share"], third.posterior["champion_share"])


def test_an_interrupted_calibration_resumes_without_losing_or_repeating_work(tmp_path):
    whole = Toy()
    uninterrupted = calibration.calibrate(toy(population=120), tmp_path / "whole", simulator=whole)
    stopped = Toy(stop_after=3)
    with pytest.raises(SweepInterrupted, match="run the same command again"):
        calibration.calibrate(toy(population=120), tmp_path / "resumed", simulator=stopped)
    assert not (tmp_path / "resumed" / "posterior.parquet").exists()
    again = Toy()
    resumed = calibration.calibrate(toy(population=120), tmp_path / "resumed", simulator=again)
    pd.testing.assert_frame_equal(uninterrupted.posterior, resumed.posterior)
    assert resumed.provenance["sessions"] == 2
    assert stopped.candidates + again.candidates == whole.candidates  # every candidate simulated exactly once
    assert stopped.batches == 3 and again.candidates < whole.candidates


def test_resume_refuses_a_changed_study_file(tmp_path):
    calibration.calibrate(toy(population=40), tmp_path, simulator=Toy())
    with pytest.raises(InputError, match="different study file"):
        calibration.calibrate(toy(seed=9, population=40), tmp_path, simulator=Toy())


# --- the likelihood -----------------------------------------------------------------------------------
def target(respondents: str = "60", dont_know: str = "0.25"):
    text = TOY.format(seed=1, population=40).replace("respondents = 60", f"respondents = {respondents}")
    return parse_study(text.replace("dont_know = 0.25", f"dont_know = {dont_know}"), probe=False).targets[0]


def test_the_binomial_likelihood_counts_only_respondents_who_could_say():
    t = target()
    p = np.array([0.1, 0.4, 0.9])
    assert np.allclose(abc_targets.target_log_likelihood(t, p), stats.binom.logpmf(18, 45, p))
    assert math.isclose(t.observed_share, 0.4)
    assert abc_targets.target_log_likelihood(t, math.nan)[0] == -math.inf
    assert math.isclose(abc_targets.target_log_max(t), stats.binom.logpmf(18, 45, 0.4))


def test_an_unknown_dont_know_share_is_averaged_over_its_range_and_widens_the_likelihood():
    t = target(dont_know="{ low = 0.0, high = 0.2 }")
    p = np.linspace(0.05, 0.95, 19)
    grid = np.linspace(0, 0.2, abc_targets.DONT_KNOW_GRID)
    expected = np.log(np.mean([np.exp(abc_targets._binomial_log(18, 60 * (1 - d), p)) for d in grid], axis=0))
    assert np.allclose(abc_targets.target_log_likelihood(t, p), expected)
    assert abc_targets.target_log_max(t) >= abc_targets.target_log_likelihood(t, p).max()


def test_a_target_weighs_by_its_sample_size():
    small, large = target(), target(respondents="6000")
    off = 0.4 + 0.1  # the observed share among those who could say is 0.4
    drop = [abc_targets.target_log_max(t) - abc_targets.target_log_likelihood(t, off)[0] for t in (small, large)]
    assert drop[1] > 50 * drop[0]


def test_statistics_pool_the_project_rows_of_a_candidates_runs():
    study = load_study(ROOT / "experiments" / "calibration.toml", probe=False)
    runs = pd.DataFrame({"run_id": [0, 1, 2], "point": [0, 0, 1], "status": ["ok", "ok", "failed"],
                         "median_weeks_to_delivery": [60.0, None, 80.0]})
    projects = pd.DataFrame({"run_id": [0, 0, 0, 1, 1, 2], "follow_on": [False, False, True, False, False, False],
                             "theme": ["health and care", "community safety", "health and care", "health and care",
                                       "housing and planning", "health and care"],
                             "working_well": [True, False, True, False, True, True],
                             "abandoned": [False, True, False, False, False, False]})
    table = abc_targets.statistics_by_candidate(study.statistics, runs, projects)
    assert table.loc[0, "sub_regional_works_well"] == pytest.approx(2 / 4)  # the follow-on is left out
    assert table.loc[0, "health_rated_good"] == pytest.approx(1 / 2)
    assert table.loc[0, "community_safety_rated_good"] == 0.0
    assert table.loc[0, "slow_delivery"] == 60.0  # the run without a delivery is left out
    assert table.loc[1].isna().all()  # its only run failed


# --- identification -----------------------------------------------------------------------------------
def test_identification_flags_a_mode_on_a_bound_and_an_unidentified_parameter():
    rng = np.random.default_rng(3)
    priors = (Prior("obstacle_rate", 1.0, 5.0, "linear", False), Prior("work_rate", 0.05, 1.0, "log", False))
    piled = 5.0 - rng.exponential(0.2, 4000).clip(0, 4)
    posterior = pd.DataFrame({"weight": np.full(4000, 1 / 4000), "obstacle_rate": piled,
                              "work_rate": 10 ** rng.uniform(math.log10(0.05), 0, 4000)})
    table = abc_report.identification(posterior, priors).set_index("parameter")
    assert table.loc["obstacle_rate", "mode_on_bound"] == "high" and table.loc["obstacle_rate", "identified"] == "yes"
    assert table.loc["work_rate", "mode_on_bound"] == "" and table.loc["work_rate", "identified"] == "no"
    assert abs(table.loc["work_rate", "sd_ratio"] - 1) < 0.05


def test_findings_name_a_default_outside_its_credible_interval_and_only_that_one():
    rng = np.random.default_rng(5)
    priors = (Prior("work_rate", 0.05, 5.0, "log", False), Prior("obstacle_rate", 0.5, 12.0, "log", False))
    posterior = pd.DataFrame({"weight": np.full(3000, 1 / 3000),
                              "work_rate": 10 ** rng.normal(math.log10(2.0), 0.1, 3000).clip(-1.3, 0.69),
                              "obstacle_rate": 10 ** rng.uniform(math.log10(0.5), math.log10(12.0), 3000)})
    ident = abc_report.identification(posterior, priors)
    assert ident.set_index("parameter").loc["work_rate", "default"] == PARAMETERS["work_rate"].default
    checks = pd.DataFrame({"consistent": [True], "label": ["a target"]})
    corr = pd.DataFrame({"a": [], "b": [], "correlation": []})
    text = " ".join(abc_report.findings(ident, corr, checks, {"exact": True, "ess": 300}))
    assert f"default Work rate (stages/week) ({PARAMETERS['work_rate'].default:g}) lies below" in text
    assert "default Obstacles per year" not in text


def test_correlations_find_a_trade_off():
    rng = np.random.default_rng(4)
    a = rng.uniform(1, 5, 3000)
    posterior = pd.DataFrame({"weight": 1.0, "obstacle_rate": a, "patience": 200 - 30 * a + rng.normal(0, 5, 3000),
                              "work_rate": rng.uniform(0.1, 0.9, 3000)})
    priors = (Prior("obstacle_rate", 1, 5, "linear", False), Prior("patience", 4, 156, "linear", True),
              Prior("work_rate", 0.1, 0.9, "linear", False))
    table = abc_report.correlations(posterior, priors)
    assert (table.loc[0, "a"], table.loc[0, "b"]) == ("obstacle_rate", "patience")
    assert table.loc[0, "correlation"] < -0.9
    assert abs(table.loc[1, "correlation"]) < 0.1


# --- the model, end to end ----------------------------------------------------------------------------
def tiny_study(folder: Path, max_runs: int = 120) -> Path:
    """The London study file, shrunk to a few dozen short runs."""
    text = (ROOT / "experiments" / "calibration.toml").read_text()
    for old, new in (("population = 300", "population = 10"), ("generations = 8", "generations = 2"),
                     ("runs_per_particle = 2", "runs_per_particle = 1"), ("weeks = 260", "weeks = 26"),
                     ("draws = 40", "draws = 3"), ("seeds = 5", "seeds = 2")):
        assert old in text
        text = text.replace(old, new)
    text, budgets = re.subn(r"(?m)^max_runs = \d+", f"max_runs = {max_runs}", text)
    assert budgets == 1
    study_file = folder / "tiny.toml"
    study_file.write_text(text.replace('"scenarios/london_2008.toml"',
                                       f'"{ROOT / "experiments" / "scenarios" / "london_2008.toml"}"'))
    return study_file


def test_a_tiny_calibration_of_the_model_writes_a_posterior_and_a_report(tmp_path):
    study_file = tiny_study(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", str(study_file), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    posterior = pd.read_parquet(out / "posterior.parquet")
    study = load_study(study_file, probe=False)
    assert len(posterior) == 10 and math.isclose(posterior["weight"].sum(), 1.0)
    for prior in study.priors:
        assert posterior[prior.name].between(prior.low, prior.high).all()
    predictive = pd.read_parquet(out / "predictive.parquet")
    assert len(predictive) == 6 and {t.name for t in study.targets} <= set(predictive.columns)
    provenance = (out / "posterior.json").read_text()
    assert study.sha256 in provenance and "model_sha256" in provenance and "pyabc" in provenance
    page = (out / "report.html").read_text()
    assert "What the data identify" in page and "posterior predictive" in page.lower()
    assert "http" not in page.replace("http-equiv", "")  # self-contained
    runs = pd.read_parquet(next((out / "simulations").glob("g00-*")) / "runs.parquet")
    assert (runs["external_funding"] == 0).all() and (runs["status"] == "ok").all()


def test_the_model_calibration_is_the_same_on_one_worker_and_on_a_dask_cluster(tmp_path):
    from dask.distributed import LocalCluster

    study = load_study(tiny_study(tmp_path, max_runs=60))
    alone = calibration.calibrate(study, tmp_path / "one", workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        spread = calibration.calibrate(study, tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(alone.posterior, spread.posterior)
    pd.testing.assert_frame_equal(alone.predictive, spread.predictive)


# --- bad input: one line, exit 2, nothing written -------------------------------------------------------
BAD = [
    ("[priors.obstacle_rate]\nlow = 0.5", "[priors.obstacle_rat]\nlow = 0.5", "unknown parameter 'obstacle_rat'"),
    ("high = 12.0\nscale = \"log\"", "high = 14.0\nscale = \"log\"", "priors.obstacle_rate.high = 14"),
    ("observed = 0.38", "observed = 1.38", "targets[1].observed = 1.38"),
    ("respondents = 61\ndont_know = 0.26", "respondents = 0\ndont_know = 0.26", "targets[1].respondents = 0"),
    ("population = 300", "population = 0", "calibration.population = 0"),
    ('scenario = "scenarios/london_2008.toml"', 'scenario = "scenarios/nowhere/london.toml"', "calibration.scenario"),
    ('share = "working_well"\namong = { follow_on = false }\nobserved = 0.38',
     'share = "working_wel"\namong = { follow_on = false }\nobserved = 0.38', "did you mean 'working_well'?"),
    ('theme = "community safety" }', 'theme = "comunity safety" }', "among.theme"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_bad_study_file_is_one_line_and_exit_2_and_writes_nothing(tmp_path, old, new, message):
    text = (ROOT / "experiments" / "calibration.toml").read_text()
    assert old in text
    study_file = ROOT / "experiments" / f".bad-{abs(hash(new))}.toml"  # beside the real one: same relative paths
    study_file.write_text(text.replace(old, new, 1))
    try:
        result = CliRunner().invoke(app, ["calibrate", str(study_file), "--out", str(tmp_path / "out")])
    finally:
        study_file.unlink()
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_study_file_and_unwritable_folder_are_one_line(tmp_path):
    result = CliRunner().invoke(app, ["calibrate", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not found" in result.output and len(result.output.strip().splitlines()) == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(app, ["calibrate", "calibration", "--out", str(blocker / "sub")])
    assert result.exit_code == 2 and result.output.startswith("error:") and len(result.output.strip().splitlines()) == 1
