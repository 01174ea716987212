"""Outcomes of a run: the per-project table, the weekly series and the one-line summary.

Definitions (docs/ODD.md, 'Outputs'): a project is *delivered* once it finishes its delivery stage;
it *works well* at the end of the run if delivered, or open, not stalled and with momentum of at
least 0.5; it *clearly does not work* if abandoned or stalled. Shares are over the projects the run
started with; follow-ons are counted separately.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from partnerships.model.codes import OrgKind, Stage, Theme

if TYPE_CHECKING:
    import pandas as pd

    from partnerships.model.model import PartnershipModel

WORKING_WELL_MOMENTUM = 0.5

SUMMARY_FIELDS = {
    "delivered_share": "share of the starting projects that finished their delivery stage (0-1)",
    "abandoned_share": "share of the starting projects abandoned (0-1)",
    "working_well_share": "share working well at the end: delivered, or open, not stalled, momentum >= 0.5",
    "not_working_share": "share clearly not working at the end: abandoned or stalled",
    "median_weeks_to_delivery": "median weeks from start to the end of delivery, over delivered projects only "
                                "(null if none; biased: it ignores the projects that did not deliver)",
    "restricted_mean_weeks_to_delivery": "mean weeks from start to the end of delivery over every starting project, "
                                         "an undelivered one counting the weeks to the end of the run",
    "mean_momentum": "mean momentum (0-1) of open projects, averaged over the weeks of the run (survivorship: "
                     "the set of open projects shrinks as projects close)",
    "mean_momentum_all": "mean momentum (0-1) of every starting project (delivered ones at their momentum when they "
                         "closed, abandoned ones at 0), averaged over the weeks of the run",
    "mean_trust": "mean trust (0-1) among members of the starting projects at the end",
    "benefit_cost_ratio": "benefits realised over costs (officer time and award money), all projects "
                          "(null if no project was delivered)",
    "net_benefit_spread": "how unevenly starting projects that delivered and closed shared their net benefits: the "
                          "standard deviation over members of benefit share minus contribution share, averaged "
                          "(null if none closed delivered)",
    "stalls": "number of times a project stalled, all projects",
    "follow_on_projects": "number of follow-on projects started",
    "health_working_well_share": "working-well share of health-and-care projects (null if none)",
    "community_safety_working_well_share": "working-well share of community-safety projects (null if none)",
    "representatives_left": "representatives replaced during the run (they left, or their organisation was reorganised)",
    "awards": "number of external funding awards made",
}

#: Declared range of each summary outcome, [low, high] (``weeks`` stands for the run's length); a null is allowed
#: only for the outcomes in :data:`NULLABLE` (when what they measure does not exist in the run).
SUMMARY_RANGES: dict[str, tuple[float, float | str]] = {
    **{name: (0.0, 1.0) for name in SUMMARY_FIELDS if name.endswith("_share")},
    "median_weeks_to_delivery": (0.0, "weeks"),
    "restricted_mean_weeks_to_delivery": (0.0, "weeks"),
    "mean_momentum": (0.0, 1.0),
    "mean_momentum_all": (0.0, 1.0),
    "mean_trust": (0.0, 1.0),
    "benefit_cost_ratio": (0.0, math.inf),
    "net_benefit_spread": (0.0, 1.0),
    "stalls": (0.0, math.inf),
    "follow_on_projects": (0.0, math.inf),
    "representatives_left": (0.0, math.inf),
    "awards": (0.0, math.inf),
}
NULLABLE = ("median_weeks_to_delivery", "benefit_cost_ratio", "net_benefit_spread", "health_working_well_share",
            "community_safety_working_well_share")


def working_well(model: PartnershipModel) -> np.ndarray:
    proj = model.projects
    open_unstalled = proj.stage <= Stage.REALISING_BENEFITS
    return (proj.delivered_week >= 0) | (open_unstalled & (proj.momentum >= WORKING_WELL_MOMENTUM))


def not_working(model: PartnershipModel) -> np.ndarray:
    stage = model.projects.stage
    return (stage == Stage.ABANDONED) | (stage == Stage.STALLED)


#: The label columns of the per-run tables, kept as codes in their columns (:func:`project_columns`,
#: :func:`weekly_columns`) and turned into labels when the table is made: column -> labels by code.
LABELS: dict[str, list[str]] = {"theme": [t.label for t in Theme], "lead_kind": [k.label for k in OrgKind],
                                "stage": [s.label for s in Stage]}


def project_columns(model: PartnershipModel) -> dict[str, np.ndarray]:
    """The columns of :func:`project_table` as arrays ("theme", "lead_kind" and "stage" as codes, see
    :data:`LABELS`): what a sweep worker sends back, the table being made in the driver (:func:`project_frame`)."""
    proj, mem = model.projects, model.memberships
    n = len(proj)
    members = np.bincount(mem.project[mem.active], minlength=n)
    delivered = proj.delivered_week >= 0
    fairness = _fairness(model)
    return {
        "project": np.arange(n),
        "theme": proj.theme.copy(),
        "follow_on": proj.parent >= 0,
        "parent": proj.parent.copy(),
        "lead_kind": model.orgs.kind[proj.lead],
        "members": members,
        "has_champion_at_end": proj.champion >= 0,
        "has_manager": proj.has_manager.copy(),
        "lead_decides": proj.lead_decides.copy(),
        "equitable_shares": proj.equitable.copy(),
        "governance_level": proj.governance_level.copy(),
        "ambition": proj.ambition.copy(),
        "stage": proj.stage.copy(),
        "started_week": proj.started.copy(),
        "delivered": delivered,
        "abandoned": proj.stage == Stage.ABANDONED,
        "weeks_to_delivery": np.where(delivered, proj.delivered_week - proj.started, -1),
        "working_well": working_well(model),
        "not_working": not_working(model),
        "stalls": proj.stalls.copy(),
        "first_stall_week": proj.first_stall_week.copy(),
        "gate_refusals": proj.gate_refusals.copy(),
        "momentum": proj.momentum.copy(),
        "trust_mean": model.project_trust_mean.copy(),
        "trust_min": model.project_trust_min.copy(),
        **_trust_parts(model),
        "external_received": proj.external_received.copy(),
        "costs": proj.costs.copy(),
        "benefits": proj.benefits.copy(),
        "benefit_cost_ratio": np.divide(proj.benefits, proj.costs, out=np.full(n, np.nan),
                                        where=(proj.costs > 0) & delivered),  # NaN: not delivered, or no cost
        "fairness": fairness,
        "net_benefit_spread": proj.net_benefit_spread.copy(),  # NaN until the project closes delivered
    }


def labelled(codes: np.ndarray, column: str) -> np.ndarray:
    """The labels (an array of Python strings) of a label column's codes (:data:`LABELS`)."""
    return np.array(LABELS[column], dtype=object)[codes.astype(np.intp)]


def project_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """:func:`project_table` from :func:`project_columns` (of one run, or of several runs concatenated)."""
    import pandas as pd  # here, not at the top: a run that makes no table does not import pandas

    return pd.DataFrame({name: labelled(values, name) if name in LABELS else values
                         for name, values in columns.items()})


def project_table(model: PartnershipModel) -> pd.DataFrame:
    """One row per project: what it was, where it got to, and what it cost and achieved."""
    return project_frame(project_columns(model))


def _trust_parts(model: PartnershipModel) -> dict[str, np.ndarray]:
    """Mean interpersonal and institutional trust among each project's active members."""
    pairs, mem, rel = model.pairs, model.memberships, model.relationships
    live = mem.active[pairs.ma] & mem.active[pairs.mb]
    n = len(model.projects)
    count = np.bincount(pairs.project[live], minlength=n)
    out = {}
    for name in ("interpersonal", "institutional"):
        total = np.bincount(pairs.project[live], weights=getattr(rel, name)[pairs.rel[live]], minlength=n)
        out[f"trust_{name}"] = np.divide(total, count, out=np.zeros(n), where=count > 0)
    return out


def _fairness(model: PartnershipModel) -> np.ndarray:
    """1 minus the largest gap between a member's share of benefits and of contributions (1 = fair)."""
    proj, mem = model.projects, model.memberships
    n = len(proj)
    contrib_total = np.bincount(mem.project, weights=mem.contribution, minlength=n)
    benefit_total = np.bincount(mem.project, weights=mem.benefit, minlength=n)
    c_share = np.divide(mem.contribution, contrib_total[mem.project], out=np.zeros(len(mem)),
                        where=contrib_total[mem.project] > 0)
    b_share = np.divide(mem.benefit, benefit_total[mem.project], out=np.zeros(len(mem)),
                        where=benefit_total[mem.project] > 0)
    gap = np.zeros(n)
    np.maximum.at(gap, mem.project, np.abs(b_share - c_share))
    return np.where(benefit_total > 0, 1.0 - gap, np.nan)


WEEKLY_COLUMNS = ["week", "project", "stage", "momentum", "trust_mean"]


def weekly_columns(model: PartnershipModel) -> dict[str, np.ndarray]:
    """The columns of :func:`weekly_series` as arrays (stage as codes); needs ``record_series``."""
    momentum, trust, stage = model.series["momentum"], model.series["trust_mean"], model.series["stage"]
    lengths = np.array([len(m) for m in momentum], dtype=np.int64)
    return {"week": np.repeat(np.arange(len(lengths)), lengths),
            "project": np.concatenate([np.arange(n) for n in lengths.tolist()]),
            "stage": np.concatenate(stage), "momentum": np.concatenate(momentum), "trust_mean": np.concatenate(trust)}


def weekly_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """:func:`weekly_series` from :func:`weekly_columns` (of one run, or of several runs concatenated)."""
    import pandas as pd

    table = pd.DataFrame({name: values for name, values in columns.items() if name != "stage"})
    table.insert(list(columns).index("stage"), "stage",
                 pd.Categorical.from_codes(columns["stage"].astype(int), LABELS["stage"]))
    return table


def weekly_series(model: PartnershipModel) -> pd.DataFrame:
    """Tidy weekly series: one row per project per week (momentum, trust, stage) while it existed."""
    if not model.record_series:
        import pandas as pd

        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    return weekly_frame(weekly_columns(model))


def model_columns(model: PartnershipModel) -> dict[str, np.ndarray]:
    """The columns of :func:`model_series` as arrays (the ``DataCollector``'s lists, each as NumPy makes it)."""
    return {name: np.array(values) for name, values in model.datacollector.model_vars.items()}


def model_series(model: PartnershipModel) -> pd.DataFrame:
    """Weekly whole-model series: mean momentum and trust, counts by state, departures, awards
    (the model's ``DataCollector``, :mod:`model.records`)."""
    return model.datacollector.get_model_vars_dataframe()


def summary(model: PartnershipModel) -> dict[str, Any]:
    """The run's headline outcomes (see :data:`SUMMARY_FIELDS`)."""
    proj = model.projects
    first = np.arange(len(proj)) < model.n_initial_projects
    delivered = (proj.delivered_week >= 0) & first
    weeks = (proj.delivered_week - proj.started)[delivered]
    # restricted mean: an undelivered starting project counts the weeks from its start to the end of the run
    waited = np.where(proj.delivered_week >= 0, proj.delivered_week - proj.started, model.week - proj.started)[first]
    well = working_well(model)
    theme = proj.theme

    def share(mask: np.ndarray, of: np.ndarray) -> float | None:
        return float(mask[of].mean()) if of.any() else None

    costs = float(proj.costs.sum())
    weekly = model.datacollector.model_vars
    momentum = np.array(weekly["mean_momentum"][1:] or weekly["mean_momentum"])
    momentum_all = np.array(weekly["mean_momentum_all"][1:] or weekly["mean_momentum_all"])
    any_delivered = bool((proj.delivered_week >= 0).any())
    spread = proj.net_benefit_spread[first & np.isfinite(proj.net_benefit_spread)]  # set when a project closes
    return {
        "delivered_share": float(delivered.sum() / first.sum()),
        "abandoned_share": float(((proj.stage == Stage.ABANDONED) & first).sum() / first.sum()),
        "working_well_share": share(well, first),
        "not_working_share": share(not_working(model), first),
        "median_weeks_to_delivery": float(np.median(weeks)) if len(weeks) else None,
        "restricted_mean_weeks_to_delivery": float(waited.mean()),
        "mean_momentum": float(np.nanmean(momentum)) if np.isfinite(momentum).any() else 0.0,
        "mean_momentum_all": float(momentum_all.mean()),
        "mean_trust": float(model.project_trust_mean[first].mean()),
        "benefit_cost_ratio": float(proj.benefits.sum() / costs) if costs > 0 and any_delivered else None,
        "net_benefit_spread": float(spread.mean()) if len(spread) else None,
        "stalls": int(proj.stalls.sum()),
        "follow_on_projects": int((~first).sum()),
        "health_working_well_share": share(well, first & (theme == Theme.HEALTH_AND_CARE)),
        "community_safety_working_well_share": share(well, first & (theme == Theme.COMMUNITY_SAFETY)),
        "representatives_left": int(np.sum(weekly["representatives_left"])),
        "awards": int(np.sum(weekly["awards"])),
    }

