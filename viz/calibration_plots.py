"""Figures of the calibration report: marginal posteriors, pairs, posterior predictive checks, generations.

Each function takes the tidy tables of :mod:`experiments.abc_report` and returns a
``matplotlib.figure.Figure`` (never pyplot state). Parameters are drawn on the scale their prior is
uniform on (a logarithmic axis for a log-scale prior), so a flat prior is a flat line.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

POSTERIOR = "#4c72b0"
PRIOR = "#999999"
OBSERVED = "#c44e52"


def marginals_figure(posterior: pd.DataFrame, priors: list[dict], labels: dict[str, str]) -> Figure:
    """One panel per parameter: the weighted posterior histogram over the prior's range, the prior as a line."""
    cols = 4
    rows = math.ceil(len(priors) / cols)
    fig = Figure(figsize=(11, 2.4 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    w = posterior["weight"].to_numpy()
    for ax, prior in zip(axes, priors):
        x = posterior[prior["name"]].to_numpy(dtype=float)
        low, high = prior["low"], prior["high"]
        log = prior["scale"] == "log"
        edges = np.geomspace(low, high, 21) if log else np.linspace(low, high, 21)
        ax.hist(x, bins=edges, weights=w, density=True, color=POSTERIOR, alpha=0.8, label="posterior")
        if log:
            ax.set_xscale("log")
            grid = np.geomspace(low, high, 100)
            ax.plot(grid, 1 / (grid * math.log(high / low)), color=PRIOR, label="prior")
        else:
            ax.plot([low, high], [1 / (high - low)] * 2, color=PRIOR, label="prior")
        ax.set_xlim(low, high)
        ax.set_title(labels.get(prior["name"], prior["name"]), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in axes[len(priors):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    return fig


def pairs_figure(sample: pd.DataFrame, priors: list[dict], labels: dict[str, str]) -> Figure:
    """Every pair of parameters: points of a weighted resample of the posterior, over the priors' ranges."""
    k = len(priors)
    size = max(1.1, min(2.2, 11 / max(k, 1)))
    fig = Figure(figsize=(size * k, size * k), layout="constrained")
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    for i, py in enumerate(priors):
        for j, px in enumerate(priors):
            ax = axes[i, j]
            if j >= i:
                ax.set_visible(False) if j > i else _diagonal(ax, sample[px["name"]], px)
            else:
                ax.scatter(sample[px["name"]], sample[py["name"]], s=3, alpha=0.35, color=POSTERIOR,
                           rasterized=True)
                _axis(ax, px, "x")
                _axis(ax, py, "y")
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(labels.get(px["name"], px["name"]), fontsize=7)
            elif j <= i:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(labels.get(py["name"], py["name"]), fontsize=7)
            elif j < i:
                ax.set_yticklabels([])
    return fig


def _diagonal(ax, x: pd.Series, prior: dict) -> None:
    log = prior["scale"] == "log"
    edges = np.geomspace(prior["low"], prior["high"], 16) if log else np.linspace(prior["low"], prior["high"], 16)
    ax.hist(x, bins=edges, color=POSTERIOR, alpha=0.8)
    _axis(ax, prior, "x")
    ax.set_yticks([])


def _axis(ax, prior: dict, which: str) -> None:
    if prior["scale"] == "log":
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    (ax.set_xlim if which == "x" else ax.set_ylim)(prior["low"], prior["high"])


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
    ax.legend(fontsize=7, loc="lower right" if len(checks) > 1 else "best")
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
