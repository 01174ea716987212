"""Scenario discovery and partial dependence for sampled designs (latin hypercube, Sobol, Morris sweeps).

Scenario discovery asks where in the sampled ranges a good outcome is common. The runs of interest are
those where most starting projects were delivered (a delivered share of at least 50%); when that is
rarer than 5% or commoner than 95% of runs, the best quarter of runs instead. PRIM (the Patient Rule
Induction Method, Friedman and Fisher 1999) peels the sampled ranges down to a box where such runs are
dense. We use EMA Workbench's implementation (``ema_workbench.analysis.prim``, Kwakkel 2017), the
one scenario-discovery studies use: it is maintained (3.0, 2026), works on our own run table (no need to
run the model through EMA's evaluators), handles whole-number parameters, and gives each restriction a
quasi-p-value (Bryant and Lempert 2010) so that restrictions chance could produce are not read out. The
standalone ``prim`` package (1.0.0, 2024) is a fork of an older version of the same code that also needs
interactive plotting (mplcursors). The price of EMA Workbench is its import: about 3 s of CPU (it loads
scikit-learn and statsmodels), paid only by reports of sampled designs.

From PRIM's peeling trajectory we take, among the boxes that hold at least half of the runs of interest
(coverage >= 0.5), the one with the best balance of coverage and density (their harmonic mean), and read
out only the restricted sides (a lower or an upper limit) whose quasi-p-value is below 0.05.

Partial dependence: the mean outcome in equal-width bins of one parameter. The designs sample each
parameter independently of the others, so a bin's mean averages over the other parameters as a
partial-dependence function does, without a fitted surrogate model; its interval is a t-interval over
the bin's runs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.framing import (SEED_ONLY, assumptions_sentence, definitions_sentence, glossary, join,
                                              plural, scenario_sentence, years)
from partnerships.experiments.html import Page
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import report_plots

MIN_COVERAGE = 0.5
SIGNIFICANT = 0.05
BINS = 8
#: Outcomes shown as partial dependence: column -> axis label (shares of the starting projects).
PD_OUTCOMES = {"delivered_share": "Share of projects delivered", "working_well_share": "Share working well at the end"}


@dataclass
class Cases:
    """The runs of interest: a mask over the run table, and what they are in words."""

    mask: np.ndarray
    words: str  # 'most projects delivered (a delivered share of at least 50%)'
    short: str  # 'most projects delivered'


def cases_of_interest(runs: pd.DataFrame, outcome: str = "delivered_share") -> Cases | None:
    """Runs where most projects were delivered; the best quarter if that is rarer than 5% or commoner than 95%."""
    values = pd.to_numeric(runs[outcome], errors="coerce")
    most = (values >= 0.5).to_numpy()
    if 0.05 <= most.mean() <= 0.95:
        return Cases(most, "most projects delivered (a delivered share of at least 50%)", "most projects delivered")
    cut = float(values.quantile(0.75))
    best = (values >= cut).to_numpy()
    if best.all() or not best.any():
        return None
    return Cases(best, f"a delivered share of at least {cut:.0%} (the best quarter of runs)",
                 f"a delivered share of at least {cut:.0%}")


def prim_box(runs: pd.DataFrame, factors: list[str], cases: Cases) -> tuple[pd.DataFrame, pd.DataFrame, dict] | None:
    """PRIM on the sampled factors: (restrictions, peeling trajectory, stats of the chosen box), or None.

    restrictions: factor, low, high (the box), range_low, range_high (sampled), qp_low, qp_high (quasi-p of
    each restricted side; NaN if that side is not restricted), low_significant, high_significant and
    significant (either side).
    """
    with warnings.catch_warnings():  # EMA Workbench warns about optional parts it does not need here
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        x = runs[factors].reset_index(drop=True)
        finder = prim.Prim(x, cases.mask.astype(int), peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        box = finder.find_box()
    if box is None:
        return None
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    eligible = trajectory[(trajectory["coverage"] >= MIN_COVERAGE) & (trajectory["res_dim"] >= 1)]
    if not len(eligible):
        return None
    balance = 2 * eligible["coverage"] * eligible["density"] / (eligible["coverage"] + eligible["density"])
    i = int(balance.idxmax())
    stats_row, limits = box.inspect(i, style="data")[0]
    initial = box.box_lims[0]
    rows = []
    for factor in limits.index:
        low, high, qp_low, qp_high = (float(v) for v in limits.loc[factor].to_numpy())
        rows.append({"factor": factor, "low": low, "high": high, "range_low": float(initial[factor].iloc[0]),
                     "range_high": float(initial[factor].iloc[1]), "qp_low": qp_low, "qp_high": qp_high,
                     "low_significant": bool(qp_low < SIGNIFICANT), "high_significant": bool(qp_high < SIGNIFICANT),
                     "significant": bool(qp_low < SIGNIFICANT or qp_high < SIGNIFICANT)})
    chosen = {"box": i, "coverage": float(stats_row["coverage"]), "density": float(stats_row["density"]),
              "mass": float(stats_row["mass"]), "runs": int(stats_row["n"]), "cases": int(stats_row["k"]),
              "base_rate": float(cases.mask.mean())}
    return pd.DataFrame(rows), trajectory, chosen


def value_text(name: str, value: float) -> str:
    """A parameter value in its unit, for a sentence ('£48k', '12% a year', '0.62', '6 weeks')."""
    unit = PARAMETERS[name].unit if name in PARAMETERS else ""
    if unit.startswith("£ thousand"):
        return f"£{value:.0f}k"
    if unit == "probability per year":
        return f"{value:.0%} a year"
    if unit == "weeks":
        return f"{value:.0f} weeks"
    return f"{value:.2g}"


def restriction_words(row) -> str:
    """'meeting discipline is above 0.62', '... below 30% a year', '... between 4 weeks and 9 weeks'."""
    from partnerships.experiments.report import lever_name

    name = lever_name(row.factor)
    low_cut = row.low > row.range_low and row.low_significant
    high_cut = row.high < row.range_high and row.high_significant
    if low_cut and high_cut:
        return f"the {name} is between {value_text(row.factor, row.low)} and {value_text(row.factor, row.high)}"
    if low_cut:
        return f"the {name} is at least {value_text(row.factor, row.low)}"
    return f"the {name} is at most {value_text(row.factor, row.high)}"


def box_sentence(cases: Cases, limits: pd.DataFrame, chosen: dict) -> str:
    """The PRIM box in plain words, with its density and coverage."""
    shown = limits[limits["significant"]]
    if shown.empty:
        return (f"Runs with {cases.short} ({chosen['base_rate']:.0%} of all runs) are not concentrated in any range "
                "of the sampled parameters that chance could not also produce.")
    where = join(restriction_words(row) for row in shown.itertuples())
    return (f"Runs with {cases.short} are {chosen['base_rate']:.0%} of all runs; they are most common where {where}: "
            f"{chosen['density']:.0%} of the runs there have {cases.short} (the box's density), and the box holds "
            f"{chosen['coverage']:.0%} of all such runs (its coverage) in {chosen['mass']:.0%} of the sampled settings.")


def partial_dependence(runs: pd.DataFrame, factors: list[str], outcome: str, bins: int = BINS) -> pd.DataFrame:
    """Mean outcome with a 95% t-interval in equal-width bins of each factor (whole numbers: each value)."""
    rows = []
    y = pd.to_numeric(runs[outcome], errors="coerce")
    for factor in factors:
        x = runs[factor].astype(float)
        values = np.sort(x.unique())
        if len(values) <= bins:
            groups, centres = x, {v: v for v in values}
        else:
            edges = np.linspace(x.min(), x.max(), bins + 1)
            groups = pd.cut(x, edges, include_lowest=True, labels=False)
            centres = {i: (edges[i] + edges[i + 1]) / 2 for i in range(bins)}
        table = y.groupby(groups).agg(["mean", "std", "count"])
        for key, row in table.iterrows():
            n = int(row["count"])
            half = stats.t.ppf(0.975, n - 1) * row["std"] / np.sqrt(n) if n > 1 else np.nan
            rows.append({"outcome": outcome, "factor": factor, "centre": float(centres[key]), "mean": row["mean"],
                         "low": row["mean"] - half, "high": row["mean"] + half, "runs": n})
    return pd.DataFrame(rows)


def pd_ranking(table: pd.DataFrame) -> list[tuple[str, float, float, float, bool]]:
    """(factor, lowest bin mean, highest bin mean, their difference, clear) per factor, largest difference first.

    'clear' when the intervals of the lowest and the highest bin do not overlap.
    """
    out = []
    for factor, part in table.groupby("factor", sort=False):
        lo, hi = part.loc[part["mean"].idxmin()], part.loc[part["mean"].idxmax()]
        out.append((factor, lo["mean"], hi["mean"], hi["mean"] - lo["mean"], bool(lo["high"] < hi["low"])))
    return sorted(out, key=lambda item: -item[3])


def sampled_page(results, tables: dict[str, pd.DataFrame]) -> Page:
    """The report of a sampled design: finding, caveats, scenario discovery, partial dependence, glossary."""
    from partnerships.experiments.report import _lever_label, _status, lever_name

    m = results.manifest
    runs = results.runs
    factors = [f.name for f in results.factors]
    labels = {f: _lever_label(f) for f in factors}
    weeks = int(m.get("weeks", 260))
    cases = cases_of_interest(runs)
    found = prim_box(runs, factors, cases) if cases is not None else None
    curves = pd.concat([partial_dependence(runs, factors, o) for o in PD_OUTCOMES], ignore_index=True)
    tables["partial_dependence"] = curves
    ranking = pd_ranking(curves[curves["outcome"] == "delivered_share"])

    page = Page(f"Sweep report: {m.get('name')}", intro=m.get("description", ""))
    sentences = []
    if cases is not None and found is not None:
        sentences.append(box_sentence(cases, found[0], found[2]))
    clear = [r for r in ranking if r[4]]
    if clear:
        first = clear[0]
        sentences.append(f"Across its sampled range the {lever_name(first[0])} moves the delivered share most "
                         f"(from {first[1]:.0%} to {first[2]:.0%} between its worst and best bins)"
                         + (f", then {join('the ' + lever_name(r[0]) for r in clear[1:3])}." if len(clear) > 1 else "."))
    unclear = [r for r in ranking if not r[4]]
    if unclear:
        sentences.append(f"For {join('the ' + lever_name(r[0]) for r in unclear)} there is no evidence of an effect "
                         "(the intervals of its worst and best bins overlap).")
    if not sentences:
        sentences = ["Too few runs to say where the outcome is best."]
    names = sorted({r[0] for r in clear} | (set(found[0].loc[found[0]["significant"], "factor"]) if found else set()))
    page.finding(sentences[:3], names)
    ranges = "; ".join(f"{lever_name(f.name)} from {value_text(f.name, f.low)} to {value_text(f.name, f.high)}"
                       for f in results.factors)
    page.caveats({
        "What was simulated": (
            f"{len(runs):,} runs. {scenario_sentence(m.get('scenario', 'county'))} Each run lasts {years(weeks)}. "
            f"A {str(m.get('design', '')).replace('_', ' ')} design of {m.get('points')} points over the ranges "
            f"({ranges}) x {plural(m.get('replications'), 'replication')}, each with its own random seed. "
            f"{definitions_sentence()}"),
        "What is assumed": assumptions_sentence(factors),
        "What the intervals cover": SEED_ONLY + " A partial-dependence interval also spreads over the other sampled "
                                                "parameters' values within the bin.",
    })
    _status(results, page)
    _discovery_section(page, tables, cases, found, labels)
    page.heading("Partial dependence: each parameter across its range")
    page.paragraph("The mean outcome in equal-width bins of one parameter, averaged over the values of the others "
                   "(the design samples each parameter independently, so no fitted model is needed); bars are 95% "
                   "intervals over the runs in each bin (partial_dependence.csv).", note=True)
    for outcome, axis in PD_OUTCOMES.items():
        table = curves[curves["outcome"] == outcome]
        top = pd_ranking(table)[0]
        page.figure(report_plots.partial_dependence(table, axis, labels),
                    f"{axis} in bins of each sampled parameter, with 95% intervals; the axis starts at zero. The "
                    f"{lever_name(top[0])} moves it most ({top[1]:.0%} to {top[2]:.0%})"
                    + ("." if top[4] else ", though its worst and best bins' intervals overlap."))
    page.glossary(glossary("simulation", "run", "replication", "lever", "model assumption", "delivered",
                           "working well", "95% interval", "scenario discovery", "PRIM box", "coverage", "density",
                           "partial dependence", "no evidence of an effect"))
    return page


def _discovery_section(page: Page, tables: dict, cases: Cases | None, found, labels: dict) -> None:
    page.heading("Scenario discovery: where do projects deliver?")
    if cases is None:
        page.paragraph("Every run has the same delivered share, so there is nothing to discover.", note=True)
        return
    if found is None:
        page.paragraph(f"PRIM found no box of sampled settings that holds at least half of the runs with "
                       f"{cases.short} and restricts any parameter.", note=True)
        return
    limits, trajectory, chosen = found
    tables["prim_box"], tables["prim_trajectory"] = limits, trajectory
    page.paragraph(box_sentence(cases, limits, chosen))
    page.paragraph(
        f"Method: PRIM (EMA Workbench) peels the sampled ranges to where runs with {cases.words} are dense. "
        f"Of its peeling trajectory we show, among the boxes holding at least {MIN_COVERAGE:.0%} of those runs, "
        f"the one with the best balance of coverage and density (box {chosen['box']}: {chosen['runs']:,} runs, "
        f"{chosen['cases']:,} of interest). A limit is read out only if its quasi-p-value is below {SIGNIFICANT} "
        "(a binomial test that chance alone would not restrict the range so).", note=True)
    page.figure(report_plots.prim_box(limits, labels),
                "Each restricted parameter's sampled range (grey) and the box's range within it (blue).")
    shown = pd.DataFrame({"parameter": limits["factor"].map(labels), "box from": limits["low"], "box to": limits["high"],
                          "sampled from": limits["range_low"], "sampled to": limits["range_high"],
                          "quasi-p (lower side)": limits["qp_low"], "quasi-p (upper side)": limits["qp_high"],
                          "read out": [{(True, True): "both limits", (True, False): "lower limit",
                                        (False, True): "upper limit"}.get((lo, hi), "no (chance could do this)")
                                       for lo, hi in zip(limits["low_significant"], limits["high_significant"])]})
    page.table(shown, caption=f"The box: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}, "
                              f"mass {chosen['mass']:.2f} (prim_box.csv; the whole trajectory in prim_trajectory.csv)")
