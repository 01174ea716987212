"""Figures of the sweep report, drawn with matplotlib's object API (no pyplot, no display needed).

Each function takes tidy summary tables computed by :mod:`experiments.report`,
:mod:`experiments.survival` or :mod:`experiments.discovery` and returns a
:class:`matplotlib.figure.Figure`; it computes no statistics of its own. Axes of shares and 0-1 scores
start at zero, so a small difference is not drawn as a large one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PALETTE = ("#1b6ca8", "#e07b39", "#3a9d5d", "#b03a48", "#7d5ba6", "#8c8c8c")


def _from_zero(ax, high: float, ceiling: float | None = 1.0) -> None:
    """Start the y axis at zero; leave headroom above ``high`` (capped at ``ceiling`` for shares and scores)."""
    top = float(high) * 1.12 if np.isfinite(high) and high > 0 else 1.0
    ax.set_ylim(0, min(top, ceiling) if ceiling is not None and high <= ceiling else top)


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
    _from_zero(axes[0], rows["high"].max())
    axes[0].set_ylabel(outcome_label)
    return fig


def effect_uncertainty(table: pd.DataFrame, outcome_label: str) -> Figure:
    """Each lever effect with two 95% intervals: from seeds alone (dark, thin) and from parameters and seeds (light, thick).

    ``table`` has columns label (one line per effect), effect, seeds_low, seeds_high, total_low, total_high.
    """
    y = np.arange(len(table))[::-1]
    fig = Figure(figsize=(7.5, 0.45 * len(table) + 1.5), layout="constrained")
    ax = fig.subplots()
    ax.hlines(y, table["total_low"], table["total_high"], color=PALETTE[0], alpha=0.3, lw=9,
              label="parameters and seeds (posterior draws)")
    ax.hlines(y, table["seeds_low"], table["seeds_high"], color=PALETTE[0], lw=2.5, label="seeds alone")
    ax.plot(table["effect"], y, "o", color=PALETTE[0])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, table["label"])
    ax.set_xlabel(outcome_label)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8, frameon=False)
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
    _from_zero(axes[0], table["high"].max())
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
    _from_zero(axes[0], table["high"].max())
    axes[0].set_ylabel(series_label)
    return fig


def delivery_curves(curves: pd.DataFrame, lever_labels: Mapping[str, str]) -> Figure:
    """One panel per lever: the Kaplan-Meier share of projects delivered by each week, per level, 95% bands.

    ``curves`` has columns lever, value, label, week, delivered, low, high.
    """
    levers = list(dict.fromkeys(curves["lever"]))
    fig = Figure(figsize=(3.9 * len(levers), 3.4), layout="constrained")
    axes = fig.subplots(1, len(levers), sharey=True, squeeze=False)[0]
    for ax, lever in zip(axes, levers):
        part = curves[curves["lever"] == lever]
        for colour, (_, line) in zip(PALETTE, part.groupby("value", sort=False)):
            ax.step(line["week"], line["delivered"], where="post", color=colour, lw=1.5, label=line["label"].iloc[0])
            ax.fill_between(line["week"], line["low"], line["high"], step="post", color=colour, alpha=0.2, lw=0)
        ax.set_title(lever_labels.get(lever, lever), fontsize=10)
        ax.set_xlabel("week")
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1)
    axes[0].set_ylabel("Share of projects delivered by then")
    return fig


def partial_dependence(table: pd.DataFrame, outcome_label: str, factor_labels: Mapping[str, str]) -> Figure:
    """One panel per sampled factor: the mean outcome in bins of the factor (others averaged over), 95% bars.

    ``table`` has columns factor, centre, mean, low, high, runs (one row per bin).
    """
    factors = list(dict.fromkeys(table["factor"]))
    fig = Figure(figsize=(3.4 * len(factors), 3.1), layout="constrained")
    axes = fig.subplots(1, len(factors), sharey=True, squeeze=False)[0]
    for ax, factor in zip(axes, factors):
        part = table[table["factor"] == factor]
        ax.errorbar(part["centre"], part["mean"], yerr=[part["mean"] - part["low"], part["high"] - part["mean"]],
                    fmt="o-", color=PALETTE[0], capsize=3, lw=1.5)
        ax.fill_between(part["centre"], part["low"], part["high"], color=PALETTE[0], alpha=0.12, lw=0)
        ax.set_xlabel(factor_labels.get(factor, factor), fontsize=9)
        ax.grid(alpha=0.3)
    _from_zero(axes[0], table["high"].max())
    axes[0].set_ylabel(outcome_label)
    return fig


def prim_box(limits: pd.DataFrame, factor_labels: Mapping[str, str]) -> Figure:
    """Each restricted parameter's full sampled range (grey) and the box's range on it (blue).

    ``limits`` has columns factor, low, high (the box) and range_low, range_high (what was sampled).
    """
    fig = Figure(figsize=(7.5, 0.55 * len(limits) + 1.0), layout="constrained")
    ax = fig.subplots()
    for i, row in enumerate(limits.itertuples()):
        span = (row.range_high - row.range_low) or 1.0
        ax.barh(i, 1.0, left=0.0, color="#dfe4ea", height=0.5)
        ax.barh(i, (row.high - row.low) / span, left=(row.low - row.range_low) / span, color=PALETTE[0], height=0.5)
        ax.text(1.02, i, f"{row.low:.3g} to {row.high:.3g} (of {row.range_low:.3g} to {row.range_high:.3g})",
                va="center", fontsize=8)
    ax.set_yticks(range(len(limits)), [factor_labels.get(f, f) for f in limits["factor"]], fontsize=9)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.invert_yaxis()
    ax.set_xlabel("position within the sampled range")
    return fig
