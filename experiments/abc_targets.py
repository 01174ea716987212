"""A particle's statistics from its model runs, and the likelihood of the observations given them.

The likelihood is the sampling model of each observation (the stochastic kernel of pyabc's exact
ABC, Wilkinson 2013; Schälte and Hasenauer 2020): a survey share is ``k`` answers from the ``n``
respondents who could say, binomial around the model's share ``p``::

    log L = log C(n, k) + k log p + (n - k) log(1 - p)        (k, n may be fractional: gamma functions)

Respondents who did not know are missing at random: they leave ``n``. Where the source gives no
don't-know share, a range ``[low, high]`` is averaged over (uniform, on a grid of
:data:`DONT_KNOW_GRID` points). A measured value has a normal error ``sd``. Targets are independent,
so their log-likelihoods add. Each target is thereby weighed by its own sampling error: a share from
45 answers pulls far less than one from 4,500.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pyabc.distance import SCALE_LOG, StochasticKernel
from scipy.special import gammaln, logsumexp, xlog1py, xlogy

from partnerships.experiments.abc_study import Statistic, Target

DONT_KNOW_GRID = 9  # points over a don't-know range
P_GRID = 4001  # points over [0, 1] where the largest likelihood of a range target is looked for


# --- statistics ----------------------------------------------------------------------------------------
def statistic_value(stat: Statistic, runs: pd.DataFrame, projects: pd.DataFrame | None) -> float:
    """``stat`` over a particle's runs (their run-table rows and project rows); NaN where undefined."""
    if stat.share is not None:
        if projects is None or projects.empty:
            return math.nan
        mask = np.ones(len(projects), dtype=bool)
        for column, value in stat.among.items():
            mask &= (projects[column] == value).to_numpy()
        rows = projects[stat.share].to_numpy()[mask]
        return float(rows.mean()) if len(rows) else math.nan
    values = pd.to_numeric(runs[stat.statistic], errors="coerce").dropna()
    return float(values.mean()) if len(values) else math.nan


def statistics_by_candidate(stats: Sequence[Statistic], runs: pd.DataFrame, projects: pd.DataFrame | None,
                            group: str = "point") -> pd.DataFrame:
    """One row per ``group`` value of ``runs`` (a candidate, or a predictive draw-seed), one column per statistic.

    Only runs with status 'ok' count; a group whose runs all failed gets NaN (its likelihood is 0).
    """
    ok = runs[runs["status"] == "ok"]
    by_run = projects.groupby("run_id") if projects is not None and not projects.empty else None
    rows = {}
    for key in sorted(runs[group].unique()):
        mine = ok[ok[group] == key]
        rows_projects = None
        if projects is not None and by_run is not None and len(mine):
            ids = [i for i in mine["run_id"] if i in by_run.groups]
            rows_projects = projects[projects["run_id"].isin(ids)] if ids else projects.iloc[:0]
        rows[key] = {s.name: statistic_value(s, mine, rows_projects) for s in stats}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[s.name for s in stats])


# --- the likelihood ------------------------------------------------------------------------------------
def _binomial_log(k: float, n: float, p: np.ndarray) -> np.ndarray:
    """log of the (continuous-k) binomial probability of k in n at success probability p."""
    p = np.clip(p, 0.0, 1.0)
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + xlogy(k, p) + xlog1py(n - k, -p)


def target_log_likelihood(target: Target, value: float | np.ndarray) -> np.ndarray:
    """log L of the observation given the model's value(s); -inf for NaN (a statistic the runs left undefined)."""
    x = np.atleast_1d(np.asarray(value, dtype=float))
    bad = ~np.isfinite(x)
    x = np.where(bad, 0.5, x)
    if target.kind == "normal":
        assert target.sd is not None
        out = -0.5 * ((x - target.observed) / target.sd) ** 2 - math.log(target.sd * math.sqrt(2 * math.pi))
    else:
        lows, highs = target.dont_know
        grid = np.linspace(lows, highs, DONT_KNOW_GRID) if highs > lows else np.array([lows])
        terms = np.stack([_binomial_log(*target.answered(d), x) for d in grid])
        out = logsumexp(terms, axis=0) - math.log(len(grid))
    return np.where(bad, -np.inf, out)


def target_log_max(target: Target) -> float:
    """The largest log L any model value can reach (the acceptor's normalisation)."""
    if target.kind == "normal":
        return float(target_log_likelihood(target, target.observed)[0])
    lows, highs = target.dont_know
    grid = np.linspace(lows, highs, DONT_KNOW_GRID) if highs > lows else np.array([lows])
    candidates = np.concatenate([np.linspace(0, 1, P_GRID), [k / n for k, n in map(target.answered, grid)]])
    return float(np.max(target_log_likelihood(target, np.clip(candidates, 0, 1))))


def log_likelihood(targets: Sequence[Target], values: Mapping[str, float]) -> float:
    """Sum over targets of log L (independent observations)."""
    return float(sum(target_log_likelihood(t, values[t.name])[0] for t in targets))


class SurveyKernel(StochasticKernel):
    """pyabc's stochastic kernel for the study's targets: the log-likelihood of :func:`log_likelihood`.

    Used with ``pyabc.StochasticAcceptor(pdf_norm_method=pdf_norm_from_kernel)`` and a ``Temperature``
    epsilon: a particle is accepted with probability ``(L / L_max) ** (1 / T)``, and the last generation
    (T = 1) samples the posterior of the parameters under this sampling model.
    """

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = tuple(targets)
        super().__init__(ret_scale=SCALE_LOG, keys=[t.name for t in self.targets],
                         pdf_max=sum(target_log_max(t) for t in self.targets))

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        return log_likelihood(self.targets, x)
