"""Every parameter at both ends of its registry range (the others at their defaults) gives a meaningful run.

The cases are generated from :data:`model.parameters.PARAMETERS`, so a parameter added to the registry is
covered without editing this file. On the default county scenario over five years, a run at an edge must:

- not collapse in week 1: over :data:`SEEDS` seeds, at most half the starting projects stalled (or abandoned)
  after the first week, and at most half delivered then (at the defaults both are 0: a week-1 stall or
  delivery only happens when a rule has been pushed into a degenerate region);
- give no NaN in its summary, and a null only where :data:`model.outcomes.NULLABLE` allows one and what it
  measures is absent (no project delivered, no health project);
- keep every summary outcome inside its declared range (:data:`model.outcomes.SUMMARY_RANGES`) and every
  column of the weekly record finite where it must be, momentum and trust within 0-1.

A range that fails here is narrowed in model/parameters.py with a sentence saying why (a degenerate region),
never special-cased in the model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnerships.model.codes import Stage, Theme
from partnerships.model.model import PartnershipModel
from partnerships.model.outcomes import NULLABLE, SUMMARY_FIELDS, SUMMARY_RANGES, model_series, summary
from partnerships.model.parameters import PARAMETERS

WEEKS = 260
SEEDS = 3  # runs per edge for the week-1 collapse check (30 starting projects)
COLLAPSE = 0.5  # share of starting projects stalled, or delivered, after week 1 that counts as a collapse
CASES = [(name, end) for name in PARAMETERS for end in ("low", "high")]


def _edge_value(name: str, end: str) -> float | int | bool:
    p = PARAMETERS[name]
    if p.kind == "bool":
        return end == "high"
    value = p.low if end == "low" else p.high
    return int(value) if p.kind == "int" else float(value)


def _run(name: str, end: str, seed: int) -> tuple[PartnershipModel, np.ndarray, np.ndarray]:
    """The run at the edge; the starting projects' stages and delivered flags after its first week."""
    model = PartnershipModel(rng=seed, record_series=False, **{name: _edge_value(name, end)})
    model.run_for(1)
    n = model.n_initial_projects
    stage_after_week_1 = model.projects.stage[:n].copy()
    delivered_in_week_1 = model.projects.delivered_week[:n] >= 0
    model.run_for(WEEKS - 1)
    return model, stage_after_week_1, delivered_in_week_1


def test_every_summary_outcome_has_a_declared_range() -> None:
    assert set(SUMMARY_RANGES) == set(SUMMARY_FIELDS)
    assert set(NULLABLE) <= set(SUMMARY_FIELDS)


@pytest.mark.parametrize(("name", "end"), CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_parameter_edge_runs_meaningfully(name: str, end: str, base_seed: int) -> None:
    stuck, done = [], []
    for seed in range(base_seed, base_seed + SEEDS):
        model, week1, delivered1 = _run(name, end, seed)
        n = model.n_initial_projects
        stuck.append(((week1 == Stage.STALLED) | (week1 == Stage.ABANDONED)).mean())
        done.append(delivered1.mean())
    assert np.mean(stuck) <= COLLAPSE, f"{name} at its {end} end: {np.mean(stuck):.0%} of projects stalled in week 1"
    assert np.mean(done) <= COLLAPSE, f"{name} at its {end} end: {np.mean(done):.0%} of projects delivered in week 1"

    row = summary(model)
    delivered_any = bool((model.projects.delivered_week >= 0).any())
    first = np.arange(len(model.projects)) < n
    has_health = bool((first & (model.projects.theme == Theme.HEALTH_AND_CARE)).any())
    has_safety = bool((first & (model.projects.theme == Theme.COMMUNITY_SAFETY)).any())
    may_be_null = {"median_weeks_to_delivery": not (model.projects.delivered_week[:n] >= 0).any(),
                   "benefit_cost_ratio": not delivered_any,
                   "net_benefit_spread": not np.isfinite(model.projects.net_benefit_spread[:n]).any(),
                   "health_working_well_share": not has_health,
                   "community_safety_working_well_share": not has_safety}
    for field, value in row.items():
        if value is None:
            assert field in NULLABLE and may_be_null[field], f"{name}={end}: {field} is null"
            continue
        assert not (isinstance(value, float) and math.isnan(value)), f"{name}={end}: {field} is NaN"
        low, high = SUMMARY_RANGES[field]
        top = model.week if high == "weeks" else high
        assert low <= value <= top, f"{name}={end}: {field} = {value} outside [{low}, {top}]"

    weekly = model_series(model)
    for column in ("mean_momentum_all", "mean_trust_all"):
        assert weekly[column].notna().all() and weekly[column].between(0, 1).all(), f"{name}={end}: {column}"
    for column in ("mean_momentum", "mean_trust"):  # NaN only in weeks with no open project
        values = weekly[column]
        assert (values.isna() == (weekly["open_projects"] == 0)).all(), f"{name}={end}: {column} NaN while open"
        assert values.dropna().between(0, 1).all(), f"{name}={end}: {column} outside 0-1"
    assert np.isfinite(model.projects.momentum).all() and np.isfinite(model.projects.benefits).all()
