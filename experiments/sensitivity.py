"""Sensitivity study: which levers move the outcomes. Morris screening and Sobol indices, with SALib.

The path of a study::

    study file (TOML) -> Study (every field checked before any run)
      -> SALib design (SALib.sample.morris.sample / SALib.sample.sobol.sample)
      -> RunSpecs: each design point run with R replications, seeds from the base seed (run_seed)
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
import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from partnerships.experiments.errors import UserError
from partnerships.experiments.runs import RunSpec, run_seed
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.parameters import PARAMETERS, ParameterError, lookup, validate

METHODS = ("morris", "sobol", "morris_then_sobol")
DUMMY = "dummy"
PHASES = ("morris", "sobol", "curves")
#: Convergence warning thresholds: a total index whose 95% interval is wider than this ...
CI_WIDTH_LIMIT = 0.1
#: ... or that moved by more than this when the sample size last doubled, has not settled.
LAST_CHANGE_LIMIT = 0.05

#: evaluate(specs, phase) -> run table (run_id, point, replication, outcomes, status): the one seam between
#: the analysis and the runner. The real one is :func:`executor`; tests pass Ishigami.
Evaluate = Callable[[Sequence[RunSpec], str], pd.DataFrame]


# --- the study ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """One input varied by the study, uniformly over [low, high] in the parameter's own unit."""

    name: str
    low: float
    high: float
    kind: str = "float"  # 'float', 'int', 'bool' or 'dummy' (ignored by the model)
    label: str = ""

    def bounds(self) -> list[float]:
        """The range SALib samples: whole numbers get half a step either side, so each is equally likely."""
        if self.kind == "int":
            return [self.low - 0.5, self.high + 0.5]
        if self.kind in ("bool", DUMMY):
            return [0.0, 1.0]
        return [self.low, self.high]

    def value(self, x: float) -> float | int | bool:
        """The model value for a sampled ``x`` (rounded for whole numbers, a switch at 0.5 for booleans)."""
        if self.kind == "int":
            return int(min(max(math.floor(x + 0.5), self.low), self.high))
        if self.kind == "bool":
            return bool(x >= 0.5)
        return float(x)

    def grid(self, points: int) -> list[float | int | bool]:
        """Evenly spaced values across the range, for one-at-a-time response curves."""
        if self.kind == "bool":
            return [False, True]
        values = np.linspace(self.low, self.high, points)
        return list(dict.fromkeys(self.value(v) for v in values))


@dataclass(frozen=True)
class MorrisSettings:
    """Morris screening: ``trajectories`` paths of D+1 points on a ``levels``-level grid.

    Screening rule (method ``morris_then_sobol``): for each outcome, a parameter's mu* is divided by the
    largest mu* of that outcome; a parameter survives if this share reaches ``keep_share`` for at least
    one outcome. The parameters in ``keep`` (e.g. the levers a policy team controls) always go on; the
    other survivors, ranked by their largest share, fill the places up to ``keep_max`` in all.
    """

    trajectories: int = 20
    levels: int = 4
    keep_share: float = 0.1
    keep_max: int = 8
    resamples: int = 1000
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class SobolSettings:
    """Sobol indices from N base points (a power of 2): N (2D+2) design points with second order.

    ``replications`` (default: the study's) may be set apart from the screening's: the Morris phase
    measures the replication noise first, and where it is small a Sobol design needs fewer runs per point.
    """

    n: int = 256
    second_order: bool = True
    resamples: int = 200
    n_min: int = 16
    replications: int | None = None


@dataclass(frozen=True)
class CurveSettings:
    """One-at-a-time response curves for the ``levers`` most influential parameters and those in ``keep``."""

    levers: int = 3
    keep: tuple[str, ...] = ()
    points: int = 7
    replications: int = 10


@dataclass(frozen=True)
class Study:
    """A validated sensitivity study (see ``experiments/sensitivity.toml`` for every field)."""

    factors: tuple[Factor, ...]
    outcomes: tuple[str, ...]
    method: str = "morris_then_sobol"
    weeks: int = 260
    scenario: str = "county"
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
        return hashlib.sha256(self.text.encode()).hexdigest()

    def problem(self, names: Sequence[str] | None = None) -> dict[str, Any]:
        """The SALib problem for the factors ``names`` (all by default), in study order."""
        factors = [f for f in self.factors if names is None or f.name in names]
        return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [f.bounds() for f in factors]}

    def factor(self, name: str) -> Factor:
        return next(f for f in self.factors if f.name == name)

    def label(self, name: str) -> str:
        return self.factor(name).label or name

    def phase_seed(self, phase: str) -> int:
        """Base seed of one phase's runs and SALib calls: distinct per phase, never 0 (SALib tests ``if seed:``)."""
        state = np.random.SeedSequence(self.base_seed, spawn_key=(PHASES.index(phase),)).generate_state(1)
        return int(state[0]) or 1


STUDY_FIELDS = ("method", "scenario", "weeks", "base_seed", "replications", "outcomes", "parameters", "ranges",
                "fixed", "dummy", "morris", "sobol", "response_curves")
SECTION_FIELDS = {
    "morris": ("trajectories", "levels", "keep_share", "keep_max", "resamples", "keep"),
    "sobol": ("n", "second_order", "resamples", "n_min", "replications"),
    "response_curves": ("levers", "points", "replications", "keep"),
}


def load_study(path: Path) -> Study:
    """Read and check a study file; raise a one-line :class:`UserError` or ``ParameterError`` if it is wrong."""
    path = Path(path)
    try:
        text = path.read_text()
        data = tomllib.loads(text)
    except OSError as err:
        raise UserError(f"study file '{path}' cannot be read ({err.strerror}): allowed a TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"study file '{path}' is not valid TOML ({err})") from None
    scenario = str(data.get("scenario", "county"))
    if (path.parent / scenario).is_file():
        scenario = str((path.parent / scenario).resolve())
    return parse_study(data, text=text, name=path.stem, scenario=scenario)


def parse_study(data: Mapping[str, Any], *, text: str = "", name: str = "sensitivity",
                scenario: str | None = None) -> Study:
    """Check every field of a study (a parsed TOML table) against the parameter registry and SALib's rules."""
    from partnerships.model.scenarios import load_region

    for key in data:
        lookup(key, STUDY_FIELDS, what="study field")
    method = _choice(data.get("method", "morris_then_sobol"), METHODS, "method")
    spec = load_region(scenario or data.get("scenario", "county"))
    fixed = validate(data.get("fixed", {}))
    fixed = {k: fixed[k] for k in data.get("fixed", {})}
    defaults = validate({**spec.parameters, **fixed})
    factors, excluded = _factors(data, defaults)
    if not isinstance(data.get("dummy", False), bool):
        raise UserError(f"study field 'dummy' = {data['dummy']!r}: allowed true or false")
    if data.get("dummy", False):
        factors.append(Factor(DUMMY, 0.0, 1.0, DUMMY, "Dummy (does nothing: the noise floor)"))
    if len(factors) < 2:
        raise UserError(f"study field 'parameters' names {len(factors)} parameter(s): allowed at least 2")
    outcomes = tuple(lookup(str(o), SUMMARY_FIELDS, what="outcome") for o in _list(data, "outcomes",
                                                                                       ["delivered_share"]))
    if not outcomes:
        raise UserError("study field 'outcomes' is empty: allowed one or more of " + ", ".join(SUMMARY_FIELDS))
    sections = {key: _section(data, key) for key in SECTION_FIELDS}
    morris = MorrisSettings(**sections["morris"])
    sobol = SobolSettings(**{"n_min": min(SobolSettings.n_min, sections["sobol"].get("n", SobolSettings.n)),
                             **sections["sobol"]})
    curves = CurveSettings(**sections["response_curves"])
    for section, kept in [("morris", k) for k in morris.keep] + [("response_curves", k) for k in curves.keep]:
        lookup(kept, [f.name for f in factors if f.kind != DUMMY], what=f"parameter in {section}.keep")
    _check_settings(morris, sobol, curves)
    return Study(factors=tuple(factors), outcomes=outcomes, method=method,
                 weeks=_whole(data.get("weeks", 260), "weeks", 1, 5200),
                 scenario=str(scenario or data.get("scenario", "county")),
                 base_seed=_whole(data.get("base_seed", 1), "base_seed", 1, 2**63 - 1),
                 replications=_whole(data.get("replications", 4), "replications", 1, 1000),
                 fixed=fixed, defaults=defaults, morris=morris, sobol=sobol, curves=curves,
                 excluded_switches=tuple(excluded), text=text, name=name)


def _factors(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[list[Factor], list[str]]:
    """The varied parameters: those listed, else every number parameter not fixed; switches only if listed."""
    listed = data.get("parameters")
    ranges = data.get("ranges", {})
    if not isinstance(ranges, Mapping):
        raise UserError("study field 'ranges' must be a table of NAME = [low, high]")
    if listed is None:
        names = [p.name for p in PARAMETERS.values() if p.kind != "bool" and p.name not in data.get("fixed", {})]
        excluded = [p.name for p in PARAMETERS.values() if p.kind == "bool" and p.name not in data.get("fixed", {})]
    else:
        names = [lookup(str(n)) for n in _list(data, "parameters", [])]
        excluded = []
    for name in ranges:
        if lookup(name) not in names:
            raise UserError(f"ranges.{name}: '{name}' is not among the study's parameters")
    factors = []
    for name in dict.fromkeys(names):
        p = PARAMETERS[name]
        if name in data.get("fixed", {}):
            raise UserError(f"parameter '{name}' is both varied and fixed: allowed one or the other")
        low, high = _range(p, ranges.get(name))
        factors.append(Factor(name, low, high, p.kind, p.label))
    return factors, excluded


def _range(p: Any, given: Any) -> tuple[float, float]:
    if given is None or p.kind == "bool":
        return float(p.low), float(p.high)
    if not (isinstance(given, list) and len(given) == 2):
        raise UserError(f"ranges.{p.name} = {given!r}: allowed [low, high] within {p.range_text()} ({p.unit})")
    try:
        low, high = (p.validate(v) for v in given)
    except ParameterError as err:
        raise UserError(f"ranges.{p.name}: {err}") from None
    if not low < high:
        raise UserError(f"ranges.{p.name} = {given!r}: low must be below high, within {p.range_text()}")
    return float(low), float(high)


def _check_settings(morris: MorrisSettings, sobol: SobolSettings, curves: CurveSettings) -> None:
    if sobol.n < 2 or sobol.n & (sobol.n - 1):
        raise UserError(f"sobol.n = {sobol.n} is not a power of 2: allowed 2, 4, 8, ..., e.g. "
                        f"{2 ** max(1, round(math.log2(max(sobol.n, 2))))}")
    if sobol.n_min < 2 or sobol.n_min & (sobol.n_min - 1) or sobol.n_min > sobol.n:
        raise UserError(f"sobol.n_min = {sobol.n_min}: allowed a power of 2 from 2 to sobol.n ({sobol.n})")
    if morris.levels < 2 or morris.levels % 2:
        raise UserError(f"morris.levels = {morris.levels}: allowed an even whole number of 2 or more")
    if morris.trajectories < 2:
        raise UserError(f"morris.trajectories = {morris.trajectories}: allowed 2 or more")
    if not 0 < morris.keep_share <= 1:
        raise UserError(f"morris.keep_share = {morris.keep_share}: allowed above 0 and at most 1")
    if morris.keep_max < max(2, len(morris.keep)):
        raise UserError(f"morris.keep_max = {morris.keep_max}: allowed 2 or more (Sobol needs two factors) and at "
                        f"least the {len(morris.keep)} parameters of morris.keep")
    if min(morris.resamples, sobol.resamples) < 10:
        raise UserError("morris.resamples and sobol.resamples: allowed 10 or more bootstrap resamples")
    if curves.levers < 0 or curves.points < 2 or curves.replications < 2:
        raise UserError("response_curves: allowed levers >= 0, points >= 2 and replications >= 2")


def _section(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    section = data.get(key, {})
    if not isinstance(section, Mapping):
        raise UserError(f"study field '{key}' must be a table ([{key}])")
    defaults = {"morris": MorrisSettings(), "sobol": SobolSettings(), "response_curves": CurveSettings()}[key]
    out = {}
    for name, value in section.items():
        name = lookup(name, SECTION_FIELDS[key], what=f"field of [{key}]")
        kind = int if name == "replications" else type(getattr(defaults, name))
        if name == "replications":
            value = _whole(value, f"{key}.{name}", 1, 1000)
        elif kind is tuple:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise UserError(f"{key}.{name} = {value!r}: allowed a list of parameter names")
        elif kind is bool:
            if not isinstance(value, bool):
                raise UserError(f"{key}.{name} = {value!r}: allowed true or false")
        elif kind is int:
            value = _whole(value, f"{key}.{name}", -2**31, 2**31)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise UserError(f"{key}.{name} = {value!r}: allowed a number")
        out[name] = kind(value)
    return out


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UserError(f"study field '{what}' = {value!r}: allowed a whole number from {low} to {high}")
    return value


def _choice(value: Any, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        lookup(str(value), allowed, what=what)
    return str(value)


def _list(data: Mapping[str, Any], key: str, default: list) -> list:
    value = data.get(key, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise UserError(f"study field '{key}' must be a list of names")
    return value


# --- designs and run specs -------------------------------------------------------------------------
def morris_design(study: Study) -> np.ndarray:
    """SALib's Morris trajectories over every factor: ``trajectories * (D + 1)`` rows."""
    return morris_sample.sample(study.problem(), study.morris.trajectories, num_levels=study.morris.levels,
                                seed=study.phase_seed("morris"))


def sobol_design(study: Study, names: Sequence[str], n: int | None = None) -> np.ndarray:
    """SALib's Sobol (Saltelli-extended) design over the factors ``names`` with ``n`` base points."""
    return sobol_sample.sample(study.problem(names), n or study.sobol.n, calc_second_order=study.sobol.second_order,
                               scramble=True, seed=study.phase_seed("sobol"))


def design_specs(study: Study, design: np.ndarray, names: Sequence[str], phase: str,
                 replications: int | None = None) -> list[RunSpec]:
    """One RunSpec per design point and replication; run ids interleave points (all points' first
    replication first), so a study stopped early is still an even sample."""
    factors = [study.factor(n) for n in names]
    points = [{f.name: f.value(x) for f, x in zip(factors, row) if f.kind != DUMMY} for row in design]
    return point_specs(study, points, phase, replications)


def point_specs(study: Study, points: Sequence[Mapping[str, Any]], phase: str,
                replications: int | None = None) -> list[RunSpec]:
    reps = replications or study.replications
    phase_seed = study.phase_seed(phase)
    specs = []
    for rep in range(reps):
        for point, values in enumerate(points):
            run_id = rep * len(points) + point
            specs.append(RunSpec(run_id=run_id, replication=rep, point=point, seed=run_seed(phase_seed, run_id),
                                 parameters={**study.fixed, **values}, weeks=study.weeks, scenario=study.scenario))
    return specs


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
    from scipy import stats

    rows = []
    for point, (lever, value) in enumerate(points):
        sub = runs[(runs["point"] == point) & (runs["status"].eq("ok") if "status" in runs else True)]
        for outcome in study.outcomes:
            y = pd.to_numeric(sub[outcome], errors="coerce").dropna().to_numpy(dtype=float)
            mean = float(y.mean()) if len(y) else math.nan
            half = (stats.t.ppf(0.5 + study.conf_level / 2, len(y) - 1) * y.std(ddof=1) / math.sqrt(len(y))
                    if len(y) > 1 else math.nan)
            rows.append({"lever": lever, "label": study.label(lever), "value": float(value), "outcome": outcome,
                         "mean": mean, "ci_low": mean - half, "ci_high": mean + half, "runs": len(y)})
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
def executor(study: Study, out: Path, *, workers: int | None = None, scheduler: str | None = None) -> Evaluate:
    """The real evaluator: each phase's runs through :func:`experiments.runs.execute` into ``out/<phase>``.

    Like sweeps, running the same study again on the same folder resumes it (a changed study file is refused).
    """
    from partnerships.experiments.runs import execute

    def evaluate(specs: Sequence[RunSpec], phase: str) -> pd.DataFrame:
        # The hash is of the runs themselves (settings, seed, weeks, scenario of each): a folder whose stored
        # runs belong to another design is refused rather than mixed in, while a study file changed only in
        # its analysis (bootstrap resamples, screening rule of a later phase) reuses the runs it still fits.
        design = "\n".join(f"{s.run_id} {s.seed} {s.weeks} {s.scenario} {sorted(s.parameters.items())}"
                           for s in specs)
        manifest = {"kind": f"sensitivity-{phase}", "text": study.text,
                    "sha256": hashlib.sha256(f"{phase}\n{design}".encode()).hexdigest()}
        return execute(specs, Path(out) / phase, workers=workers, scheduler=scheduler, resume=True,
                       manifest=manifest, label=f"sensitivity: {phase}")

    return evaluate


def run_file(path: Path, out: Path | None = None, *, workers: int | None = None, scheduler: str | None = None,
             resume: bool = False) -> tuple[Results, Path]:
    """Check the study file and the folder (before any run), then run the study; return results and folder.

    ``out`` defaults to ``results/<study file name>``; ``resume=True`` insists that it already holds this study.
    """
    from partnerships.experiments.output import check_writable
    from partnerships.experiments.store import Store

    study = load_study(path)
    out = Path(out) if out is not None else Path("results") / study.name
    check_writable(out)
    first = out / PHASES[0 if study.method != "sobol" else 1]
    if resume and not Store(first).has_study():
        raise UserError(f"--resume: '{out}' holds no sensitivity study to resume: allowed a folder written by "
                        "'partnerships sensitivity'")
    from partnerships.experiments import progress

    with progress.overall("sensitivity", progress.sensitivity_plan(study)):  # one total over the phases
        results = run_study(study, executor(study, out, workers=workers, scheduler=scheduler))
    return results, out
