"""Figures of the validation report: each pattern check's effect with its 95% interval, and the
one-factor-at-a-time response curves of every parameter. Functions return ``matplotlib.figure.Figure``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PASS, FAIL = "#2a7f3f", "#c0392b"
CURVE_COLOURS = {"working_well_share": "#2a7f3f", "not_working_share": "#c0392b", "delivered_share": "#1f77b4",
                 "mean_trust": "#8e44ad"}


def checks_figure(table: pd.DataFrame) -> Figure:
    """One small panel per check: the estimate and its 95% interval, against zero (or the target band)."""
    n = len(table)
    cols = 4
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(12, 2.1 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (_, row) in zip(axes, table.iterrows()):
        if row.get("status") == "not measured":
            ax.set_yticks([])
            ax.set_xticks([])
            ax.text(0.5, 0.5, "not measured:\nno such model output", ha="center", va="center", fontsize=8,
                    color="#777777", transform=ax.transAxes)
            ax.set_title(f"{row['check']} (not measured)", fontsize=9, color="#777777")
            continue
        colour = PASS if row["passed"] else FAIL
        if not all(math.isfinite(row[k]) for k in ("estimate", "ci_low", "ci_high")):  # no run, or one, to go on
            ax.set_yticks([])
            ax.set_xticks([])
            ax.text(0.5, 0.5, "no estimate:\ntoo few runs with every\nmeasure defined", ha="center", va="center",
                    fontsize=8, color=colour, transform=ax.transAxes)
            ax.set_title(f"{row['check']} ({'pass' if row['passed'] else 'FAIL'})", fontsize=9, color=colour)
            continue
        ax.errorbar([row["estimate"]], [0], xerr=[[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]],
                    fmt="o", color=colour, capsize=4)
        if row["expected"] == "level":
            ax.axvspan(row["target"] - row["tolerance"], row["target"] + row["tolerance"], color="#dddddd")
            ax.axvline(row["target"], color="#555555", linewidth=1)
            ax.set_xlim(0, 1)
        else:
            ax.axvline(0, color="#555555", linewidth=1)
            span = max(abs(row["ci_low"]), abs(row["ci_high"]), 1e-9) * 1.2
            ax.set_xlim(-span, span)
        ax.set_yticks([])
        ax.set_title(f"{row['check']} ({'pass' if row['passed'] else 'FAIL'})", fontsize=9, color=colour)
        ax.set_xlabel(_wrap(row["effect"], 48), fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig


def curves_figure(curves: pd.DataFrame, labels: dict[str, str], outcomes: tuple[str, ...]) -> Figure:
    """A panel per parameter: mean outcomes (95% band) as the parameter moves alone; dashed line at the default."""
    names = list(dict.fromkeys(curves["parameter"]))
    cols = 5
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(13, 2.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, name in zip(axes, names):
        one = curves[curves["parameter"] == name]
        for outcome in outcomes:
            line = one[one["outcome"] == outcome].sort_values("value")
            ax.plot(line["value"], line["mean"], marker=".", color=CURVE_COLOURS.get(outcome), label=outcome)
            ax.fill_between(line["value"], line["ci_low"], line["ci_high"], color=CURVE_COLOURS.get(outcome), alpha=0.2)
        ax.axvline(float(one["default"].iloc[0]), color="#555555", linestyle="--", linewidth=0.8)
        ax.set_ylim(0, 1)
        ax.set_title(_wrap(labels.get(name, name), 34), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, [t.replace("_", " ") for t in texts], loc="outside lower center", ncols=len(outcomes), fontsize=9)
    return fig


def _wrap(text: str, width: int) -> str:
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])
