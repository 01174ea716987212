"""One function builds and runs a model, for the CLI, the sweeps, the validation and the tests.

A study's runs reach it from :mod:`experiments.runs`, each described by an
:class:`experiments.spec.RunSpec` (the same arguments, plus where the run sits in its study). A
study's worker calls :func:`run_columns`, which returns the per-run tables as NumPy arrays; the
driver makes them into tables (:data:`TABLE_FRAMES`), so no DataFrame is pickled between them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from partnerships.model.interventions import Intervention
from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
from partnerships.model.outcomes import (
    model_columns,
    model_series,
    project_columns,
    project_frame,
    project_table,
    summary,
    weekly_columns,
    weekly_frame,
    weekly_series,
)
from partnerships.model.scenarios import RegionSpec

if TYPE_CHECKING:
    import pandas as pd

Columns = dict[str, np.ndarray]

#: Each per-run table (:data:`experiments.spec.TABLES`): its columns as arrays, from a model that has run ...
TABLE_COLUMNS: dict[str, Callable[[PartnershipModel], Columns]] = {
    "model_weekly": model_columns, "project_weekly": weekly_columns, "projects": project_columns}


def model_frame(columns: Columns) -> pd.DataFrame:
    """:func:`model.outcomes.model_series` from :func:`model.outcomes.model_columns` (``pd.DataFrame(columns)``)."""
    import pandas as pd  # here, not at the top: a run that makes no table does not import pandas

    return pd.DataFrame(columns)


#: ... and the table from those columns (of one run, or of several runs' columns concatenated).
TABLE_FRAMES: dict[str, Callable[[Columns], pd.DataFrame]] = {
    "model_weekly": model_frame, "project_weekly": weekly_frame, "projects": project_frame}


class _Table:
    """A table attribute of :class:`RunResult`: the table given, or an empty DataFrame made when first read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, result: RunResult, owner: type | None = None) -> pd.DataFrame:
        table = result._tables[self.name]
        if table is None:
            import pandas as pd  # here, not at the top: a run that makes no table does not import pandas

            table = result._tables[self.name] = pd.DataFrame()
        return table

    def __set__(self, result: RunResult, table: pd.DataFrame) -> None:
        result._tables[self.name] = table


class RunResult:
    """What one run produced: the summary row, the project table and the weekly series.

    A table not given (``run_one(..., tables=False)``, or ``series=False`` for ``weekly``) is an empty
    DataFrame, made when first read, so that a run that prints only its summary does not import pandas.
    """

    __slots__ = ("summary", "_tables")
    projects = _Table()
    weekly = _Table()
    model_weekly = _Table()

    def __init__(self, summary: dict[str, Any], projects: pd.DataFrame | None = None, weekly: pd.DataFrame | None = None,
                 model_weekly: pd.DataFrame | None = None) -> None:
        self.summary = summary
        self._tables = {"projects": projects, "weekly": weekly, "model_weekly": model_weekly}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}={'empty' if table is None else f'{len(table)} rows'}"
                           for name, table in self._tables.items())
        return f"RunResult(summary={self.summary!r}, {shapes})"


def _run(parameters: Mapping[str, Any] | None, seed: int, weeks: int, region: str | Path | RegionSpec,
         interventions: tuple[Intervention, ...], series: bool) -> tuple[PartnershipModel, dict[str, Any]]:
    model = PartnershipModel(region, rng=seed, interventions=interventions, record_series=series,
                             **(parameters or {}))
    model.run_for(weeks)
    return model, summary(model) | {"seed": seed, "weeks": weeks, "scenario": model.spec.name} | model.params


def run_one(parameters: Mapping[str, Any] | None = None, seed: int = 0, weeks: int = DEFAULT_WEEKS,
            region: str | Path | RegionSpec = "county", interventions: tuple[Intervention, ...] = (),
            series: bool = True, tables: bool = True) -> RunResult:
    """Build a :class:`PartnershipModel` with ``parameters`` and ``seed``, step it ``weeks`` times.

    The summary holds every outcome of :data:`model.outcomes.SUMMARY_FIELDS`, the seed, the weeks
    and every parameter's value. ``series=False`` skips the per-project weekly table; ``tables=False``
    returns the summary alone (the same summary), with empty tables.
    """
    series = series and tables
    model, row = _run(parameters, seed, weeks, region, interventions, series)
    if not tables:
        return RunResult(row)
    return RunResult(row, project_table(model), weekly_series(model) if series else None, model_series(model))


def run_columns(parameters: Mapping[str, Any] | None = None, seed: int = 0, weeks: int = DEFAULT_WEEKS,
                region: str | Path | RegionSpec = "county", interventions: tuple[Intervention, ...] = (),
                tables: Collection[str] = ()) -> tuple[dict[str, Any], dict[str, Columns]]:
    """As :func:`run_one`: the summary, and each of ``tables`` (names in :data:`TABLE_COLUMNS`) as its columns
    (``TABLE_FRAMES[name](columns)`` is the table :func:`run_one` returns); the weekly series of every project is
    recorded only if ``"project_weekly"`` is asked for."""
    model, row = _run(parameters, seed, weeks, region, interventions, "project_weekly" in tables)
    return row, {name: TABLE_COLUMNS[name](model) for name in tables}
