"""Figures of the sweep report, drawn with matplotlib's object API (no pyplot, no display needed).

Each function takes tidy summary tables computed by :mod:`experiments.report` and returns a
:class:`matplotlib.figure.Figure`; it computes no statistics of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PALETTE = ("#1b6ca8", "#e07b39", "#3a9d5d", "#b03a48", "#7d5ba6", "#8c8c8c")


def level_means(effects: pd.DataFrame, outcome: str, outcome_label: str, lever_labels: Mapping[str, str]) -> Figure:
    """One panel per lever: the outcome's mean at each lever level with its 95% confidence interval.

    ``effects`` has columns outcome, lever, label, mean, low, high (one row per lever level).
    """
    rows = effects[effects["outcome"] == outcome]
    levers = list(dict.fromkeys(rows["lever"]))
    fig = Figure(figsize=(3.6 * len(levers), 3.3), layout="constrained")
    axes = fig.subplots(1, len(levers), sharey=True, squeeze=False)[0]
    for ax, lever in zip(axes, levers):
        part = rows[rows["lever"] == lever]
        x = np.arange(len(part))
        ax.errorbar(x, part["mean"], yerr=[part["mean"] - part["low"], part["high"] - part["mean"]], fmt="o-",
                    color=PALETTE[0], capsize=4, lw=1.5)
        ax.set_xticks(x, part["label"], rotation=15)
        ax.set_title(lever_labels.get(lever, lever), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(outcome_label)
    return fig


def interactions(table: pd.DataFrame, pairs: Sequence[tuple[str, str]], outcome_label: str,
                 level_labels: Mapping[str, Mapping], lever_labels: Mapping[str, str]) -> Figure:
    """One panel per lever pair: x = the first lever's levels, one line per level of the second.

    ``table`` has columns a, b (lever names), a_value, b_value, mean, low, high.
    """
    fig = Figure(figsize=(3.9 * len(pairs), 3.5), layout="constrained")
    axes = fig.subplots(1, len(pairs), sharey=True, squeeze=False)[0]
    for ax, (a, b) in zip(axes, pairs):
        part = table[(table["a"] == a) & (table["b"] == b)]
        a_levels = list(level_labels[a])
        for colour, (b_value, line) in zip(PALETTE, part.groupby("b_value", sort=True)):
            x = np.array([a_levels.index(v) for v in line["a_value"]])
            ax.errorbar(x, line["mean"], yerr=[line["mean"] - line["low"], line["high"] - line["mean"]], fmt="o-",
                        capsize=3, color=colour, label=level_labels[b][b_value], lw=1.5)
        ax.set_xticks(range(len(a_levels)), [level_labels[a][v] for v in a_levels], rotation=15)
        ax.set_xlabel(lever_labels.get(a, a), fontsize=9)
        ax.legend(title=lever_labels.get(b, b), fontsize=8, title_fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(outcome_label)
    return fig


def trajectories(table: pd.DataFrame, series_label: str, level_labels: Mapping[str, Mapping],
                 lever_labels: Mapping[str, str]) -> Figure:
    """One panel per lever: the weekly series' mean by lever level, with a 95% confidence band.

    ``table`` has columns lever, value, week, mean, low, high.
    """
    levers = list(dict.fromkeys(table["lever"]))
    fig = Figure(figsize=(3.9 * len(levers), 3.4), layout="constrained")
    axes = fig.subplots(1, len(levers), sharey=True, squeeze=False)[0]
    for ax, lever in zip(axes, levers):
        part = table[table["lever"] == lever]
        for colour, (value, line) in zip(PALETTE, part.groupby("value", sort=True)):
            ax.plot(line["week"], line["mean"], color=colour, lw=1.5, label=level_labels[lever][value])
            ax.fill_between(line["week"], line["low"], line["high"], color=colour, alpha=0.2, lw=0)
        ax.set_title(lever_labels.get(lever, lever), fontsize=10)
        ax.set_xlabel("week")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(series_label)
    return fig


def scatter(runs: pd.DataFrame, factors: Sequence[str], outcome: str, outcome_label: str,
            factor_labels: Mapping[str, str], bins: pd.DataFrame) -> Figure:
    """One panel per sampled factor: each run's outcome against the factor, with binned means.

    ``bins`` has columns factor, centre, mean (one row per bin of each factor).
    """
    fig = Figure(figsize=(3.6 * len(factors), 3.2), layout="constrained")
    axes = fig.subplots(1, len(factors), sharey=True, squeeze=False)[0]
    for ax, factor in zip(axes, factors):
        ax.scatter(runs[factor], runs[outcome], s=6, alpha=0.35, color=PALETTE[0], lw=0)
        line = bins[bins["factor"] == factor]
        ax.plot(line["centre"], line["mean"], "o-", color=PALETTE[1], lw=2)
        ax.set_xlabel(factor_labels.get(factor, factor), fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(outcome_label)
    return fig
