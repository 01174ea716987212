"""Experiment files and `partnerships sweep`: validation, designs, resume, and the replication check."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.experiments.design import load_experiment, parse_experiment
from partnerships.experiments.spec import run_seed
from partnerships.experiments.sweep import Z95, replications_for_precision

runner = CliRunner()

TINY = """
[experiment]
name = "tiny"
weeks = 20
replications = 2
base_seed = 5
outputs = ["runs", "model_weekly"]

[fixed]
meeting_interval = 2

[vary.external_funding]
levels = [0, 500]
labels = ["none", "large"]

[vary.meeting_discipline]
levels = [0.2, 0.8]
"""


def write(tmp_path, text: str, name: str = "exp.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def sweep(*args: str):
    return runner.invoke(app, ["sweep", *args])


@pytest.mark.parametrize("edit, message", [
    (("[vary.meeting_discipline]", "[vary.meeting_disciplin]"),
     "vary: unknown parameter 'meeting_disciplin': did you mean 'meeting_discipline'?"),
    (("levels = [0.2, 0.8]", "levels = [0.2, 1.5]"),
     "vary.meeting_discipline.levels[2] = 1.5: allowed 0 to 1 (0-1 score)"),
    (("levels = [0.2, 0.8]", "levels = []"), "vary.meeting_discipline.levels = []: allowed a list of at least one value"),
    (("replications = 2", "replicatons = 2"), "experiment: unknown field 'replicatons': did you mean 'replications'?"),
    (('outputs = ["runs", "model_weekly"]', 'outputs = ["runs", "model_weekley"]'),
     "experiment.outputs: unknown output table 'model_weekley': did you mean 'model_weekly'?"),
    (("[fixed]", "[fixd]"), "unknown table 'fixd': did you mean 'fixed'?"),
    (("[experiment]", "[experiment"), "is not valid TOML"),
    (("meeting_interval = 2", "meeting_interval = 0"),
     "fixed.meeting_interval = 0: allowed a whole number from 1 to 26 (weeks)"),
    (("meeting_interval = 2", "meeting_interval = true"),
     "fixed.meeting_interval = true: allowed a whole number from 1 to 26 (weeks)"),
    (("meeting_interval = 2", "meeting_interval = 2.0"),
     "fixed.meeting_interval = 2.0: allowed a whole number from 1 to 26 (weeks)"),
    (("meeting_interval = 2", "meeting_interval = nan"),
     "fixed.meeting_interval = nan: allowed a whole number from 1 to 26 (weeks)"),
    (("levels = [0.2, 0.8]", "levels = [0.2, 1e400]"), "vary.meeting_discipline.levels[2] = inf: allowed 0 to 1"),
    (("levels = [0, 500]", "levels = [0, true]"), "vary.external_funding.levels[2] = true: allowed 0 to 1000"),
    (("weeks = 20", "weeks = 0"), "experiment.weeks = 0: allowed a whole number from 1 to 5,200"),
    (("weeks = 20", "weeks = 20.5"), "experiment.weeks = 20.5: allowed a whole number from 1 to 5,200"),
    (("base_seed = 5", "seed = 5"), "experiment: unknown field 'seed': did you mean 'base_seed'?"),
    (("base_seed = 5", ""), "experiment.base_seed is missing: allowed a whole number from 0 to"),
    (('name = "tiny"', 'name = "../../x"'), 'experiment.name = "../../x": allowed a name of letters, digits'),
    (('labels = ["none", "large"]', 'labels = ["none"]'),
     'vary.external_funding.labels = ["none"]: allowed 2 labels, one per level'),
    (("meeting_interval = 2", "meeting_interval = 2\nmeeting_discipline = 0.5"),
     "vary.meeting_discipline: 'meeting_discipline' is also in [fixed]"),
])
def test_invalid_experiment_is_one_line_exit_2_and_writes_nothing(tmp_path, edit, message):
    assert edit[0] in TINY
    path = write(tmp_path, TINY.replace(*edit))
    out = tmp_path / "out"
    result = sweep(str(path), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {path}: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_scenario_the_experiment_names_is_checked_before_anything_runs(tmp_path):
    (tmp_path / "bad_region.toml").write_text("[scenario]\nareas = 0\n")
    path = write(tmp_path, TINY.replace('name = "tiny"', 'name = "tiny"\nscenario = "bad_region.toml"'))
    result = sweep(str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert 'experiment.scenario = "bad_region.toml": ' in result.stderr
    assert "bad_region.toml: scenario.areas = 0: allowed a whole number from 1 to 10,000" in result.stderr
    assert not (tmp_path / "out").exists()
    missing = write(tmp_path, TINY.replace('name = "tiny"', 'name = "tiny"\nscenario = "nowhere"'), "missing.toml")
    result = sweep(str(missing), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "scenario 'nowhere' not found" in result.stderr


def test_a_scenario_is_found_beside_the_experiment_or_among_the_shipped_ones(tmp_path):
    (tmp_path / "two.toml").write_text("[scenario]\nareas = 2\n")
    beside = parse_experiment(TINY.replace('name = "tiny"', 'scenario = "two.toml"'), base_dir=tmp_path)
    assert beside.region.areas == 2 and beside.region_source == str((tmp_path / "two.toml").resolve())
    shipped = parse_experiment(TINY.replace('name = "tiny"', 'scenario = "county_two_areas.toml"'), base_dir=tmp_path)
    assert shipped.region.name == "two-counties" and all(s.region == shipped.region for s in shipped.specs())


def test_a_design_too_large_is_refused_before_it_is_sampled():
    with pytest.raises(Exception, match=r"design.samples = 1073741824: allowed a whole number from 1 to 1,000,000"):
        parse_experiment(RANGES + '\n[design]\nkind = "sobol"\nsamples = 1073741824\n')
    with pytest.raises(Exception, match=r"experiment.replications = 1000: allowed at most 1,000,000 runs in all "
                                        r"\(1,024 points x 1,000 replications make 1,024,000\)"):
        parse_experiment(RANGES.replace("replications = 1", "replications = 1000")
                         + '\n[design]\nkind = "sobol"\nsamples = 256\n')


def test_an_experiment_with_nothing_to_vary_is_an_empty_design(tmp_path):
    text = TINY.split("[vary.external_funding]")[0]
    result = sweep(str(write(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "empty design" in result.stderr and not (tmp_path / "out").exists()


def test_unknown_design_kind_and_levels_in_a_sampled_design_are_refused(tmp_path):
    with pytest.raises(Exception, match="design.kind: unknown design kind 'sobolx': did you mean 'sobol'"):
        parse_experiment(TINY + '\n[design]\nkind = "sobolx"\n')
    with pytest.raises(Exception, match="vary.external_funding: a sobol design samples ranges: allowed low/high, "
                                        "not levels"):
        parse_experiment(TINY + '\n[design]\nkind = "sobol"\nsamples = 8\n')


def test_full_factorial_specs_interleave_points_with_seeds_from_the_base_seed():
    experiment = parse_experiment(TINY)
    points = experiment.points()
    assert len(points) == 4 and set(points.columns) == {"external_funding", "meeting_discipline"}
    specs = experiment.specs()
    assert [s.run_id for s in specs] == list(range(8))
    assert [(s.replication, s.point) for s in specs[:5]] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    assert all(s.seed == run_seed(5, s.run_id) for s in specs)
    assert all(s.parameters["meeting_interval"] == 2 for s in specs)
    assert specs[5].parameters["external_funding"] == points.loc[1, "external_funding"]


RANGES = """
[experiment]
base_seed = 3
replications = 1
weeks = 10

[vary.trust_gain]
low = 0.01
high = 0.1

[vary.patience]
low = 10
high = 100
"""


def test_latin_hypercube_puts_one_point_in_every_stratum_of_every_parameter():
    experiment = parse_experiment(RANGES + '\n[design]\nkind = "latin_hypercube"\nsamples = 20\n')
    points = experiment.points()
    assert len(points) == 20
    strata = np.floor((points["trust_gain"] - 0.01) / (0.09 / 20)).astype(int)
    assert sorted(strata) == list(range(20))
    assert points["patience"].between(10, 100).all() and (points["patience"] == points["patience"].round()).all()


def test_sobol_and_morris_use_salib_samplers_sizes():
    sobol = parse_experiment(RANGES + '\n[design]\nkind = "sobol"\nsamples = 16\n').points()
    assert len(sobol) == 16 * (2 + 2)  # N (D + 2) without second order
    morris = parse_experiment(RANGES + '\n[design]\nkind = "morris"\nsamples = 5\nnum_levels = 4\n').points()
    assert len(morris) == 5 * (2 + 1)  # N (D + 1) trajectories
    assert sobol["trust_gain"].between(0.01, 0.1).all() and morris["trust_gain"].between(0.01, 0.1).all()


def test_headline_experiment_is_27_cells_of_the_three_levers():
    experiment = load_experiment("headline")
    assert len(experiment.points()) == 27 and experiment.replications >= 100
    assert {f.name for f in experiment.factors} == {"external_funding", "leader_turnover", "meeting_discipline"}
    assert all(len(f.labels) == 3 for f in experiment.factors)
    assert "model_weekly" in experiment.outputs


@pytest.fixture()
def done(tmp_path):
    path = write(tmp_path, TINY)
    out = tmp_path / "out"
    result = sweep(str(path), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    return path, out


def test_sweep_writes_runs_and_running_again_resumes_without_rerunning(done):
    path, out = done
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run_id"].tolist() == list(range(8)) and (runs["status"] == "ok").all()
    parts = sorted(p.name for p in (out / "runs").iterdir())
    again = sweep(str(path), "--out", str(out), "--workers", "1")
    assert again.exit_code == 0
    assert sorted(p.name for p in (out / "runs").iterdir()) == parts
    with_flag = sweep(str(path), "--out", str(out), "--resume")
    assert with_flag.exit_code == 0 and "8 runs (0 failed)" in with_flag.output


def test_a_changed_experiment_file_is_refused_on_resume(done):
    path, out = done
    before = (out / "runs.parquet").read_bytes()
    path.write_text(path.read_text().replace("replications = 2", "replications = 3"))
    result = sweep(str(path), "--out", str(out))
    assert result.exit_code == 2
    assert "holds results of a different experiment file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (out / "runs.parquet").read_bytes() == before


def test_resume_flag_needs_an_existing_sweep(tmp_path):
    result = sweep(str(write(tmp_path, TINY)), "--out", str(tmp_path / "new"), "--resume")
    assert result.exit_code == 2 and "holds no sweep to resume" in result.stderr


def test_replication_check_matches_the_variance_formula_on_synthetic_data(base_seed):
    """Two levers, known within-cell sd and effect: the check recovers r = (2z)^2 V1 / d^2 within tolerance."""
    rng = np.random.default_rng(base_seed)
    sd, effect, reps = 0.2, 0.05, 400
    rows = []
    for point, (a, b) in enumerate([(a, b) for a in (0, 1) for b in (0, 1)]):
        values = rng.normal(effect * a, sd, size=reps)
        rows += [{"point": point, "a": a, "b": b, "y": v} for v in values]
    table = replications_for_precision(pd.DataFrame(rows), ["a", "b"], ["y"])
    row = table[table["lever"] == "a"].iloc[0]
    v1 = 2 * sd ** 2 / 2  # a contrast of two level means, each pooling k = 2 cells: V1 = 2 sd^2 / k
    assert abs(row["pilot_effect"] - effect) < 4 * np.sqrt(v1 / reps)
    assert row["pilot_se"] == pytest.approx(np.sqrt(v1 / reps), rel=0.1)
    assert row["replications_needed"] == pytest.approx((2 * Z95) ** 2 * v1 / row["pilot_effect"] ** 2, rel=0.1)


def test_ctrl_c_keeps_finished_runs_exits_130_and_says_how_to_resume(tmp_path, monkeypatch):
    import partnerships.experiments.runs as runs_module

    real, calls = runs_module.run_spec, []

    def ctrl_c_on_the_fourth_run(spec):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(spec.run_id)
        return real(spec)

    monkeypatch.setattr(runs_module, "run_spec", ctrl_c_on_the_fourth_run)
    path, out = write(tmp_path, TINY), tmp_path / "out"
    result = sweep(str(path), "--out", str(out), "--workers", "1")
    assert result.exit_code == 130
    assert "interrupted: 3 of 8 runs are stored" in result.stderr and "run the same command again" in result.stderr
    monkeypatch.setattr(runs_module, "run_spec", real)
    again = sweep(str(path), "--out", str(out), "--workers", "1")
    assert again.exit_code == 0 and "8 runs (0 failed)" in again.output
    assert pd.read_parquet(out / "runs.parquet")["run_id"].tolist() == list(range(8))
