"""Sensitivity study: which levers move the outcomes. Morris screening and Sobol indices, with SALib.

The path of a study::

    study file (TOML) -> Study (every field checked before any run, by model.schema)
      -> SALib design (experiments.factors.sample: SALib.sample.morris / SALib.sample.sobol)
      -> RunSpecs: each design point run with R replications (experiments.spec.build_specs, seeds from
         the phase's base seed)
      -> evaluate (experiments.runs.execute: resumable, parallel; or any function, e.g. Ishigami in tests)
      -> point means (replications averaged per point) -> SALib.analyze.morris / SALib.analyze.sobol
      -> indices, convergence, replication noise, one-at-a-time response curves.

SALib knows nothing of a stochastic model. We average the R replications of each design point before
analysis and report how much of the variation is replication noise: the share of the variance of
single runs that lies within points, and the variance of a point mean (noise / R) as a share of the
variance of the point means. The latter inflates every total-order index by about that much (Jansen's
estimator sees noise as an interaction of every factor), so it is the floor below which a total index
means nothing. An optional ``dummy`` factor, which the model ignores, measures the same floor directly.

Sobol convergence reuses runs: SALib's Sobol design for N base points is N blocks of 2D+2 rows (D+2
without second order) built from the first N points of one scrambled Sobol sequence, so for the same
seed the design for n < N is exactly the first n blocks of the design for N (checked in the tests).
We run the largest design once and analyse its prefixes n = n_min, 2 n_min, ..., N.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from partnerships.experiments.errors import UserError
from partnerships.experiments.factors import DUMMY, Factor, design_points, problem, sample, sample_size
from partnerships.experiments.intervals import mean_interval
from partnerships.experiments.spec import MAX_RUNS, RunSpec, build_specs, digest
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.parameters import PARAMETERS, Parameter, validate
from partnerships.model.scenarios import RegionSpec, county_region, find_region
from partnerships.model.schema import MAX_WEEKS, FileCheck, Table, one_of

METHODS = ("morris", "sobol", "morris_then_sobol")
PHASES = ("morris", "sobol", "curves")
#: Convergence warning thresholds: a total index whose 95% interval is wider than this ...
CI_WIDTH_LIMIT = 0.1
#: ... or that moved by more than this when the sample size last doubled, has not settled.
LAST_CHANGE_LIMIT = 0.05
SOBOL_N_MIN = 16  # the smallest Sobol sample analysed for convergence, unless the file says (or n is smaller)

#: evaluate(specs, phase) -> run table (run_id, point, replication, outcomes, status): the one seam between
#: the analysis and the runner. The real one is :func:`executor`; tests pass Ishigami.
Evaluate = Callable[[Sequence[RunSpec], str], pd.DataFrame]


# --- the study ------------------------------------------------------------------------------------
class MorrisSettings(Table):
    """Morris screening: ``trajectories`` paths of D+1 points on a ``levels``-level grid.

    Screening rule (method ``morris_then_sobol``): for each outcome, a parameter's mu* is divided by the
    largest mu* of that outcome; a parameter survives if this share reaches ``keep_share`` for at least
    one outcome. The parameters in ``keep`` (e.g. the levers a policy team controls) always go on; the
    other survivors, ranked by their largest share, fill the places up to ``keep_max`` in all.
    """

    trajectories: Annotated[int, Field(ge=2, le=MAX_RUNS)] = 20
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    keep_share: Annotated[float, Field(gt=0, le=1)] = 0.1
    keep_max: Annotated[int, Field(ge=2, le=1000)] = 8
    resamples: Annotated[int, Field(ge=10, le=100_000)] = 1000
    keep: Annotated[tuple[str, ...], Field(strict=False)] = ()


class SobolSettings(Table):
    """Sobol indices from N base points (a power of 2): N (2D+2) design points with second order.

    ``replications`` (default: the study's) may be set apart from the screening's: the Morris phase
    measures the replication noise first, and where it is small a Sobol design needs fewer runs per point.
    """

    n: Annotated[int, Field(ge=2, le=MAX_RUNS)] = 256
    second_order: bool = True
    resamples: Annotated[int, Field(ge=10, le=100_000)] = 200
    n_min: Annotated[int, Field(ge=2, le=MAX_RUNS)] = SOBOL_N_MIN
    replications: Annotated[int, Field(ge=1, le=1000)] | None = None


class CurveSettings(Table):
    """One-at-a-time response curves for the ``levers`` most influential parameters and those in ``keep``."""

    levers: Annotated[int, Field(ge=0, le=100)] = 3
    keep: Annotated[tuple[str, ...], Field(strict=False)] = ()
    points: Annotated[int, Field(ge=2, le=1000)] = 7
    replications: Annotated[int, Field(ge=2, le=1000)] = 10


class _StudyFile(Table):
    """A sensitivity study file (see ``experiments/sensitivity.toml`` for every field)."""

    method: Annotated[str, one_of(METHODS, "method")] = "morris_then_sobol"
    scenario: str = "county"
    weeks: Annotated[int, Field(ge=1, le=MAX_WEEKS)] = 260
    base_seed: Annotated[int, Field(ge=1, le=2**63 - 1)] = 1
    replications: Annotated[int, Field(ge=1, le=1000)] = 4
    outcomes: Annotated[list[Annotated[str, one_of(SUMMARY_FIELDS, "outcome")]], Field(min_length=1)] = \
        ["delivered_share"]
    parameters: list[str] | None = None
    ranges: dict[str, list[Any]] = Field(default_factory=dict)
    fixed: dict[str, Any] = Field(default_factory=dict)
    dummy: bool = False
    morris: MorrisSettings = MorrisSettings()
    sobol: SobolSettings = SobolSettings()
    response_curves: CurveSettings = CurveSettings()


@dataclass(frozen=True)
class Study:
    """A checked sensitivity study."""

    factors: tuple[Factor, ...]
    outcomes: tuple[str, ...]
    method: str = "morris_then_sobol"
    weeks: int = 260
    region: RegionSpec = field(default_factory=county_region)
    base_seed: int = 1
    replications: int = 4
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    morris: MorrisSettings = MorrisSettings()
    sobol: SobolSettings = SobolSettings()
    curves: CurveSettings = CurveSettings()
    conf_level: float = 0.95
    excluded_switches: tuple[str, ...] = ()
    text: str = ""
    name: str = "sensitivity"

    @property
    def hash(self) -> str:
        """sha256 of the study file's text (the reports' provenance)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def subset(self, names: Sequence[str] | None = None) -> list[Factor]:
        """The factors ``names`` (all by default), in study order."""
        return [f for f in self.factors if names is None or f.name in names]

    def problem(self, names: Sequence[str] | None = None) -> dict[str, Any]:
        """The SALib problem for the factors ``names`` (all by default), in study order."""
        return problem(self.subset(names))

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)

    def label(self, name: str) -> str:
        return self.factor(name).label or name

    def phase_seed(self, phase: str) -> int:
        """Base seed of one phase's runs and SALib calls: distinct per phase, never 0 (SALib tests ``if seed:``)."""
        state = np.random.SeedSequence(self.base_seed, spawn_key=(PHASES.index(phase),)).generate_state(1)
        return int(state[0]) or 1


def load_study(path: Path) -> Study:
    """Read and check a study file; raise a one-line error (:mod:`model.schema`) if it is wrong."""
    path = Path(path)
    text, data = FileCheck(str(path)).read(path)
    return parse_study(data, text=text, name=path.stem, origin=str(path), base_dir=path.parent)


def parse_study(data: Mapping[str, Any], *, text: str = "", name: str = "sensitivity", origin: str = "study",
                base_dir: Path | None = None) -> Study:
    """Check every field of a study (a parsed TOML table) against the parameter registry and SALib's rules.

    ``base_dir`` resolves a relative scenario path (the study file's folder).
    """
    check = FileCheck(origin)
    file = check.structure(_StudyFile, data)
    _, region = find_region(file.scenario, base_dir, (check, "scenario"))
    fixed = check.parameters("fixed", file.fixed)
    factors, excluded = _factors(check, file, fixed)
    if file.dummy:
        factors.append(Factor(DUMMY, 0.0, 1.0, DUMMY, "Dummy (does nothing: the noise floor)"))
    if len(factors) < 2:
        raise check.fail("parameters", [f.name for f in factors], "at least 2 parameters")
    sobol = file.sobol if "n_min" in file.sobol.model_fields_set else \
        file.sobol.model_copy(update={"n_min": min(SOBOL_N_MIN, file.sobol.n)})
    varied = [f.name for f in factors if f.kind != DUMMY]
    for section, kept in (("morris", file.morris.keep), ("response_curves", file.response_curves.keep)):
        for key in kept:
            check.name(f"{section}.keep", key, varied, "parameter")
    _check_settings(check, file.morris, sobol)
    study = Study(factors=tuple(factors), outcomes=tuple(file.outcomes), method=file.method, weeks=file.weeks,
                  region=region, base_seed=file.base_seed, replications=file.replications, fixed=fixed,
                  defaults=validate({**region.parameters, **fixed}), morris=file.morris, sobol=sobol,
                  curves=file.response_curves, excluded_switches=tuple(excluded), text=text, name=name)
    _check_size(check, study)
    return study


def _factors(check: FileCheck, file: _StudyFile, fixed: Mapping[str, Any]) -> tuple[list[Factor], list[str]]:
    """The varied parameters: those listed, else every number parameter not fixed; switches only if listed."""
    if file.parameters is None:
        names = [p.name for p in PARAMETERS.values() if p.kind != "bool" and p.name not in fixed]
        excluded = [p.name for p in PARAMETERS.values() if p.kind == "bool" and p.name not in fixed]
    else:
        names = [check.name("parameters", n, PARAMETERS, "parameter") for n in file.parameters]
        excluded = []
    for key in file.ranges:
        check.name("ranges", key, names, "parameter of the study")
    factors = []
    for name in dict.fromkeys(names):
        if name in fixed:
            raise check.refuse("parameters", f"'{name}' is both varied and fixed: allowed one or the other")
        p = PARAMETERS[name]
        low, high = _range(check, p, file.ranges.get(name))
        factors.append(Factor(name, low, high, p.kind, p.label))
    return factors, excluded


def _range(check: FileCheck, p: Parameter, given: list[Any] | None) -> tuple[float, float]:
    if given is None or p.kind == "bool":
        return float(p.low), float(p.high)
    where = f"ranges.{p.name}"
    if len(given) != 2:
        raise check.fail(where, given, f"[low, high] within {p.range_text()} ({p.unit})")
    low, high = (check.parameter(f"{where}[{i + 1}]", p.name, v) for i, v in enumerate(given))
    if not low < high:
        raise check.fail(where, given, f"[low, high] with low below high, within {p.range_text()}")
    return float(low), float(high)


def _check_settings(check: FileCheck, morris: MorrisSettings, sobol: SobolSettings) -> None:
    if sobol.n & (sobol.n - 1):
        raise check.fail("sobol.n", sobol.n, f"a power of 2 (2, 4, 8, ...), such as {2 ** round(math.log2(sobol.n))}")
    if sobol.n_min & (sobol.n_min - 1) or sobol.n_min > sobol.n:
        raise check.fail("sobol.n_min", sobol.n_min, f"a power of 2 from 2 to sobol.n ({sobol.n})")
    if morris.levels % 2:
        raise check.fail("morris.levels", morris.levels, "an even whole number of 2 or more")
    if morris.keep_max < len(morris.keep):
        raise check.fail("morris.keep_max", morris.keep_max, f"at least the {len(morris.keep)} parameters of "
                                                              "morris.keep")


def _check_size(check: FileCheck, study: Study) -> None:
    """Refuse a study whose phases could need more than :data:`~experiments.spec.MAX_RUNS` runs in all."""
    d = len(study.factors)
    dummy = int(any(f.kind == DUMMY for f in study.factors))
    phases = {"response_curves.replications": (study.curves.levers + len(study.curves.keep)) * study.curves.points
              * study.curves.replications}
    if study.method != "sobol":
        phases["morris.trajectories"] = sample_size("morris", d, study.morris.trajectories) * study.replications
    if study.method != "morris":
        sobol_factors = d if study.method == "sobol" else min(d, study.morris.keep_max + dummy)
        phases["sobol.n"] = (sample_size("sobol", sobol_factors, study.sobol.n, second_order=study.sobol.second_order)
                             * (study.sobol.replications or study.replications))
    total = sum(phases.values())
    if total > MAX_RUNS:
        largest = max(phases, key=lambda k: phases[k])
        section, key = largest.split(".")
        value = getattr({"morris": study.morris, "sobol": study.sobol, "response_curves": study.curves}[section], key)
        raise check.fail(largest, value, f"at most {MAX_RUNS:,} runs in the whole study (this design could need "
                                         f"{total:,})")


# --- designs and run specs -------------------------------------------------------------------------
def morris_design(study: Study) -> np.ndarray:
    """SALib's Morris trajectories over every factor: ``trajectories * (D + 1)`` rows."""
    return sample("morris", study.factors, study.morris.trajectories, study.phase_seed("morris"),
                  num_levels=study.morris.levels)


def sobol_design(study: Study, names: Sequence[str], n: int | None = None) -> np.ndarray:
    """SALib's Sobol (Saltelli-extended) design over the factors ``names`` with ``n`` base points."""
    return sample("sobol", study.subset(names), n or study.sobol.n, study.phase_seed("sobol"),
                  second_order=study.sobol.second_order)


def design_specs(study: Study, design: np.ndarray, names: Sequence[str], phase: str,
                 replications: int | None = None) -> list[RunSpec]:
    """One RunSpec per design point and replication (the one rule of :mod:`experiments.spec`)."""
    return point_specs(study, design_points(study.subset(names), design), phase, replications)


def point_specs(study: Study, points: Sequence[Mapping[str, Any]], phase: str,
                replications: int | None = None) -> list[RunSpec]:
    """The runs of one phase: each point ``replications`` times (default: the study's), seeded from the phase."""
    return build_specs(points, replications or study.replications, base_seed=study.phase_seed(phase),
                       region=study.region, weeks=study.weeks, fixed=study.fixed)


def point_means(runs: pd.DataFrame, outcomes: Sequence[str], n_points: int) -> pd.DataFrame:
    """Outcomes averaged over the replications of each design point (failed runs and nulls left out)."""
    table = runs.copy()
    values = table[list(outcomes)].apply(pd.to_numeric, errors="coerce")
    if "status" in table:
        values[table["status"].ne("ok").to_numpy()] = np.nan
    values["point"] = table["point"].to_numpy()
    means = values.groupby("point").mean()
    return means.reindex(range(n_points))


def replication_noise(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """How much of the variation is replication noise, per outcome (see the module docstring).

    Columns: within_point_variance (mean over points of the variance between replications),
    run_variance (variance of single runs), noise_share_of_runs, replications, point_mean_se (the
    standard error of a point mean), point_mean_sd (spread of the point means), noise_share_of_means
    ((within / R) / variance of point means: the expected upward bias of every total-order index).
    """
    rows = []
    for outcome in outcomes:
        values = pd.to_numeric(runs[outcome], errors="coerce")
        if "status" in runs:
            values = values.where(runs["status"].eq("ok"))
        grouped = values.groupby(runs["point"])
        reps = float(grouped.count().mean())
        within = float(grouped.var(ddof=1).mean())
        means = grouped.mean()
        mean_var = float(means.var(ddof=1))
        rows.append({
            "outcome": outcome, "replications": reps, "within_point_variance": within,
            "run_variance": float(values.var(ddof=1)),
            "noise_share_of_runs": _ratio(within, float(values.var(ddof=1))),
            "point_mean_se": math.sqrt(within / reps) if reps > 0 else math.nan,
            "point_mean_sd": math.sqrt(mean_var) if mean_var >= 0 else math.nan,
            "noise_share_of_means": _ratio(within / reps if reps > 0 else math.nan, mean_var),
        })
    return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 and math.isfinite(a) else math.nan


# --- analysis ------------------------------------------------------------------------------------
def analyse_morris(study: Study, design: np.ndarray, means: pd.DataFrame) -> pd.DataFrame:
    """mu, mu* (with its bootstrap interval) and sigma per outcome and factor (SALib.analyze.morris).

    SALib divides each elementary effect by the grid step in the unit range, so mu* reads as the
    typical change in the outcome when the factor moves across its whole range.
    """
    rows = []
    problem = study.problem()
    for outcome in study.outcomes:
        y = means[outcome].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            continue
        si = morris_analyze.analyze(problem, design, y, num_resamples=study.morris.resamples,
                                    conf_level=study.conf_level, num_levels=study.morris.levels,
                                    seed=study.phase_seed("morris"))
        for i, name in enumerate(problem["names"]):
            rows.append({"outcome": outcome, "parameter": name, "label": study.label(name), "mu": si["mu"][i],
                         "mu_star": si["mu_star"][i], "mu_star_conf": si["mu_star_conf"][i], "sigma": si["sigma"][i]})
    return pd.DataFrame(rows, columns=["outcome", "parameter", "label", "mu", "mu_star", "mu_star_conf", "sigma"])


def screen(study: Study, morris: pd.DataFrame) -> list[str]:
    """The parameters that go on to Sobol (rule in :class:`MorrisSettings`); the dummy always goes on."""
    table = morris[morris["parameter"] != DUMMY].copy()
    largest = table.groupby("outcome")["mu_star"].transform("max")
    table["share"] = np.where(largest > 0, table["mu_star"] / largest, 0.0)
    best = table.groupby("parameter")["share"].max()
    keep = best[best >= study.morris.keep_share].sort_values(ascending=False, kind="stable")
    order = [f.name for f in study.factors]
    others = [name for name in keep.index if name not in study.morris.keep]
    kept = [*study.morris.keep, *others[: study.morris.keep_max - len(study.morris.keep)]]
    if len(kept) < 2:  # Sobol needs two factors: take the next strongest
        kept = list(best.sort_values(ascending=False, kind="stable").index[:2])
    if any(f.kind == DUMMY for f in study.factors):
        kept.append(DUMMY)
    return [name for name in order if name in kept]


def analyse_sobol(study: Study, names: Sequence[str], means: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First-order and total indices with intervals, and second-order indices, from the first ``n`` blocks.

    Returns (indices: outcome, parameter, S1, S1_conf, ST, ST_conf; second: outcome, a, b, S2, S2_conf).
    ``*_conf`` is the half-width of SALib's bootstrap interval at ``conf_level``.
    """
    problem = study.problem(names)
    rows_per_base = (2 if study.sobol.second_order else 1) * len(names) + 2
    first, second = [], []
    for outcome in study.outcomes:
        y = means[outcome].to_numpy(dtype=float)[: n * rows_per_base]
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue
        with warnings.catch_warnings():  # constant blocks at small n: reported by convergence_warnings instead
            warnings.simplefilter("ignore", UserWarning)
            si = sobol_analyze.analyze(problem, y, calc_second_order=study.sobol.second_order,
                                       num_resamples=study.sobol.resamples, conf_level=study.conf_level,
                                       seed=study.phase_seed("sobol"))
        for i, name in enumerate(names):
            first.append({"outcome": outcome, "n": n, "parameter": name, "label": study.label(name),
                          **{key: si[key][i] for key in ("S1", "S1_conf", "ST", "ST_conf")}})
            for j in range(i + 1, len(names)) if study.sobol.second_order else ():
                second.append({"outcome": outcome, "a": name, "b": names[j], "S2": si["S2"][i, j],
                               "S2_conf": si["S2_conf"][i, j]})
    return (pd.DataFrame(first, columns=["outcome", "n", "parameter", "label", "S1", "S1_conf", "ST", "ST_conf"]),
            pd.DataFrame(second, columns=["outcome", "a", "b", "S2", "S2_conf"]))


def convergence(study: Study, names: Sequence[str], means: pd.DataFrame) -> pd.DataFrame:
    """Sobol indices at n = n_min, 2 n_min, ..., N from nested prefixes of the one design (see module docstring)."""
    sizes = [2**k for k in range(int(math.log2(study.sobol.n_min)), int(math.log2(study.sobol.n)) + 1)]
    return pd.concat([analyse_sobol(study, names, means, n)[0] for n in sizes], ignore_index=True)


def convergence_warnings(study: Study, conv: pd.DataFrame) -> list[str]:
    """Plain-English warnings for total indices that have not settled at the largest sample size."""
    notes = []
    for outcome, table in conv.groupby("outcome", sort=False):
        sizes = sorted(table["n"].unique())
        last = table[table["n"] == sizes[-1]].set_index("parameter")
        before = table[table["n"] == sizes[-2]].set_index("parameter") if len(sizes) > 1 else None
        for name, row in last.iterrows():
            width = 2 * row["ST_conf"]
            change = abs(row["ST"] - before.loc[name, "ST"]) if before is not None else math.nan
            reasons = []
            if width > CI_WIDTH_LIMIT:
                reasons.append(f"its 95% interval is {width:.2f} wide (more than {CI_WIDTH_LIMIT})")
            if change > LAST_CHANGE_LIMIT:
                reasons.append(f"it moved by {change:.2f} when the sample size last doubled "
                               f"(more than {LAST_CHANGE_LIMIT})")
            if reasons:
                notes.append(f"The total effect of {study.label(name).lower()} on {outcome_label(outcome)} has "
                                f"not settled at N = {sizes[-1]}: " + " and ".join(reasons) + ".")
    return notes


def outcome_label(outcome: str) -> str:
    """A short plain-English name for an outcome, from its description in SUMMARY_FIELDS."""
    return "the " + SUMMARY_FIELDS[outcome].split(":")[0].split(" (")[0].split(",")[0]


# --- response curves -------------------------------------------------------------------------------
def curve_points(study: Study, levers: Sequence[str]) -> list[tuple[str, Any]]:
    """(lever, value) for every point of the one-at-a-time curves: each lever over its grid, others at defaults."""
    return [(name, value) for name in levers for value in study.factor(name).grid(study.curves.points)]


def response_curves(study: Study, points: Sequence[tuple[str, Any]], runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and t-based confidence interval of each outcome at each (lever, value) over its replications."""
    rows = []
    for point, (lever, value) in enumerate(points):
        sub = runs[(runs["point"] == point) & (runs["status"].eq("ok") if "status" in runs else True)]
        for outcome in study.outcomes:
            mean, low, high, n = mean_interval(pd.to_numeric(sub[outcome], errors="coerce").to_numpy(dtype=float),
                                               study.conf_level)
            rows.append({"lever": lever, "label": study.label(lever), "value": float(value), "outcome": outcome,
                         "mean": mean, "ci_low": low, "ci_high": high, "runs": n})
    return pd.DataFrame(rows)


# --- the whole study -------------------------------------------------------------------------------
@dataclass
class Results:
    """Everything the report needs: indices, noise, convergence, warnings and curves (tables are tidy)."""

    study: Study
    morris: pd.DataFrame | None = None
    survivors: list[str] = field(default_factory=list)
    sobol: pd.DataFrame | None = None
    second: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    noise: dict[str, pd.DataFrame] = field(default_factory=dict)
    curves: pd.DataFrame | None = None
    levers: list[str] = field(default_factory=list)
    runs: dict[str, int] = field(default_factory=dict)


def run_study(study: Study, evaluate: Evaluate) -> Results:
    """Screen, measure and trace: every phase the method asks for, each phase's runs through ``evaluate``."""
    results = Results(study)
    names = [f.name for f in study.factors]
    if study.method in ("morris", "morris_then_sobol"):
        design = morris_design(study)
        runs = evaluate(design_specs(study, design, names, "morris"), "morris")
        results.runs["morris"] = len(runs)
        results.noise["morris"] = replication_noise(runs, study.outcomes)
        results.morris = analyse_morris(study, design, point_means(runs, study.outcomes, len(design)))
        results.warnings += _undefined(study, runs, "Morris screening")
        names = screen(study, results.morris) if study.method == "morris_then_sobol" else names
    if study.method in ("sobol", "morris_then_sobol"):
        results.survivors = names
        design = sobol_design(study, names)
        runs = evaluate(design_specs(study, design, names, "sobol", study.sobol.replications), "sobol")
        results.runs["sobol"] = len(runs)
        results.noise["sobol"] = replication_noise(runs, study.outcomes)
        means = point_means(runs, study.outcomes, len(design))
        results.sobol, results.second = analyse_sobol(study, names, means, study.sobol.n)
        results.convergence = convergence(study, names, means)
        results.warnings += _undefined(study, runs, "Sobol analysis") + convergence_warnings(study, results.convergence)
    top = top_levers(results, study.curves.levers)
    results.levers = [*top, *(name for name in study.curves.keep if name not in top)]
    if results.levers:
        points = curve_points(study, results.levers)
        specs = point_specs(study, [{lever: value} for lever, value in points], "curves", study.curves.replications)
        runs = evaluate(specs, "curves")
        results.runs["curves"] = len(runs)
        results.curves = response_curves(study, points, runs)
    return results


def top_levers(results: Results, k: int) -> list[str]:
    """The ``k`` most influential parameters for the first outcome: by total index, else by mu*."""
    outcome = results.study.outcomes[0]
    if results.sobol is not None and len(results.sobol):
        table, column = results.sobol, "ST"
    elif results.morris is not None and len(results.morris):
        table, column = results.morris, "mu_star"
    else:
        return []
    table = table[(table["outcome"] == outcome) & (table["parameter"] != DUMMY)]
    return list(table.sort_values(column, ascending=False, kind="stable")["parameter"][:k])


def _undefined(study: Study, runs: pd.DataFrame, phase: str) -> list[str]:
    """Warnings for failed runs and for outcomes left out because they are undefined at some design point."""
    out = []
    failed = int(runs["status"].ne("ok").sum()) if "status" in runs else 0
    if failed:
        out.append(f"{failed} of {len(runs)} runs of the {phase} failed; their points were averaged over the rest.")
    for outcome in study.outcomes:
        values = pd.to_numeric(runs[outcome], errors="coerce").groupby(runs["point"]).mean()
        missing = int(values.isna().sum())
        if missing:
            out.append(f"{phase}: {outcome_label(outcome)} is undefined at {missing} design points "
                       f"(e.g. no project delivered), so it was left out of this analysis.")
        elif values.nunique() <= 1:
            out.append(f"{phase}: {outcome_label(outcome)} did not vary at all, so it has no indices.")
    return out


# --- running on the model ------------------------------------------------------------------------
def executor(study: Study, out: Path, *, workers: int | None = None, scheduler: str | None = None,
             retry_failed: bool = False) -> Evaluate:
    """The real evaluator: each phase's runs through :func:`experiments.runs.execute` into ``out/<phase>``.

    Like sweeps, running the same study again on the same folder resumes it (a changed study file is refused);
    ``retry_failed`` runs again the stored runs that failed in the model.
    """
    from partnerships.experiments.runs import execute

    def evaluate(specs: Sequence[RunSpec], phase: str) -> pd.DataFrame:
        # The hash is of the runs themselves (every spec's region, settings and seed): a folder whose stored
        # runs belong to another design is refused rather than mixed in, while a study file changed only in
        # its analysis (bootstrap resamples, screening rule of a later phase) reuses the runs it still fits.
        manifest = {"kind": f"sensitivity-{phase}", "text": study.text,
                    "sha256": hashlib.sha256(f"{phase}\n{digest(specs)}".encode()).hexdigest()}
        return execute(specs, Path(out) / phase, workers=workers, scheduler=scheduler, resume=True,
                       manifest=manifest, label=f"sensitivity: {phase}", retry_failed=retry_failed)

    return evaluate


def run_file(path: Path, out: Path | None = None, *, workers: int | None = None, scheduler: str | None = None,
             resume: bool = False, retry_failed: bool = False) -> tuple[Results, Path]:
    """Check the study file and the folder (before any run), then run the study; return results and folder.

    ``out`` defaults to ``results/<study file name>``; ``resume=True`` insists that it already holds this study;
    ``retry_failed`` runs again the stored runs that failed in the model.
    """
    from partnerships.experiments.output import check_writable
    from partnerships.experiments.store import Store

    from partnerships.experiments.runs import check_specs

    study = load_study(path)
    check_specs(point_specs(study, [{}], PHASES[0], 1))  # what run would refuse, before the progress display starts
    out = Path(out) if out is not None else Path("results") / study.name
    check_writable(out)
    first = out / PHASES[0 if study.method != "sobol" else 1]
    if resume and not Store(first).has_study():
        raise UserError(f"--resume: '{out}' holds no sensitivity study to resume: allowed a folder written by "
                        "'partnerships sensitivity'")
    from partnerships.experiments import progress

    with progress.overall("sensitivity", progress.sensitivity_plan(study)):  # one total over the phases
        results = run_study(study, executor(study, out, workers=workers, scheduler=scheduler,
                                                retry_failed=retry_failed))
    return results, out
