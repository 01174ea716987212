"""One function builds and runs a model, for the CLI, the sweeps, the validation and the tests.

A study's runs reach it from :mod:`experiments.runs`, each described by an
:class:`experiments.spec.RunSpec` (the same arguments, plus where the run sits in its study).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from partnerships.model.interventions import Intervention
from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
from partnerships.model.outcomes import model_series, project_table, summary, weekly_series
from partnerships.model.scenarios import RegionSpec


@dataclass
class RunResult:
    """What one run produced: the summary row, the project table and the weekly series."""

    summary: dict[str, Any]
    projects: pd.DataFrame
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_weekly: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_one(parameters: Mapping[str, Any] | None = None, seed: int = 0, weeks: int = DEFAULT_WEEKS,
            region: str | Path | RegionSpec = "county", interventions: tuple[Intervention, ...] = (),
            series: bool = True, tables: bool = True) -> RunResult:
    """Build a :class:`PartnershipModel` with ``parameters`` and ``seed``, step it ``weeks`` times.

    The summary holds every outcome of :data:`model.outcomes.SUMMARY_FIELDS`, the seed, the weeks
    and every parameter's value. ``series=False`` skips the per-project weekly table; ``tables=False``
    returns the summary alone (the same summary), with empty tables.
    """
    series = series and tables
    model = PartnershipModel(region, rng=seed, interventions=interventions, record_series=series,
                             **(parameters or {}))
    model.run_for(weeks)
    row = summary(model) | {"seed": seed, "weeks": weeks, "scenario": model.spec.name} | model.params
    if not tables:
        return RunResult(row, pd.DataFrame())
    return RunResult(row, project_table(model), weekly_series(model) if series else pd.DataFrame(), model_series(model))
