"""Scenarios: which organisations exist, which projects they run together, and how the run starts.

A :class:`RegionSpec` is what a scenario file (TOML) says. :func:`build_region` turns a spec,
validated parameter values and the model's random generator into the state arrays. A region is a
set of *areas*, each county-like (a county council, districts, health bodies, police, voluntary
groups, a business partnership, a government agency) with its own projects; the default scenario
is one area with ten projects, and :func:`synthetic_region` tiles areas to reach up to
:data:`MAX_ORGANISATIONS` organisations and :data:`MAX_PROJECTS` projects.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from partnerships.model.bounded import FastIntegers
from partnerships.model.codes import OrgKind, Stage, Theme
from partnerships.model.errors import InputError
from partnerships.model.interventions import Intervention
from partnerships.model.kernels.draws import fill_uniform
from partnerships.model.state import Memberships, Organisations, Pairs, Projects, Relationships, combined_trust, group_starts

if TYPE_CHECKING:
    from partnerships.model.schema import FileCheck

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"
#: The largest region a scenario may ask for, stated here once (README.md quotes them; tests/test_reliability.py checks).
#: Measured (benchmarks/README.md, `structure.py`): 52 weeks of 200,000 organisations and 20,000 projects peak at
#: 473 MB resident and 5 s, against 400 MB at 100,000: a few such runs at once fit any machine the project targets.
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
    # neutral traits (issue 10: none set to hit the survey's health gap, which comes from reorganisation, ODD 7.7);
    # a hierarchical culture as Young Foundation 2008, §2: "driven by national directives and looking up rather than out"
    OrgKind.HEALTH_BODY: (2.0, 3000.0, -0.05, 0.0, 0.15),
    OrgKind.POLICE: (2.0, 1000.0, -0.05, 0.0, 0.3),
    OrgKind.VOLUNTARY_GROUP: (1.0, 50.0, 0.1, 0.05, 0.8),
    OrgKind.BUSINESS_PARTNERSHIP: (1.2, 500.0, 0.15, -0.1, 0.8),
    OrgKind.GOVERNMENT_AGENCY: (1.5, 2000.0, -0.15, -0.1, 0.15),
}
POOLED_SHARE = 0.02  # share of each member's resources pooled into a new project (assumption)
# £k a project's sponsorship counts for in its contributions (a chief officer's time and name;
# PAS 2007, 'role of the project sponsor', p. 18; assumption for the amount: about 30 days of a chief officer)
SPONSOR_STAKE = 10.0


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
    from partnerships.model.scenario_file import FileCheck, read_region  # pydantic, only for a file

    check = FileCheck(str(path), RegionError)
    return read_region(check, check.read(path)[1])


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
    from partnerships.model.scenario_file import FileCheck, read_region

    return read_region(FileCheck(origin, RegionError), data)


_FILE_NAMES = ("_Area", "_InterventionEntry", "_ScenarioFile", "TILING")


def __getattr__(name: str) -> Any:
    """The scenario file's tables (:mod:`model.scenario_file`), imported on first use."""
    if name in _FILE_NAMES:
        from partnerships.model import scenario_file

        return getattr(scenario_file, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    # key of the counter-based stream each new membership's aim is drawn from: (the run's stream seed, the stream
    # number); membership row i takes the stream's i-th uniform (draws.fill_uniform at week 0)
    aim_stream: tuple[int, int] = (0, 0)

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


def build_region(spec: RegionSpec, params: dict[str, Any], rng: np.random.Generator,
                 aim_stream: tuple[int, int] = (0, 0)) -> Region:
    """Create organisations, projects, memberships and relationships for ``spec`` (all draws from ``rng``, except
    the memberships' aims, which come from the counter-based stream ``aim_stream``, (seed, stream number), so that
    drawing them changes no other draw)."""
    layout = _layout(spec.areas, tuple(spec.composition.items()))
    orgs = _new_organisations(layout.kind.copy(), params, rng)
    draws = FastIntegers(rng)  # the generator's own integers, in plain Python: cheaper for scalars
    projects = _choose_members(spec, layout, draws)
    region = Region(orgs=orgs, projects=Projects.empty(), memberships=Memberships.empty(),
                    relationships=Relationships.empty(), pairs=Pairs.empty(), org_names=list(layout.names),
                    area_of_org=layout.area_of_org.copy(), relationship_index={}, aim_stream=aim_stream)
    rows = _new_rows(params)
    for theme, members in projects:
        _start_project(region, rows, params, draws, theme=theme, lead=members[0], members=members, week=0, parent=-1)
    draws.close()
    for name, columns in _queued_tables(region, rows):  # each table made at once: cheaper than appending
        setattr(region, name, type(getattr(region, name))(**columns))
    return region


#: KIND_TRAITS as a table, one row per OrgKind code.
_TRAIT_TABLE = np.array([KIND_TRAITS[OrgKind(k)] for k in range(len(OrgKind))])
_TRAIT_TABLE.flags.writeable = False


def _new_organisations(kind: np.ndarray, params: dict[str, Any], rng: np.random.Generator) -> Organisations:
    """Draw the traits of organisations of ``kind`` (int8 OrgKind codes; the array becomes the table's column)."""
    n = len(kind)
    traits = _TRAIT_TABLE[kind]
    base_capacity = traits[:, 0] * rng.lognormal(0.0, 0.3, n)
    resources = traits[:, 1] * rng.lognormal(0.0, 0.5, n)
    risk_appetite = _clip01(rng.beta(2.0, 3.0, n) + (params["risk_appetite_mean"] - 0.4) + traits[:, 2])
    selflessness = _clip01(rng.beta(2.0, 4.0, n) + (params["selflessness_mean"] - 1 / 3) + traits[:, 3])
    culture = _clip01(traits[:, 4] + 0.15 * rng.standard_normal(n))
    autonomy, presence, skill = new_representatives(n, culture, params["autonomy_mean"], rng)
    return Organisations(
        kind=kind, base_capacity=base_capacity, capacity=base_capacity * (1.0 - params["financial_pressure"]),
        resources=resources, risk_appetite=risk_appetite, selflessness=selflessness, culture=culture,
        rep_tenure=rng.integers(0, 260, n).astype(np.int32), rep_autonomy=autonomy, rep_presence=presence,
        rep_skill=skill, rep_generation=np.ones(n, dtype=np.int32),
    )


@dataclass(frozen=True)
class _Layout:
    """Where a region's organisations are: the same for every build of a spec's areas and composition."""

    per_area: int  # organisations in each area
    kind: np.ndarray  # int8 OrgKind code of each organisation (read-only)
    area_of_org: np.ndarray  # int32 area of each organisation (read-only)
    names: tuple[str, ...]  # each organisation's name (_org_names)
    pools: tuple[list[int] | None, ...]  # by OrgKind code: positions within an area of that kind (None: no such)


@functools.lru_cache(maxsize=8)
def _layout(areas: int, composition: tuple[tuple[OrgKind, int], ...]) -> _Layout:
    """The layout of ``areas`` areas, each of ``composition`` ((kind, how many), in the spec's order)."""
    kinds_per_area = np.concatenate([np.full(n, int(k), dtype=np.int8) for k, n in composition if n > 0])
    kind = np.tile(kinds_per_area, areas)
    area_of_org = np.repeat(np.arange(areas, dtype=np.int32), len(kinds_per_area))
    kind.flags.writeable = area_of_org.flags.writeable = False
    pools = [np.flatnonzero(kinds_per_area == k).tolist() for k in range(len(OrgKind))]
    return _Layout(per_area=len(kinds_per_area), kind=kind, area_of_org=area_of_org, names=tuple(_org_names(kind)),
                   pools=tuple(pool or None for pool in pools))


def _choose_members(spec: RegionSpec, layout: _Layout, draws: FastIntegers) -> list[tuple[int, list[int]]]:
    """Each project's theme and members (organisation indices, the lead first), area after area.

    Draws, for each project: its theme (only in a region of several areas), then for each kind of the theme's
    members how many and which ones; in an area lacking the theme's kinds, which others fill it to two.
    """
    projects: list[tuple[int, list[int]]] = []
    synthetic = spec.areas > 1
    for area in range(spec.areas):
        first = area * layout.per_area
        for j in range(spec.projects_per_area + (area < spec.extra_projects)):
            theme = THEME_CYCLE[draws.integers(len(THEME_CYCLE))] if synthetic else THEME_CYCLE[j % len(THEME_CYCLE)]
            chosen: list[int] = []
            for member_kind, fewest, most in THEME_MEMBERS[theme]:
                pool = layout.pools[member_kind]
                if pool is None:
                    continue
                take = min(len(pool), draws.integers(fewest, most + 1))
                chosen.extend([first + pool[k] for k in draws.sample(len(pool), take)])
            if len(chosen) < 2:  # an area lacking the theme's kinds: fill with any others
                others = sorted(set(range(first, first + layout.per_area)) - set(chosen))
                chosen.extend([others[k] for k in draws.sample(len(others), min(len(others), 2 - len(chosen)))])
            projects.append((int(theme), chosen))
    return projects


def _org_names(kind: np.ndarray) -> list[str]:
    """Each organisation's name: its kind and its number among the organisations of that kind ("District council 3")."""
    labels = [OrgKind(k).label.title() for k in range(len(OrgKind))]
    order = np.argsort(kind, kind="stable")
    counts = np.bincount(kind, minlength=len(OrgKind))
    number = np.empty(len(kind), dtype=np.int64)
    number[order] = np.arange(1, len(kind) + 1) - np.repeat(group_starts(kind, len(OrgKind))[:-1], counts)
    return [f"{labels[k]} {i}" for k, i in zip(kind.tolist(), number.tolist())]


class _Rows:
    """What a build or a follow-on queues, in two passes: :func:`_start_project` makes the random draws in their
    order and queues the rows' keys and draws (plain lists
    of numbers, one entry per row, no per-row dicts); :func:`_flush` computes the rows from them, vectorised
    over the whole batch, and appends them."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.n_projects = 0  # queued projects, each with the entries below
        self.p_theme: list[int] = []
        self.p_lead: list[int] = []
        self.p_week: list[int] = []
        self.p_parent: list[int] = []
        self.p_ambition: list[float] = []  # NaN: drawn (from p_ambition_u and the members' trust)
        self.p_ambition_u: list[float] = []  # the uniform for a drawn ambition (NaN when it was given)
        self.p_choices: list[float] = []  # four uniforms each: lead decides, champion, manager, equitable
        self.p_governance: list[int] = []
        self.p_orgs: list[int] = []  # the members of every queued project, project after project
        self.p_members: list[int] = []  # how many members each has
        self.p_pairs: list[int] = []  # how many pairs each has
        self.mem_project: list[int] = []
        self.mem_org: list[int] = []
        self.mem_week: list[int] = []
        self.mem_z: list[np.ndarray] = []  # standard normals drawn for the commitments
        self.rel_a: list[int] = []  # organisations of each new relationship, in the order the pair named them
        self.rel_b: list[int] = []
        self.rel_u: list[np.ndarray] = []  # uniforms drawn for their starting trust
        self.n_relationships = 0
        self.pair_project: list[int] = []
        self.pair_rel: list[int] = []
        self.pair_ma: list[int] = []
        self.pair_mb: list[int] = []


def _queue_pairs(region: Region, rows: _Rows, project: int, orgs_a: list[int], orgs_b: list[int],
                 ma: list[int], mb: list[int]) -> int:
    """Queue the pairs of memberships ``(ma[i], mb[i])`` of organisations ``(orgs_a[i], orgs_b[i])`` in ``project``,
    each with its relationship (a new one numbered after those queued); returns how many relationships are new."""
    index_of = region.relationship_index
    first_new = next_index = len(region.relationships) + rows.n_relationships
    for a, b in zip(orgs_a, orgs_b):
        key = (a, b) if a < b else (b, a)
        found = index_of.get(key)
        if found is None:
            found = index_of[key] = next_index
            next_index += 1
            rows.rel_a.append(a)
            rows.rel_b.append(b)
        rows.pair_rel.append(found)
    rows.pair_project.extend([project] * len(ma))
    rows.pair_ma.extend(ma)
    rows.pair_mb.extend(mb)
    rows.n_relationships = next_index - len(region.relationships)
    return next_index - first_new


def _queue_memberships(rows: _Rows, project: int, orgs: list[int], week: int,
                       rng: np.random.Generator | FastIntegers) -> None:
    """Queue memberships of ``orgs`` in ``project``, drawing one standard normal each for its commitment."""
    rows.mem_project.extend([project] * len(orgs))
    rows.mem_org.extend(orgs)
    rows.mem_week.extend([week] * len(orgs))
    rows.mem_z.append(rng.standard_normal(len(orgs)))


def _start_project(region: Region, rows: _Rows, params: dict[str, Any], rng: np.random.Generator | FastIntegers, *,
                   theme: int, lead: int, members: np.ndarray | list[int], week: int, parent: int,
                   ambition: float | None = None) -> int:
    """Queue a new project and its memberships and pairs in ``rows``; returns the project's index.

    Draws, in order: a uniform for each new relationship's starting trust, one for the ambition (unless given),
    four for the governance and management choices, the governance level, a normal for each member's commitment.
    """
    project = len(region.projects) + rows.n_projects
    first_membership = len(region.memberships) + len(rows.mem_org)
    orgs = [int(org) for org in members]
    j, i = _pair_positions(len(orgs))
    new = _queue_pairs(region, rows, project, [orgs[x] for x in j], [orgs[x] for x in i],
                       [first_membership + x for x in j], [first_membership + x for x in i])
    u = rng.random(new + (5 if ambition is None else 4))
    rows.rel_u.append(u[:new])
    choices = u[new:].tolist()
    # the governance level is drawn independently of the decision rule (it sets the embedding rate: tying a lead
    # who decides to levels 4-6 would confound the two)
    rows.p_governance.append(int(rng.integers(1, 7)))
    rows.n_projects += 1
    rows.p_theme.append(theme)
    rows.p_lead.append(lead)
    rows.p_week.append(week)
    rows.p_parent.append(parent)
    rows.p_ambition.append(math.nan if ambition is None else float(ambition))
    rows.p_ambition_u.append(choices[0] if ambition is None else math.nan)
    rows.p_choices.extend(choices[-4:])
    rows.p_orgs.extend(orgs)
    rows.p_members.append(len(orgs))
    rows.p_pairs.append(len(j))
    _queue_memberships(rows, project, orgs, week, rng)
    return project


@functools.lru_cache(maxsize=64)
def _pair_positions(m: int) -> tuple[list[int], list[int]]:
    """Positions ``(j, i)``, ``j < i``, of every pair among ``m`` members, ordered by ``i`` then ``j``."""
    i, j = np.tril_indices(m, -1)
    return j.tolist(), i.tolist()


class _Segments:
    """Consecutive segments of an array, of ``lengths`` (each at least 1), grouped by length once for any
    number of reductions of arrays laid out alike.

    Segments of one length are reduced together as the rows of a C-contiguous block, along its last axis:
    NumPy reduces each row as it would the segment alone (the same pairwise summation), so the values are
    those of ``np.sum``, ``np.mean`` and ``np.argmax`` of each segment, bit for bit."""

    def __init__(self, lengths: np.ndarray) -> None:
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        self.n = len(lengths)
        # for each length: which segments have it, and the positions of their values (one row each)
        self.groups = [(which, starts[which, None] + np.arange(m))
                       for m in np.unique(lengths).tolist() for which in [np.flatnonzero(lengths == m)]]

    def reduce(self, values: np.ndarray, reduce: str) -> np.ndarray:
        """Each segment of ``values`` reduced: ``"sum"``, ``"mean"`` or ``"argmax"`` (the position of the first
        largest within the segment, int64)."""
        out = np.zeros(self.n, dtype=np.int64 if reduce == "argmax" else np.float64)
        for which, positions in self.groups:
            out[which] = getattr(values[positions], reduce)(axis=1)
        return out


def _segments(values: np.ndarray, lengths: np.ndarray, reduce: str) -> np.ndarray:
    """``values[start:start + length]`` reduced, for consecutive segments of ``lengths`` (:class:`_Segments`)."""
    return _Segments(lengths).reduce(values, reduce)


def _project_columns(region: Region, rows: _Rows, pair_trust: np.ndarray, params: dict[str, Any]) -> dict[str, Any]:
    """The queued projects' rows, as columns. First projects start modest: ambition grows with the members'
    trust (PAS 2007, 'the trust-building loop', p. 13)."""
    orgs = region.orgs
    n = rows.n_projects
    n_pairs = np.array(rows.p_pairs, dtype=np.int64)
    trust = np.zeros(n)
    with_pairs = n_pairs > 0
    trust[with_pairs] = _segments(pair_trust[:int(n_pairs.sum())], n_pairs[with_pairs], "mean")
    ambition = np.array(rows.p_ambition)
    drawn = np.isnan(ambition)
    ambition[drawn] = (params["ambition"] * (0.8 + (1.2 - 0.8) * np.array(rows.p_ambition_u)[drawn])
                       * (0.75 + 0.5 * trust[drawn]))
    lead_decides_u, champion_u, manager_u, equitable_u = np.array(rows.p_choices).reshape(n, 4).T
    members = np.array(rows.p_orgs, dtype=np.int64)
    n_members = np.array(rows.p_members, dtype=np.int64)
    first_member = np.zeros(n, dtype=np.int64)
    np.cumsum(n_members[:-1], out=first_member[1:])
    of_project = _Segments(n_members)
    resources = orgs.resources[members]
    # PAS 2007, 'resourcing collaboration', p. 25: the partner investing most sponsors
    sponsor = members[first_member + of_project.reduce(resources, "argmax")]
    champion = members[first_member + of_project.reduce(orgs.rep_skill[members], "argmax")]
    week = np.array(rows.p_week, dtype=np.int64)
    none = np.full(n, -1, dtype=np.int64)  # each column given it stores its own int32 copy
    return dict(
        theme=rows.p_theme, stage=np.full(n, int(Stage.INITIATING)), stage_before_stall=np.full(n, int(Stage.INITIATING)),
        momentum=np.full(n, 0.5), ambition=ambition, progress=np.zeros(n), lead=rows.p_lead, sponsor=sponsor,
        champion=np.where(champion_u < params["champion_share"], champion, -1),
        has_manager=manager_u < params["project_manager_share"],
        lead_decides=lead_decides_u < params["lead_decides_share"],
        equitable=equitable_u < params["equitable_share"],
        governance_level=rows.p_governance, next_meeting=week + 1, deferred_until=none, obstacle=np.zeros(n),
        catalyst_until=none, external_funds=np.zeros(n), external_received=np.zeros(n),
        pooled_funds=POOLED_SHARE * of_project.reduce(resources, "sum"), costs=np.zeros(n),
        benefits=np.zeros(n), stalls=np.zeros(n, dtype=np.int64), stalled_since=none,
        gate_refusals=np.zeros(n, dtype=np.int64), started=week, delivered_week=none, closed_week=none,
        parent=rows.p_parent, first_stall_week=none, net_benefit_spread=np.full(n, np.nan),
        agreed_aim=np.full(n, np.nan),
        action_quality=np.full(n, 0.5),
    )


def _new_rows(params: dict[str, Any]) -> _Rows:
    return _Rows(params)


def _flush(region: Region, rows: _Rows) -> None:
    """Compute the queued rows from their keys and draws and append them to the region's tables."""
    for name, columns in _queued_tables(region, rows):
        getattr(region, name).append(**columns)


def _queued_tables(region: Region, rows: _Rows) -> Iterator[tuple[str, dict[str, Any]]]:
    """The queued rows as (the region's table, its new columns), for the tables that gain rows, in the order they
    must be stored: each is computed when asked for, after those before it are stored (a membership's contribution
    reads its project's row)."""
    params = rows.params
    rel, n_rel = region.relationships, len(region.relationships)
    kind = region.orgs.kind
    a, b = np.array(rows.rel_a, dtype=np.int64), np.array(rows.rel_b, dtype=np.int64)
    # a new relationship starts at its sector baseline, scaled by a uniform in [0.7, 1.3)
    base = baseline_trust_table(params["sector_trust_gap"])[kind[a], kind[b]]
    interpersonal = np.minimum(1.0, base * (0.7 + (1.3 - 0.7) * np.concatenate([np.zeros(0), *rows.rel_u])))
    institutional = 0.3 * base
    pair_rel = np.array(rows.pair_rel, dtype=np.int64)
    in_table = pair_rel < n_rel
    pair_trust = np.empty(len(pair_rel))
    pair_trust[in_table] = combined_trust(rel.interpersonal[pair_rel[in_table]], rel.institutional[pair_rel[in_table]])
    pair_trust[~in_table] = combined_trust(interpersonal, institutional)[pair_rel[~in_table] - n_rel]
    if rows.n_projects:
        yield "projects", _project_columns(region, rows, pair_trust, params)
    if rows.mem_org:
        org = np.array(rows.mem_org, dtype=np.int64)
        z = np.concatenate(rows.mem_z)
        n = len(org)
        yield "memberships", dict(
            project=rows.mem_project, org=org, active=np.ones(n, dtype=np.bool_),
            commitment=np.clip(0.55 + 0.3 * region.orgs.selflessness[org] + 0.1 * z, 0.25, 1.0),
            contribution=_starting_contribution(region, rows, org), benefit=np.zeros(n),
            attended=np.zeros(n, dtype=np.bool_), joined=rows.mem_week, aim=_new_aims(region, n))
    if len(a):
        yield "relationships", dict(a=np.minimum(a, b), b=np.maximum(a, b), interpersonal=interpersonal,
                                    institutional=institutional)
    if len(pair_rel):
        yield "pairs", dict(project=rows.pair_project, rel=pair_rel, ma=rows.pair_ma, mb=rows.pair_mb)


def _new_aims(region: Region, n: int) -> np.ndarray:
    """Aims (0-1) of the next ``n`` memberships: membership row i takes the i-th uniform of the region's aim stream
    (ODD 7.16; assumption: aims spread uniformly, one position per partner, Choi and Robertson 2014)."""
    first = len(region.memberships)
    u = np.empty(first + n)
    seed, stream = region.aim_stream
    fill_uniform(seed, 0, stream, u)
    return u[first:]


def _starting_contribution(region: Region, rows: _Rows, org: np.ndarray) -> np.ndarray:
    """A new membership's contribution (£k): the money it pooled if it joined at the project's start, plus
    ``SPONSOR_STAKE`` for the project's sponsor; officer time is added week by week (``work_between_meetings``)."""
    project = np.array(rows.mem_project, dtype=np.int64)
    proj = region.projects
    at_start = np.array(rows.mem_week, dtype=np.int64) == proj.started[project]
    money = np.where(at_start, POOLED_SHARE * region.orgs.resources[org], 0.0)
    return money + np.where(at_start & (proj.sponsor[project] == org), SPONSOR_STAKE, 0.0)


def start_project(region: Region, params: dict[str, Any], rng: np.random.Generator, *, theme: int, lead: int,
                  members: np.ndarray, week: int, parent: int, ambition: float | None = None) -> int:
    """Start a project during a run (a follow-on); returns its index."""
    rows = _new_rows(params)
    index = _start_project(region, rows, params, rng, theme=theme, lead=lead, members=members, week=week,
                           parent=parent, ambition=ambition)
    _flush(region, rows)
    return index
