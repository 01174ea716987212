"""The `partnerships` command line for one run: outputs, provenance, and one-line errors with exit code 2."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.parameters import PARAMETERS

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_params_lists_every_parameter_as_json():
    result = invoke("params", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [p["name"] for p in listed] == list(PARAMETERS)
    assert {"default", "low", "high", "unit", "meaning", "source"} <= set(listed[0])


def test_run_json_has_the_outcomes_seed_and_parameters():
    result = invoke("run", "--json", "--seed", "4", "--weeks", "104", "--set", "meeting_discipline=0.8")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    required = {"delivered_share", "abandoned_share", "median_weeks_to_delivery", "mean_momentum", "mean_trust",
                "benefit_cost_ratio", "stalls", "seed"}
    assert required <= set(summary) and set(SUMMARY_FIELDS) <= set(summary)
    assert summary["seed"] == 4 and summary["meeting_discipline"] == 0.8
    assert set(PARAMETERS) <= set(summary)


def test_run_out_writes_tidy_parquet_and_provenance(tmp_path):
    out = tmp_path / "one"
    result = invoke("run", "--seed", "2", "--weeks", "30", "--out", str(out))
    assert result.exit_code == 0, result.output
    projects = pd.read_parquet(out / "projects.parquet")
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert len(projects) >= 10 and {"project", "stage", "delivered", "momentum", "trust_mean"} <= set(projects)
    assert weekly["week"].max() == 30 and weekly.groupby("week").size().iloc[0] >= 10
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 2 and "numba" in meta["versions"] and "mesa" in meta["versions"]


@pytest.mark.parametrize("args, message", [
    (("--set", "leader_turnovr=0.2"), "unknown parameter 'leader_turnovr': did you mean 'leader_turnover'?"),
    (("--set", "meeting_discipline=2"), "parameter 'meeting_discipline' = '2' is out of range: allowed 0 to 1"),
    (("--set", "meeting_interval=two"), "parameter 'meeting_interval' = 'two' is not a number"),
    (("--set", "meeting_interval=nan"), "parameter 'meeting_interval' = 'nan' is not a finite number"),
    (("--set", "leader_turnover=inf"), "parameter 'leader_turnover' = 'inf' is not a finite number"),
    (("--scenario", "no-such-scenario"), "scenario 'no-such-scenario' not found"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "never"
    result = invoke("run", *args, "--out", str(out))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not out.exists()


def test_malformed_scenario_file_and_unwritable_output(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nareas = 'many'\n")
    result = invoke("run", "--scenario", str(bad))
    assert result.exit_code == 2 and f"{bad}: scenario.areas = \"many\": allowed a whole number" in result.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("run", "--out", str(blocker / "sub"))
    assert result.exit_code == 2 and "is a file" in result.stderr
    assert set(tmp_path.iterdir()) == {bad, blocker}
