"""Calibration by approximate Bayesian computation (pyabc ABC-SMC with exact stochastic acceptance).

``partnerships calibrate STUDY.toml --out DIR`` reads a study file (:mod:`experiments.abc_study`),
then runs pyabc's ABC-SMC with:

- priors uniform over each calibrated parameter's range (or its logarithm's);
- each particle's statistics pooled over ``runs_per_particle`` model runs of the study's scenario,
  run by :func:`experiments.runs.execute` (local processes or a Dask cluster) into
  ``DIR/simulations/<generation>-c<first candidate>-n<count>``;
- the likelihood of the observations given those statistics (:mod:`experiments.abc_targets`: binomial
  survey shares with their sample sizes, normal measurements), as pyabc's stochastic kernel, with a
  ``StochasticAcceptor`` and a ``Temperature`` schedule whose last generation is at temperature 1, so
  that generation samples the posterior under the observations' sampling model;
- candidates numbered, seeded and stored by :class:`experiments.abc_sampler.ReplaySampler`.

Resuming: run the same command again. pyabc is replayed from the start against the stored
candidates (their model runs are not repeated) and continues where the calibration stopped, inside a
batch if it stopped there; the result is bit for bit the one of an uninterrupted calibration.

Outputs in DIR: ``posterior.parquet`` (the last generation's particles: weight, parameter values,
statistics), ``posterior.json`` (provenance), ``generations.csv``, ``predictive.parquet`` (posterior
predictive statistics, draws x seeds), ``history.db`` (pyabc's SQLite history) and ``report.html``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.acceptor import pdf_norm_from_kernel

from partnerships.experiments.abc_sampler import PREDICTIVE, ReplaySampler, Simulator, StoredModel, generation_name
from partnerships.experiments.abc_study import Prior, Study, Target
from partnerships.experiments.abc_targets import SurveyKernel, statistics_by_candidate
from partnerships.experiments.errors import SweepInterrupted, UserError
from partnerships.experiments.output import check_writable
from partnerships.experiments.provenance import git_commit, model_fingerprint, versions
from partnerships.experiments.runs import execute
from partnerships.experiments.spec import SEED_RULE, RunSpec, build_specs, digest
from partnerships.experiments.store import Store, write_atomic

POSTERIOR_FILE = "posterior.parquet"
PROVENANCE_FILE = "posterior.json"


# --- priors pyabc can sample reproducibly -------------------------------------------------------------
#: The proposal: pyabc's LocalTransition, a Gaussian around each particle with the covariance of its nearest
#: quarter of the population. pyabc's default (one covariance for every particle) keeps few effective particles
#: when most parameters are unconstrained inside a box: the proposal leaks over the box's faces, so particles near
#: faces and corners get large weights (measured on a 10-parameter toy, 3 seeds: ESS 6-82 of 300 by default,
#: 119-171 with this; docs/calibration.md).
LOCAL_NEIGHBOURS = 0.25


class UniformPrior(pyabc.RVBase):
    """Uniform on [low, high], drawn from numpy's global generator (which the sampler seeds per candidate)."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = float(low), float(high)

    def copy(self) -> UniformPrior:
        return UniformPrior(self.low, self.high)

    def rvs(self, *args, **kwargs) -> float:
        return float(np.random.uniform(self.low, self.high))

    def pdf(self, x: float, *args, **kwargs) -> float:
        return 1.0 / (self.high - self.low) if self.low <= x <= self.high else 0.0

    def pmf(self, x: float, *args, **kwargs) -> float:
        return self.pdf(x)

    def cdf(self, x: float, *args, **kwargs) -> float:
        return min(max((x - self.low) / (self.high - self.low), 0.0), 1.0)


def _versions() -> dict[str, str]:
    """The project's recorded package versions, and pyabc's (a calibration depends on it)."""
    return versions() | {"pyabc": pyabc.__version__}


def run_seed_of(base_seed: int, generation: int, candidate: int) -> int:
    """The base seed of a candidate's model runs (run r's seed is then ``run_seed(this, r)``, experiments.spec)."""
    low, high = np.random.SeedSequence(base_seed, spawn_key=(1, generation + 1, candidate)).generate_state(2)
    return (int(low) | (int(high) << 32)) >> 1


# --- the model as a simulator -----------------------------------------------------------------------
class ModelSimulator:
    """Runs candidates' model runs through :func:`experiments.runs.execute` and computes their statistics."""

    def __init__(self, study: Study, out: Path, workers: int | None = None, scheduler: str | None = None,
                 retry_failed: bool = False) -> None:
        self.study, self.out, self.workers, self.scheduler = study, Path(out), workers, scheduler
        self.retry_failed = retry_failed
        self.tables = ("projects",) if study.needs_projects else ()
        self.failed = 0

    def parameters(self, coordinates: Mapping[str, float]) -> dict[str, float | int]:
        return {p.name: p.value(coordinates[p.name]) for p in self.study.priors}

    def specs(self, generation: int, candidates: Mapping[int, dict[str, float]]) -> list[RunSpec]:
        """Each candidate's ``runs_per_particle`` runs: built by :func:`experiments.spec.build_specs` from the
        candidate's own base seed (:func:`run_seed_of`), numbered ``run_id = candidate * runs_per_particle +
        replication`` with ``point = candidate``."""
        study, r = self.study, self.study.runs_per_particle
        specs = []
        for j, coordinates in candidates.items():
            for spec in build_specs([self.parameters(coordinates)], r, base_seed=run_seed_of(study.base_seed,
                                    generation, j), region=study.region, weeks=study.weeks, fixed=study.fixed,
                                    tables=self.tables):
                specs.append(replace(spec, run_id=j * r + spec.replication, point=j))
        return specs

    def simulate(self, generation: int, first: int,
                 candidates: Mapping[int, dict[str, float]]) -> dict[int, dict[str, float]]:
        study = self.study
        specs = self.specs(generation, candidates)
        name = f"{generation_name(generation)}-c{first:07d}-n{len(candidates)}"
        folder = self.out / "simulations" / name
        text = f"{study.text}\n# calibration runs {name}: {digest(specs)}\n"
        runs = execute(specs, folder, workers=self.workers, scheduler=self.scheduler, resume=True,
                       manifest={"kind": "calibration-runs", "text": text}, label=f"calibration {name}",
                       retry_failed=self.retry_failed)
        self.failed += int((runs["status"] != "ok").sum())
        projects = pd.read_parquet(folder / "projects.parquet") if self.tables else None
        table = statistics_by_candidate(study.statistics, runs, projects, group="point")
        return {j: {k: float(v) for k, v in table.loc[j].items()} for j in candidates}


# --- the result ----------------------------------------------------------------------------------------
@dataclass
class CalibrationResult:
    """What a calibration produced (and wrote into ``out``)."""

    study: Study
    out: Path
    posterior: pd.DataFrame  # particle, weight, parameter values (model units), log_likelihood, statistics
    generations: pd.DataFrame  # t, temperature, accepted, evaluated, simulated, ess, acceptance
    predictive: pd.DataFrame  # draw, particle, seed, parameter values, statistics
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """Whether the last generation is at temperature 1 (a sample of the posterior, not a tempered one)."""
        return bool(self.provenance.get("exact"))


def stored_runs(out: Path) -> pd.DataFrame:
    """Status and error of every model run stored in ``out/simulations`` (each finished batch's run table)."""
    frames = [pd.read_parquet(path, columns=["run_id", "status", "error"])
              for path in sorted((Path(out) / "simulations").glob("*/runs.parquet"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"status": [], "error": []})


def _generation_of(name: str) -> int:
    """The generation of a batch named ``<generation>-c<first>-n<count>`` (prior -1, predictive last)."""
    head = name.split("-c")[0]
    return -1 if head == "prior" else PREDICTIVE if head == "predictive" else int(head.removeprefix("g"))


def forget_failed(out: Path) -> list[str]:
    """Make a resume redo the runs that failed in the model, and what followed from them; return what was removed.

    A batch with failed runs has its candidates' statistics removed (``candidates/<batch>.parquet``): the
    replayed calibration simulates the batch again, and :func:`~experiments.runs.execute` with
    ``retry_failed`` reruns only its failed runs. Every batch of a later generation (and the posterior
    predictive runs) was proposed from statistics that change now, so its statistics and runs are removed.
    """
    out = Path(out)
    failed = [folder.parent.name for folder in sorted((out / "simulations").glob("*/runs.parquet"))
              if pd.read_parquet(folder, columns=["status"])["status"].ne("ok").any()]
    if not failed:
        return []
    first = min(_generation_of(name) for name in failed)
    removed = []
    for path in sorted((out / "candidates").glob("*.parquet")):
        generation = _generation_of(path.stem)
        if generation > first or path.stem in failed:
            path.unlink()
            removed.append(f"candidates/{path.name}")
    for folder in sorted((out / "simulations").iterdir()) if (out / "simulations").is_dir() else []:
        if _generation_of(folder.name) > first:
            shutil.rmtree(folder)
            removed.append(f"simulations/{folder.name}")
    return removed


def study_folder(study: Study, out: Path | None) -> Path:
    return Path(out) if out is not None else Path("results") / study.name


def calibrate(study: Study, out: Path, *, workers: int | None = None, scheduler: str | None = None,
              simulator: Simulator | None = None, progress: Callable[[str], None] | None = None,
              retry_failed: bool = False) -> CalibrationResult:
    """Run (or resume) the calibration of ``study`` into ``out`` and return its result.

    ``simulator`` replaces the model (tests: a toy with a known posterior); by default the study's
    model runs go through :class:`ModelSimulator`. ``retry_failed`` runs again the stored model runs that
    failed in the model (see :func:`forget_failed`).
    """
    out = Path(out)
    started = time.monotonic()
    manifest = _open(out, study)
    if retry_failed:
        forget_failed(out)
    simulator = simulator or ModelSimulator(study, out, workers, scheduler, retry_failed)
    model = StoredModel()
    budget = max(1, study.max_runs // study.runs_per_particle)
    sampler = ReplaySampler(simulator, model, out, study.base_seed, budget, progress)
    abc = pyabc.ABCSMC(model, pyabc.Distribution(**{p.name: UniformPrior(*p.bounds) for p in study.priors}),
                       SurveyKernel(study.targets), population_size=study.population, sampler=sampler,
                       transitions=pyabc.LocalTransition(k_fraction=LOCAL_NEIGHBOURS), eps=pyabc.Temperature(),
                       acceptor=pyabc.StochasticAcceptor(pdf_norm_method=pdf_norm_from_kernel))
    for stale in out.glob(".history-*.db"):
        stale.unlink()
    db = out / f".history-{uuid.uuid4().hex}.db"
    try:
        abc.new(f"sqlite:///{db}", {t.name: t.observed_share for t in study.targets})
        try:
            history = abc.run(max_nr_populations=study.generations, min_acceptance_rate=study.min_acceptance,
                              max_total_nr_simulations=budget)
        except BaseException as err:
            cause = sampler.error or err  # pyabc's clean-up can fail over the real cause: raise the cause
            if isinstance(cause, KeyboardInterrupt):
                raise SweepInterrupted(f"interrupted: {sampler.simulated:,} candidates of this session are stored in "
                                       f"{out}; run the same command again to continue") from None
            if cause is not err:
                raise cause from None
            raise
        if history.max_t < 0:
            raise UserError(f"{study.source}: calibration.population = {study.population}: no generation was "
                            f"completed (acceptance below min_acceptance = {study.min_acceptance:g} from the start): "
                            "allowed wider priors, a lower min_acceptance or a larger budget")
        posterior, generations = _read_history(history, study, sampler)
        os.replace(db, out / "history.db")
    finally:
        db.unlink(missing_ok=True)
    predictive = _predictive(study, posterior, simulator)
    provenance = _provenance(study, manifest, posterior, generations, sampler, simulator, started)
    result = CalibrationResult(study, out, posterior, generations, predictive, provenance)
    _write(result)
    return result


def _open(out: Path, study: Study) -> dict[str, Any]:
    """Check the folder; write the manifest (first start) or check it is the same study and model (resume)."""
    check_writable(out)
    store = Store(out)
    mine = study.manifest() | {"model_sha256": model_fingerprint(), "versions": _versions(), "git_commit": git_commit(),
                               "seed_rule": SEED_RULE, "started": datetime.now(UTC).isoformat(timespec="seconds")}
    if store.has_study():
        old = store.read_manifest()
        if old.get("kind") != "calibration":
            raise UserError(f"'{out}' holds a {old.get('kind', 'different')} study, not a calibration: choose a new "
                            "--out folder")
        if old.get("sha256") != mine["sha256"]:
            raise UserError(f"'{out}' holds a calibration of a different study file (sha256 "
                            f"{str(old.get('sha256'))[:12]}, "
                            f"now {mine['sha256'][:12]}): resume with the unchanged file, or choose a new --out folder")
        if old.get("model_sha256") != mine["model_sha256"]:
            raise UserError(f"'{out}' holds a calibration of different model code (model sha256 "
                            f"{str(old.get('model_sha256'))[:12]}, now {mine['model_sha256'][:12]}): resuming would "
                            "mix model versions; choose a new --out folder")
        old.setdefault("resumed", []).append(mine["started"])
        store.write_manifest(old)
        return old
    if out.is_dir() and any(out.iterdir()):
        raise UserError(f"'{out}' is not empty and holds no calibration: allowed a new or empty --out folder")
    store.write_manifest(mine)
    return mine


def _read_history(history: pyabc.History, study: Study, sampler: ReplaySampler) -> tuple[pd.DataFrame, pd.DataFrame]:
    population = history.get_population(t=history.max_t)
    rows = []
    for i, particle in enumerate(population.particles):
        values = {p.name: p.value(float(particle.parameter[p.name])) for p in study.priors}
        stats = {f"stat_{k}": float(v) for k, v in particle.sum_stat.items()}
        rows.append({"particle": i, "weight": float(particle.weight), **values,
                     "log_likelihood": float(particle.distance), **stats})
    posterior = pd.DataFrame(rows)
    posterior["weight"] /= posterior["weight"].sum()
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    log = pd.DataFrame([e for e in sampler.log if e["generation"] >= 0]).drop_duplicates("generation", keep="last")
    generations = pops[["t", "epsilon", "samples"]].rename(columns={"epsilon": "temperature", "samples": "evaluated"})
    generations = generations.merge(log[["generation", "simulated"]].rename(columns={"generation": "t"}), on="t",
                                    how="left")
    generations["accepted"] = study.population
    generations["acceptance"] = generations["accepted"] / generations["evaluated"]
    ess = []
    for t in generations["t"]:
        _, w = history.get_distribution(m=0, t=int(t))
        ess.append(float(w.sum() ** 2 / (w ** 2).sum()))
    generations["ess"] = ess
    return posterior, generations


def resample(posterior: pd.DataFrame, draws: int, seed: int) -> np.ndarray:
    """``draws`` particle indices drawn with probability equal to their weights (with replacement)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    w = posterior["weight"].to_numpy()
    return rng.choice(len(posterior), size=draws, replace=True, p=w / w.sum())


def _predictive(study: Study, posterior: pd.DataFrame, simulator: Simulator) -> pd.DataFrame:
    """Statistics of ``draws`` posterior draws x ``seeds`` new sets of runs each (pooled as in the calibration)."""
    draws = resample(posterior, study.predictive_draws, study.base_seed)
    names = [p.name for p in study.priors]
    candidates: dict[int, dict[str, float]] = {}
    rows = []
    for d, particle in enumerate(draws):
        values = posterior.loc[particle, names].to_dict()
        coordinates = {p.name: _coordinate(p, values[p.name]) for p in study.priors}
        for s in range(study.predictive_seeds):
            j = d * study.predictive_seeds + s
            candidates[j] = coordinates
            rows.append({"candidate": j, "draw": d, "particle": int(particle), "seed": s, **values})
    results = simulator.simulate(PREDICTIVE, 0, candidates)
    table = pd.DataFrame(rows)
    stats = pd.DataFrame.from_dict(results, orient="index")
    return table.join(stats, on="candidate").drop(columns="candidate")


def _coordinate(prior: Prior, value: float) -> float:
    return math.log10(value) if prior.scale == "log" else float(value)


def survey_replicates(target: Target, values: np.ndarray, seed: int) -> np.ndarray:
    """What the survey would report, given the model's values: each value's share re-drawn with the target's
    sampling error (binomial from the respondents who could say, a don't-know range drawn uniformly; or
    normal with ``sd``)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3,)))
    values = np.asarray(values, dtype=float)
    if target.kind == "normal":
        assert target.sd is not None  # a normal target has its sd (abc_study checks one of the two is given)
        return values + rng.normal(0.0, target.sd, size=len(values))
    low, high = target.dont_know
    n = np.array([max(1, round(target.answered(d)[1])) for d in rng.uniform(low, high, size=len(values))])
    p = np.clip(np.nan_to_num(values, nan=0.0), 0, 1)
    return rng.binomial(n, p) / n


def _provenance(study: Study, manifest: dict, posterior: pd.DataFrame, generations: pd.DataFrame,
                sampler: ReplaySampler, simulator: Simulator, started: float) -> dict[str, Any]:
    last = generations.iloc[-1]
    candidates = int(sampler.simulated)
    return {
        "kind": "posterior", "study": study.source, "study_text": study.text, "study_sha256": study.sha256,
        "name": study.name, "scenario": study.region_source, "weeks": study.weeks, "fixed": study.fixed,
        "priors": [p.as_dict() for p in study.priors], "targets": [t.name for t in study.targets],
        "model_sha256": manifest.get("model_sha256"), "versions": _versions(), "git_commit": git_commit(),
        "base_seed": study.base_seed, "seed_rule": SEED_RULE,
        "candidate_seed_rule": "candidate j of generation t: numpy global generator seeded by "
                               "SeedSequence(base_seed, spawn_key=(0, t + 1, j)); its runs' base seed from "
                               "spawn_key=(1, t + 1, j)",
        "method": "pyabc ABC-SMC, StochasticAcceptor (pdf_norm_from_kernel), Temperature, SurveyKernel, "
                  f"LocalTransition(k_fraction={LOCAL_NEIGHBOURS})",
        "generations": int(len(generations)), "temperature": float(last["temperature"]),
        "exact": bool(abs(float(last["temperature"]) - 1.0) < 1e-9),
        "population": study.population, "runs_per_particle": study.runs_per_particle,
        "candidates_simulated": candidates, "model_runs": candidates * study.runs_per_particle,
        "failed_runs": int(getattr(simulator, "failed", 0)),
        "stopped": sampler.stopped or ("the temperature reached 1" if abs(float(last["temperature"]) - 1) < 1e-9
                                       else f"after {len(generations)} generations"),
        "ess": float(last["ess"]), "seconds": round(time.monotonic() - started, 1),
        "sessions": 1 + len(manifest.get("resumed", [])),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _write(result: CalibrationResult) -> None:
    out = result.out
    write_atomic(out / POSTERIOR_FILE, lambda tmp: result.posterior.to_parquet(tmp, index=False))
    write_atomic(out / "predictive.parquet", lambda tmp: result.predictive.to_parquet(tmp, index=False))
    write_atomic(out / "generations.csv", lambda tmp: result.generations.to_csv(tmp, index=False))
    text = json.dumps(result.provenance, indent=2, default=str)
    write_atomic(out / PROVENANCE_FILE, lambda tmp: tmp.write_text(text))
