"""The model's week against the reference week: identical runs, bit for bit.

A model stepped by ``PartnershipModel.step`` (compiled kernels, the model's call sites) and a copy
stepped by :func:`reference.week.reference_week` (plain-Python twins, call sites of its own, written
from docs/ODD.md) run the same cases (tests/reference/cases.py: four regions, every intervention) for
years from several seeds. Every state array, the weekly records, the per-project series, Mesa's
DataCollector and the events must be identical; so must the counts and trust the reference computes
itself. A wrong argument at a kernel call in the model makes this fail, and so does a twin that
disagrees with its kernel on the model's own trajectories.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any

import numpy as np
import pytest
from reference.cases import CASES
from reference.week import ReferenceWeekModel

from partnerships.model.codes import Stage
from partnerships.model.model import PartnershipModel

RUNS = {  # case: (seeds, weeks); the default county runs the model's full five years
    "county": ((1, 2, 3), 260),
    "busy county": ((1, 2), 200),
    "two areas": ((4,), 156),
    "synthetic region": ((5,), 120),
}
TABLES = ("orgs", "projects", "memberships", "relationships", "pairs")


@functools.cache
def run_pair(case: str, seed: int) -> tuple[PartnershipModel, PartnershipModel]:
    """The case stepped by the model and by the reference week, with two live interventions mid-run."""
    weeks = RUNS[case][1]
    models = (CASES[case].build(seed), CASES[case].build(seed, ReferenceWeekModel))
    for model in models:
        model.run_for(weeks // 2)
        model.intervene("funding_award", project=np.int32(1), amount=np.int64(20))  # as the live view might
        model.intervene("partner_withdraws", project=0)
        model.run_for(weeks - weeks // 2)
    return models


def everything(model: PartnershipModel) -> dict[str, Any]:
    """The model's whole state and records."""
    out: dict[str, Any] = {}
    for table in TABLES:
        columns = getattr(model, table)
        out |= {f"{table}.{f.name}": getattr(columns, f.name) for f in fields(columns)}
    out |= {name: getattr(model, name) for name in ("project_trust_mean", "project_trust_min", "member_trust")}
    out["pressure_shock"] = np.float64(model.pressure_shock)
    out |= {f"weekly.{key}": np.asarray(values) for key, values in model.weekly.items()}
    out |= {f"series.{key}": np.concatenate(values) if values else np.zeros(0) for key, values in model.series.items()}
    frame = model.datacollector.get_model_vars_dataframe()
    out |= {f"datacollector.{column}": frame[column].to_numpy() for column in frame.columns}
    out["events"] = [(e.week, e.action, e.project, e.organisation) for e in model.events]  # not the wording
    out["pending"] = list(model.pending)
    out["time"], out["project agents"] = model.time, len(model._project_agents)
    return out


def assert_identical(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got.keys() == expected.keys()
    for key, a in got.items():
        b = expected[key]
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f"{key}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
            if a.tobytes() != b.tobytes():  # bit for bit (NaN where NaN, no -0.0 for 0.0)
                np.testing.assert_array_equal(a, b, err_msg=key)
                raise AssertionError(f"{key}: equal values but different bits")
        else:
            assert a == b, key


@pytest.mark.parametrize(("case", "seed"), [(case, seed) for case, (seeds, _) in RUNS.items() for seed in seeds])
def test_the_models_week_and_the_reference_week_give_identical_runs(case: str, seed: int) -> None:
    model, reference = run_pair(case, seed)
    assert_identical(everything(model), everything(reference))


def test_the_compared_runs_reach_every_process_and_intervention() -> None:
    """Identical runs prove little unless the runs make every rule act: check that they do."""
    pairs = [run_pair(case, seed) for case, (seeds, _) in RUNS.items() for seed in seeds]
    models = [model for model, _ in pairs]
    projects = [model.projects for model in models]
    stages = np.concatenate([proj.stage for proj in projects])
    assert {e.action for model in models for e in model.events} >= {
        "funding_award", "champion_leaves", "representative_leaves", "partner_withdraws", "obstacle", "policy_shock"}
    assert any(e.action == "champion_leaves" and e.organisation == -1 for m in models for e in m.events)
    waiting = [{i.project for i in model.pending if i.when == "first_stall"} for model in models]
    assert any(not w for w in waiting)  # both 'first_stall' awards fired: for any project and for a named one
    for stage in (Stage.DELIVERY, Stage.REALISING_BENEFITS, Stage.DELIVERED, Stage.STALLED, Stage.ABANDONED):
        assert (stages == stage).any(), stage.label
    assert sum(int((proj.parent >= 0).sum()) for proj in projects) > 5  # follow-ons
    assert sum(int((model.memberships.joined > 0).sum()) for model in models) > 5  # late joiners
    assert all(sum(model.weekly["representatives_left"]) > 0 for model in models)
    assert sum(sum(model.weekly["awards"]) for model in models) > 10  # funding calls made awards
    assert sum(int(proj.gate_refusals.sum()) for proj in projects) > 0
    assert sum(int((proj.stalls > 1).sum()) for proj in projects) > 0  # stalled, resumed, stalled again
    assert sum(int((~model.memberships.active).sum()) for model in models) > 10  # withdrawals
    assert any(model.params["funding_catalytic_effect"] is False for model in models)
    assert any(model.params["external_funding"] == 0 for model in models)
