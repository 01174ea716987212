"""Paired old-vs-new measurement for issue 10 (funding, obstacles, brittleness, health gap): one JSON line of means.

Usage: python benchmarks/model2_flow.py LABEL [SEEDS] > out.json . Each seed runs the default county for five
years in the variants below, on common seeds; the blocked share is obstacle-blocked weeks over active (stage 0-3)
project-weeks.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
from partnerships.model.outcomes import summary
from partnerships.model.parameters import PARAMETERS

VARIANTS = {
    "default": {},
    "funding_off": {"external_funding": 0.0},
    "catalyst_only": {"funding_resource_effect": False},
    "money_only": {"funding_catalytic_effect": False},
    "no_funding_effects": {"funding_resource_effect": False, "funding_catalytic_effect": False},
}
if "reorganisation_rate" in PARAMETERS:
    VARIANTS["reorganisation_off"] = {"reorganisation_rate": 0.0}
if "catalytic_strength" in PARAMETERS:
    VARIANTS["strength_0"] = {"catalytic_strength": 0.0}
FIELDS = ("working_well_share", "not_working_share", "delivered_share", "abandoned_share",
          "health_working_well_share", "community_safety_working_well_share")


def one(seed: int, overrides: dict) -> dict:
    model = PartnershipModel(rng=seed, record_series=False, **overrides)
    active = blocked = 0
    for _ in range(DEFAULT_WEEKS):
        model.step()
        s = model.projects.stage
        live = s <= 3
        active += int(live.sum())
        blocked += int((live & (model.projects.obstacle > 0)).sum())
    row = {f: summary(model)[f] for f in FIELDS}
    row["blocked_share"] = blocked / active if active else None
    return row


def main() -> None:
    label = sys.argv[1]
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    out: dict = {"label": label, "seeds": seeds}
    for name, overrides in VARIANTS.items():
        rows = [one(seed, overrides) for seed in range(seeds)]
        means = {}
        for f in (*FIELDS, "blocked_share"):
            values = np.array([r[f] for r in rows if r[f] is not None], dtype=float)
            means[f] = round(float(values.mean()), 4)
        gaps = [r["health_working_well_share"] - r["community_safety_working_well_share"] for r in rows
                if r["health_working_well_share"] is not None and r["community_safety_working_well_share"] is not None]
        means["health_minus_cs"] = round(float(np.mean(gaps)), 4)
        out[name] = means
        print(json.dumps({name: means}), file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
