"""Scenarios: which organisations exist, which projects they run together, and how the run starts.

A :class:`RegionSpec` is what a scenario file (TOML) says. :func:`build_region` turns a spec,
validated parameter values and the model's random generator into the state arrays. A region is a
set of *areas*, each county-like (a county council, districts, health bodies, police, voluntary
groups, a business partnership, a government agency) with its own projects; the default scenario
is one area with ten projects, and :func:`synthetic_region` tiles areas to reach up to 100,000
organisations and 10,000 projects.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field

from partnerships.model.codes import OrgKind, Stage, Theme
from partnerships.model.errors import InputError
from partnerships.model.interventions import ACTIONS, CONDITIONS, Intervention
from partnerships.model.schema import MAX_WEEKS, FileCheck, Table, one_of
from partnerships.model.state import Memberships, Organisations, Pairs, Projects, Relationships

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"
MAX_ORGANISATIONS = 200_000
MAX_PROJECTS = 20_000


class RegionError(InputError):
    """A scenario file or specification the model cannot use (message is one line)."""


#: Organisations in one default county-like area (model brief: a county, several districts, ...).
COUNTY_COMPOSITION: dict[OrgKind, int] = {
    OrgKind.COUNTY_COUNCIL: 1,
    OrgKind.DISTRICT_COUNCIL: 7,
    OrgKind.UNITARY_COUNCIL: 0,
    OrgKind.HEALTH_BODY: 3,
    OrgKind.POLICE: 1,
    OrgKind.VOLUNTARY_GROUP: 6,
    OrgKind.BUSINESS_PARTNERSHIP: 1,
    OrgKind.GOVERNMENT_AGENCY: 1,
}
COMPOSITION_KEYS = {kind.name.lower(): kind for kind in OrgKind}

#: Default mix of project themes, in the order the default county's ten projects take them.
THEME_CYCLE = (Theme.COMMUNITY_SAFETY, Theme.HEALTH_AND_CARE, Theme.ECONOMIC_GROWTH, Theme.HOUSING_AND_PLANNING,
               Theme.COMMUNITY_SAFETY, Theme.HEALTH_AND_CARE, Theme.ENVIRONMENT_AND_WASTE, Theme.SHARED_SERVICES,
               Theme.ECONOMIC_GROWTH, Theme.HOUSING_AND_PLANNING)

#: Who takes part in a project of each theme: (kind, fewest, most), the lead drawn from the first kind.
THEME_MEMBERS: dict[Theme, tuple[tuple[OrgKind, int, int], ...]] = {
    Theme.COMMUNITY_SAFETY: ((OrgKind.POLICE, 1, 1), (OrgKind.DISTRICT_COUNCIL, 1, 3),
                             (OrgKind.COUNTY_COUNCIL, 1, 1), (OrgKind.VOLUNTARY_GROUP, 1, 2)),
    Theme.HEALTH_AND_CARE: ((OrgKind.HEALTH_BODY, 1, 2), (OrgKind.COUNTY_COUNCIL, 1, 1),
                            (OrgKind.UNITARY_COUNCIL, 0, 1), (OrgKind.DISTRICT_COUNCIL, 1, 2),
                            (OrgKind.VOLUNTARY_GROUP, 1, 1)),
    Theme.ECONOMIC_GROWTH: ((OrgKind.BUSINESS_PARTNERSHIP, 1, 1), (OrgKind.COUNTY_COUNCIL, 1, 1),
                            (OrgKind.DISTRICT_COUNCIL, 2, 3), (OrgKind.GOVERNMENT_AGENCY, 0, 1)),
    Theme.HOUSING_AND_PLANNING: ((OrgKind.DISTRICT_COUNCIL, 2, 4), (OrgKind.COUNTY_COUNCIL, 1, 1)),
    Theme.ENVIRONMENT_AND_WASTE: ((OrgKind.DISTRICT_COUNCIL, 3, 5), (OrgKind.COUNTY_COUNCIL, 1, 1)),
    Theme.SHARED_SERVICES: ((OrgKind.DISTRICT_COUNCIL, 2, 3), (OrgKind.VOLUNTARY_GROUP, 0, 1)),
}

# Organisation traits by kind (assumptions, documented in docs/ODD.md):
# capacity officer-days/week, resources £k, risk-appetite shift, selflessness shift, culture (0 hierarchical - 1 adaptive)
KIND_TRAITS: dict[OrgKind, tuple[float, float, float, float, float]] = {
    OrgKind.DISTRICT_COUNCIL: (1.5, 300.0, 0.0, 0.15, 0.6),  # INLOGOV 2015, §3 'Selflessness': districts selfless place-shapers
    OrgKind.COUNTY_COUNCIL: (3.0, 2000.0, -0.05, -0.05, 0.4),
    OrgKind.UNITARY_COUNCIL: (3.0, 1500.0, 0.0, 0.0, 0.5),
    # Young Foundation 2008, §2: "driven by national directives and looking up rather than out"
    OrgKind.HEALTH_BODY: (0.4, 3000.0, -0.2, -0.15, 0.15),
    OrgKind.POLICE: (2.0, 1000.0, -0.05, 0.0, 0.3),
    OrgKind.VOLUNTARY_GROUP: (1.0, 50.0, 0.1, 0.05, 0.8),
    OrgKind.BUSINESS_PARTNERSHIP: (1.2, 500.0, 0.15, -0.1, 0.8),
    OrgKind.GOVERNMENT_AGENCY: (1.5, 2000.0, -0.15, -0.1, 0.15),
}
POOLED_SHARE = 0.02  # share of each member's resources pooled into a new project (assumption)


def sector_baseline_trust(kind_a: int, kind_b: int, sector_trust_gap: float) -> float:
    """Starting trust between two kinds of organisation (INLOGOV 2015, §3 'Trust'; Young Foundation 2008, §2:
    councils find health bodies and central agencies the hardest partners; community-safety partners, police and
    councils, the easiest)."""
    a, b = OrgKind(kind_a).sector, OrgKind(kind_b).sector
    pair = frozenset((a, b))
    if pair in ({"council", "health"}, {"council", "government"}, {"health", "government"}):
        return 0.4 - sector_trust_gap
    if pair in ({"council"}, {"council", "police"}):
        return 0.5
    if "voluntary" in pair and ("council" in pair or "police" in pair):
        return 0.45
    return 0.4


@functools.lru_cache(maxsize=8)
def baseline_trust_table(sector_trust_gap: float) -> np.ndarray:
    """:func:`sector_baseline_trust` for every pair of kinds (read-only; looked up for each new relationship)."""
    table = np.array([[sector_baseline_trust(a, b, sector_trust_gap) for b in OrgKind] for a in OrgKind])
    table.flags.writeable = False
    return table


@dataclass(frozen=True)
class RegionSpec:
    """A region to simulate: areas of organisations and their projects, plus overrides and interventions."""

    name: str = "county"
    description: str = "One county-like area: a county council, seven districts, three health bodies, police, " \
                       "six voluntary groups, a business partnership and a government agency; ten projects."
    areas: int = 1
    composition: dict[OrgKind, int] = field(default_factory=lambda: dict(COUNTY_COMPOSITION))
    projects_per_area: int = 10
    extra_projects: int = 0  # projects spread over the first areas when the total does not divide evenly
    parameters: dict[str, Any] = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()

    @property
    def n_organisations(self) -> int:
        return self.areas * sum(self.composition.values())

    @property
    def n_projects(self) -> int:
        return self.areas * self.projects_per_area + self.extra_projects


def county_region() -> RegionSpec:
    """The default county-like scenario (about twenty organisations, ten concurrent projects)."""
    return RegionSpec()


def synthetic_region(organisations: int, projects: int) -> RegionSpec:
    """A large synthetic region: county-like areas tiled to about ``organisations`` and exactly ``projects``."""
    per_area = sum(COUNTY_COMPOSITION.values())
    if not 2 <= organisations <= MAX_ORGANISATIONS:
        raise RegionError(f"organisations = {organisations}: allowed a whole number from 2 to {MAX_ORGANISATIONS:,}")
    if not 1 <= projects <= MAX_PROJECTS:
        raise RegionError(f"projects = {projects}: allowed a whole number from 1 to {MAX_PROJECTS:,}")
    areas = max(1, math.ceil(organisations / per_area))
    return RegionSpec(
        name=f"synthetic-{organisations}-{projects}",
        description=f"Synthetic region of {areas} county-like areas ({areas * per_area} organisations, {projects} projects).",
        areas=areas, projects_per_area=projects // areas, extra_projects=projects % areas,
    )


BUILT_IN = {"county": county_region}


def load_region(source: str | Path | None) -> RegionSpec:
    """A built-in region by name (``county``), or a scenario file; raises a one-line :class:`RegionError`.

    A name that is neither built in nor a file is looked for as ``experiments/scenarios/<name>.toml``.
    """
    if source is None:
        return county_region()
    if str(source) in BUILT_IN:
        return BUILT_IN[str(source)]()
    path = Path(source)
    if not path.exists() and (SCENARIO_DIR / f"{source}.toml").exists():
        path = SCENARIO_DIR / f"{source}.toml"
    if not path.is_file():
        raise RegionError(f"scenario '{source}' not found: allowed a scenario file (TOML) or a built-in name "
                          f"({', '.join(sorted(BUILT_IN))})")
    check = FileCheck(str(path), RegionError)
    return _region(check, check.read(path)[1])


def find_region(source: str, base_dir: Path | None = None, named_by: tuple[FileCheck, str] | None = None,
                ) -> tuple[str, RegionSpec]:
    """A scenario named inside another file: a built-in name, a path relative to ``base_dir`` (that file's
    folder), to the working folder or to ``experiments/scenarios/``, or a name there without ``.toml``.

    Returns the scenario's source (a file as an absolute path) and its spec. ``named_by`` (the naming
    file's check and the field that names the scenario) words an error as that file's field.
    """
    found = source
    if source not in BUILT_IN:
        for candidate in [*([base_dir / source] if base_dir is not None else []), Path(source), SCENARIO_DIR / source,
                          SCENARIO_DIR / f"{source}.toml"]:
            if candidate.is_file():
                found = str(candidate.resolve())
                break
    try:
        return found, load_region(found)
    except RegionError as err:
        if named_by is None:
            raise
        check, path = named_by
        raise check.inner(path, source, err) from None


def region_from_dict(data: dict[str, Any], origin: str = "scenario") -> RegionSpec:
    """The spec of a scenario file's parsed tables (``[scenario]``, ``[parameters]``, ``[[interventions]]``)."""
    return _region(FileCheck(origin, RegionError), data)


# --- the scenario file ----------------------------------------------------------------------------------
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


def _region(check: FileCheck, data: dict[str, Any]) -> RegionSpec:
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
    return Intervention(action=entry.action, week=entry.week, when=entry.when, project=entry.project,
                        organisation=entry.organisation, amount=entry.amount)


@dataclass
class Region:
    """The state arrays of a freshly built region, plus names and the pair-to-relationship index."""

    orgs: Organisations
    projects: Projects
    memberships: Memberships
    relationships: Relationships
    pairs: Pairs
    org_names: list[str]
    area_of_org: np.ndarray
    relationship_index: dict[tuple[int, int], int]

    def orgs_in_area(self, area: int) -> np.ndarray:
        """Indices of the organisations of ``area`` (areas are contiguous blocks of organisations)."""
        first, last = np.searchsorted(self.area_of_org, [area, area + 1])
        return np.arange(first, last)


def _clip01(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0)


def new_representatives(n: int, culture: np.ndarray, autonomy_mean: float, rng: np.random.Generator):
    """Draw ``n`` representatives' (autonomy, presence, skill): adaptive cultures empower more (Rallying Together, §3)."""
    autonomy = _clip01(autonomy_mean + 0.3 * (culture - 0.5) + 0.15 * rng.standard_normal(n))
    presence = rng.beta(8.0, 2.0, n)
    skill = rng.beta(2.0, 2.0, n)
    return autonomy, presence, skill


def build_region(spec: RegionSpec, params: dict[str, Any], rng: np.random.Generator) -> Region:
    """Create organisations, projects, memberships and relationships for ``spec`` (all draws from ``rng``)."""
    kinds_per_area = np.concatenate([np.full(n, int(k), dtype=np.int8) for k, n in spec.composition.items() if n > 0])
    kind = np.tile(kinds_per_area, spec.areas)
    area_of_org = np.repeat(np.arange(spec.areas, dtype=np.int32), len(kinds_per_area))
    n = len(kind)
    traits = np.array([KIND_TRAITS[OrgKind(k)] for k in range(len(OrgKind))])
    base_capacity = traits[kind, 0] * rng.lognormal(0.0, 0.3, n)
    resources = traits[kind, 1] * rng.lognormal(0.0, 0.5, n)
    risk_appetite = _clip01(rng.beta(2.0, 3.0, n) + (params["risk_appetite_mean"] - 0.4) + traits[kind, 2])
    selflessness = _clip01(rng.beta(2.0, 4.0, n) + (params["selflessness_mean"] - 1 / 3) + traits[kind, 3])
    culture = _clip01(traits[kind, 4] + 0.15 * rng.standard_normal(n))
    autonomy, presence, skill = new_representatives(n, culture, params["autonomy_mean"], rng)
    orgs = Organisations(
        kind=kind, base_capacity=base_capacity, capacity=base_capacity * (1.0 - params["financial_pressure"]),
        resources=resources, risk_appetite=risk_appetite, selflessness=selflessness, culture=culture,
        rep_tenure=rng.integers(0, 260, n).astype(np.int32), rep_autonomy=autonomy, rep_presence=presence,
        rep_skill=skill, rep_generation=np.ones(n, dtype=np.int32),
    )
    counters: dict[int, int] = {}
    names = []
    for k in kind:
        counters[k] = counters.get(k, 0) + 1
        names.append(f"{OrgKind(k).label.title()} {counters[k]}")

    projects_in_area = np.full(spec.areas, spec.projects_per_area, dtype=np.int64)
    projects_in_area[: spec.extra_projects] += 1
    members_of_project: list[np.ndarray] = []
    themes: list[int] = []
    leads: list[int] = []
    area_start = np.arange(spec.areas) * len(kinds_per_area)
    by_kind_offsets = {k: np.flatnonzero(kinds_per_area == k) for k in np.unique(kinds_per_area)}
    synthetic = spec.areas > 1
    for area in range(spec.areas):
        for j in range(projects_in_area[area]):
            theme = THEME_CYCLE[rng.integers(len(THEME_CYCLE))] if synthetic else THEME_CYCLE[j % len(THEME_CYCLE)]
            chosen: list[int] = []
            for member_kind, fewest, most in THEME_MEMBERS[theme]:
                pool = by_kind_offsets.get(int(member_kind))
                if pool is None:
                    continue
                take = min(len(pool), int(rng.integers(fewest, most + 1)))
                chosen.extend(area_start[area] + rng.choice(pool, size=take, replace=False))
            if len(chosen) < 2:  # an area lacking the theme's kinds: fill with any others
                others = np.setdiff1d(np.arange(len(kinds_per_area)) + area_start[area], chosen)
                chosen.extend(rng.choice(others, size=min(len(others), 2 - len(chosen)), replace=False))
            members_of_project.append(np.array(chosen, dtype=np.int32))
            themes.append(int(theme))
            leads.append(int(chosen[0]))

    region = Region(orgs=orgs, projects=Projects.empty(), memberships=Memberships.empty(),
                    relationships=Relationships.empty(), pairs=Pairs.empty(), org_names=names,
                    area_of_org=area_of_org, relationship_index={})
    rows = _new_rows()
    for theme, lead, members in zip(themes, leads, members_of_project):
        _start_project(region, rows, params, rng, theme=theme, lead=lead, members=members, week=0, parent=-1)
    _flush(region, rows)
    return region


def _append_rows(table, rows: list[dict[str, Any]]) -> None:
    if rows:
        table.append(**{key: [row[key] for row in rows] for key in rows[0]})


def _relationship(region: Region, rows, a: int, b: int, params: dict[str, Any], rng: np.random.Generator) -> tuple[int, float]:
    """Index and combined trust of the relationship between ``a`` and ``b``; a new one starts at its sector baseline."""
    from partnerships.model.state import combined_trust

    key = (min(a, b), max(a, b))
    index = region.relationship_index.get(key)
    if index is not None:
        if index < len(region.relationships):
            rel = region.relationships
            return index, float(combined_trust(rel.interpersonal[index], rel.institutional[index]))
        row = rows["relationships"][index - len(region.relationships)]
        return index, float(combined_trust(row["interpersonal"], row["institutional"]))
    base = baseline_trust_table(params["sector_trust_gap"])[region.orgs.kind[a], region.orgs.kind[b]]
    row = {"a": key[0], "b": key[1], "interpersonal": min(1.0, base * rng.uniform(0.7, 1.3)), "institutional": 0.3 * base}
    index = len(region.relationships) + len(rows["relationships"])
    rows["relationships"].append(row)
    region.relationship_index[key] = index
    return index, float(combined_trust(row["interpersonal"], row["institutional"]))


def _start_project(region: Region, rows, params: dict[str, Any], rng: np.random.Generator, *, theme: int, lead: int,
                   members: np.ndarray, week: int, parent: int, ambition: float | None = None) -> int:
    """Queue a new project and its memberships and pairs in ``rows``; returns the project's index.

    First projects start modest: ambition grows with the members' trust (PAS 2007, 'the trust-building loop', p. 13).
    """
    project = len(region.projects) + len(rows["projects"])
    first_membership = len(region.memberships) + len(rows["memberships"])
    trusts = []
    for i, a in enumerate(members):
        for j in range(i):
            rel, trust = _relationship(region, rows, int(members[j]), int(a), params, rng)
            trusts.append(trust)
            rows["pairs"].append({"project": project, "rel": rel, "ma": first_membership + j, "mb": first_membership + i})
    trust = float(np.mean(trusts)) if trusts else 0.0
    if ambition is None:
        ambition = params["ambition"] * rng.uniform(0.8, 1.2) * (0.75 + 0.5 * trust)
    orgs = region.orgs
    lead_decides = bool(rng.random() < params["lead_decides_share"])
    has_champion = rng.random() < params["champion_share"]
    rows["projects"].append(dict(
        theme=theme, stage=int(Stage.INITIATING), stage_before_stall=int(Stage.INITIATING), momentum=0.5,
        ambition=ambition, progress=0.0, lead=lead,
        # PAS 2007, 'resourcing collaboration', p. 25: the partner investing most sponsors
        sponsor=int(members[np.argmax(orgs.resources[members])]),
        champion=int(members[np.argmax(orgs.rep_skill[members])]) if has_champion else -1,
        has_manager=bool(rng.random() < params["project_manager_share"]), lead_decides=lead_decides,
        equitable=bool(rng.random() < params["equitable_share"]),
        governance_level=int(rng.integers(4, 7)) if lead_decides else int(rng.integers(1, 4)),
        next_meeting=week + 1, deferred_until=-1, obstacle=0.0, catalyst_until=-1, external_funds=0.0,
        external_received=0.0, pooled_funds=POOLED_SHARE * float(orgs.resources[members].sum()), costs=0.0,
        benefits=0.0, stalls=0, stalled_since=-1, gate_refusals=0, started=week, delivered_week=-1, closed_week=-1,
        parent=parent, first_stall_week=-1, action_quality=0.5,
    ))
    for org in members:
        rows["memberships"].append(_membership_row(region, project, int(org), week, rng))
    return project


def _membership_row(region: Region, project: int, org: int, week: int, rng: np.random.Generator) -> dict[str, Any]:
    commitment = float(np.clip(0.55 + 0.3 * region.orgs.selflessness[org] + 0.1 * rng.standard_normal(), 0.25, 1.0))
    return dict(project=project, org=org, active=True, commitment=commitment, contribution=0.0, benefit=0.0,
                attended=False, joined=week)


def _new_rows() -> dict[str, list[dict[str, Any]]]:
    return {"projects": [], "memberships": [], "relationships": [], "pairs": []}


def _flush(region: Region, rows) -> None:
    for name in ("projects", "memberships", "relationships", "pairs"):
        _append_rows(getattr(region, name), rows[name])


def start_project(region: Region, params: dict[str, Any], rng: np.random.Generator, *, theme: int, lead: int,
                  members: np.ndarray, week: int, parent: int, ambition: float | None = None) -> int:
    """Start a project during a run (a follow-on); returns its index."""
    rows = _new_rows()
    index = _start_project(region, rows, params, rng, theme=theme, lead=lead, members=members, week=week,
                           parent=parent, ambition=ambition)
    _flush(region, rows)
    return index


def add_members(region: Region, joiners: list[tuple[int, int]], week: int, params: dict[str, Any],
                rng: np.random.Generator) -> None:
    """Late joiners: each ``(project, org)`` joins with a pair to every active co-member (one project each)."""
    rows = _new_rows()
    mem = region.memberships
    for project, org in joiners:
        index = len(mem) + len(rows["memberships"])
        for m in np.flatnonzero((mem.project == project) & mem.active):
            rel, _ = _relationship(region, rows, int(mem.org[m]), org, params, rng)
            rows["pairs"].append({"project": project, "rel": rel, "ma": int(m), "mb": index})
        rows["memberships"].append(_membership_row(region, project, org, week, rng))
    _flush(region, rows)
