"""Calibration of the default scenario to the London snapshot (Young Foundation 2008, §2) by rejection on a Latin hypercube.

Targets (Young Foundation 2008, §2): 38% of sub-regional partnerships work well and 34% do not;
health partnerships are rated good less often than community-safety ones (52% against 72%, a gap of
-0.20). Method (documented in ``docs/calibration.md``):

1. Stage 1 (screen): a Latin hypercube (SALib ``latin.sample``, through :func:`experiments.factors.sample`)
   of ``points`` design points over the uncertain parameters of :data:`UNCERTAIN`, each run
   ``screen_replications`` times with common seeds (every point of replication r shares its seed).
2. Distance of a point: ``sqrt(((ww - 0.38) / 0.05)^2 + ((nw - 0.34) / 0.05)^2 + ((gap + 0.20) / 0.10)^2)``
   with ww, nw and gap the mean working-well share, not-working share and health-minus-community-safety
   gap over its replications. In the screen the gap term is left out: with two health and two
   community-safety projects a run, 30 replications measure the gap only to about +-0.17.
3. Stage 2 (confirm): the ``finalists`` nearest points are run ``confirm_replications`` times.
   A point is *accepted* when ``|ww - 0.38| <= 0.05``, ``|nw - 0.34| <= 0.05`` and the gap's 95%
   interval lies below zero. The calibrated values are those of the accepted point (or, if none is
   accepted, the nearest point) with the smallest stage-2 distance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from partnerships.experiments.factors import Factor, design_points, sample
from partnerships.experiments.runs import execute
from partnerships.experiments.spec import RunSpec, build_specs
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import county_region

#: Calibrated parameters and the ranges searched (within each parameter's allowed range).
UNCERTAIN: dict[str, tuple[float, float]] = {
    "obstacle_rate": (2.0, 6.0),
    "obstacle_severity": (2.0, 9.0),
    "patience": (20, 80),
    "stall_threshold": (0.08, 0.25),
    "financial_pressure": (0.2, 0.5),
    "work_rate": (0.15, 0.5),
    "collaborative_advantage": (0.8, 2.0),
    "sector_trust_gap": (0.05, 0.4),
    "risk_appetite_mean": (0.25, 0.5),
    "momentum_rate": (0.03, 0.1),
}
TARGETS = {"working_well_share": 0.38, "not_working_share": 0.34, "health_gap": -0.20}
SCALES = {"working_well_share": 0.05, "not_working_share": 0.05, "health_gap": 0.10}
TOLERANCE = 0.05  # acceptance: shares within 0.05 of their targets


@dataclass
class CalibrationSettings:
    points: int = 160
    screen_replications: int = 30
    finalists: int = 8
    confirm_replications: int = 300
    base_seed: int = 3003
    weeks: int = 260


def factors() -> list[Factor]:
    """The uncertain parameters as design factors (whole numbers sampled so each is equally likely)."""
    return [Factor.of(name, low, high) for name, (low, high) in UNCERTAIN.items()]


def design(settings: CalibrationSettings) -> pd.DataFrame:
    """Latin-hypercube design points (one row per point, one column per uncertain parameter)."""
    points = design_points(factors(), sample("latin_hypercube", factors(), settings.points, settings.base_seed))
    return pd.DataFrame(points, columns=list(UNCERTAIN))


def specs(points: pd.DataFrame, replications: int, settings: CalibrationSettings,
          only: Sequence[int] | None = None) -> list[RunSpec]:
    """``replications`` runs of each design point (of the points in ``only``, if given), with common seeds."""
    counts = [replications if only is None or i in only else 0 for i in range(len(points))]
    return build_specs(points.to_dict("records"), counts, base_seed=settings.base_seed, region=county_region(),
                       weeks=settings.weeks, common_seeds=True)


def summarise(runs: pd.DataFrame, with_gap: bool = True) -> pd.DataFrame:
    """Per point: mean shares, the health gap with its 95% interval, the distance and acceptance."""
    runs = runs.assign(health_gap=runs["health_working_well_share"] - runs["community_safety_working_well_share"])
    g = runs.groupby("point")
    out = g[list(UNCERTAIN)].first()
    for name in ("working_well_share", "not_working_share", "health_gap", "delivered_share", "abandoned_share"):
        out[name] = g[name].mean()
    out["replications"] = g.size()
    half = 1.96 * g["health_gap"].std(ddof=1) / np.sqrt(out["replications"])
    out["health_gap_low"], out["health_gap_high"] = out["health_gap"] - half, out["health_gap"] + half
    terms = [k for k in TARGETS if with_gap or k != "health_gap"]
    out["distance"] = np.sqrt(sum(((out[k] - TARGETS[k]) / SCALES[k]) ** 2 for k in terms))
    out["accepted"] = ((out["working_well_share"] - TARGETS["working_well_share"]).abs() <= TOLERANCE) & \
                      ((out["not_working_share"] - TARGETS["not_working_share"]).abs() <= TOLERANCE) & \
                      (out["health_gap_high"] < 0)
    return out.sort_values("distance")


@dataclass
class Calibration:
    screen: pd.DataFrame
    confirm: pd.DataFrame
    best: dict

    def write(self, folder: Path) -> None:
        self.screen.to_csv(folder / "calibration_screen.csv")
        self.confirm.to_csv(folder / "calibration_confirm.csv")
        (folder / "calibrated.json").write_text(json.dumps(self.best, indent=2, default=float))


def calibrate(out: Path, settings: CalibrationSettings | None = None, workers: int | None = None) -> Calibration:
    """Run both stages into ``out`` (resumable) and return the tables and the chosen point."""
    settings = settings or CalibrationSettings()
    points = design(settings)
    text = json.dumps({"uncertain": UNCERTAIN, "points": settings.points, "base_seed": settings.base_seed,
                       "weeks": settings.weeks}, sort_keys=True)
    screen_runs = execute(specs(points, settings.screen_replications, settings), out / "screen",
                          workers=workers, resume=True, manifest={"kind": "calibration", "text": text},
                          label="calibration screen")
    screen = summarise(screen_runs, with_gap=False)
    finalists = [int(i) for i in screen.index[:settings.finalists]]
    confirm_runs = execute(specs(points, settings.confirm_replications, settings, only=finalists), out / "confirm",
                           workers=workers, resume=True, manifest={"kind": "calibration-confirm", "text": text},
                           label="calibration confirm")
    confirm = summarise(confirm_runs)
    pool = confirm[confirm["accepted"]] if confirm["accepted"].any() else confirm
    chosen = pool.sort_values("distance").iloc[0]
    best: dict[str, Any] = {"point": int(chosen.name), "accepted": bool(chosen["accepted"]),
            "parameters": {k: (int(chosen[k]) if PARAMETERS[k].kind == "int" else round(float(chosen[k]), 4))
                           for k in UNCERTAIN},
            **{k: float(chosen[k]) for k in ("working_well_share", "not_working_share", "health_gap",
                                             "health_gap_low", "health_gap_high", "distance", "replications")}}
    if not math.isfinite(best["distance"]):
        raise RuntimeError("calibration produced no finite distance")
    return Calibration(screen, confirm, best)
