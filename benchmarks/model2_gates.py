"""Gate statistics the ODD quotes (section 7.4): how often gates pass, are refused or deferred, by decision rule.

Usage: python benchmarks/model2_gates.py [SEEDS] [--json] [--traits] . Each seed runs the default county for five years
(260 weeks) in the variants below, on common seeds:

- ``default``: the default mix of rules (``lead_decides_share`` 0.3); gate events are counted by each
  project's rule;
- ``consensus`` / ``lead_decides``: every project by consensus (``lead_decides_share`` 0), then every project
  led (1), the paired comparison of validation check 10;
- ``*_aligned``: the same two with ``misalignment_weight`` 0 (aims and deliberation without consequence: the
  gate rule before partners' aims differed), to separate what the aims add; ``*_misaligned_2``: the same two at
  ``misalignment_weight`` 2, the top of its range.

A gate *event* is a pass, a refusal or a deferral (a referral home, decided at a later meeting). Shares:
``refused_share`` is refusals over decisions (passes + refusals), as the ODD states it; ``deferred_share`` is
deferrals over all events. Outcomes are the run summary's (``model.outcomes.summary``), means over seeds;
``net_benefit_spread`` over the seeds where a starting project closed after delivery. Gate events are counted
by wrapping the compiled gate kernel: the counts come from the state it changes (stage advanced, refusal counted,
``deferred_until`` set), split by ``lead_decides``. ``refused_projects`` is the share of first projects (default
variant) with at least one refusal, ``refusals_per_refused`` their mean number of refusals; ``aim_distance`` the
mean distance of active members from their project's agreed aim at the end (projects that agreed one),
``start_aim_distance`` that of the same members' starting aims from the same agreed aims.

``--traits`` adds consent's dependence on traits (``TRAIT_SEEDS`` seeds each): the refusal share and the delivered
share at the settings of ``TRAITS``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, UTC

import numpy as np

import partnerships.model.kernels as k
from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
from partnerships.model.outcomes import summary

VARIANTS = {
    "default": {},
    "consensus": {"lead_decides_share": 0.0},
    "lead_decides": {"lead_decides_share": 1.0},
    "consensus_aligned": {"lead_decides_share": 0.0, "misalignment_weight": 0.0},
    "lead_decides_aligned": {"lead_decides_share": 1.0, "misalignment_weight": 0.0},
    "consensus_misaligned_2": {"lead_decides_share": 0.0, "misalignment_weight": 2.0},
    "lead_decides_misaligned_2": {"lead_decides_share": 1.0, "misalignment_weight": 2.0},
}
OUTCOMES = ("delivered_share", "restricted_mean_weeks_to_delivery", "median_weeks_to_delivery", "net_benefit_spread",
            "working_well_share", "not_working_share", "benefit_cost_ratio")
RULES = ("consensus", "lead_decides")
TRAITS = {"selflessness_mean": (0.0, 0.3, 0.8), "risk_appetite_mean": (0.0, 0.25, 0.8), "sector_trust_gap": (0.0, 0.4)}
TRAIT_SEEDS = 30
KERNEL = k.decide_stage_gates


def counted_gates(counts: dict[str, np.ndarray]):
    """The gate kernel, wrapped to add each call's passes, refusals and deferrals by rule to ``counts``."""

    def decide(**kw):
        stage, refusals, deferred = kw["stage"].copy(), kw["gate_refusals"].copy(), kw["deferred_until"].copy()
        result = KERNEL(**kw)
        led = kw["lead_decides"]
        passed = kw["stage"] > stage
        refused = kw["gate_refusals"] > refusals
        newly_deferred = (deferred < 0) & (kw["deferred_until"] > kw["week"])
        for rule, mask in (("consensus", ~led), ("lead_decides", led)):
            counts[rule] += [int((passed & mask).sum()), int((refused & mask).sum()), int((newly_deferred & mask).sum())]
        return result

    return decide


def one(seed: int, overrides: dict) -> dict:
    counts = {rule: np.zeros(3, dtype=np.int64) for rule in RULES}
    k.decide_stage_gates = counted_gates(counts)
    try:
        model = PartnershipModel(rng=seed, record_series=False, **overrides)
        start_aims = model.memberships.aim.copy()
        model.run_for(DEFAULT_WEEKS)
    finally:
        k.decide_stage_gates = KERNEL
    s = summary(model)
    first = model.projects.lead_decides[:model.n_initial_projects]
    delivered = model.projects.delivered_week[:model.n_initial_projects] >= 0
    row = {f: s[f] for f in OUTCOMES}
    refusals = model.projects.gate_refusals[:model.n_initial_projects]
    row["refused_projects"], row["refusals"] = int((refusals > 0).sum()), int(refusals.sum())
    mem, agreed = model.memberships, model.projects.agreed_aim[model.memberships.project]
    founding = np.zeros(len(mem), dtype=np.bool_)
    founding[:len(start_aims)] = True
    kept = mem.active & np.isfinite(agreed) & founding
    row["aim_distance"] = np.abs(mem.aim - agreed)[kept].tolist()
    row["start_aim_distance"] = np.abs(start_aims[kept[:len(start_aims)]] - agreed[kept]).tolist()
    for rule, mask in (("consensus", ~first), ("lead_decides", first)):
        row[f"{rule}_gates"] = counts[rule].tolist()
        row[f"{rule}_first_projects"] = int(mask.sum())
        row[f"{rule}_delivered"] = int((delivered & mask).sum())
    return row


def shares(events: np.ndarray) -> dict[str, float | int]:
    passed, refused, deferred = (int(x) for x in events)
    decisions = passed + refused
    return {"passed": passed, "refused": refused, "deferred": deferred,
            "refused_share": round(refused / decisions, 4) if decisions else float("nan"),
            "deferred_share": round(deferred / (decisions + deferred), 4) if decisions + deferred else float("nan")}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seeds = int(args[0]) if args else 200
    started, load = time.time(), os.getloadavg()[0]
    out: dict = {"seeds": seeds, "weeks": DEFAULT_WEEKS,
                 "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load_at_start": round(load, 1)}
    for name, overrides in VARIANTS.items():
        rows = [one(seed, overrides) for seed in range(seeds)]
        result: dict = {}
        for f in OUTCOMES:
            values = np.array([r[f] for r in rows if r[f] is not None], dtype=float)
            values = values[np.isfinite(values)]
            result[f] = round(float(values.mean()), 4) if len(values) else None
        total = np.zeros(3, dtype=np.int64)
        for rule in RULES:
            events = np.sum([r[f"{rule}_gates"] for r in rows], axis=0)
            total += events
            n_first = sum(r[f"{rule}_first_projects"] for r in rows)
            result[rule] = {**shares(events), "first_projects": n_first,
                            "delivered_share": round(sum(r[f"{rule}_delivered"] for r in rows) / n_first, 4)
                            if n_first else None}
        result["all"] = shares(total)
        refused_projects = sum(r["refused_projects"] for r in rows)
        result["refused_projects"] = round(refused_projects / sum(r[f"{rule}_first_projects"] for r in rows
                                                                  for rule in RULES), 4)
        for f in ("aim_distance", "start_aim_distance"):
            result[f] = round(float(np.mean([d for r in rows for d in r[f]])), 4)
        result["refusals_per_refused"] = round(sum(r["refusals"] for r in rows) / refused_projects, 2) \
            if refused_projects else None
        out[name] = result
    if "--traits" in sys.argv:
        out["traits"] = {}
        for trait, values in TRAITS.items():
            for value in values:
                rows = [one(seed, {trait: value}) for seed in range(TRAIT_SEEDS)]
                events = np.sum([np.add(r["consensus_gates"], r["lead_decides_gates"]) for r in rows], axis=0)
                out["traits"][f"{trait}={value:g}"] = {
                    "refused_share": shares(events)["refused_share"],
                    "delivered_share": round(float(np.mean([r["delivered_share"] for r in rows])), 4)}
    out["seconds"] = round(time.time() - started, 1)
    out["load_at_end"] = round(os.getloadavg()[0], 1)
    if "--json" in sys.argv:
        print(json.dumps(out))
        return
    print(f"{seeds} county seeds x {DEFAULT_WEEKS} weeks, {out['date']}, load {out['load_at_start']} -> "
          f"{out['load_at_end']}, {out['seconds']} s")
    for name in VARIANTS:
        r = out[name]
        print(f"\n{name}: delivered {r['delivered_share']}, restricted mean weeks {r['restricted_mean_weeks_to_delivery']}, "
              f"median weeks (delivered) {r['median_weeks_to_delivery']}, net_benefit_spread {r['net_benefit_spread']}, "
              f"first projects refused at least once {r['refused_projects']} ({r['refusals_per_refused']} refusals each), "
              f"distance from the agreed aim {r['aim_distance']} (starting aims {r['start_aim_distance']})")
        for rule in (*RULES, "all"):
            g = r[rule]
            if g["passed"] + g["refused"] + g["deferred"] == 0:
                continue
            extra = f", first projects {g['first_projects']} delivered {g['delivered_share']}" if rule != "all" else ""
            print(f"  {rule:>12}: passed {g['passed']}, refused {g['refused']} ({g['refused_share']:.1%} of decisions), "
                  f"deferred {g['deferred']} ({g['deferred_share']:.1%} of events){extra}")
    for setting, t in out.get("traits", {}).items():
        print(f"  {setting}: refused {t['refused_share']:.1%} of decisions, delivered {t['delivered_share']}")
    print("\n" + json.dumps(out))


if __name__ == "__main__":
    main()
