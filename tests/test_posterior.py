"""Experiments over posterior draws, and effects with a seeds-only and a parameters+seeds interval."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partnerships.experiments import posterior as post
from partnerships.experiments.design import parse_experiment
from partnerships.experiments.sweep import run_sweep
from partnerships.model.errors import InputError

EXPERIMENT = """
[experiment]
replications = 2
base_seed = 3
weeks = 8
posterior = { file = "posterior.parquet", draws = 3 }

[fixed]
patience = 12

[vary.meeting_discipline]
levels = [0.2, 0.8]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pd.DataFrame({"particle": range(4), "weight": [0.0, 0.2, 0.3, 0.5], "obstacle_rate": [9.0, 2.0, 3.0, 4.0],
                  "patience": [10, 20, 30, 40], "log_likelihood": 0.0}).to_parquet(tmp_path / "posterior.parquet")
    (tmp_path / "posterior.json").write_text(json.dumps({"kind": "posterior"}))
    return tmp_path


def test_every_design_point_runs_at_every_draw_and_the_file_sets_what_it_names(folder):
    experiment = parse_experiment(EXPERIMENT, "x.toml", base_dir=folder)
    points = experiment.design()
    assert experiment.n_points == len(points) == 6 and len(experiment.specs()) == 12
    draws = experiment.posterior.values
    assert all(points[c * 3 + d]["obstacle_rate"] == draws[d]["obstacle_rate"] for c in range(2) for d in range(3))
    assert [p["meeting_discipline"] for p in points] == [0.2] * 3 + [0.8] * 3
    assert all(s.parameters["patience"] == 12 for s in experiment.specs())  # [fixed] wins over the draws
    assert 0 not in experiment.posterior.particles  # a particle of weight 0 is never drawn
    again = parse_experiment(EXPERIMENT, "x.toml", base_dir=folder)
    assert again.posterior == experiment.posterior  # the draws follow the experiment's base seed


def test_the_posterior_file_is_part_of_what_the_resume_guard_hashes(folder):
    before = parse_experiment(EXPERIMENT, "x.toml", base_dir=folder)
    table = pd.read_parquet(folder / "posterior.parquet")
    table.loc[1, "obstacle_rate"] = 2.5
    table.to_parquet(folder / "posterior.parquet")
    after = parse_experiment(EXPERIMENT, "x.toml", base_dir=folder)
    assert before.sha256 != after.sha256 and after.manifest()["sha256"] == after.sha256
    assert after.manifest()["posterior"]["sha256"] == post.file_sha256(folder / "posterior.parquet")


def test_a_sweep_over_draws_refuses_to_resume_on_a_changed_posterior(folder):
    (folder / "x.toml").write_text(EXPERIMENT)
    result = run_sweep(folder / "x.toml", folder / "out", workers=1)
    assert len(result.runs) == 12 and set(result.runs["obstacle_rate"]) <= {2.0, 3.0, 4.0}
    table = pd.read_parquet(folder / "posterior.parquet")
    table.loc[1, "obstacle_rate"] = 2.5
    table.to_parquet(folder / "posterior.parquet")
    with pytest.raises(InputError, match="different experiment file"):
        run_sweep(folder / "x.toml", folder / "out", workers=1)


@pytest.mark.parametrize(("line", "message"), [
    ('posterior = { file = "nowhere.parquet", draws = 3 }', "not found"),
    ('posterior = { file = "posterior.parquet", draws = 0 }', "experiment.posterior.draws = 0"),
    ('parameters = "posterio"', "did you mean 'posterior'?"),
])
def test_a_bad_posterior_option_is_one_line(folder, line, message):
    text = EXPERIMENT.replace('posterior = { file = "posterior.parquet", draws = 3 }', line)
    with pytest.raises(InputError, match=message) as err:
        parse_experiment(text, "x.toml", base_dir=folder)
    assert "\n" not in str(err.value)


def _folder(tmp_path: Path, draws: int, effects: np.ndarray, noise: float, reps: int, seed: int = 1) -> Path:
    """A results folder of a two-level lever run at ``draws`` draws whose true effects are ``effects``."""
    rng = np.random.default_rng(seed)
    rows, run = [], 0
    for cell, level in enumerate((0.2, 0.8)):
        for d in range(draws):
            for _ in range(reps):
                mean = 0.3 + (effects[d] if level == 0.8 else 0.0)
                rows.append({"run_id": run, "point": cell * draws + d, "meeting_discipline": level,
                             "delivered_share": mean + rng.normal(0, noise), "status": "ok"})
                run += 1
    pd.DataFrame(rows).to_parquet(tmp_path / "runs.parquet")
    manifest = {"kind": "experiment", "factors": [{"name": "meeting_discipline", "levels": [0.2, 0.8]}],
                "posterior": {"draws": draws} if draws > 1 else None}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_effect_intervals_separate_seed_noise_from_parameter_uncertainty(tmp_path):
    rng = np.random.default_rng(0)
    effects = rng.normal(0.05, 0.04, 200)  # the effect is uncertain: it changes sign across draws
    row = post.effect_intervals(_folder(tmp_path, 200, effects, 0.02, 8), outcomes=("delivered_share",)).iloc[0]
    assert row["draws"] == 200 and row["effect"] == pytest.approx(effects.mean(), abs=0.003)
    assert row["seeds_high"] - row["seeds_low"] < 0.01  # seeds alone: a narrow interval around the mean effect
    assert row["seeds_low"] > 0
    q = np.quantile(effects, [0.025, 0.975])
    assert row["total_low"] == pytest.approx(q[0], abs=0.015) and row["total_high"] == pytest.approx(q[1], abs=0.015)
    assert not row["survives"] and row["parameter_share"] > 0.9


def test_without_a_posterior_both_intervals_are_the_seed_interval(tmp_path):
    row = post.effect_intervals(_folder(tmp_path, 1, np.array([0.1]), 0.05, 400), outcomes=("delivered_share",)).iloc[0]
    assert row["draws"] == 1 and (row["seeds_low"], row["seeds_high"]) == (row["total_low"], row["total_high"])
    half = 1.96 * 0.05 * np.sqrt(2 / 400)
    assert row["seeds_high"] - row["seeds_low"] == pytest.approx(2 * half, rel=0.15)
    assert row["survives"] and row["parameter_share"] == 0.0


def test_a_report_over_draws_gives_each_effect_both_intervals_and_says_which_survive(folder):
    from partnerships.experiments.report import write_report

    (folder / "x.toml").write_text(EXPERIMENT.replace("weeks = 8", "weeks = 30"))
    run_sweep(folder / "x.toml", folder / "out", workers=1)
    written = write_report(folder / "out", pdf=False)
    page = written.html.read_text()
    table = pd.read_csv(folder / "out" / "effects_over_draws.csv")
    assert set(table["draws"]) == {3} and set(table["outcome"]) == {"delivered_share", "working_well_share"}
    assert (table["total_high"] - table["total_low"] >= 0).all()
    assert "Parameter uncertainty: which effects survive it?" in page
    assert "95% interval, seeds alone" in page and "95% interval, parameters and seeds" in page
    assert "3 posterior draws" in page and "each run at 3 draws of the calibrated posterior" in page


def test_a_report_without_draws_has_no_parameter_section(folder):
    from partnerships.experiments.report import write_report

    text = EXPERIMENT.replace('posterior = { file = "posterior.parquet", draws = 3 }\n', "").replace("weeks = 8",
                                                                                                     "weeks = 30")
    (folder / "x.toml").write_text(text)
    run_sweep(folder / "x.toml", folder / "out", workers=1)
    page = write_report(folder / "out", pdf=False).html.read_text()
    assert "Parameter uncertainty" not in page and not (folder / "out" / "effects_over_draws.csv").exists()


def test_the_survival_sentence_names_the_levers_whose_interval_over_draws_excludes_zero():
    from partnerships.experiments.report import survival_sentence

    over = pd.DataFrame([
        {"outcome": "delivered_share", "lever": "external_funding", "level": 500, "reference": 0, "draws": 30,
         "effect": 0.4, "total_low": 0.2, "total_high": 0.6, "survives": True},
        {"outcome": "delivered_share", "lever": "external_funding", "level": 50, "reference": 0, "draws": 30,
         "effect": 0.1, "total_low": -0.1, "total_high": 0.3, "survives": False},
        {"outcome": "delivered_share", "lever": "leader_turnover", "level": 0.35, "reference": 0.05, "draws": 30,
         "effect": -0.05, "total_low": -0.12, "total_high": 0.02, "survives": False}])
    effects = pd.DataFrame([{"lever": "external_funding", "value": v, "label": t} for v, t in
                            ((0, "none"), (50, "small"), (500, "large"))]
                           + [{"lever": "leader_turnover", "value": v, "label": t} for v, t in
                              ((0.05, "low"), (0.35, "high"))])
    text = survival_sentence(over, effects)
    assert "(30 posterior draws)" in text
    first, smaller = text.split(" Of the smaller steps, ")
    kept, lost = first.split("; ")
    assert "none to large: +20 to +60 points" in kept and "survives" in kept and "turnover" not in kept
    assert "low to high: -12 to +2 points" in lost and "does not" in lost and "small" not in first
    assert smaller.startswith("the external funding award (none to small: -10 to +30 points) does not survive")
    over.loc[1, ["total_low", "survives"]] = [0.05, True]  # a smaller step that survives is not named
    assert " Of the smaller steps" not in survival_sentence(over, effects)


def test_posterior_draws_on_the_command_line_run_any_experiment_over_the_project_posterior(folder, monkeypatch):
    from partnerships.experiments import sweep as sweep_module

    monkeypatch.setattr(post, "DEFAULT_POSTERIOR", folder / "posterior.parquet")
    text = EXPERIMENT.replace('posterior = { file = "posterior.parquet", draws = 3 }\n', "")
    (folder / "x.toml").write_text(text)
    result = sweep_module.run_sweep(folder / "x.toml", folder / "out", workers=1, posterior_draws=3)
    assert result.experiment.name == "x-posterior" and result.experiment.posterior.draws == 3
    assert len(result.runs) == 12 and set(result.runs["obstacle_rate"]) <= {2.0, 3.0, 4.0}
    in_file = parse_experiment(EXPERIMENT, "x.toml", base_dir=folder)
    assert result.experiment.posterior.values == in_file.posterior.values  # the same draws as the file's option
    monkeypatch.setattr(post, "DEFAULT_POSTERIOR", folder / "nowhere.parquet")
    with pytest.raises(InputError, match="^--posterior-draws: posterior file .* not found") as err:
        sweep_module.run_sweep(folder / "x.toml", folder / "out2", workers=1, posterior_draws=3)
    assert "\n" not in str(err.value) and not (folder / "out2").exists()


def test_validation_over_draws_pairs_conditions_at_the_same_draw_and_keeps_their_own_values(folder, monkeypatch):
    from partnerships.experiments import validation as v

    monkeypatch.setattr(v, "DEFAULT_POSTERIOR", folder / "posterior.parquet")
    settings = v.Settings.for_mode(True, posterior_draws=3)
    conditions = [v.Condition("base", "baseline"), v.Condition("more", "more obstacles", {"obstacle_rate": 9.5})]
    specs = v.specs_for(conditions, {"base": 7, "more": 7}, settings)
    draws = settings.posterior.values
    for spec in specs:
        expected = draws[spec.replication % 3]
        assert spec.parameters["patience"] == expected["patience"]  # every condition of replication r: draw r % 3
        assert spec.parameters["obstacle_rate"] == (9.5 if spec.point == 1 else expected["obstacle_rate"])
    plain = v.specs_for(conditions, {"base": 7, "more": 7}, v.Settings.for_mode(True))
    assert [s.seed for s in plain] == [s.seed for s in specs] and "patience" not in plain[0].parameters
    assert settings.record()["draws"] == 3 and "posterior" not in v.Settings.for_mode(True).record()
    assert v.runs_folder(folder, True, 3).name.startswith("quick-posterior3-")
