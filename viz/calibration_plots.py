"""Figures of the calibration report: marginal posteriors, pairs, posterior predictive checks, generations.

Each function takes the tidy tables of :mod:`experiments.abc_report` and returns a
``matplotlib.figure.Figure`` (never pyplot state). Parameters are drawn on the scale their prior is
uniform on (log10 for a log-scale prior, ticks labelled in the model's units), so a flat prior is a
flat line.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

POSTERIOR = "#4c72b0"
PRIOR = "#999999"
OBSERVED = "#c44e52"


def _u(prior: dict, x) -> np.ndarray:
    """Values on the scale the prior is uniform on (log10 for a log-scale prior)."""
    x = np.asarray(x, dtype=float)
    return np.log10(x) if prior["scale"] == "log" else x


def _range(prior: dict) -> tuple[float, float]:
    if prior["scale"] == "log":
        return math.log10(prior["low"]), math.log10(prior["high"])
    return prior["low"], prior["high"]


def _ticks(ax, prior: dict, which: str = "x", count: int = 4) -> None:
    """A few ticks labelled in the model's units, on the prior's uniform scale."""
    low, high = _range(prior)
    if prior["scale"] == "log":
        candidates = [m * 10.0 ** e for e in range(-4, 5) for m in (1, 2, 5)]
        values = [v for v in candidates if low <= math.log10(v) <= high]
        step = max(1, math.ceil(len(values) / count))
        values = values[::step]
        where = [math.log10(v) for v in values]
    else:
        where = list(np.linspace(low, high, count))
        values = where
    labels = [f"{v:g}" if abs(v) >= 0.01 or v == 0 else f"{v:.0e}" for v in (float(f"{v:.3g}") for v in values)]
    (ax.set_xticks if which == "x" else ax.set_yticks)(where, labels)
    (ax.set_xlim if which == "x" else ax.set_ylim)(low, high)
    # labels at the ends lean inwards, so that neighbouring panels' labels do not collide
    shown = ax.get_xticklabels() if which == "x" else ax.get_yticklabels()
    inward = ("left", "right") if which == "x" else ("bottom", "top")
    for label, at, end in ((shown[0], where[0], low), (shown[-1], where[-1], high)) if len(shown) > 1 else ():
        if abs(at - end) < 0.05 * (high - low):
            label.set(**{"ha" if which == "x" else "va": inward[0] if end == low else inward[1]})


def marginals_figure(posterior: pd.DataFrame, priors: list[dict], labels: dict[str, str]) -> Figure:
    """One panel per parameter: the weighted posterior histogram on the prior's uniform scale, the flat prior."""
    cols = 4
    rows = math.ceil(len(priors) / cols)
    fig = Figure(figsize=(11, 2.3 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = posterior["weight"].to_numpy()
    for ax, prior in zip(axes[:len(priors)], priors, strict=True):
        low, high = _range(prior)
        ax.hist(_u(prior, posterior[prior["name"]]), bins=np.linspace(low, high, 21), weights=w, density=True,
                color=POSTERIOR, alpha=0.8, label="posterior")
        ax.plot([low, high], [1 / (high - low)] * 2, color=PRIOR, label="prior")
        _ticks(ax, prior)
        scale = " (log scale)" if prior["scale"] == "log" else ""
        ax.set_title(labels.get(prior["name"], prior["name"]) + scale, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes[len(priors):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    return fig


def pairs_figure(sample: pd.DataFrame, priors: list[dict], labels: dict[str, str]) -> Figure:
    """Every pair of parameters: points of a weighted resample of the posterior, over the priors' ranges."""
    k = len(priors)
    fig = Figure(figsize=(1.15 * k + 1, 1.15 * k + 1))
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    fig.subplots_adjust(left=0.12, bottom=0.12, right=0.99, top=0.99, wspace=0.08, hspace=0.08)
    for i, py in enumerate(priors):
        for j, px in enumerate(priors):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if j == i:
                low, high = _range(px)
                ax.hist(_u(px, sample[px["name"]]), bins=np.linspace(low, high, 16), color=POSTERIOR, alpha=0.8)
                ax.set_yticks([])
            else:
                ax.scatter(_u(px, sample[px["name"]]), _u(py, sample[py["name"]]), s=2, alpha=0.3, color=POSTERIOR,
                           rasterized=True)
                _ticks(ax, py, "y", 3)
            _ticks(ax, px, "x", 3)
            ax.tick_params(labelsize=5, length=2)
            if i < k - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(labels.get(px["name"], px["name"]), fontsize=6)
            if 0 < j < i:
                ax.set_yticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels.get(py["name"], py["name"]), fontsize=6)
    return fig


def predictive_figure(checks: pd.DataFrame) -> Figure:
    """Each target: the observed share with its sampling interval, against the posterior predictive interval
    of the model (parameters and seeds) and of what the survey would then report."""
    fig = Figure(figsize=(9, 0.9 * len(checks) + 1.2), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(checks))[::-1]
    ax.hlines(y + 0.15, checks["survey_low"], checks["survey_high"], color=POSTERIOR, alpha=0.45, linewidth=6,
              label="what the survey would report, given the model (95%)")
    ax.hlines(y + 0.15, checks["model_low"], checks["model_high"], color=POSTERIOR, linewidth=2.5,
              label="model: posterior draws x seeds (95%)")
    ax.plot(checks["model_median"], y + 0.15, "o", color=POSTERIOR)
    ax.hlines(y - 0.15, checks["observed_low"], checks["observed_high"], color=OBSERVED, linewidth=2.5,
              label="observed, with its sampling interval (95%)")
    ax.plot(checks["observed"], y - 0.15, "D", color=OBSERVED)
    ax.set_yticks(y, checks["label"], fontsize=8)
    ax.set_ylim(-0.7, len(checks) - 0.3)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=7, loc="outside lower center", ncols=3)
    ax.set_xlabel("share (0-1), or the target's own unit")
    return fig


def generations_figure(generations: pd.DataFrame) -> Figure:
    """Temperature (log scale) and acceptance rate by generation; the posterior is the generation at temperature 1."""
    fig = Figure(figsize=(9, 2.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.semilogy(generations["t"], generations["temperature"], "o-", color=POSTERIOR)
    left.axhline(1.0, color=PRIOR, linestyle="--", linewidth=1)
    left.set_xlabel("generation")
    left.set_ylabel("temperature")
    right.plot(generations["t"], generations["acceptance"], "o-", color=POSTERIOR)
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate")
    right.set_ylim(0, 1)
    return fig
