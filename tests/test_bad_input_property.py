"""Property (issue 15): every bad value from a scenario file, an experiment file or a flag is one line, exit 2,
nothing written. Hypothesis generates the bad values; each case runs the real command line."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from partnerships.experiments.cli import app

runner = CliRunner()

GOOD_SCENARIO = '[scenario]\nname = "s"\nareas = 1\nprojects_per_area = 4\n'
EXPERIMENT = ('[experiment]\nname = "t"\nweeks = 4\nreplications = 1\nbase_seed = 1\nscenario = "s.toml"\n'
              "[vary.meeting_discipline]\nlevels = [0.2]\n")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


not_whole = st.one_of(st.just(float("nan")), st.just(float("inf")), st.just(float("-inf")), st.just("1e400"),
                      st.booleans(), st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
                      st.text(max_size=5), st.lists(st.integers(1, 5), max_size=2))
bad_whole = st.one_of(not_whole, st.integers(max_value=0), st.integers(min_value=27, max_value=10**30))  # 1 to 26
bad_share = st.one_of(st.just(float("nan")), st.just(float("inf")), st.floats(min_value=1.0001, max_value=1e300),
                      st.floats(max_value=-0.0001, min_value=-1e300), st.booleans(), st.text(max_size=5))


def rendered(value) -> str:
    return value if value == "1e400" else toml_value(value)


# (where, key, strategy): a scenario's or experiment's field and values it must refuse
CASES = st.one_of(
    st.tuples(st.just("scenario"), st.just("areas"), st.one_of(not_whole, st.integers(max_value=0),
                                                               st.integers(10**4 + 1, 10**30))),
    st.tuples(st.just("scenario"), st.just("projects_per_area"), st.one_of(not_whole, st.integers(max_value=-1),
                                                                           st.integers(10**5, 10**30))),
    st.tuples(st.just("scenario"), st.just("composition"), st.one_of(st.integers(), st.text(max_size=3), st.booleans())),
    st.tuples(st.just("parameters"), st.just("meeting_interval"), bad_whole),
    st.tuples(st.just("parameters"), st.just("meeting_discipline"), bad_share),
    st.tuples(st.just("experiment"), st.just("weeks"), st.one_of(not_whole, st.integers(max_value=0),
                                                                 st.integers(5201, 10**30))),
    st.tuples(st.just("experiment"), st.just("replications"), st.one_of(st.just(float("nan")), st.booleans(),
                                                                         st.integers(max_value=0), st.text(max_size=3))),
    st.tuples(st.just("experiment"), st.just("name"), st.sampled_from(["../../x", "/abs", "a b", "", "..", "x/y"])),
    st.tuples(st.just("fixed"), st.just("meeting_interval"), bad_whole),
    # a week after the last of the experiment's 4 weeks (and of run's --weeks 2): never comes, so refused
    st.tuples(st.just("intervention"), st.just("week"), st.one_of(st.integers(5, 5200), st.integers(5201, 10**30))),
)


def _files(where: str, key: str, value) -> tuple[str, str]:
    scenario, experiment = GOOD_SCENARIO, EXPERIMENT
    line = f"{key} = {rendered(value)}\n"
    if where == "scenario":
        scenario = scenario.replace(f"{key} = ", f"old_{key} = ") if f"\n{key} = " in scenario else scenario
        scenario = scenario.replace(f"old_{key} = 1\n", "").replace(f"old_{key} = 4\n", "")
        scenario = scenario.replace('name = "s"\n', f'name = "s"\n{line}')
    elif where == "parameters":
        scenario += f"[parameters]\n{line}"
    elif where == "intervention":
        scenario += f'[[interventions]]\naction = "obstacle"\nproject = 0\n{line}'
    elif where == "experiment":
        kept = [x for x in experiment.splitlines(keepends=True) if not x.startswith(f"{key} = ")]
        experiment = "".join(kept).replace("[experiment]\n", f"[experiment]\n{line}")
    else:
        experiment += f"[fixed]\n{line}"
    return scenario, experiment


def _assert_refused(args: list[str], folder: Path, out: Path) -> None:
    before = sorted(p.name for p in folder.iterdir())
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_a_bad_value_in_a_scenario_or_experiment_file_is_one_line_exit_2_nothing_written(case):
    where, key, value = case
    scenario, experiment = _files(where, key, value)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.toml").write_text(scenario)
        (folder / "e.toml").write_text(experiment)
        out = folder / "out"
        _assert_refused(["sweep", str(folder / "e.toml"), "--out", str(out), "--workers", "1"], folder, out)
        if where in ("scenario", "parameters", "intervention"):
            _assert_refused(["run", "--scenario", str(folder / "s.toml"), "--weeks", "2", "--out", str(out)], folder, out)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["meeting_interval", "meeting_discipline", "external_funding", "no_such_parameter"]),
       st.one_of(st.sampled_from(["nan", "inf", "-inf", "1e400", "", "x", "1.5e", "true", "10**9", "2 3"]),
                 st.integers(min_value=10**6).map(str), st.integers(max_value=-1).map(str)))
def test_a_bad_set_flag_is_one_line_exit_2_nothing_written(name, text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = folder / "out"
        _assert_refused(["run", "--set", f"{name}={text}", "--weeks", "2", "--out", str(out)], folder, out)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["--workers", "--replications"]),
       st.one_of(st.integers(max_value=0).map(str), st.sampled_from(["nan", "x", "1.5", "", "inf"])))
def test_a_bad_sweep_flag_is_one_line_exit_2_nothing_written(flag, text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.toml").write_text(GOOD_SCENARIO)
        (folder / "e.toml").write_text(EXPERIMENT)
        out = folder / "out"
        result = runner.invoke(app, ["sweep", str(folder / "e.toml"), "--out", str(out), flag, text])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and not out.exists()
