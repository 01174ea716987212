"""Pattern-oriented validation: the measures, the pass rule, the replication rule, and the quick suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from partnerships.experiments import validation as v


def test_trust_spells_gains_slow_losses_fast() -> None:
    # trust rises 0.02 every fourth week (a meeting) for 40 weeks, then falls 0.1 in one week
    weekly = np.zeros(41)
    weekly[::4] = 0.02
    trust = np.concatenate([[0.3], 0.3 + np.cumsum(weekly), [0.52 - 0.1]])
    gained, weeks_up, lost, weeks_down = v.trust_episodes(trust)
    assert gained == pytest.approx(0.22) and lost == pytest.approx(0.1)
    assert weeks_up == 41 and weeks_down == 1  # the flat weeks between meetings count as rising
    assert 0.05 * weeks_up / gained > 0.05 * weeks_down / lost


def test_trust_spells_of_a_flat_series_are_empty() -> None:
    assert v.trust_episodes(np.full(20, 0.4)) == (0.0, 0, 0.0, 0)


def _table(values: dict[str, list[float]], measure: str = "m") -> pd.DataFrame:
    rows = [{"condition": c, "replication": r, measure: x} for c, xs in values.items() for r, x in enumerate(xs)]
    return pd.DataFrame(rows)


CHECK = v.Check("x", 0, "s", "000", "q", (v.Arm("b", "m", 1.0), v.Arm("a", "m", -1.0)), "diff", "+", delta=0.1)


def test_contrast_is_paired_by_replication_and_drops_undefined() -> None:
    table = _table({"a": [1.0, 2.0, 3.0], "b": [1.5, np.nan, 3.5]})
    c = v.contrasts(CHECK, table)
    assert list(c.index) == [0, 2]
    assert np.allclose(c.to_numpy(), [0.5, 0.5])


def test_pass_rule_needs_whole_interval_on_predicted_side() -> None:
    settings = v.Settings(pilot=10)
    rng = np.random.default_rng(1)
    clear = v.evaluate(CHECK, pd.Series(0.5 + 0.1 * rng.standard_normal(30)), settings)
    unclear = v.evaluate(CHECK, pd.Series(0.01 + 1.0 * rng.standard_normal(30)), settings)
    wrong = v.evaluate(CHECK, pd.Series(-0.5 + 0.1 * rng.standard_normal(30)), settings)
    assert clear.passed and clear.low > 0
    assert not unclear.passed and unclear.low < 0 < unclear.high
    assert not wrong.passed and "wrong direction" in wrong.reason


def test_level_rule_uses_tolerance_widened_in_quick_form() -> None:
    level = v.Check("l", 7, "s", "003", "q", (v.Arm("a", "m", 1.0),), "share", "level", target=0.38, tolerance=0.05)
    values = pd.Series(np.full(20, 0.45))
    assert not v.evaluate(level, values, v.Settings()).passed
    assert v.evaluate(level, values, v.Settings(quick=True)).passed


def test_power_rule_grows_with_noise_and_shrinks_with_effect_size() -> None:
    settings = v.Settings(pilot=10, max_replications=10_000)
    rng = np.random.default_rng(2)
    noise = pd.Series(rng.standard_normal(10))
    small = v.needed_replications(CHECK, noise, settings)
    large = v.needed_replications(CHECK, 3 * noise, settings)
    assert large > small > settings.pilot
    expected = ((v.Z975 + v.Z80) * noise.std(ddof=1) / CHECK.delta) ** 2
    assert small == int(np.ceil(expected))


def test_every_check_names_existing_conditions_and_a_source_quote() -> None:
    keys = {c.key for c in v.CONDITIONS}
    for check in v.CHECKS:
        assert check.quote and check.source
        assert {a.condition for a in check.arms} <= keys
    assert {c.pattern for c in v.CHECKS} == set(range(1, 11))


def test_behaviour_and_structure_conditions_move_by_the_stated_step() -> None:
    """Pattern 8 compares like with like: each raised setting moves by BEHAVIOUR_STEP from its registry default."""
    from partnerships.model.parameters import PARAMETERS

    by_key = {c.key: c for c in v.CONDITIONS}
    for key, signs in (("behaviour_up", {"selflessness_mean": 1, "sector_trust_gap": -1}),
                       ("structures_up", {"meeting_discipline": 1, "lead_decides_share": 1})):
        params = by_key[key].parameters
        assert set(params) == set(signs)
        for name, sign in signs.items():
            assert params[name] - PARAMETERS[name].default == pytest.approx(sign * v.BEHAVIOUR_STEP)
            assert PARAMETERS[name].low <= params[name] <= PARAMETERS[name].high


def test_brittleness_check_is_a_difference_in_differences_of_stalls() -> None:
    check = {c.key: c for c in v.CHECKS}["9_trust_less_brittle"]
    weights = {a.condition: a.weight for a in check.arms}
    assert weights == {"trust_high_shock": 1.0, "trust_high": -1.0, "trust_low_shock": -1.0, "trust_low": 1.0}
    assert {a.measure for a in check.arms} == {"stalls"} and check.expect == "-"
    shocked = {c.key: c.interventions for c in v.CONDITIONS}
    assert [i.action for i in shocked["trust_high_shock"]] == ["policy_shock"] == \
        [i.action for i in shocked["trust_low_shock"]]
    assert not shocked["trust_high"] and not shocked["trust_low"]


def test_follow_on_measures_compare_projects_at_equal_time_since_start() -> None:
    projects = pd.DataFrame({
        "follow_on": [False, False, False, True, True, True],
        "started_week": [0, 0, 0, 100, 300, 400],  # the last started too late to have 156 weeks (520-week run)
        "delivered": [True, True, False, True, False, True],
        "weeks_to_delivery": [120, 200, -1, 90, -1, 60],  # 200 > 156: not within the window
    })
    m = v.follow_on_measures(projects, weeks=520, window=156)
    assert m["first_delivered_within"] == pytest.approx(1 / 3)
    assert m["follow_on_delivered_within"] == pytest.approx(1 / 2)
    none = v.follow_on_measures(projects[~projects["follow_on"]], weeks=520, window=156)
    assert np.isnan(none["follow_on_delivered_within"])


def test_conditions_of_another_length_run_that_long() -> None:
    long = [c for c in v.CONDITIONS if c.key == "long_follow_on"]
    specs = v.specs_for(long, {"long_follow_on": 2}, v.Settings(), weeks=long[0].weeks)
    assert {s.weeks for s in specs} == {v.LONG_WEEKS} and len(specs) == 2


def test_a_check_without_its_measure_is_not_measured_and_does_not_fail_the_suite(monkeypatch) -> None:
    present = v.Check("p", 1, "s", "000", "q", (v.Arm("a", "m", 1.0),), "m", "+", delta=0.1)
    absent = v.Check("n", 2, "s", "000", "q", (v.Arm("a", "no_such_output", 1.0),), "m", "+", delta=0.1)
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"condition": "a", "replication": range(12), "m": 1.0 + 0.1 * rng.standard_normal(12)})
    monkeypatch.setattr(v, "CONDITIONS", (v.Condition("a", "a"),))
    monkeypatch.setattr(v, "measures_table", lambda *args, **kwargs: table)
    result = v.validate_patterns(Path("unused"), v.Settings(pilot=12, max_replications=12), checks=(present, absent))
    by_key = {r.check.key: r for r in result.results}
    assert by_key["p"].status == "pass" and by_key["n"].status == "not measured"
    assert "no_such_output" in by_key["n"].reason and np.isnan(by_key["n"].estimate)
    assert result.passed  # the one measured check passed
    table_out = result.table().set_index("check")
    assert table_out.loc["n", "status"] == "not measured" and not table_out.loc["n", "passed"]


@pytest.fixture(scope="module")
def quick_suite(tmp_path_factory):
    from partnerships.experiments.cli import app

    out = tmp_path_factory.mktemp("validation")
    result = CliRunner().invoke(app, ["validate", "--quick", "--out", str(out)])
    return result, out


#: Patterns that model 2 does not reproduce (in the quick suite): findings about the model, reported in docs/ODD.md
#: ("Results of the validation") and in the validation report, never tests loosened. Strict: a check listed here
#: that starts to pass fails this test, so the list, the ODD and the closing note change together.
FINDINGS = {
    "2a_catalyst_unlocks": "model 2: an award no longer restarts a stalled project; the deadline's pull on commitment "
                           "and consent does not cut abandonment clearly (INLOGOV 2015, §3 'Momentum' not reproduced)",
    "2b_beyond_money": "model 2: the catalyst does no more than the same money without it",
    "3b_mature_hurt_less": "model 2 with aims: mature partnerships are hurt less in the right direction but not clearly "
                           "(the full form's finding, docs/ODD.md; the quick form agrees since successors' traits became "
                           "keyed draws)",
    "9_trust_less_brittle": "model 2: strong trust does not clearly cut stalls after a policy shock (the full form's "
                            "finding, docs/ODD.md; the quick form agrees since successors' traits became keyed draws)",
    "10b_consensus_evener": "model 2: consensus spreads net benefits less evenly than a lead who decides, not more "
                            "(partners' aims differ and a lead's aim is the agreed one, ODD 7.16, but at the default "
                            "misalignment_weight dissenters under a lead contributing less outweighs it, ODD 7.4)",
    "7a_working_well": "at the registry's defaults, without a funding programme (the survey's setting), 0.16 of "
                       "partnerships work well against the 0.51 of London respondents who could say: the default "
                       "work_rate lies below its calibrated interval (docs/calibration.md); over posterior draws it passes",
    "8_behaviour_over_structures": "model 2: raising selflessness and trust does not beat raising meeting discipline "
                                   "and lead-decides by a clear margin (INLOGOV 2015, §1 not reproduced)",
}


@pytest.mark.parametrize("key", [pytest.param(c.key, marks=pytest.mark.xfail(strict=True, reason=FINDINGS[c.key]))
                                 if c.key in FINDINGS else c.key for c in v.CHECKS])
def test_quick_suite_pattern_passes(quick_suite, key: str) -> None:
    _, out = quick_suite
    row = pd.read_csv(out / "validation.csv").set_index("check").loc[key]
    if row["status"] == "not measured":
        pytest.skip(row["reason"])
    assert row["passed"], row["reason"]


def test_quick_suite_exit_code_says_whether_every_pattern_passed(quick_suite) -> None:
    result, out = quick_suite
    table = pd.read_csv(out / "validation.csv")
    passed = table.loc[table["status"] != "not measured", "passed"].all()
    assert result.exit_code == (0 if passed else 1), result.output


def test_quick_suite_writes_report_and_curves(quick_suite) -> None:
    _, out = quick_suite
    page = (out / "report.html").read_text()
    assert "Response curves" in page and "data:image/png;base64" in page
    curves = pd.read_csv(out / "response_curves.csv")
    from partnerships.model.parameters import PARAMETERS

    assert set(curves["parameter"]) == set(PARAMETERS)
    assert curves["ci_low"].le(curves["mean"] + 1e-12).all()


@pytest.mark.browser
def test_quick_suite_report_reads_right_in_chromium(quick_suite, tmp_path) -> None:
    """The validation report opens with its finding and the caveat box, like every report."""
    from report_browser import assert_reads_right, inspect_report

    _, out = quick_suite
    seen = inspect_report(out / "report.html", tmp_path / "validation-report.png")
    assert_reads_right(seen)
    assert seen["finding"].startswith("The simulation reproduces ")
