"""The scenario file (TOML): its tables, checked by :mod:`model.schema` (pydantic), and the region spec they make.

Imported only when a scenario file (or a dict of its tables) is read, so that a run of a built-in region does
not import pydantic; :func:`model.scenarios.load_region` is the way in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from partnerships.model.interventions import ACTIONS, CONDITIONS, Intervention, amount_allowed
from partnerships.model.schema import MAX_WEEKS, FileCheck, Table, one_of
from partnerships.model.scenarios import (
    COMPOSITION_KEYS,
    COUNTY_COMPOSITION,
    MAX_ORGANISATIONS,
    MAX_PROJECTS,
    RegionSpec,
    synthetic_region,
)

__all__ = ["FileCheck", "read_region"]


class _Area(Table):
    """The ``[scenario]`` table: county-like areas tiled (areas, projects_per_area, composition), or a
    synthetic region of about ``organisations`` organisations and exactly ``projects`` projects."""

    name: str | None = None
    description: str | None = None
    organisations: Annotated[int, Field(ge=2, le=MAX_ORGANISATIONS)] | None = None
    projects: Annotated[int, Field(ge=1, le=MAX_PROJECTS)] | None = None
    areas: Annotated[int, Field(ge=1, le=10_000)] | None = None
    projects_per_area: Annotated[int, Field(ge=1, le=1000)] | None = None
    composition: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=dict)


class _InterventionEntry(Table):
    """One ``[[interventions]]`` entry (see :mod:`model.interventions`)."""

    action: Annotated[str, one_of(ACTIONS, "intervention action")]
    week: Annotated[int, Field(ge=0, le=MAX_WEEKS)] | None = None
    when: Annotated[str, one_of(CONDITIONS, "intervention condition")] | None = None
    project: Annotated[int, Field(ge=0, le=MAX_PROJECTS)] | None = None
    organisation: Annotated[int, Field(ge=0, le=MAX_ORGANISATIONS)] | None = None
    amount: Annotated[float, Field(ge=0)] | None = None


class _ScenarioFile(Table):
    KEY: ClassVar[str] = "table"

    scenario: _Area = _Area()
    parameters: dict[str, Any] = Field(default_factory=dict)
    interventions: list[_InterventionEntry] = Field(default_factory=list)


TILING = ("areas", "projects_per_area", "composition")


def read_region(check: FileCheck, data: dict[str, Any]) -> RegionSpec:
    """The spec of a scenario file's parsed tables, checked by ``check``."""
    file = check.structure(_ScenarioFile, data)
    table = file.scenario
    tiled = [key for key in TILING if key in table.model_fields_set]
    if table.organisations is not None or table.projects is not None:
        if tiled:
            raise check.fail(f"scenario.{tiled[0]}", getattr(table, tiled[0]), "either organisations and projects "
                             "(a synthetic region) or areas, projects_per_area and composition, not both")
        spec = synthetic_region(table.organisations or 20, table.projects or 10)
    else:
        spec = _tiled(check, table)
    interventions = tuple(_intervention(check, f"interventions[{i + 1}]", entry)
                          for i, entry in enumerate(file.interventions))
    return RegionSpec(name=table.name or Path(check.origin).stem, description=table.description or spec.description,
                      areas=spec.areas, composition=spec.composition, projects_per_area=spec.projects_per_area,
                      extra_projects=spec.extra_projects, parameters=check.parameters("parameters", file.parameters),
                      interventions=interventions)


def _tiled(check: FileCheck, table: _Area) -> RegionSpec:
    composition = dict(COUNTY_COMPOSITION)
    for key, count in table.composition.items():
        composition[COMPOSITION_KEYS[check.name("scenario.composition", key, COMPOSITION_KEYS, "organisation kind")]] \
            = count
    per_area = sum(composition.values())
    if per_area < 2:
        raise check.fail("scenario.composition", table.composition, "at least 2 organisations in an area")
    spec = RegionSpec(areas=table.areas or 1, projects_per_area=table.projects_per_area or 10, composition=composition)
    if spec.n_organisations > MAX_ORGANISATIONS:
        raise check.fail("scenario.areas", spec.areas, f"at most {MAX_ORGANISATIONS:,} organisations in all "
                         f"({spec.areas:,} areas of {per_area} make {spec.n_organisations:,})")
    if spec.n_projects > MAX_PROJECTS:
        raise check.fail("scenario.projects_per_area", spec.projects_per_area, f"at most {MAX_PROJECTS:,} projects "
                         f"in all ({spec.areas:,} areas of {spec.projects_per_area} make {spec.n_projects:,})")
    return spec


def _intervention(check: FileCheck, path: str, entry: _InterventionEntry) -> Intervention:
    if (entry.week is None) == (entry.when is None):
        raise check.fail(path, entry.model_dump(exclude_none=True), "exactly one of week = N or when = "
                         + " or ".join(f'"{c}"' for c in CONDITIONS))
    allowed = amount_allowed(entry.action, entry.amount)
    if allowed is not None:
        raise check.fail(f"{path}.amount", entry.amount, allowed)
    return Intervention(action=entry.action, week=entry.week, when=entry.when, project=entry.project,
                        organisation=entry.organisation, amount=entry.amount)


