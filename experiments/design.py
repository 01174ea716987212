"""Experiment files (TOML): what to vary, how to sample it, how many replications; validated into run specs.

An experiment file::

    [experiment]
    name = "headline"              # names the default results folder, results/<name>
    description = "..."
    scenario = "county"            # built-in name or scenario file (relative to this file)
    weeks = 260                    # weeks per run, 1 to 5200
    replications = 100             # runs per design point, each with its own seed
    base_seed = 20261126           # run i's seed: SeedSequence(base_seed, spawn_key=(i,))
    outputs = ["runs", "model_weekly"]   # runs always; also model_weekly, project_weekly, projects

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

Every mistake is found before any run starts and reported as one line (:class:`UserError`).
Run ids are numbered replication-major: run ``replication * n_points + point``.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnerships.experiments.errors import UserError
from partnerships.experiments.runs import TABLES, RunSpec, run_seed
from partnerships.model.parameters import PARAMETERS, ParameterError, lookup
from partnerships.model.scenarios import SCENARIO_DIR, RegionError, load_region

EXPERIMENT_DIR = Path(__file__).resolve().parent
DESIGN_KINDS = ("full_factorial", "latin_hypercube", "sobol", "morris")
SAMPLED_KINDS = DESIGN_KINDS[1:]
OUTPUTS = ("runs", *TABLES)
KEYS = {
    "experiment": ("name", "description", "scenario", "weeks", "replications", "base_seed", "outputs"),
    "design": ("kind", "samples", "num_levels", "second_order"),
    "vary": ("levels", "labels", "low", "high"),
}
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class Factor:
    """A varied parameter: discrete ``levels`` (with display ``labels``) or a range ``low``-``high``."""

    name: str
    levels: tuple[Any, ...] | None = None
    labels: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None

    def label(self, value: Any) -> str:
        """The display label of a level (the level itself, formatted, when no labels were given)."""
        if self.levels is not None and self.labels is not None:
            for level, label in zip(self.levels, self.labels):
                if level == value:
                    return label
        return f"{value:g}" if isinstance(value, float) else str(value)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "levels": self.levels, "labels": self.labels, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file."""

    name: str
    description: str
    scenario: str
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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def tables(self) -> tuple[str, ...]:
        """The per-run tables kept beside the run table."""
        return tuple(t for t in self.outputs if t != "runs")

    def points(self) -> pd.DataFrame:
        """One row per design point (index = point), one column per varied parameter."""
        return design_points(self)

    def specs(self) -> list[RunSpec]:
        """Every run of the experiment, numbered replication-major so that ids interleave the points."""
        points = self.points().to_dict("records")
        specs = []
        for replication in range(self.replications):
            for point, values in enumerate(points):
                run_id = replication * len(points) + point
                specs.append(RunSpec(run_id, replication, point, run_seed(self.base_seed, run_id),
                                     {**self.fixed, **values}, self.weeks, self.scenario))
        return specs

    def manifest(self) -> dict[str, Any]:
        """What the results folder records about the experiment (the report reads the factors from here)."""
        return {"kind": "experiment", "name": self.name, "description": self.description, "source": self.source,
                "text": self.text, "sha256": self.sha256, "base_seed": self.base_seed, "scenario": self.scenario,
                "weeks": self.weeks, "replications": self.replications, "design": self.kind,
                "points": len(self.points()), "fixed": self.fixed, "factors": [f.as_dict() for f in self.factors]}


def find_experiment(source: str | Path) -> Path:
    """An experiment file path, or a built-in experiment by name (``headline``)."""
    path = Path(source)
    if not path.is_file() and (EXPERIMENT_DIR / f"{source}.toml").is_file():
        path = EXPERIMENT_DIR / f"{source}.toml"
    if not path.is_file():
        raise UserError(f"experiment file '{source}' not found: give a TOML file or a built-in name such as 'headline'")
    return path


def load_experiment(source: str | Path) -> Experiment:
    """Read and validate an experiment file (see the module docstring); raise :class:`UserError`."""
    path = find_experiment(source)
    text = path.read_text()
    return parse_experiment(text, origin=str(path), base_dir=path.parent)


def parse_experiment(text: str, origin: str = "experiment", base_dir: Path | None = None) -> Experiment:
    """Validate experiment TOML ``text``; ``base_dir`` resolves a relative scenario path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{origin} is not valid TOML: {err}") from None
    check = _Checker(origin)
    for table in data:
        check.key(table, ("experiment", "fixed", "vary", "design"), "table", table)
        if not isinstance(data[table], dict):
            raise check.fail(table, "must be a table")
    exp, design = data.get("experiment", {}), data.get("design", {})
    for name in exp:
        check.key(name, KEYS["experiment"], "key", "experiment")
    for name in design:
        check.key(name, KEYS["design"], "key", "design")
    weeks = check.integer(exp, "weeks", "experiment", 1, 5200, 260)
    replications = check.integer(exp, "replications", "experiment", 1, MAX_RUNS)
    base_seed = check.integer(exp, "base_seed", "experiment", 0, 2**63 - 1)
    outputs = exp.get("outputs", ["runs"])
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise check.fail("experiment", f"outputs = {outputs!r}: allowed a list of table names from {', '.join(OUTPUTS)}")
    named = {check.key(o, OUTPUTS, "output table", "experiment") for o in outputs}
    outputs = tuple(t for t in OUTPUTS if t in named | {"runs"})
    scenario = check.scenario(exp.get("scenario", "county"), base_dir)
    fixed = {}
    for name, value in data.get("fixed", {}).items():
        name = check.key(name, PARAMETERS, "parameter", "fixed")
        fixed[name] = check.value(name, value, "fixed")
    kind = check.key(design.get("kind", "full_factorial"), DESIGN_KINDS, "design kind", "design")
    factors = tuple(check.factor(name, table, kind, fixed) for name, table in data.get("vary", {}).items())
    if not factors:
        raise UserError(f"{origin}: empty design: add at least one [vary.<parameter>] table with levels or low/high")
    samples = None
    if kind in SAMPLED_KINDS:
        samples = check.integer(design, "samples", "design", 1, MAX_RUNS)
        if kind == "sobol" and samples & (samples - 1):
            raise check.fail("design", f"samples = {samples}: SALib's sobol sampler needs a power of 2 (such as "
                                       f"{2 ** round(math.log2(samples))})")
    num_levels = check.integer(design, "num_levels", "design", 2, 100, 4)
    if kind == "morris" and num_levels % 2:
        raise check.fail("design", f"num_levels = {num_levels}: allowed an even number (Morris)")
    second_order = design.get("second_order", False)
    if not isinstance(second_order, bool):
        raise check.fail("design", f"second_order = {second_order!r}: allowed true or false")
    experiment = Experiment(
        name=str(exp.get("name", Path(origin).stem)), description=str(exp.get("description", "")), scenario=scenario,
        weeks=weeks, replications=replications, base_seed=base_seed, outputs=outputs, fixed=fixed, factors=factors,
        kind=kind, samples=samples, num_levels=num_levels, second_order=second_order, text=text, source=origin)
    runs = len(experiment.points()) * replications
    if runs > MAX_RUNS:
        raise UserError(f"{origin}: the design has {runs:,} runs: allowed at most {MAX_RUNS:,}")
    return experiment


class _Checker:
    """One-line errors that name the file, the table and what is allowed."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, message: str) -> UserError:
        return UserError(f"{self.origin}: [{where}] {message}")

    def key(self, name: str, allowed, what: str, where: str) -> str:
        try:
            return lookup(name, allowed, what)
        except ParameterError as err:
            raise self.fail(where, str(err)) from None

    def integer(self, table: dict, name: str, where: str, low: int, high: int, default: int | None = None) -> int:
        value = table.get(name, default)
        if value is None:
            raise self.fail(where, f"{name} is missing: allowed a whole number from {low} to {high:,}")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(where, f"{name} = {value!r}: allowed a whole number from {low} to {high:,}")
        return value

    def value(self, name: str, value: Any, where: str) -> Any:
        try:
            return PARAMETERS[name].validate(value)
        except ParameterError as err:
            raise self.fail(where, str(err)) from None

    def scenario(self, value: Any, base_dir: Path | None) -> str:
        """A built-in scenario name as is; a scenario file as an absolute path (workers may run elsewhere)."""
        if not isinstance(value, str):
            raise self.fail("experiment", f"scenario = {value!r}: allowed a built-in name or a scenario file path")
        for folder in (base_dir or Path.cwd(), SCENARIO_DIR):
            if value.endswith(".toml") and (folder / value).is_file():
                value = str((folder / value).resolve())
                break
        try:
            load_region(value)
        except RegionError as err:
            raise self.fail("experiment", str(err)) from None
        return value

    def factor(self, name: str, table: Any, kind: str, fixed: dict) -> Factor:
        where = f"vary.{name}"
        if not isinstance(table, dict):
            raise self.fail(where, "must be a table with levels = [...] or low/high")
        name = self.key(name, PARAMETERS, "parameter", where)
        for item in table:
            self.key(item, KEYS["vary"], "key", where)
        if name in fixed:
            raise self.fail(where, f"'{name}' is also in [fixed]: allowed in one of [fixed] and [vary]")
        if "levels" in table:
            return self._levels(name, table, kind, where)
        if "labels" in table:
            raise self.fail(where, "labels need levels = [...]")
        if "low" not in table or "high" not in table:
            raise self.fail(where, "give levels = [...] or both low and high")
        if PARAMETERS[name].kind == "bool":
            raise self.fail(where, f"'{name}' is true or false: allowed levels = [false, true], not a range")
        if kind == "full_factorial":
            raise self.fail(where, "a full_factorial design needs levels = [...]: for a range use [design] kind = "
                                   "latin_hypercube, sobol or morris")
        low, high = self.value(name, table["low"], where), self.value(name, table["high"], where)
        if not low < high:
            raise self.fail(where, f"low = {low} must be below high = {high}")
        return Factor(name, low=float(low), high=float(high))

    def _levels(self, name: str, table: dict, kind: str, where: str) -> Factor:
        if "low" in table or "high" in table:
            raise self.fail(where, "give either levels or low/high, not both")
        if kind != "full_factorial":
            raise self.fail(where, f"a {kind} design samples ranges: allowed low/high, not levels")
        levels = table["levels"]
        if not isinstance(levels, list) or not levels:
            raise self.fail(where, "levels is empty: allowed a list of at least one value")
        levels = tuple(self.value(name, v, where) for v in levels)
        if len(set(levels)) != len(levels):
            raise self.fail(where, f"levels {list(levels)} repeat a value: allowed distinct values")
        labels = table.get("labels")
        if labels is not None and (not isinstance(labels, list) or len(labels) != len(levels)
                                   or not all(isinstance(x, str) for x in labels)):
            raise self.fail(where, f"labels must be {len(levels)} strings, one per level")
        return Factor(name, levels=levels, labels=tuple(labels) if labels else None)


def design_points(experiment: Experiment) -> pd.DataFrame:
    """The design's points: a full factorial over levels, or a latin hypercube / Sobol / Morris sample."""
    factors = experiment.factors
    names = [f.name for f in factors]
    if experiment.kind == "full_factorial":
        index = pd.MultiIndex.from_product([f.levels for f in factors], names=names)
        return index.to_frame(index=False)
    bounds = [[f.low, f.high] for f in factors]
    n = experiment.samples
    if experiment.kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(factors), seed=experiment.base_seed).random(n)
        sample = qmc.scale(unit, [b[0] for b in bounds], [b[1] for b in bounds])
    else:
        from SALib.sample import morris, sobol

        problem = {"num_vars": len(factors), "names": names, "bounds": bounds}
        if experiment.kind == "sobol":
            sample = sobol.sample(problem, n, calc_second_order=experiment.second_order, seed=experiment.base_seed)
        else:
            sample = morris.sample(problem, n, num_levels=experiment.num_levels, seed=experiment.base_seed)
    points = pd.DataFrame(sample, columns=names)
    for name in names:
        if PARAMETERS[name].kind == "int":
            points[name] = np.rint(points[name]).astype(int)
    return points
