"""The idiomatic Mesa week of ``benchmarks/mesa_model.py`` computes the model's week, bit for bit.

Fed the model's own draws, the Mesa week (agents in index order, and shuffled where the order is not part of
the rule) must leave every state column, the trust, the frozen closing values and the weekly record
identical to the model's week (``run_for(1)``): in the week the benchmark times, at county size and in a
small synthetic region, and in every week of two years of 500 organisations that changes no structure, which reach every
process the Mesa week has. A perturbed Mesa week must fail the check. No timing here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import mesa_model  # noqa: E402
from mesa_baseline import region_spec  # noqa: E402

from partnerships.model.codes import Stage  # noqa: E402
from partnerships.model.model import PartnershipModel  # noqa: E402


@pytest.mark.parametrize("region", ["county", (500, 50)], ids=["county", "500 organisations"])
def test_the_mesa_week_is_the_models_recorded_week_bit_for_bit(region) -> None:
    spec = region_spec(region)
    source = mesa_model.warmed_model(spec, mesa_model.recorded_week(spec))
    ordered, shuffled = mesa_model.check(source)
    assert ordered == {}
    assert shuffled == {}


def test_a_perturbed_mesa_week_fails_the_check() -> None:
    source = mesa_model.warmed_model(region_spec("county"), mesa_model.WEEK)

    def nudge(mesa_week: mesa_model.MesaWeek) -> None:
        mesa_week.projects[0].momentum += 1e-12

    ordered, shuffled = mesa_model.check(source, perturb=nudge)
    assert "projects.momentum" in ordered and "projects.momentum" in shuffled


def test_every_unstructured_week_of_two_years_is_the_models() -> None:
    """Weeks 1-104 of a run of 500 organisations (no late joiners, whose pairs would come after other projects' pairs): each
    week without a follow-on is checked; together they reach turnover, reorganisations, funding calls, gates passed, refused and
    deferred, obstacles, stalls, closures and withdrawals."""
    source = PartnershipModel(region_spec((500, 50)), rng=mesa_model.SEED, **mesa_model.MODEL_OPTIONS)
    reached: dict[str, int] = dict.fromkeys(("weeks", "left", "awards", "passed", "refused", "deferred", "obstacles",
                                             "stalled", "closed", "withdrawn", "benefits"), 0)
    for _ in range(104):
        proj, mem = source.projects, source.memberships
        before = {"stage": proj.stage.copy(), "refusals": proj.gate_refusals.copy(), "deferred": proj.deferred_until.copy(),
                  "obstacle": proj.obstacle.copy(), "active": mem.active.copy(), "benefits": proj.benefits.copy()}
        try:
            ordered, shuffled = mesa_model.check(source)
        except mesa_model.StructureChanged:
            continue
        assert ordered == {} and shuffled == {}, f"week {source.week}"
        n = len(before["stage"])
        stage, record = source.projects.stage[:n], source.datacollector.model_vars
        reached["weeks"] += 1
        reached["left"] += record["representatives_left"][-1]
        reached["awards"] += record["awards"][-1]
        reached["passed"] += int(((stage == before["stage"] + 1) & (before["stage"] <= Stage.DESIGN_AND_FEASIBILITY)).sum())
        reached["refused"] += int((source.projects.gate_refusals[:n] > before["refusals"]).sum())
        reached["deferred"] += int(((source.projects.deferred_until[:n] >= 0) & (before["deferred"] < 0)).sum())
        reached["obstacles"] += int(((source.projects.obstacle[:n] > 0) & (before["obstacle"] == 0)).sum())
        reached["stalled"] += int(((stage == Stage.STALLED) & (before["stage"] != Stage.STALLED)).sum())
        reached["closed"] += int((np.isin(stage, (Stage.DELIVERED, Stage.ABANDONED))
                                  & ~np.isin(before["stage"], (Stage.DELIVERED, Stage.ABANDONED))).sum())
        reached["benefits"] += int((source.projects.benefits[:n] > before["benefits"]).sum())
        reached["withdrawn"] += int((before["active"] & ~source.memberships.active[:len(before["active"])]).sum())
    assert all(count > 0 for count in reached.values()), reached
