"""Figures of the sensitivity report: Morris screening, Sobol indices, interactions, convergence, response curves.

Each function takes the tidy tables of :mod:`experiments.sensitivity` for one outcome and returns a
``matplotlib.figure.Figure`` (never pyplot state), labelled with the parameters' plain-English labels.
No index whose interval includes zero is drawn as if it were an effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

INDEX_COLOURS = {"S1": "#1f77b4", "ST": "#ff7f0e"}


def morris_figure(morris: pd.DataFrame, title: str) -> Figure:
    """Left: mu* (typical effect across the range) with its bootstrap interval, largest first; with a ``clear``
    column, bars not above the noise floor are hollow. Right: sigma against mu* (points far above the diagonal
    act through interactions or curvature)."""
    table = morris.sort_values("mu_star", kind="stable")
    fig = Figure(figsize=(11, max(3.0, 0.28 * len(table) + 1.2)), layout="constrained")
    bars, scatter = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    y = np.arange(len(table))
    clear = table["clear"].to_numpy(dtype=bool) if "clear" in table else np.ones(len(table), dtype=bool)
    bars.barh(y[clear], table["mu_star"][clear], xerr=table["mu_star_conf"][clear], color="#4c72b0",
              ecolor="#333333", capsize=2)
    bars.barh(y[~clear], table["mu_star"][~clear], xerr=table["mu_star_conf"][~clear], facecolor="none",
              edgecolor="#9aa3ad", hatch="///", ecolor="#9aa3ad", capsize=2)
    bars.set_yticks(y, table["label"], fontsize=8)
    bars.set_xlabel("mu*: typical change in the outcome across the parameter's range")
    bars.set_title(f"{title}: how much each parameter matters")
    scatter.scatter(table["mu_star"], table["sigma"], color="#4c72b0")
    top = table.tail(6)
    for _, row in top.iterrows():
        scatter.annotate(row["label"], (row["mu_star"], row["sigma"]), fontsize=7, xytext=(3, 3),
                         textcoords="offset points")
    limit = float(max(table["mu_star"].max(), table["sigma"].max(), 1e-12)) * 1.05
    scatter.plot([0, limit], [0, limit], color="#999999", linestyle="--", linewidth=1, label="sigma = mu*")
    scatter.set_xlim(0, limit)
    scatter.set_ylim(0, limit)
    scatter.set_xlabel("mu* (size of effect)")
    scatter.set_ylabel("sigma (spread of its effects)")
    scatter.set_title("Direct or entangled?")
    scatter.legend(loc="upper left", fontsize=8)
    return fig


def sobol_figure(indices: pd.DataFrame, title: str) -> Figure:
    """First-order (alone) and total (alone plus interactions) indices with their 95% intervals, in two panels:
    levers a policy team controls, and model assumptions (with the dummy, the noise floor).

    ``indices`` has columns label, kind ('lever', 'model assumption' or 'noise floor'), S1, S1_conf, ST,
    ST_conf, S1_clear, ST_clear. A clear index (interval above zero) is a solid bar; one whose interval
    includes zero is a hollow grey bar ('no evidence of an effect'); an estimate below zero (noise around a
    true value near zero) is drawn as a hollow marker at its value, never as a bar.
    """
    groups = [(k, indices[indices["kind"].isin(kinds)]) for k, kinds in
              (("Levers a policy team controls", ("lever",)), ("Model assumptions", ("model assumption", "noise floor")))]
    groups = [(k, g.sort_values("ST", kind="stable")) for k, g in groups if len(g)]
    heights = [max(1.6, 0.42 * len(g) + 0.6) for _, g in groups]
    fig = Figure(figsize=(9.5, sum(heights) + 1.0), layout="constrained")
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for ax, (name, table) in zip(axes, groups):
        y = np.arange(len(table))
        for offset, key, what in ((-0.2, "S1", "first order (alone)"), (0.2, "ST", "total (alone + interactions)")):
            clear = table[f"{key}_clear"].to_numpy(dtype=bool)
            value = table[key].to_numpy(dtype=float)
            conf = table[f"{key}_conf"].to_numpy(dtype=float)
            colour = INDEX_COLOURS[key]
            solid = clear & (value > 0)
            if solid.any():
                ax.barh(y[solid] + offset, value[solid], height=0.36, xerr=conf[solid], color=colour,
                        ecolor="#333333", capsize=2, label=f"{what}: effect")
            weak = ~clear & (value >= 0)
            if weak.any():
                ax.barh(y[weak] + offset, value[weak], height=0.36, xerr=conf[weak], facecolor="none",
                        edgecolor=colour, hatch="///", ecolor="#9aa3ad", capsize=2,
                        label=f"{what}: no evidence of an effect")
            below = value < 0
            if below.any():
                ax.errorbar(value[below], y[below] + offset, xerr=conf[below], fmt="o", mfc="none", color="#9aa3ad",
                            capsize=2, label="estimate below zero (noise, never a finding)")
        labels = [f"{lab} (noise floor)" if kind == "noise floor" and "noise floor" not in lab else lab
                  for lab, kind in zip(table["label"], table["kind"])]
        ax.set_yticks(y, labels, fontsize=9)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_title(name, fontsize=10, loc="left")
    handles, names = [], []
    for ax in axes:
        for h, n in zip(*ax.get_legend_handles_labels()):
            if n not in names:
                handles.append(h)
                names.append(n)
    fig.legend(handles, names, loc="outside lower center", ncols=2, fontsize=8)
    axes[-1].set_xlabel("share of the outcome's variation (0 = none, 1 = all)")
    axes[-1].set_xlim(left=min(0.0, float(np.nanmin(indices[["S1", "ST"]].to_numpy() - 0.02))))
    fig.suptitle(title)
    return fig


def interaction_figure(second: pd.DataFrame, names: list[str], labels: list[str], title: str) -> Figure:
    """Heat map of second-order indices (the share of variation due to a pair acting together), showing
    only the pairs whose 95% interval lies above zero; the rest are left blank ('no evidence of an effect')."""
    n = len(names)
    grid = np.full((n, n), np.nan)
    where = {name: i for i, name in enumerate(names)}
    for _, row in second.iterrows():
        if row["S2"] - row["S2_conf"] > 0:
            i, j = where[row["a"]], where[row["b"]]
            grid[i, j] = grid[j, i] = row["S2"]
    fig = Figure(figsize=(1.0 + 0.5 * n + 2.5, 0.5 * n + 2.0), layout="constrained")
    ax = fig.subplots()
    top = max(float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0, 0.05)
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=top)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            text = f"{grid[i, j]:.2f}" if np.isfinite(grid[i, j]) else "-"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if np.isfinite(grid[i, j]) and grid[i, j] > 0.6 * top else "#555555")
    ax.set_xticks(range(n), labels, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    fig.colorbar(image, ax=ax, label="second-order index (pair acting together)")
    ax.set_title(title + "\n('-': interval includes zero, no evidence of an effect)", fontsize=10)
    return fig


def convergence_figure(conv: pd.DataFrame, title: str, top: int = 6) -> Figure:
    """Total and first-order indices against the number of base samples N, with 95% bands, for the ``top``
    parameters by their final total index (and the dummy, the noise floor, if present)."""
    final = conv[conv["n"] == conv["n"].max()].sort_values("ST", ascending=False)
    shown = list(final["parameter"][final["parameter"] != "dummy"][:top]) + \
        [p for p in final["parameter"] if p == "dummy"]
    conv = conv[conv["parameter"].isin(shown)]
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    colours = dict(zip(shown, _palette(len(shown))))
    for ax, key, name in ((axes[0], "ST", "total index"), (axes[1], "S1", "first-order index")):
        for parameter in shown:
            table = conv[conv["parameter"] == parameter].sort_values("n")
            colour = colours[parameter]
            ax.plot(table["n"], table[key], marker="o", markersize=3, color=colour, label=table["label"].iloc[0])
            ax.fill_between(table["n"], table[key] - table[f"{key}_conf"], table[key] + table[f"{key}_conf"],
                            color=colour, alpha=0.12)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples N (model evaluations grow in proportion)")
        ax.set_title(name)
        ax.axhline(0, color="#333333", linewidth=0.8)
    axes[0].set_ylabel("index (share of variation)")
    axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    fig.suptitle(title)
    return fig


def curves_figure(curves: pd.DataFrame, outcomes: list[str], defaults: dict[str, float],
                  titles: dict[str, str] | None = None) -> Figure:
    """One-at-a-time response: a row per lever over its range (others at defaults), a column per outcome;
    the line is the mean over replications and the band its 95% interval."""
    levers = list(dict.fromkeys(curves["lever"]))
    fig = Figure(figsize=(3.4 * len(outcomes) + 0.8, 2.4 * len(levers) + 0.6), layout="constrained")
    axes = fig.subplots(len(levers), len(outcomes), squeeze=False)
    for row, lever in enumerate(levers):
        for col, outcome in enumerate(outcomes):
            ax = axes[row, col]
            table = curves[(curves["lever"] == lever) & (curves["outcome"] == outcome)].sort_values("value")
            ax.plot(table["value"], table["mean"], marker="o", color="#4c72b0")
            ax.fill_between(table["value"], table["ci_low"], table["ci_high"], color="#4c72b0", alpha=0.2)
            if lever in defaults:
                ax.axvline(float(defaults[lever]), color="#999999", linestyle=":", linewidth=1)
            ax.set_ylim(bottom=0)  # shares and ratios: the axis starts at zero
            ax.set_xlabel(table["label"].iloc[0] if len(table) else lever, fontsize=8)
            if row == 0:
                ax.set_title((titles or {}).get(outcome, outcome), fontsize=10)
    return fig


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]
