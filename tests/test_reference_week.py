"""The model's week against the reference week: identical calls and identical runs, bit for bit.

A model stepped by ``PartnershipModel.step`` (compiled kernels, the model's call sites) and a copy
stepped by :func:`reference.week.reference_week` (plain-Python twins, call sites of its own, written
from docs/ODD.md) run the cases of tests/reference/cases.py (five regions and regimes, every
intervention) for years from several seeds. Every state array, the weekly records, the per-project
series, Mesa's DataCollector and the events must be identical; so must the counts and trust the
reference computes itself. And call by call, each kernel must be given, argument by argument, what
the reference week gives its twin: a wrong argument at a call in the model fails that test even
where it happens to leave the run unchanged.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from reference import week as reference_week_module
from reference.cases import CASES, everything, same
from reference.week import ReferenceWeekModel

import partnerships.model.kernels as kernels
from partnerships.model.codes import Stage
from partnerships.model.model import PartnershipModel

RUNS = {  # case: (seeds, weeks); the default county runs the model's full five years
    "county": ((1, 2, 3), 260),
    "busy county": ((1, 2, 4), 200),
    "contested county": ((1, 2), 156),
    "two areas": ((4,), 156),
    "synthetic region": ((5,), 120),
}


def live_interventions(model: PartnershipModel) -> None:
    """Two interventions applied at once, as the live view's buttons do (with NumPy integers, as it might)."""
    model.intervene("funding_award", project=np.int32(1), amount=np.int64(20))
    model.intervene("partner_withdraws", project=0)


@functools.cache
def run_pair(case: str, seed: int) -> tuple[PartnershipModel, PartnershipModel]:
    """The case stepped by the model and by the reference week, with live interventions mid-run."""
    weeks = RUNS[case][1]
    models = (CASES[case].build(seed), CASES[case].build(seed, ReferenceWeekModel))
    for model in models:
        model.run_for(weeks // 2)
        live_interventions(model)
        model.run_for(weeks - weeks // 2)
    return models


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
            assert same(a, b), f"{key}: {a!r} != {b!r}"


@pytest.mark.parametrize(("case", "seed"), [(case, seed) for case, (seeds, _) in RUNS.items() for seed in seeds])
def test_the_models_week_and_the_reference_week_give_identical_runs(case: str, seed: int) -> None:
    model, reference = run_pair(case, seed)
    assert_identical(everything(model, event_wording=False), everything(reference, event_wording=False))


def test_the_compared_runs_reach_every_process_and_intervention() -> None:
    """Identical runs prove little unless the runs make every rule act: check that they do."""
    assert RUNS.keys() == CASES.keys()
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
    assert all(sum(model.datacollector.model_vars["representatives_left"]) > 0 for model in models)
    assert sum(sum(model.datacollector.model_vars["awards"]) for model in models) > 10  # funding calls made awards
    assert sum(int(proj.gate_refusals.sum()) for proj in projects) > 0
    assert sum(int((proj.stalls > 1).sum()) for proj in projects) > 0  # stalled, resumed, stalled again
    assert sum(int((~model.memberships.active).sum()) for model in models) > 10  # withdrawals
    assert any(model.params["funding_catalytic_effect"] is False for model in models)
    assert any(model.params["external_funding"] == 0 for model in models)


Call = tuple[str, Any, dict[str, Any]]  # kernel name, what it returned, its arguments after the call


def recorder(name: str, function: Callable, calls: list[Call]) -> Callable:
    def call(**arguments: Any) -> Any:
        result = function(**arguments)
        calls.append((name, result, copy.deepcopy(arguments)))
        return result
    return call


def assert_same_calls(when: str, got: list[Call], expected: list[Call]) -> None:
    """The model's kernel calls (``got``) are the reference week's twin calls, in order, argument by argument."""
    names = [name for name, _, _ in got]
    assert names == [name for name, _, _ in expected], f"{when}: the model called {names}, the reference week " \
                                                       f"{[name for name, _, _ in expected]}"
    for i, ((name, result, arguments), (_, expected_result, expected_arguments)) in enumerate(zip(got, expected)):
        where = f"{when}, call {i} ({name})"
        for argument, value in arguments.items():
            other = expected_arguments[argument]
            if isinstance(value, np.ndarray):
                same = value.dtype == other.dtype and value.shape == other.shape and value.tobytes() == other.tobytes()
            else:
                same = value == other
            assert same, f"{where}: argument '{argument}' is not what the reference week passes"
        assert result == expected_result, f"{where}: returned {result}, the twin {expected_result}"


@pytest.mark.parametrize("case", list(CASES))
def test_each_kernel_call_in_the_models_week_passes_what_the_reference_week_passes(case: str, monkeypatch) -> None:
    model, reference = CASES[case].build(9), CASES[case].build(9, ReferenceWeekModel)
    got: list[Call] = []
    expected: list[Call] = []
    for name in kernels.__all__:
        monkeypatch.setattr(kernels, name, recorder(name, getattr(kernels, name), got))
        monkeypatch.setattr(reference_week_module, name, recorder(name, getattr(reference_week_module, name), expected))
    called: set[str] = set()
    for week in range(1, 105):
        for m in (model, reference):
            m.step()
        assert_same_calls(f"week {week}", got, expected)
        if week == 60:
            live_interventions(model)
            live_interventions(reference)
            assert_same_calls(f"live interventions in week {week}", got, expected)
        called |= {name for name, _, _ in got}
        got.clear()
        expected.clear()
    no_programme = {"funding_call"} if model.params["external_funding"] == 0 else set()
    assert called == set(kernels.__all__) - no_programme  # every call site was compared
