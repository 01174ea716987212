"""Whole-model test cases: regions, parameters and interventions that between them reach every process.

Used by the reference-week test (a model stepped by ``PartnershipModel.step`` against one stepped by
:func:`reference.week.reference_week`), by the fused-driver test and by the test that every kernel compiles one
signature; :func:`everything` and :func:`same` are how the first two compare two runs. Some
values are deliberately given in the "wrong" Python type (an ``int`` for a float parameter or an
award's amount, a NumPy integer for a project): the model must still run them with the same types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from partnerships.agents.project import PartnershipProject
from partnerships.model.interventions import Intervention
from partnerships.model.model import PartnershipModel
from partnerships.model.outcomes import model_series, project_table, summary, weekly_series
from partnerships.model.scenarios import RegionSpec, synthetic_region

TABLES = ("orgs", "projects", "memberships", "relationships", "pairs")


def everything(model: PartnershipModel, event_wording: bool = True) -> dict[str, Any]:
    """Everything one can read from a model after a run: its state tables and arrays, series, records, events,
    clock, summary and tables. ``event_wording=False`` leaves out the events' descriptions (the reference week
    words some events differently)."""
    out: dict[str, Any] = {}
    for table in TABLES:
        columns = getattr(model, table)
        out |= {f"{table}.{f.name}": getattr(columns, f.name) for f in fields(columns)}
    for name in ("project_trust_mean", "project_trust_min", "member_trust", "final_momentum", "final_trust",
                 "_last_open_trust"):
        out[name] = getattr(model, name)
    out["pressure_shock"] = np.float64(model.pressure_shock)
    out |= {f"series.{key}": np.concatenate(values) if values else np.zeros(0) for key, values in model.series.items()}
    out["series lengths"] = [len(v) for values in model.series.values() for v in values]
    collector = model.datacollector
    out |= {f"model_vars.{key}": list(values) for key, values in collector.model_vars.items()}
    out |= {f"model_vars types.{key}": [type(v) for v in values] for key, values in collector.model_vars.items()}
    out["collection steps"] = list(collector._collection_steps)
    out["events"] = [(e.week, e.action, e.project, e.organisation) + ((e.description,) if event_wording else ())
                     for e in model.events]
    out["pending"] = list(model.pending)
    out["clock"] = (model.time, type(model.time), model.week, model.steps,
                    model._default_schedule.next_scheduled_time, model._default_schedule.execution_count,
                    len([e for e in model._event_list._events if not e.CANCELED]))
    out["this week"] = (model.left_this_week, model.awards_this_week)
    out["summary"] = summary(model)
    out["project agents"] = len(model.agents_by_type[PartnershipProject])
    frames = {"project_table": project_table(model), "weekly_series": weekly_series(model),
              "model_series": model_series(model)}
    for name, frame in frames.items():
        out[f"{name} columns"] = (list(frame.columns), list(frame.dtypes.astype(str)), frame.index.tolist())
        out |= {f"{name}.{column}": frame[column].to_numpy() for column in frame.columns}
    return out


def same(a: Any, b: Any) -> bool:
    """``a`` and ``b`` are the same bit for bit: arrays by dtype, shape and bytes (NaN where NaN, no -0.0 for 0.0),
    floats likewise, containers element by element and of the same type."""
    if isinstance(a, np.ndarray):
        if a.dtype == object:
            return bool(a.shape == b.shape and all(same(x, y) for x, y in zip(a.tolist(), b.tolist())))
        return bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes())  # NaN where NaN
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, pd.Series):
        return same(a.to_numpy(), b.to_numpy())
    return bool(a == b)


def every_action(start: int, projects: tuple[int, ...], organisations: tuple[int, int]) -> tuple[Intervention, ...]:
    """Each intervention action at least once from week ``start`` on, on the given projects and organisations.

    Includes a ``first_stall`` award for any project and one for a named project, a champion leaving
    from two projects (one may have none), a named and a default partner withdrawing, integer amounts.
    """
    a, b, c, d = projects
    first, second = organisations
    return (
        Intervention("funding_award", week=start, project=a, amount=5),  # an int amount
        Intervention("funding_award", when="first_stall"),
        Intervention("funding_award", when="first_stall", project=d),
        Intervention("champion_leaves", week=start + 7, project=a),
        Intervention("champion_leaves", week=start + 8, project=b),
        Intervention("representative_leaves", week=start + 9, organisation=first),
        Intervention("partner_withdraws", week=start + 17, project=c),
        Intervention("partner_withdraws", week=start + 18, project=d, organisation=second),
        Intervention("obstacle", week=start + 22, project=b, amount=4),
        Intervention("obstacle", week=start + 23, project=c),
        Intervention("policy_shock", week=start + 27, amount=0.3),
        Intervention("policy_shock", week=start + 40),
        Intervention("funding_award", week=start + 60, project=b, amount=12.5),
    )


@dataclass(frozen=True)
class Case:
    """A region, parameter overrides and scheduled interventions; :meth:`build` makes the model."""

    region: str | RegionSpec
    parameters: dict[str, Any] = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()

    def build(self, seed: int, model_class: type[PartnershipModel] = PartnershipModel) -> PartnershipModel:
        return model_class(self.region, rng=seed, interventions=self.interventions, **self.parameters)


BUSY = dict(leader_turnover=0.6, obstacle_rate=12.0, obstacle_severity=1.0, work_rate=1.0, funding_call_interval=4,
            membership_change_rate=2.0, follow_on_chance=1.0, champion_emergence=0.2, lead_decides_share=0.7,
            autonomy_mean=0.3)

CASES: dict[str, Case] = {
    "county": Case("county", {}, every_action(3, (0, 3, 2, 6), (2, 5))),
    # gates, deliveries, follow-ons, late joiners and frequent funding calls; float parameters given as ints
    "busy county": Case("county", {**BUSY, "external_funding": 100, "meeting_discipline": 1, "catalytic_strength": 1},
                        every_action(20, (1, 4, 5, 7), (0, 9))),
    # gates close to the line: dissent is common, so who leads and who sponsors decides outcomes
    "contested county": Case("county", {"collaborative_advantage": 1.0, "lead_decides_share": 1.0, "work_rate": 1.0,
                                        "obstacle_rate": 1.0}, every_action(8, (2, 5, 9, 1), (7, 12))),
    "two areas": Case("county_two_areas", {"funding_catalytic_effect": False, "meeting_interval": 2,
                                           "lead_decides_share": 0.5},
                      every_action(5, (13, 0, 20, 11), (25, 3))),
    # the funding programme off: awards fall back to the default amount and buy no work
    "synthetic region": Case(synthetic_region(120, 16), {"external_funding": 0, "funding_resource_effect": False,
                                                         "leader_turnover": 0.3, "membership_change_rate": 1.0,
                                                         "follow_on_chance": 1.0, "work_rate": 0.8},
                             every_action(2, (15, 1, 8, 3), (100, 41))),
}
