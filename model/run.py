"""One function builds and runs a model, for the CLI, the sweeps, the validation and the tests."""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from importlib import metadata
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


def run_one(parameters: dict[str, Any] | None = None, seed: int = 0, weeks: int = DEFAULT_WEEKS,
            region: str | Path | RegionSpec = "county", interventions: tuple[Intervention, ...] = (),
            series: bool = True) -> RunResult:
    """Build a :class:`PartnershipModel` with ``parameters`` and ``seed``, step it ``weeks`` times.

    The summary holds every outcome of :data:`model.outcomes.SUMMARY_FIELDS`, the seed, the weeks
    and every parameter's value. ``series=False`` skips the per-project weekly table.
    """
    model = PartnershipModel(region, rng=seed, interventions=interventions, record_series=series,
                             **(parameters or {}))
    model.run_for(weeks)
    row = summary(model) | {"seed": seed, "weeks": weeks, "scenario": model.spec.name} | model.params
    return RunResult(row, project_table(model), weekly_series(model) if series else pd.DataFrame(), model_series(model))


def model_fingerprint() -> str:
    """sha256 of the model's source (``model/`` and ``agents/``): results from different code differ."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("model/**/*.py"), *root.glob("agents/**/*.py")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on (for provenance)."""
    out = {"python": platform.python_version()}
    for package in ("partnerships", "mesa", "numpy", "numba", "pandas", "pyarrow"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out
