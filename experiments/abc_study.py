"""Calibration study files (TOML): the setting, the priors, the targets with their sampling error, the checks.

Everything model-specific in a calibration is data in this file, so a new model is calibrated by a
new file, not new code. A study file::

    [calibration]
    name = "london-2008"            # names the default results folder, results/<name>
    description = "..."
    scenario = "scenarios/london_2008.toml"   # built-in name or scenario file (relative to this file)
    weeks = 260                     # weeks per model run, 1 to 5200
    base_seed = 2008                # every random choice of the calibration follows from it
    runs_per_particle = 2           # model runs pooled into one particle's statistics
    population = 400                # particles per generation of ABC-SMC
    generations = 8                 # generations; the last is at temperature 1 (the posterior)
    max_runs = 40000                # budget of model runs (stops between generations when reached)
    min_acceptance = 0.005          # a generation that accepts fewer stops the calibration

    [fixed]                         # parameter values held in every run (beside the scenario's own)
    external_funding = 0

    [priors.obstacle_rate]          # one table per calibrated parameter: uniform over [low, high]
    low = 0.5                       #   on the parameter's own scale ("linear") or on its logarithm ("log")
    high = 12.0
    scale = "log"

    [[targets]]                     # an observation with its sampling error
    name = "works_well"
    label = "Sub-regional partnership said to work well"
    source = "Young Foundation 2008, §2"
    share = "working_well"          # the statistic: share of project rows where this column is true ...
    among = { follow_on = false }   # ... among the rows matching every column = value here
    observed = 0.38                 # share of the respondents who gave this answer
    respondents = 61                # the survey's sample size
    dont_know = 0.26                # share who could not say: missing at random (a number, or {low, high})
    design_effect = 1.0             # >= 1: divides the sample size (answers that are not independent)

    [[targets]]                     # or a measured quantity with a normal error
    statistic = "median_weeks_to_delivery"   # a run-table outcome, averaged over the particle's runs
    observed = 80.0
    sd = 20.0

    [[checks]]                      # a pattern checked on the posterior predictive runs, not fitted
    name = "some_abandoned"
    source = "INLOGOV 2015, §3, figure one"
    share = "abandoned"
    among = { follow_on = false }
    above = 0.0                     # and/or below = ...

    [predictive]                    # posterior predictive runs: draws x seeds
    draws = 40
    seeds = 5

Every mistake is refused before anything runs or is written, as one line, by the project's one TOML
checker (:mod:`model.schema`). Project-table columns named by ``share`` and ``among`` are checked
against the columns of a one-week probe run of the study's scenario.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from partnerships.experiments.errors import UserError
from partnerships.model.interventions import week_allowed
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import RegionSpec, find_region
from partnerships.model.schema import MAX_WEEKS, FileCheck, Table, one_of

EXPERIMENT_DIR = Path(__file__).resolve().parent
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SCALES = ("linear", "log")
MAX_POPULATION = 100_000
MAX_BUDGET = 10_000_000


# --- the file ----------------------------------------------------------------------------------------
class _CalibrationTable(Table):
    name: Annotated[str, Field(pattern=NAME, description="a name of letters, digits, '.', '_' and '-' (it names "
                                                         "the folder results/<name>)")] | None = None
    description: str = ""
    scenario: str = "county"
    weeks: Annotated[int, Field(ge=1, le=MAX_WEEKS)] = 260
    base_seed: Annotated[int, Field(ge=1, le=2**63 - 1)]
    runs_per_particle: Annotated[int, Field(ge=1, le=1000)] = 2
    population: Annotated[int, Field(ge=10, le=MAX_POPULATION)] = 400
    generations: Annotated[int, Field(ge=1, le=100)] = 8
    max_runs: Annotated[int, Field(ge=1, le=MAX_BUDGET)] = 40_000
    min_acceptance: Annotated[float, Field(ge=0, lt=1)] = 0.005


class _Prior(Table):
    low: Any = None
    high: Any = None
    scale: Annotated[str, one_of(SCALES, "prior scale")] = "linear"


class _Range(Table):
    low: Annotated[float, Field(ge=0, lt=1)]
    high: Annotated[float, Field(ge=0, lt=1)]


Value = bool | int | float | str


class _Statistic(Table):
    name: Annotated[str, Field(pattern=NAME, description="a name of letters, digits, '.', '_' and '-'")]
    label: str = ""
    source: Annotated[str, Field(min_length=1, description="the source of the figure, cited as docs/sources.md "
                                                           "says")]
    note: str = ""
    share: str | None = None
    among: dict[str, Value] = Field(default_factory=dict)
    statistic: Annotated[str, one_of(SUMMARY_FIELDS, "run outcome")] | None = None


class _Target(_Statistic):
    observed: float
    respondents: Annotated[float, Field(ge=1, description="a sample size of 1 or more")] | None = None
    dont_know: Annotated[float, Field(ge=0, lt=1)] | _Range = 0.0
    design_effect: Annotated[float, Field(ge=1, le=1000)] = 1.0
    sd: Annotated[float, Field(gt=0)] | None = None


class _Check(_Statistic):
    above: float | None = None
    below: float | None = None


class _Predictive(Table):
    draws: Annotated[int, Field(ge=1, le=10_000)] = 40
    seeds: Annotated[int, Field(ge=1, le=1000)] = 5


class _StudyFile(Table):
    KEY: ClassVar[str] = "table"

    calibration: _CalibrationTable
    fixed: dict[str, Any] = Field(default_factory=dict)
    priors: dict[str, _Prior]
    targets: Annotated[list[_Target], Field(min_length=1, description="at least one [[targets]] entry")]
    checks: list[_Check] = Field(default_factory=list)
    predictive: _Predictive = _Predictive()


# --- the checked study -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """A calibrated parameter: uniform over [low, high] on its own scale, or over [log low, log high].

    A whole-number parameter is sampled over [low - 0.5, high + 0.5] and rounded (every whole value
    equally likely, the rule of :mod:`experiments.factors`).
    """

    name: str
    low: float
    high: float
    scale: str
    integer: bool

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval the sampler works on (log10 for a log scale, widened by half a unit for integers)."""
        low, high = (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)
        return (math.log10(low), math.log10(high)) if self.scale == "log" else (low, high)

    def value(self, u: float) -> float | int:
        """The model's value of the sampler's coordinate ``u`` (kept within [low, high])."""
        x = 10.0 ** u if self.scale == "log" else u
        if self.integer:
            return int(min(max(round(x), self.low), self.high))
        return float(min(max(x, self.low), self.high))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "low": self.low, "high": self.high, "scale": self.scale, "integer": self.integer}


@dataclass(frozen=True)
class Statistic:
    """What one target or check measures in a particle's runs.

    ``share``: the share of project rows (of every run) whose column ``share`` is true, among rows
    whose columns equal ``among``; ``statistic``: the mean over runs of a run-table outcome (runs
    where it is null left out).
    """

    name: str
    label: str
    source: str
    note: str
    share: str | None
    among: dict[str, Value]
    statistic: str | None

    @property
    def needs_projects(self) -> bool:
        return self.share is not None


@dataclass(frozen=True)
class Target(Statistic):
    """An observation and its sampling error: a binomial share (``respondents``) or a normal value (``sd``)."""

    observed: float = 0.0
    respondents: float | None = None
    dont_know: tuple[float, float] = (0.0, 0.0)
    design_effect: float = 1.0
    sd: float | None = None

    @property
    def kind(self) -> str:
        return "binomial" if self.respondents is not None else "normal"

    def answered(self, dont_know: float) -> tuple[float, float]:
        """(k, n): the answers counted, and the respondents who could say, for a don't-know share.

        Respondents who did not know are missing at random: they leave the denominator. The design
        effect divides both (an effective sample size).
        """
        assert self.respondents is not None
        n = self.respondents * (1.0 - dont_know) / self.design_effect
        return self.observed * self.respondents / self.design_effect, n

    @property
    def observed_share(self) -> float:
        """The share among respondents who could say (at the middle of a don't-know range)."""
        if self.kind == "normal":
            return self.observed
        k, n = self.answered(sum(self.dont_know) / 2)
        return k / n


@dataclass(frozen=True)
class Check(Statistic):
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True)
class Study:
    """A checked calibration study file."""

    name: str
    description: str
    region_source: str
    region: RegionSpec
    weeks: int
    base_seed: int
    runs_per_particle: int
    population: int
    generations: int
    max_runs: int
    min_acceptance: float
    fixed: dict[str, Any]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    checks: tuple[Check, ...]
    predictive_draws: int
    predictive_seeds: int
    text: str
    source: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def needs_projects(self) -> bool:
        return any(s.needs_projects for s in (*self.targets, *self.checks))

    @property
    def statistics(self) -> tuple[Statistic, ...]:
        return (*self.targets, *self.checks)

    def manifest(self) -> dict[str, Any]:
        """What the results folder records about the study."""
        return {"kind": "calibration", "name": self.name, "description": self.description, "source": self.source,
                "text": self.text, "sha256": self.sha256, "base_seed": self.base_seed, "scenario": self.region_source,
                "weeks": self.weeks, "priors": [p.as_dict() for p in self.priors],
                "targets": [t.name for t in self.targets], "checks": [c.name for c in self.checks]}


def find_study(source: str | Path) -> Path:
    """A study file path, or a built-in study by name (``calibration``)."""
    path = Path(source)
    if not path.is_file() and (EXPERIMENT_DIR / f"{source}.toml").is_file():
        path = EXPERIMENT_DIR / f"{source}.toml"
    if not path.is_file():
        raise UserError(f"calibration study file '{source}' not found: allowed a TOML file or the built-in name "
                        "'calibration'")
    return path


def load_study(source: str | Path, probe: bool = True) -> Study:
    """Read and check a calibration study file; raise a one-line error naming the field."""
    path = find_study(source)
    text, _ = FileCheck(str(path)).read(path)
    return parse_study(text, origin=str(path), base_dir=path.parent, probe=probe)


def parse_study(text: str, origin: str = "calibration", base_dir: Path | None = None, probe: bool = True) -> Study:
    """Check study TOML ``text``; ``base_dir`` resolves a relative scenario path; ``probe`` checks the
    project-table columns the statistics name against a one-week run of the scenario."""
    check = FileCheck(origin)
    file = check.structure(_StudyFile, check.parse(text))
    cal = file.calibration
    source, region = find_region(cal.scenario, base_dir, (check, "calibration.scenario"))
    for scheduled in region.interventions:
        if week_allowed(scheduled.week, cal.weeks) is not None:
            raise check.fail("calibration.weeks", cal.weeks, f"at least {scheduled.week}: scenario {region.name!r} "
                             f"schedules {scheduled.action!r} at week {scheduled.week}, which a shorter run never reaches")
    fixed = check.parameters("fixed", file.fixed)
    priors = tuple(_prior(check, key, table, fixed) for key, table in file.priors.items())
    if not priors:
        raise check.refuse("priors", "no calibrated parameter: allowed at least one [priors.<parameter>] table "
                                     "with low and high")
    names = [s.name for s in (*file.targets, *file.checks)]
    for i, name in enumerate(names):
        if name in names[:i]:
            where = f"targets[{i + 1}]" if i < len(file.targets) else f"checks[{i - len(file.targets) + 1}]"
            raise check.fail(f"{where}.name", name, "a name used by no other target or check")
    targets = tuple(_target(check, f"targets[{i + 1}]", t) for i, t in enumerate(file.targets))
    checks = tuple(_check(check, f"checks[{i + 1}]", c) for i, c in enumerate(file.checks))
    study = Study(name=cal.name or Path(origin).stem, description=cal.description, region_source=source,
                  region=region, weeks=cal.weeks, base_seed=cal.base_seed, runs_per_particle=cal.runs_per_particle,
                  population=cal.population, generations=cal.generations, max_runs=cal.max_runs,
                  min_acceptance=cal.min_acceptance, fixed=fixed, priors=priors, targets=targets, checks=checks,
                  predictive_draws=file.predictive.draws, predictive_seeds=file.predictive.seeds, text=text,
                  source=origin)
    if cal.max_runs < cal.population * cal.runs_per_particle:
        raise check.fail("calibration.max_runs", cal.max_runs, f"at least population x runs_per_particle = "
                                                               f"{cal.population * cal.runs_per_particle:,} runs")
    if probe and study.needs_projects:
        _check_columns(check, study)
    return study


def _prior(check: FileCheck, key: str, table: _Prior, fixed: dict[str, Any]) -> Prior:
    name = check.name("priors", key, PARAMETERS, "parameter")
    where = f"priors.{name}"
    p = PARAMETERS[name]
    if name in fixed:
        raise check.refuse(where, f"'{name}' is also in [fixed]: allowed in one of [fixed] and [priors]")
    if p.kind == "bool":
        raise check.refuse(where, f"'{name}' is true or false: a calibrated parameter must be a number")
    if table.low is None or table.high is None:
        raise check.refuse(where, "give both low and high")
    low = check.parameter(f"{where}.low", name, table.low)
    high = check.parameter(f"{where}.high", name, table.high)
    if not low < high:
        raise check.fail(f"{where}.high", high, f"a value above low = {low:g}")
    if table.scale == "log" and low <= 0:
        raise check.fail(f"{where}.low", low, "a value above 0 for scale = \"log\"")
    return Prior(name, float(low), float(high), table.scale, p.kind == "int")


def _statistic_fields(check: FileCheck, where: str, table: _Statistic) -> dict[str, Any]:
    if (table.share is None) == (table.statistic is None):
        raise check.refuse(where, "give either share (a project-table column, with among) or statistic (a run "
                                  "outcome), not both or neither")
    if table.statistic is not None and table.among:
        raise check.refuse(where, "among filters project rows: it goes with share, not with statistic")
    return {"name": table.name, "label": table.label or table.name, "source": table.source, "note": table.note,
            "share": table.share, "among": dict(table.among), "statistic": table.statistic}


def _target(check: FileCheck, where: str, table: _Target) -> Target:
    fields = _statistic_fields(check, where, table)
    if (table.respondents is None) == (table.sd is None):
        raise check.refuse(where, "give respondents (a survey share, binomial error) or sd (a normal error), "
                                  "not both or neither")
    if isinstance(table.dont_know, _Range):
        dont_know = (table.dont_know.low, table.dont_know.high)
        if not dont_know[0] <= dont_know[1]:
            raise check.fail(f"{where}.dont_know.high", dont_know[1], f"a value of at least low = {dont_know[0]:g}")
    else:
        dont_know = (table.dont_know, table.dont_know)
    if table.respondents is not None:
        if not 0 <= table.observed <= 1:
            raise check.fail(f"{where}.observed", table.observed, "a share from 0 to 1 (of the respondents)")
        if table.observed > 1 - dont_know[1] + 1e-9:
            raise check.fail(f"{where}.observed", table.observed, f"at most 1 - dont_know = {1 - dont_know[1]:g} "
                                                                  "(the share who could say)")
        if table.share is None and table.statistic is not None and "share" not in table.statistic:
            raise check.fail(f"{where}.statistic", table.statistic, "a share (a run outcome ending in _share) for "
                                                                    "a survey target")
    elif table.dont_know != 0.0 or table.design_effect != 1.0:
        raise check.refuse(where, "dont_know and design_effect belong to survey targets (with respondents)")
    return Target(**fields, observed=table.observed, respondents=table.respondents, dont_know=dont_know,
                  design_effect=table.design_effect, sd=table.sd)


def _check(check: FileCheck, where: str, table: _Check) -> Check:
    fields = _statistic_fields(check, where, table)
    if table.above is None and table.below is None:
        raise check.refuse(where, "give above, below or both (the pattern's condition)")
    if table.above is not None and table.below is not None and not table.above < table.below:
        raise check.fail(f"{where}.below", table.below, f"a value above above = {table.above:g}")
    return Check(**fields, above=table.above, below=table.below)


def _check_columns(check: FileCheck, study: Study) -> None:
    """Refuse a ``share`` or ``among`` column the model's project table does not have (one-week probe run)."""
    from partnerships.model.run import run_one

    probe = run_one({**study.region.parameters, **study.fixed}, seed=0, weeks=1, region=study.region,
                    series=False).projects
    columns = list(probe.columns)
    for i, s in enumerate(study.statistics):
        where = f"targets[{i + 1}]" if i < len(study.targets) else f"checks[{i - len(study.targets) + 1}]"
        if s.share is None:
            continue
        name = check.name(f"{where}.share", s.share, columns, "project-table column")
        if probe[name].dtype != bool:
            raise check.fail(f"{where}.share", s.share, "a true/false column of the project table, such as "
                                                        + ", ".join(c for c in columns if probe[c].dtype == bool))
        for key, value in s.among.items():
            column = check.name(f"{where}.among", key, columns, "project-table column")
            known = _known_values(column, probe)
            if known is not None and value not in known:
                raise check.fail(f"{where}.among.{column}", value, "one of " + ", ".join(map(repr, known)))


def _known_values(column: str, probe) -> list[Any] | None:
    """The values a project-table column can take, where the model's codes list them (else None)."""
    from partnerships.model import codes

    enums = {"theme": "Theme", "stage": "Stage", "lead_kind": "OrgKind"}
    if probe[column].dtype == bool:
        return [False, True]
    if column in enums and hasattr(codes, enums[column]):
        return [member.label for member in getattr(codes, enums[column])]
    return None
