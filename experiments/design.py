"""Experiment files (TOML): what to vary, how to sample it, how many replications; checked into run specs.

An experiment file::

    [experiment]
    name = "headline"              # names the default results folder, results/<name>
    description = "..."
    scenario = "county"            # built-in name or scenario file (relative to this file)
    weeks = 260                    # weeks per run, 1 to 5200
    replications = 100             # runs per design point, each with its own seed
    base_seed = 20261126           # run i's seed: SeedSequence(base_seed, spawn_key=(i,))
    outputs = ["runs", "model_weekly"]   # runs always; also model_weekly, project_weekly, projects
    parameters = "posterior"       # optional: run every point over 50 draws of the calibrated posterior, or
    # posterior = { file = "results/calibration/posterior.parquet", draws = 50 }   (experiments.posterior)

    [fixed]                        # parameter overrides held for every run
    meeting_interval = 4

    [vary.external_funding]        # either levels (optionally labelled) ...
    levels = [0, 50, 500]
    labels = ["none", "small award", "large award"]

    [vary.trust_gain]              # ... or a range, sampled by the [design]
    low = 0.01
    high = 0.1

    [design]
    kind = "full_factorial"        # full_factorial (levels) | latin_hypercube | sobol | morris (ranges)
    samples = 64                   # points (latin_hypercube), N of SALib's sobol / morris samplers

Every mistake is found before any run starts and reported as one line (:mod:`model.schema`). Run ids
and seeds follow the one rule of :mod:`experiments.spec`: run ``replication * n_points + point``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pandas as pd
from pydantic import Field

from partnerships.experiments.errors import UserError
from partnerships.model.errors import InputError
from partnerships.experiments.factors import SAMPLERS, Factor, design_points, full_factorial, sample, sample_size
from partnerships.experiments.posterior import DEFAULT_DRAWS, DEFAULT_POSTERIOR, PosteriorDraws, cross, draw
from partnerships.experiments.spec import MAX_RUNS, TABLES, RunSpec, build_specs
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import RegionSpec, find_region
from partnerships.model.schema import MAX_WEEKS, FileCheck, Table, one_of

EXPERIMENT_DIR = Path(__file__).resolve().parent
DESIGN_KINDS = ("full_factorial", *SAMPLERS)
OUTPUTS = ("runs", *TABLES)
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # an experiment's name names a folder: no path separators


# --- the file ----------------------------------------------------------------------------------------
class _Posterior(Table):
    file: Annotated[str, Field(min_length=1, description="the path of a posterior.parquet")] = str(DEFAULT_POSTERIOR)
    draws: Annotated[int, Field(ge=1, le=10_000)] = DEFAULT_DRAWS


class _ExperimentTable(Table):
    name: Annotated[str, Field(pattern=NAME, description="a name of letters, digits, '.', '_' and '-' (it names "
                                                         "the folder results/<name>)")] | None = None
    description: str = ""
    scenario: str = "county"
    weeks: Annotated[int, Field(ge=1, le=MAX_WEEKS)] = 260
    replications: Annotated[int, Field(ge=1, le=MAX_RUNS)]
    base_seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    outputs: list[Annotated[str, one_of(OUTPUTS, "output table")]] = ["runs"]
    parameters: Annotated[str, one_of(("posterior",), "parameter source")] | None = None
    posterior: _Posterior | None = None


class _Vary(Table):
    levels: Annotated[list[Any], Field(min_length=1, description="a list of at least one value")] | None = None
    labels: list[str] | None = None
    low: Any = None
    high: Any = None


class _Design(Table):
    kind: Annotated[str, one_of(DESIGN_KINDS, "design kind")] = "full_factorial"
    samples: Annotated[int, Field(ge=1, le=MAX_RUNS)] | None = None
    num_levels: Annotated[int, Field(ge=2, le=100)] = 4
    second_order: bool = False


class _ExperimentFile(Table):
    KEY: ClassVar[str] = "table"

    experiment: _ExperimentTable
    fixed: dict[str, Any] = Field(default_factory=dict)
    vary: dict[str, _Vary] = Field(default_factory=dict)
    design: _Design = _Design()


# --- the checked experiment --------------------------------------------------------------------------
@dataclass(frozen=True)
class Experiment:
    """A checked experiment file."""

    name: str
    description: str
    region_source: str  # the scenario the file names: a built-in name, or a scenario file's absolute path
    region: RegionSpec
    weeks: int
    replications: int
    base_seed: int
    outputs: tuple[str, ...]
    fixed: dict[str, Any]
    factors: tuple[Factor, ...]
    kind: str
    samples: int | None
    num_levels: int
    second_order: bool
    text: str
    source: str
    posterior: PosteriorDraws | None = None

    @property
    def sha256(self) -> str:
        """Of the file's text, and of its posterior file if it runs over posterior draws (the resume guard)."""
        extra = f"\nposterior sha256 {self.posterior.sha256}" if self.posterior is not None else ""
        return hashlib.sha256((self.text + extra).encode()).hexdigest()

    @property
    def tables(self) -> tuple[str, ...]:
        """The per-run tables kept beside the run table."""
        return tuple(t for t in self.outputs if t != "runs")

    @property
    def n_points(self) -> int:
        """Design points, counted without sampling."""
        draws = self.posterior.draws if self.posterior is not None else 1
        if self.kind == "full_factorial":
            return math.prod(len(f.levels or ()) for f in self.factors) * draws
        return sample_size(self.kind, len(self.factors), self.samples or 0, second_order=self.second_order) * draws

    def design(self) -> list[dict[str, Any]]:
        """Each design point's parameter values: a full factorial over levels, or a SALib sample of ranges
        (crossed with the posterior draws, draws innermost, if the file names a posterior)."""
        if self.kind == "full_factorial":
            points = full_factorial(self.factors)
        else:
            points = design_points(self.factors, sample(self.kind, self.factors, self.samples or 0, self.base_seed,
                                                        num_levels=self.num_levels, second_order=self.second_order))
        return cross(points, self.posterior, {*self.fixed, *(f.name for f in self.factors)})

    def points(self) -> pd.DataFrame:
        """One row per design point (index = point), one column per varied parameter."""
        return pd.DataFrame(self.design(), columns=[f.name for f in self.factors])

    def specs(self) -> list[RunSpec]:
        """Every run of the experiment (numbered and seeded by :func:`experiments.spec.build_specs`)."""
        return build_specs(self.design(), self.replications, base_seed=self.base_seed, region=self.region,
                           weeks=self.weeks, fixed=self.fixed, tables=self.tables)

    def manifest(self) -> dict[str, Any]:
        """What the results folder records about the experiment (the report reads the factors from here)."""
        return {"kind": "experiment", "name": self.name, "description": self.description, "source": self.source,
                "text": self.text, "sha256": self.sha256, "base_seed": self.base_seed, "scenario": self.region_source,
                "weeks": self.weeks, "replications": self.replications, "design": self.kind,
                "points": self.n_points, "fixed": self.fixed, "factors": [f.as_dict() for f in self.factors],
                "posterior": self.posterior.record() if self.posterior is not None else None}


def find_experiment(source: str | Path) -> Path:
    """An experiment file path, or a built-in experiment by name (``headline``)."""
    path = Path(source)
    if not path.is_file() and (EXPERIMENT_DIR / f"{source}.toml").is_file():
        path = EXPERIMENT_DIR / f"{source}.toml"
    if not path.is_file():
        raise UserError(f"experiment file '{source}' not found: allowed a TOML file or a built-in name such as "
                        "'headline'")
    return path


def load_experiment(source: str | Path) -> Experiment:
    """Read and check an experiment file (see the module docstring); raise a one-line error."""
    path = find_experiment(source)
    text, _ = FileCheck(str(path)).read(path)
    return parse_experiment(text, origin=str(path), base_dir=path.parent)


def parse_experiment(text: str, origin: str = "experiment", base_dir: Path | None = None) -> Experiment:
    """Check experiment TOML ``text``; ``base_dir`` resolves a relative scenario path."""
    check = FileCheck(origin)
    file = check.structure(_ExperimentFile, check.parse(text))
    exp, design = file.experiment, file.design
    source, region = find_region(exp.scenario, base_dir, (check, "experiment.scenario"))
    fixed = check.parameters("fixed", file.fixed)
    factors = tuple(_factor(check, name, table, design.kind, fixed) for name, table in file.vary.items())
    if not factors:
        raise check.refuse("vary", "empty design: allowed at least one [vary.<parameter>] table with levels or "
                                   "low/high")
    if design.kind in SAMPLERS:
        _check_sampled(check, design, exp.base_seed)
    posterior = _posterior(check, exp, base_dir)
    experiment = Experiment(
        name=exp.name or Path(origin).stem, description=exp.description, region_source=source, region=region,
        weeks=exp.weeks, replications=exp.replications, base_seed=exp.base_seed,
        outputs=tuple(t for t in OUTPUTS if t in {*exp.outputs, "runs"}), fixed=fixed, factors=factors,
        kind=design.kind, samples=design.samples, num_levels=design.num_levels, second_order=design.second_order,
        text=text, source=origin, posterior=posterior)
    check_size(experiment, check)
    return experiment


def check_size(experiment: Experiment, check: FileCheck | None = None) -> None:
    """Refuse a design of more than :data:`~experiments.spec.MAX_RUNS` runs (counted, not sampled)."""
    runs = experiment.n_points * experiment.replications
    if runs > MAX_RUNS:
        message = (f"at most {MAX_RUNS:,} runs in all ({experiment.n_points:,} points x "
                   f"{experiment.replications:,} replications make {runs:,})")
        if check is None:
            raise UserError(f"--replications {experiment.replications}: allowed {message}")
        raise check.fail("experiment.replications", experiment.replications, message)


def _posterior(check: FileCheck, exp: _ExperimentTable, base_dir: Path | None) -> PosteriorDraws | None:
    """The posterior draws an experiment runs over (``parameters = "posterior"`` or a ``posterior`` table)."""
    if exp.parameters is not None and exp.posterior is not None:
        raise check.refuse("experiment", "give parameters = \"posterior\" or a posterior table, not both")
    if exp.parameters is None and exp.posterior is None:
        return None
    table = exp.posterior or _Posterior()
    path = Path(table.file)
    if not path.is_absolute() and base_dir is not None and exp.posterior is not None:
        path = base_dir / path
    try:
        return draw(path, table.draws, exp.base_seed)
    except InputError as err:
        raise check.inner("experiment.posterior.file" if exp.posterior else "experiment.parameters",
                          table.file if exp.posterior else "posterior", err) from None


def _check_sampled(check: FileCheck, design: _Design, base_seed: int) -> None:
    if design.samples is None:
        raise check.missing("design.samples", f"a whole number from 1 to {MAX_RUNS:,} (points or base points of "
                                              f"the {design.kind} design)")
    if design.kind == "sobol" and design.samples & (design.samples - 1):
        raise check.fail("design.samples", design.samples, "a power of 2 (SALib's sobol sampler), such as "
                                                           f"{2 ** round(math.log2(design.samples))}")
    if design.kind == "morris" and design.num_levels % 2:
        raise check.fail("design.num_levels", design.num_levels, "an even number (Morris)")
    if base_seed == 0:
        raise check.fail("experiment.base_seed", base_seed, f"a whole number from 1 to {2**63 - 1:,} for a "
                                                            f"{design.kind} design (SALib takes 0 as no seed)")


def _factor(check: FileCheck, key: str, table: _Vary, kind: str, fixed: dict[str, Any]) -> Factor:
    name = check.name("vary", key, PARAMETERS, "parameter")
    where = f"vary.{name}"
    if name in fixed:
        raise check.refuse(where, f"'{name}' is also in [fixed]: allowed in one of [fixed] and [vary]")
    if table.levels is not None:
        if table.low is not None or table.high is not None:
            raise check.refuse(where, "give either levels or low/high, not both")
        if kind != "full_factorial":
            raise check.refuse(where, f"a {kind} design samples ranges: allowed low/high, not levels")
        levels = tuple(check.parameter(f"{where}.levels[{i + 1}]", name, v) for i, v in enumerate(table.levels))
        if len(set(levels)) != len(levels):
            raise check.fail(f"{where}.levels", list(levels), "distinct values")
        if table.labels is not None and len(table.labels) != len(levels):
            raise check.fail(f"{where}.labels", table.labels, f"{len(levels)} labels, one per level")
        return Factor.of(name, levels=levels, labels=table.labels)
    if table.labels is not None:
        raise check.refuse(where, "labels need levels = [...]")
    if table.low is None or table.high is None:
        raise check.refuse(where, "give levels = [...] or both low and high")
    if PARAMETERS[name].kind == "bool":
        raise check.refuse(where, f"'{name}' is true or false: allowed levels = [false, true], not a range")
    if kind == "full_factorial":
        raise check.refuse(where, "a full_factorial design needs levels = [...]: for a range use [design] kind = "
                                  "latin_hypercube, sobol or morris")
    low, high = check.parameter(f"{where}.low", name, table.low), check.parameter(f"{where}.high", name, table.high)
    if not low < high:
        raise check.fail(f"{where}.high", high, f"a value above low = {low:g}")
    return Factor.of(name, low=low, high=high)
