"""The analyses behind the reports, on synthetic data with known answers: survival analysis of time to
delivery, PRIM scenario discovery, partial dependence, the headline finding and the consistency check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnerships.experiments.consistency import compare
from partnerships.experiments.discovery import Cases, box_sentence, partial_dependence, pd_ranking, prim_box
from partnerships.experiments.report import headline_finding
from partnerships.experiments.survival import delivery_times, kaplan_meier


def _projects(rng, runs: int, rate: dict[int, float], weeks: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs at two levels of lever 'x'; each of 10 projects delivers at an exponential time (rate per week)."""
    run_table = pd.DataFrame({"run_id": np.arange(runs), "x": np.arange(runs) % 2})
    rows = []
    for run_id, x in zip(run_table["run_id"], run_table["x"]):
        t = rng.exponential(1 / rate[x], 10).round()
        for p, time in enumerate(t):
            delivered = time <= weeks
            rows.append({"run_id": run_id, "project": p, "follow_on": False, "started_week": 0,
                         "delivered": delivered, "weeks_to_delivery": int(time) if delivered else -1})
        rows.append({"run_id": run_id, "project": 10, "follow_on": True, "started_week": 30, "delivered": True,
                     "weeks_to_delivery": 5})  # follow-ons are left out
    return pd.DataFrame(rows), run_table


def test_kaplan_meier_with_censoring_at_the_horizon_is_the_plain_share_and_rmst_the_capped_mean(base_seed):
    rng = np.random.default_rng(base_seed)
    weeks = 100
    projects, runs = _projects(rng, 60, {0: 1 / 80, 1: 1 / 200}, weeks)
    times = delivery_times(projects, runs, ["x"], weeks)
    assert len(times) == 600 and (times["time"] <= weeks).all()
    curves, summary = kaplan_meier(times, "x", [0, 1], {0: "fast", 1: "slow"}, weeks)
    for _, row in summary.iterrows():
        part = times[times["x"] == row["value"]]
        assert row["delivered_by_end"] == pytest.approx(part["delivered"].mean())
        assert row["rmst_weeks"] == pytest.approx(np.minimum(part["time"], weeks).mean(), rel=1e-9)
        se = np.minimum(part["time"], weeks).std(ddof=1) / np.sqrt(len(part))  # of the mean: no censoring before the end
        assert (row["rmst_high"] - row["rmst_low"]) / 2 == pytest.approx(1.96 * se, rel=0.02)
    # The true share delivered by week 100 is 1 - exp(-100 rate): the 95% band holds it at both levels.
    for value, rate in ((0, 1 / 80), (1, 1 / 200)):
        end = curves[(curves["value"] == value) & (curves["week"] == weeks)].iloc[0]
        assert end["low"] < 1 - np.exp(-weeks * rate) < end["high"]
    fast, slow = summary.set_index("value")["rmst_weeks"]
    assert fast < slow  # faster delivery, fewer weeks waiting
    assert pd.isna(summary.set_index("value").loc[1, "median_weeks"])  # fewer than half delivered


def test_prim_finds_the_box_where_the_cases_are(base_seed):
    """Cases of interest where discipline > 0.6 and award >= 200 (with 10% label noise): PRIM's box says so."""
    rng = np.random.default_rng(base_seed)
    n = 1500
    runs = pd.DataFrame({"meeting_discipline": rng.uniform(0, 1, n), "external_funding": rng.uniform(0, 500, n),
                         "trust_gain": rng.uniform(0.0, 0.2, n)})
    inside = (runs["meeting_discipline"] > 0.6) & (runs["external_funding"] >= 200)
    mask = np.where(rng.uniform(size=n) < 0.1, ~inside, inside)
    cases = Cases(mask, "most projects delivered (a delivered share of at least 50%)", "most projects delivered")
    limits, trajectory, chosen = prim_box(runs, list(runs.columns), cases)
    shown = limits[limits["significant"]].set_index("factor")
    assert set(shown.index) == {"meeting_discipline", "external_funding"}  # trust_gain plays no part
    assert shown.loc["meeting_discipline", "low"] == pytest.approx(0.6, abs=0.08)
    assert shown.loc["external_funding", "low"] == pytest.approx(200, abs=40)
    assert chosen["coverage"] >= 0.5 and chosen["density"] > 0.75 > chosen["base_rate"]
    text = box_sentence(cases, limits, chosen)
    assert "the meeting discipline is at least 0.6" in text and "the external funding award is at least £" in text
    assert f"{chosen['coverage']:.0%} of all such runs (its coverage)" in text and "density" in text


def test_partial_dependence_recovers_a_slope_and_finds_no_effect_where_there_is_none(base_seed):
    rng = np.random.default_rng(base_seed)
    n = 800
    runs = pd.DataFrame({"meeting_discipline": rng.uniform(0, 1, n), "trust_gain": rng.uniform(0, 0.2, n)})
    runs["delivered_share"] = np.clip(0.2 + 0.5 * runs["meeting_discipline"] + rng.normal(0, 0.1, n), 0, 1)
    table = partial_dependence(runs, ["meeting_discipline", "trust_gain"], "delivered_share")
    slope = table[table["factor"] == "meeting_discipline"]
    truth = 0.2 + 0.5 * slope["centre"]
    assert ((slope["low"] <= truth) & (truth <= slope["high"])).mean() >= 0.75  # 8 bins at 95% each
    ranking = {r[0]: r for r in pd_ranking(table)}
    assert ranking["meeting_discipline"][4] and not ranking["trust_gain"][4]
    assert table["runs"].groupby(table["factor"]).sum().eq(n).all()


def _effects(rows):
    return pd.DataFrame([{"outcome": "delivered_share", "lever": lv, "value": v, "label": lab, "runs": 100, "mean": m,
                          "low": m - 0.01, "high": m + 0.01, "effect": e, "effect_low": e - h, "effect_high": e + h}
                         for lv, v, lab, m, e, h in rows])


def test_headline_finding_ranks_the_levers_from_the_numbers():
    effects = _effects([
        ("meeting_discipline", 0.2, "poor", 0.24, 0.0, 0.0), ("meeting_discipline", 0.8, "good", 0.49, 0.25, 0.01),
        ("external_funding", 0.0, "none", 0.15, 0.0, 0.0), ("external_funding", 500.0, "large", 0.61, 0.46, 0.01),
        ("leader_turnover", 0.05, "low", 0.39, 0.0, 0.0), ("leader_turnover", 0.35, "high", 0.38, -0.01, 0.02)])
    sentences, names = headline_finding(effects, 260)
    text = " ".join(sentences)
    assert sentences[0].startswith("In this simulation the external funding award matters most for delivery")
    assert "from none to large raises the share of projects delivered within five years from 15% to 61% (+46 " \
           "percentage points)" in text
    assert "Next come the meeting discipline, +25 points from poor to good." in text
    assert "the leadership turnover shows no clear difference" in text and 2 <= len(sentences) <= 3
    assert names == ["external_funding", "meeting_discipline"]
    swapped = headline_finding(effects.assign(effect=lambda e: np.where(e["lever"] == "meeting_discipline",
                                                                        e["effect"] * 3, e["effect"]),
                                              effect_low=lambda e: e["effect"] - 0.01,
                                              effect_high=lambda e: e["effect"] + 0.01), 260)[0]
    assert swapped[0].startswith("In this simulation the meeting discipline matters most")


def _curve(lever, values, means, half):
    return pd.DataFrame({"lever": lever, "outcome": "delivered_share", "value": values, "mean": means,
                         "ci_low": np.array(means) - half, "ci_high": np.array(means) + half, "runs": 200})


@pytest.mark.parametrize("means, half, verdict", [
    ([0.40, 0.37, 0.34, 0.31], 0.01, "agree"),                      # -6 points between 0.05 and 0.35: as the headline
    ([0.40, 0.40, 0.40, 0.40], 0.05, "inconclusive"),               # cannot tell from none
    ([0.30, 0.33, 0.36, 0.39], 0.01, "disagree in direction"),
    ([0.40, 0.30, 0.20, 0.10], 0.01, "agree in direction, differ in size"),
])
def test_consistency_verdicts(means, half, verdict):
    effects = _effects([("leader_turnover", 0.05, "low", 0.39, 0.0, 0.0),
                        ("leader_turnover", 0.15, "typical", 0.37, -0.025, 0.009),
                        ("leader_turnover", 0.35, "high", 0.33, -0.064, 0.009)])
    curves = _curve("leader_turnover", [0.0, 0.2, 0.4, 0.6], means, half)
    table = compare(effects, curves)
    assert len(table) == 1 and table["verdict"].iloc[0].startswith(verdict)
    row = table.iloc[0]
    assert row["from"] == 0.05 and row["to"] == 0.35
    expected = np.interp(0.35, [0, 0.2, 0.4, 0.6], means) - np.interp(0.05, [0, 0.2, 0.4, 0.6], means)
    assert row["sensitivity_effect"] == pytest.approx(expected)


def test_restricted_mean_and_variance_are_lifelines_integrals_computed_exactly():
    """Without censoring before the horizon the Kaplan-Meier curve is the empirical one, so the restricted mean
    and variance are those of min(T, horizon) over the sample (an exact reference); with censoring, they are the
    step function's integrals by a fine midpoint rule, and lifelines' own (its quad is rougher, within 1%)."""
    import warnings

    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    from partnerships.experiments.survival import restricted_mean_and_variance

    rng = np.random.default_rng(12)
    for case in range(4):
        n, horizon = 60 + 40 * case, 100.0 + 30 * case
        time = rng.exponential(80.0, n).round()
        timeline = np.arange(horizon + 1) if case % 2 else None
        capped = np.minimum(time, horizon)
        kmf = KaplanMeierFitter().fit(capped, time < horizon, timeline=timeline)
        mean, variance = restricted_mean_and_variance(kmf.survival_function_.iloc[:, 0], horizon)
        assert mean == pytest.approx(capped.mean(), rel=1e-12)
        assert variance == pytest.approx(capped.var(), rel=1e-9)
        censor = rng.uniform(20, horizon, n).round()
        kmf = KaplanMeierFitter().fit(np.minimum(capped, censor), capped <= censor, timeline=timeline)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = restricted_mean_survival_time(kmf, t=horizon, return_variance=True)
        got = restricted_mean_and_variance(kmf.survival_function_.iloc[:, 0], horizon)
        assert got[0] == pytest.approx(expected[0], rel=1e-9)  # lifelines integrates the mean exactly too
        mid = np.arange(0.0, horizon, 0.01) + 0.005  # the second moment by the midpoint rule on a fine grid
        square = 2 * np.sum(mid * kmf.predict(mid).to_numpy()) * 0.01
        assert got[1] == pytest.approx(square - got[0] ** 2, rel=1e-4)
        assert got[1] == pytest.approx(expected[1], rel=0.01)  # lifelines' quad over the steps is rougher


def test_restricted_mean_of_a_known_step_function():
    # half the projects delivered at week 2, the rest never (horizon 4): min(T, 4) is 2 or 4
    survival = pd.Series([1.0, 1.0, 0.5, 0.5, 0.5], index=[0, 1, 2, 3, 4])
    from partnerships.experiments.survival import restricted_mean_and_variance

    mean, variance = restricted_mean_and_variance(survival, 4)
    assert mean == pytest.approx(3.0) and variance == pytest.approx(1.0)
