"""The fused run (``PartnershipModel.run_for``: whole weeks in the compiled driver, model/kernels/driver.py)
against the Python step (``PartnershipModel.step`` week by week): identical runs, bit for bit.

Each comparison builds two models with the same seed, runs one with ``run_for`` and steps the other, and
compares every state array (NaN where NaN), the records (Mesa's DataCollector with the types of its
values, the per-project series), the tables read from a run (summary, project table, weekly series),
the events, the pending interventions and Mesa's clock. The runs cover the default county, the small
scenario files, synthetic regions, the whole-model cases of the reference-week test (every intervention
action, ``first_stall`` conditions), interventions scheduled beyond the run, live interventions between
two ``run_for`` calls, and parameters far from their defaults. Each test also checks that the driver
really ran most of the weeks, so an identical run cannot come from a silent fallback to stepping.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference import reference_kernels
from reference.cases import CASES, everything, same

import partnerships.model.model as model_module
from partnerships.model.interventions import ACTIONS, Intervention
from partnerships.model.kernels import driver
from partnerships.model.model import PartnershipModel
from partnerships.model.outcomes import model_series, project_table, summary, weekly_series
from partnerships.model.run import run_one
from partnerships.model.scenarios import synthetic_region

@pytest.fixture
def driven_weeks(monkeypatch) -> list[int]:
    """Weeks the driver recorded (one entry per driver call), counted while the test runs."""
    weeks: list[int] = []
    run_weeks = driver.run_weeks
    row = list(inspect.signature(run_weeks.py_func).parameters).index("row")

    def counting(*arguments: Any) -> tuple[int, int, int]:
        stopped, status, next_row = run_weeks(*arguments)
        weeks.append(next_row - arguments[row])
        return stopped, status, next_row

    monkeypatch.setattr(driver, "run_weeks", counting)
    return weeks


def assert_identical(fused: PartnershipModel, stepped: PartnershipModel) -> None:
    got, expected = everything(fused), everything(stepped)
    assert got.keys() == expected.keys()
    differ = [key for key in got if not same(got[key], expected[key])]
    assert not differ, f"the fused run differs from stepping in {differ}"


def step_weeks(model: PartnershipModel, weeks: int) -> None:
    for _ in range(weeks):
        model.step()


def compare(build, weeks: int, driven: list[int]) -> tuple[PartnershipModel, PartnershipModel]:
    fused, stepped = build(), build()
    fused.run_for(weeks)
    step_weeks(stepped, weeks)
    assert_identical(fused, stepped)
    assert sum(driven) >= weeks // 2, f"the driver ran only {sum(driven)} of {weeks} weeks"
    return fused, stepped


@pytest.mark.parametrize("seed", [1, 2, 3, 17])
def test_a_county_run_is_the_same_fused_and_stepped(seed: int, driven_weeks: list[int]) -> None:
    compare(lambda: PartnershipModel(rng=seed), 260, driven_weeks)
    assert sum(driven_weeks) >= 240  # the county has no intervention: nearly every week in the driver


@pytest.mark.parametrize(("region", "seed", "weeks"), [
    ("experiments/scenarios/county_champion_leaves.toml", 4, 260),
    ("experiments/scenarios/county_two_areas.toml", 5, 200),
    ("experiments/scenarios/london_2008.toml", 6, 156),
    (synthetic_region(300, 40), 7, 156),
    (synthetic_region(2000, 200), 8, 60),
])
def test_scenario_files_and_synthetic_regions_run_the_same(region: Any, seed: int, weeks: int,
                                                           driven_weeks: list[int]) -> None:
    compare(lambda: PartnershipModel(region, rng=seed), weeks, driven_weeks)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("seed", [1, 2])
def test_the_whole_model_cases_with_every_intervention_run_the_same(case: str, seed: int,
                                                                    driven_weeks: list[int]) -> None:
    """The reference-week cases: every action, two 'first_stall' awards, live interventions between two runs."""
    fused, stepped = CASES[case].build(seed), CASES[case].build(seed)
    for model, run in ((fused, PartnershipModel.run_for), (stepped, step_weeks)):
        run(model, 70)
        model.intervene("funding_award", project=np.int32(1), amount=np.int64(20))
        model.intervene("partner_withdraws", project=0)
        run(model, 90)
    assert_identical(fused, stepped)
    assert {e.action for e in fused.events} >= set(ACTIONS)
    assert sum(driven_weeks) >= 80


def test_each_action_a_first_stall_and_one_beyond_the_run(driven_weeks: list[int]) -> None:
    schedule = [Intervention(action, week=10 + 9 * i, project=3, organisation=4 if action != "champion_leaves" else None)
                for i, action in enumerate(ACTIONS)]
    schedule += [Intervention("obstacle", when="first_stall", amount=2.0),
                 Intervention("policy_shock", when="first_stall", project=5),
                 Intervention("funding_award", week=500, project=2)]  # beyond the run: still pending at the end
    fused, stepped = compare(lambda: PartnershipModel(rng=11, interventions=schedule, obstacle_rate=6.0), 200,
                             driven_weeks)
    assert {e.action for e in fused.events} == set(ACTIONS)
    assert [i.week for i in fused.pending] == [500]
    scheduled = {i.action: i.week for i in schedule if i.week is not None and i.week < 200}
    conditional = [e for e in fused.events if e.action in ("obstacle", "policy_shock") and e.week != scheduled[e.action]]
    assert sorted(e.action for e in conditional) == ["obstacle", "policy_shock"]  # both 'first_stall' ones fired
    assert conditional[-1].week == fused.projects.first_stall_week[5] + 1


@pytest.mark.parametrize("parameters", [
    dict(external_funding=0.0),
    dict(external_funding=200.0, funding_call_interval=4, funding_success_chance=0.9, funding_resource_effect=False),
    dict(leader_turnover=0.6, reorganisation_rate=1.0, reorganisation_shock=0.8),
    dict(reorganisation_rate=0.0, funding_catalytic_effect=False),
    dict(membership_change_rate=2.0, follow_on_chance=1.0, work_rate=1.0, collaborative_advantage=3.0,
         misalignment_weight=0.0, selflessness_mean=0.8, deliberation_rate=1.0),
    dict(meeting_interval=1, meeting_discipline=1.0, financial_pressure=0.9, patience=5, stall_threshold=0.4),
    dict(trust_consent_weight=3.0, skill_consent_weight=0.0, misalignment_weight=2.0, deliberation_rate=0.0,
         lead_decides_share=1.0),
], ids=["no-funding", "rich-funding", "turnover", "no-reorganisation", "joiners-follow-ons", "squeezed", "gates"])
def test_parameters_far_from_their_defaults_run_the_same(parameters: dict[str, Any], driven_weeks: list[int]) -> None:
    fused, _ = compare(lambda: PartnershipModel(rng=21, **parameters), 260, driven_weeks)
    if parameters.get("follow_on_chance") == 1.0:
        assert len(fused.projects) > fused.n_initial_projects + 3  # follow-ons started mid-run
        assert (fused.memberships.joined > 0).sum() > 5  # late joiners
    if parameters.get("patience") == 5:  # every project abandoned: the means over open projects are NaN
        assert math.isnan(fused.datacollector.model_vars["mean_momentum"][-1])


class Stepped(PartnershipModel):
    """A model whose ``run_for`` and ``run_until`` step through Mesa's event loop (its step is its own)."""

    def step(self) -> None:
        super().step()


def test_without_series_and_mixing_fused_runs_with_steps(driven_weeks: list[int]) -> None:
    """Runs in pieces, steps in between, run_until, and a model that keeps no series: still the same run."""
    for record_series in (True, False):
        models = [cls(rng=31, record_series=record_series, membership_change_rate=2.0, follow_on_chance=1.0)
                  for cls in (PartnershipModel, Stepped)]
        for model in models:
            for weeks in (1, 37, 3):
                model.run_for(weeks)
                model.step()
            model.run_until(150)
            model.run_for(50.0)
        assert_identical(*models)
        assert models[0].time == 200.0 and type(models[0].time) is float
    assert sum(driven_weeks) >= 300


def test_small_record_buffers_give_the_same_run(driven_weeks: list[int], monkeypatch) -> None:
    """Buffers of a few weeks (as a large region's are, in proportion): the driver stops when one is full."""
    monkeypatch.setattr(model_module, "_SERIES_BUFFER_VALUES", 25)
    fused, _ = compare(lambda: PartnershipModel(rng=35, membership_change_rate=2.0, follow_on_chance=1.0), 156,
                       driven_weeks)
    assert len(driven_weeks) > 156 // 3 and max(driven_weeks) <= 2


def test_run_one_takes_the_fused_path_and_gives_the_stepped_tables(driven_weeks: list[int]) -> None:
    fused = run_one(seed=41, weeks=104)
    assert sum(driven_weeks) >= 100
    driven_weeks.clear()
    stepped = PartnershipModel(rng=41)
    step_weeks(stepped, 104)
    assert fused.summary == summary(stepped) | {"seed": 41, "weeks": 104, "scenario": stepped.spec.name} | stepped.params
    pd.testing.assert_frame_equal(fused.projects, project_table(stepped))
    pd.testing.assert_frame_equal(fused.weekly, weekly_series(stepped))
    pd.testing.assert_frame_equal(fused.model_weekly, model_series(stepped))
    assert not driven_weeks


def test_swapped_kernels_and_overridden_steps_fall_back_to_stepping(driven_weeks: list[int]) -> None:
    """With the reference twins swapped in (or a step of a subclass) run_for steps in Python, twins and all."""
    with reference_kernels():
        twins = PartnershipModel(rng=51)
        twins.run_for(30)
    assert not driven_weeks

    class Counting(PartnershipModel):
        weeks = 0

        def step(self) -> None:
            Counting.weeks += 1
            super().step()

    counted = Counting(rng=51)
    counted.run_for(30)
    assert Counting.weeks == 30 and not driven_weeks
    fused = PartnershipModel(rng=51)
    fused.run_for(30)
    assert sum(driven_weeks) == 30
    assert_identical(fused, twins)
    assert_identical(fused, counted)


def test_another_mesa_event_makes_run_for_step(driven_weeks: list[int]) -> None:
    """A model with an event of its own scheduled keeps Mesa's event loop (the event runs between steps)."""
    fired: list[float] = []

    class Watched(PartnershipModel):
        def note(self) -> None:
            fired.append(self.time)

    model = Watched(rng=61)
    model.schedule_event(model.note, at=5.5)
    model.run_for(10)
    assert fired == [5.5] and not driven_weeks and model.time == 10
    model.run_for(10)  # the event has run: now fused
    assert sum(driven_weeks) == 10


def test_the_pairwise_sum_is_numpys() -> None:
    rng = np.random.default_rng(71)
    for n in (*range(0, 300), 1000, 4099, 70001):
        values = rng.random(n) * 10.0 ** rng.uniform(-4, 4, n)
        assert driver.pairwise_sum(values, 0, n) == values.sum(), n
        if n > 3:
            assert driver.pairwise_sum(values, 3, n - 3) == values[3:].sum(), n


def test_the_driver_is_used_only_with_the_compiled_kernels() -> None:
    model = PartnershipModel(rng=81)
    assert model._fused_ready(10)
    assert not model._fused_ready(0) and not model._fused_ready(2.5) and not model._fused_ready(True)
    with reference_kernels():
        assert not model._fused_ready(10)
    assert model._fused_ready(10)
    assert model_module._COMPILED_KERNELS.keys() == set(model_module.k.__all__)
    model.fused_run = False
    assert not model._fused_ready(10)


def test_a_changed_kernel_module_drops_the_cached_driver(monkeypatch, tmp_path) -> None:
    """Numba's cache sees only the driver's own file: a new fingerprint of the kernels flushes its cache."""
    flushed: list[str] = []
    functions = (driver.run_weeks, driver.pairwise_sum, driver._block_sum, driver._mean_over_open,
                 driver._refresh_trust)
    for function in functions:
        monkeypatch.setattr(function._cache, "flush", lambda name=function.__name__: flushed.append(name))
        monkeypatch.setattr(function._cache, "_cache_path", str(tmp_path))
    monkeypatch.setattr(driver, "kernels_fingerprint", lambda: "one")
    driver.refresh_cache()
    assert len(flushed) == len(functions) and (tmp_path / "driver.kernels-fingerprint").read_text() == "one"
    driver.refresh_cache()
    assert len(flushed) == len(functions)  # the same kernels: the cache stays
    monkeypatch.setattr(driver, "kernels_fingerprint", lambda: "two")
    driver.refresh_cache()
    assert len(flushed) == 2 * len(functions)
