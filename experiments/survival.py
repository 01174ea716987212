"""Time to delivery as a survival analysis (lifelines): Kaplan-Meier curves by lever level, restricted mean
time to delivery and a log-rank test.

Each starting project of each run is one subject (follow-on projects are left out, as in the delivered
share). Its time is the weeks from its start to the end of its delivery stage; a project not delivered by
the end of the run (still open, stalled or abandoned) is *censored* at the end: all we know is that it took
longer than the run. So no run is dropped for delivering nothing, as a median over delivered projects would.
Because every censoring falls at the end of the run, the Kaplan-Meier share delivered by week t equals the
plain share of projects delivered by then, and the restricted mean time to delivery is the mean of
min(time, horizon): the weeks a project waits for delivery within the period.

Intervals are lifelines' for the curve (Greenwood's variance, exponential transform); the restricted mean's
is the variance of min(time, horizon) under the Kaplan-Meier curve over the number of projects (the quantity
lifelines' ``restricted_mean_survival_time`` gives, integrated exactly here). They treat projects
as independent, while the projects of one run share their region and its chance events, so they are a
little too narrow; the run-level interval of the delivered share (the effects section) does not have this
limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def delivery_times(projects: pd.DataFrame, runs: pd.DataFrame, levers: Sequence[str], weeks: int) -> pd.DataFrame:
    """One row per starting project: run_id, the lever values of its run, ``time`` (weeks) and ``delivered``.

    ``projects`` is the sweep's per-run project table (run_id, follow_on, started_week, delivered,
    weeks_to_delivery); ``runs`` the run table (run_id and the levers) of the runs to include.
    """
    starting = projects[~projects["follow_on"].astype(bool)]
    table = starting[["run_id", "started_week", "delivered", "weeks_to_delivery"]].merge(
        runs[["run_id", *levers]], on="run_id", how="inner")
    delivered = table["delivered"].astype(bool).to_numpy()
    time = np.where(delivered, table["weeks_to_delivery"], weeks - table["started_week"]).astype(float)
    return pd.DataFrame({"run_id": table["run_id"], **{lv: table[lv] for lv in levers},
                         "time": np.clip(time, 0, weeks), "delivered": delivered})


def kaplan_meier(times: pd.DataFrame, lever: str, levels: Sequence, labels: Mapping, weeks: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan-Meier fits of the share delivered by week, one per level of ``lever``.

    Returns (curves: lever, value, label, week, delivered, low, high - the cumulative share delivered by
    each week 0..weeks with its 95% interval; summary: lever, value, label, projects, delivered_by_end and
    its interval, median_weeks (NaN when fewer than half are delivered within the period), rmst_weeks
    (restricted mean time to delivery within ``weeks``) and its interval).
    """
    from lifelines import KaplanMeierFitter

    timeline = np.arange(weeks + 1)
    curves, rows = [], []
    for value in levels:
        part = times[times[lever] == value]
        if part.empty:
            continue
        kmf = KaplanMeierFitter().fit(part["time"], part["delivered"], timeline=timeline)
        survival = kmf.survival_function_.iloc[:, 0].to_numpy()
        band = kmf.confidence_interval_survival_function_.to_numpy()
        curves.append(pd.DataFrame({"lever": lever, "value": value, "label": labels[value], "week": timeline,
                                    "delivered": 1 - survival, "low": 1 - band[:, 1], "high": 1 - band[:, 0]}))
        median = kmf.median_survival_time_
        rmst, variance = restricted_mean_and_variance(kmf.survival_function_.iloc[:, 0], weeks)
        # the variance of min(T, weeks) itself; the restricted mean's is that over n.
        half = Z95 * math.sqrt(max(float(variance), 0.0) / len(part))
        rows.append({"lever": lever, "value": value, "label": labels[value], "projects": len(part),
                     "delivered_by_end": 1 - survival[-1], "delivered_low": 1 - band[-1, 1],
                     "delivered_high": 1 - band[-1, 0],
                     "median_weeks": float(median) if np.isfinite(median) else np.nan,
                     "rmst_weeks": float(rmst), "rmst_low": float(rmst) - half, "rmst_high": float(rmst) + half})
    return pd.concat(curves, ignore_index=True), pd.DataFrame(rows)


def restricted_mean_and_variance(survival: pd.Series, horizon: float) -> tuple[float, float]:
    """The restricted mean of min(T, horizon) and its variance, from a Kaplan-Meier step function (index: the
    times, values: the share not yet delivered), integrated exactly: mean = integral of S over [0, horizon],
    E[min(T, horizon)^2] = 2 x integral of t S(t). These are lifelines' ``restricted_mean_survival_time(kmf,
    t, return_variance=True)``, whose second integral it approximates with ``quad`` at about 2 s a curve."""
    times = survival.index.to_numpy(dtype=float)
    values = survival.to_numpy(dtype=float)
    if times.size == 0 or times[0] > 0:  # nobody is delivered before the first time
        times, values = np.concatenate([[0.0], times]), np.concatenate([[1.0], values])
    keep = times < horizon
    start, level = times[keep], values[keep]
    end = np.append(start[1:], horizon)
    mean = float(np.sum(level * (end - start)))
    square = float(np.sum(level * (end ** 2 - start ** 2)))
    return mean, square - mean ** 2


def logrank_p(times: pd.DataFrame, lever: str) -> float:
    """p-value of the log-rank test that the delivery curves of all levels of ``lever`` are the same."""
    from lifelines.statistics import multivariate_logrank_test

    return float(multivariate_logrank_test(times["time"], times[lever], times["delivered"]).p_value)


def survival_tables(times: pd.DataFrame, levers: Sequence[str], level_labels: Mapping[str, Mapping], weeks: int
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`kaplan_meier` for every lever; the summary gains the lever's log-rank p-value."""
    curves, summaries = [], []
    for lever in levers:
        c, s = kaplan_meier(times, lever, list(level_labels[lever]), level_labels[lever], weeks)
        curves.append(c)
        summaries.append(s.assign(logrank_p=logrank_p(times, lever)))
    return pd.concat(curves, ignore_index=True), pd.concat(summaries, ignore_index=True)
