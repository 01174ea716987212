"""The sensitivity report: a self-contained ``report.html`` for policy teams, with its tables as CSV beside it.

Every sentence that states a result is computed from the indices (nothing about the model's findings
is written by hand here), and every chart carries a sentence saying what it shows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from partnerships.experiments.html import Page
from partnerships.experiments.output import atomic_directory
from partnerships.experiments.sensitivity import DUMMY, Results, outcome_label
from partnerships.model.parameters import HEADLINE_LEVERS
from partnerships.viz import sensitivity_plots as plots

#: A total index below this is called negligible in the summary.
NEGLIGIBLE = 0.05


# --- words computed from the indices ---------------------------------------------------------------
def pct(x: float) -> str:
    """A share as a rounded percentage ('40%'); tiny or negative estimates read 'under 1%'."""
    return "under 1%" if x < 0.005 else f"{round(100 * x)}%"


def about(x: float) -> str:
    """'about 40%', or 'under 1%'."""
    return pct(x) if x < 0.005 else f"about {pct(x)}"


def summary_paragraph(results: Results) -> str:
    """The one-paragraph ranking of the levers for the first outcome, in plain English."""
    study = results.study
    outcome = study.outcomes[0]
    what = outcome_label(outcome)
    parts: list[str] = []
    if results.sobol is not None and (results.sobol["outcome"] == outcome).any():
        parts += _sobol_sentences(results, outcome)
    elif results.morris is not None and (results.morris["outcome"] == outcome).any():
        parts += _morris_sentences(results, outcome)
    else:
        return f"No indices could be computed for {what} (see the warnings below)."
    parts += _direction_sentences(results, outcome)
    noise = _noise_sentence(results, outcome)
    if noise:
        parts.append(noise)
    return " ".join(parts)


def _real(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["parameter"] != DUMMY]


def _sobol_sentences(results: Results, outcome: str) -> list[str]:
    study, what = results.study, outcome_label(outcome)
    table = _real(results.sobol[results.sobol["outcome"] == outcome]).sort_values("ST", ascending=False)
    out = []
    clauses = []
    for i, (_, row) in enumerate(table.head(3).iterrows()):
        if row["ST"] < NEGLIGIBLE and i > 0:
            break
        label = row["label"][0].lower() + row["label"][1:]
        clause = (f"{label} explains {about(row['S1'])} of the variation in {what}" if i == 0
                  else f"{label} {about(row['S1'])}")
        interaction = row["ST"] - max(row["S1"], 0)
        if interaction > max(row["S1"], 0) and interaction > NEGLIGIBLE:
            partner = _strongest_partner(results, outcome, row["parameter"])
            clause += (f", mostly through its interaction with {partner}" if partner
                       else ", mostly through its interactions with other levers")
            clause += f" ({pct(row['ST'])} in all)"
        elif interaction > NEGLIGIBLE:
            clause += f" on its own, {pct(row['ST'])} counting its interactions"
        clauses.append(clause)
    first = clauses[0][0].upper() + clauses[0][1:]
    out.append("; ".join([first, *clauses[1:]]) + ".")
    alone = float(table["S1"].clip(lower=0).sum())
    out.append(f"Acting alone, the {len(table)} levers studied in detail explain {about(min(alone, 1))} of the "
               f"variation; the rest comes from levers acting together"
               + (" (and from the levers screened out before this step)." if results.morris is not None else "."))
    small = table[table["ST"] < NEGLIGIBLE]
    if len(small):
        names = ", ".join(label.lower() for label in small["label"])
        verb = "matters" if len(small) == 1 else "matter"
        out.append(f"{len(small)} of them {verb} little for {what} (under {pct(NEGLIGIBLE)} in all): {names}.")
    headline = table[table["parameter"].isin(HEADLINE_LEVERS)]
    if len(headline):
        ranked = "; ".join(f"{row['label'].lower()} {about(row['S1'])} alone, {pct(row['ST'])} in all"
                           for _, row in headline.iterrows())
        out.append(f"Of the headline policy levers, ranked by their total share: {ranked}.")
    if results.morris is not None:
        screened = len(_real(results.morris[results.morris['outcome'] == outcome]))
        out.append(f"These levers are the {len(table)} survivors of a Morris screening of {screened} parameters.")
    unsettled = sum(1 for w in results.warnings if "not settled" in w and f" on {what} " in w)
    if unsettled:
        out.append(f"Treat these shares as rough: {unsettled} of the total indices for {what} have not settled at "
                   "this sample size (see the warnings).")
    return out


def _strongest_partner(results: Results, outcome: str, name: str) -> str | None:
    """The lever whose second-order index with ``name`` is largest and clearly above zero, if any."""
    if results.second is None or not len(results.second):
        return None
    pairs = results.second[(results.second["outcome"] == outcome)
                           & ((results.second["a"] == name) | (results.second["b"] == name))]
    pairs = pairs[(pairs["S2"] - pairs["S2_conf"] > 0) & (pairs["a"] != DUMMY) & (pairs["b"] != DUMMY)]
    if not len(pairs):
        return None
    best = pairs.sort_values("S2", ascending=False).iloc[0]
    other = best["b"] if best["a"] == name else best["a"]
    return results.study.label(other).lower()


def _morris_sentences(results: Results, outcome: str) -> list[str]:
    what = outcome_label(outcome)
    table = _real(results.morris[results.morris["outcome"] == outcome]).sort_values("mu_star", ascending=False)
    top = table.head(3)
    names = [f"{row['label'].lower()} (about {row['mu_star']:.2g})" for _, row in top.iterrows()]
    out = [f"Screening {len(table)} parameters, the largest typical effects on {what} - the change when a parameter "
           f"moves across its whole range, others anywhere in theirs - come from " + ", ".join(names) + "."]
    entangled = top[top["sigma"] > top["mu_star"]]
    if len(entangled):
        out.append("For " + ", ".join(entangled["label"].str.lower()) + " the effect varies more than its size "
                   "(sigma above mu*): it depends strongly on the other parameters.")
    return out


def _direction_sentences(results: Results, outcome: str) -> list[str]:
    """One sentence: how the outcome moves as each traced lever goes across its range, others at defaults.

    A curve counts as rising or falling if no step against that direction is larger than the 95% interval
    half-width of the points it joins (smaller reversals are chance); otherwise its best and worst values are given.
    """
    if results.curves is None or not len(results.curves):
        return []
    what = outcome_label(outcome)
    clauses = []
    for lever in results.levers:
        table = results.curves[(results.curves["lever"] == lever) & (results.curves["outcome"] == outcome)]
        table = table.sort_values("value").reset_index(drop=True)
        if len(table) < 2:
            continue
        low, high = table.iloc[0], table.iloc[-1]
        worst, best = table.loc[table["mean"].idxmin()], table.loc[table["mean"].idxmax()]
        chance = " (within chance)" if worst["ci_high"] >= best["ci_low"] else ""
        name = low["label"][0].lower() + low["label"][1:]
        sign = 1.0 if high["mean"] >= low["mean"] else -1.0
        half = ((table["ci_high"] - table["ci_low"]) / 2).to_numpy()
        against = -sign * table["mean"].diff().to_numpy()[1:]
        if (against <= np.maximum(half[1:], half[:-1])).all():
            verb = "raises" if sign > 0 else "lowers"
            clauses.append(f"moving {name} from {low['value']:.3g} to {high['value']:.3g} {verb} it from "
                           f"{low['mean']:.2f} to {high['mean']:.2f}{chance}")
        else:
            clauses.append(f"{name} does best at {best['value']:.3g} ({best['mean']:.2f}) and worst at "
                           f"{worst['value']:.3g} ({worst['mean']:.2f}){chance}")
    if not clauses:
        return []
    return [f"One lever at a time, everything else at its default, for {what}: " + "; ".join(clauses) + "."]


def _noise_sentence(results: Results, outcome: str) -> str | None:
    phase = "sobol" if "sobol" in results.noise else "morris"
    if phase not in results.noise:
        return None
    row = results.noise[phase].set_index("outcome").loc[outcome]
    if not math.isfinite(row["noise_share_of_means"]):
        return None
    return (f"Each design point was run {row['replications']:.0f} times with different seeds and averaged; "
            f"what remains of chance is {about(row['noise_share_of_means'])} of the variation between points, "
            f"so a total effect below that is indistinguishable from noise.")


# --- the page --------------------------------------------------------------------------------------
def write_report(results: Results, out: Path) -> Path:
    """Write ``report.html`` and the CSV tables into ``out`` (atomically); return the report's path."""
    tables = csv_tables(results)
    page = render(results)
    with atomic_directory(Path(out)) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "report.html").write_text(page)
    return Path(out) / "report.html"


def csv_tables(results: Results) -> dict[str, pd.DataFrame]:
    """Every table of the report by file name (without .csv)."""
    study = results.study
    tables = {"parameters": pd.DataFrame([{"parameter": f.name, "label": f.label, "kind": f.kind, "low": f.low,
                                           "high": f.high, "default": study.defaults.get(f.name)}
                                          for f in study.factors])}
    named = {"morris": results.morris, "sobol_indices": results.sobol, "sobol_second_order": results.second,
             "sobol_convergence": results.convergence, "response_curves": results.curves}
    tables |= {name: table for name, table in named.items() if table is not None}
    if results.noise:
        tables["replication_noise"] = pd.concat([t.assign(phase=p) for p, t in results.noise.items()],
                                                ignore_index=True)
    return tables


def render(results: Results) -> str:
    """The whole report as one HTML string (figures embedded as base64 PNG)."""
    study = results.study
    page = Page(f"Which levers matter? Sensitivity of the partnerships model ({study.name})")
    page.heading("Summary")
    page.paragraph(summary_paragraph(results))
    if results.warnings:
        page.heading("Warnings", level=3)
        page.bullets(results.warnings)
    for outcome in study.outcomes[1:]:
        page.paragraph(f"For {outcome_label(outcome)}: " + " ".join(_first_sentence(results, outcome)))
    _study_section(page, results)
    _noise_section(page, results)
    for outcome in study.outcomes:
        _outcome_section(page, results, outcome)
    _curves_section(page, results)
    _method_section(page, results)
    return page.html()


def _first_sentence(results: Results, outcome: str) -> list[str]:
    if results.sobol is not None and (results.sobol["outcome"] == outcome).any():
        return _sobol_sentences(results, outcome)[:1]
    if results.morris is not None and (results.morris["outcome"] == outcome).any():
        return _morris_sentences(results, outcome)[:1]
    return ["no indices (see the warnings)."]


def _study_section(page: Page, results: Results) -> None:
    study = results.study
    page.heading("The study")
    runs = ", ".join(f"{n} runs for {phase}" for phase, n in results.runs.items())
    page.paragraph(f"Method: {study.method.replace('_', ' ')}. Scenario {study.region.name}, "
                   f"{study.weeks} weeks per run, {_replications(results)}; base seed "
                   f"{study.base_seed}. In all: {runs}. Outcomes: " + ", ".join(study.outcomes) + ".")
    if study.excluded_switches:
        page.paragraph("On/off switches (" + ", ".join(study.excluded_switches) + ") were held at their defaults; "
                       "list them under 'parameters' in the study file to include them.")
    if study.fixed:
        page.paragraph("Held fixed: " + ", ".join(f"{k} = {v}" for k, v in study.fixed.items()) + ".")
    page.table(csv_tables(results)["parameters"], "Parameters varied, each uniformly over its range.", digits=4)


def _replications(results: Results) -> str:
    """'4 runs per design point for Morris, 2 for Sobol': the replications of each phase that ran."""
    study = results.study
    per_phase = {"morris": ("Morris", study.replications),
                 "sobol": ("Sobol", study.sobol.replications or study.replications)}
    parts = [f"{n} for {name}" for phase, (name, n) in per_phase.items() if phase in results.runs]
    return "runs per design point: " + ", ".join(parts)


def _noise_section(page: Page, results: Results) -> None:
    if not results.noise:
        return
    page.heading("Chance: replication noise")
    page.paragraph("The model is stochastic: the same settings give different results with different seeds. SALib's "
                   "methods assume a deterministic model, so each design point was run several times and the "
                   "runs were averaged before analysis. The table says how much chance is left. "
                   "'noise share of runs' is the share of the variance of single runs that lies between replications "
                   "of the same point; 'point mean se' is the standard error of a point's average, to compare with "
                   "'point mean sd', the spread of the averages across points; 'noise share of means' is what chance "
                   "still adds to the variance of the averages - every total index is inflated by about this much.")
    table = pd.concat([t.assign(phase=p) for p, t in results.noise.items()], ignore_index=True)
    page.table(table[["phase", "outcome", "replications", "noise_share_of_runs", "point_mean_se", "point_mean_sd",
                      "noise_share_of_means"]], "Replication noise per phase and outcome")
    if any(f.kind == DUMMY for f in results.study.factors):
        page.paragraph("The study also varied a 'dummy' parameter that the model ignores: its indices show the "
                       "same noise floor directly.")


def _outcome_section(page: Page, results: Results, outcome: str) -> None:
    study, what = results.study, outcome_label(outcome)
    page.heading(f"{outcome}: {what}")
    if results.morris is not None and (results.morris["outcome"] == outcome).any():
        table = results.morris[results.morris["outcome"] == outcome]
        top = table.sort_values("mu_star", ascending=False).iloc[0]
        page.figure(plots.morris_figure(table, f"Morris screening of {outcome}"),
                    f"Left: how much {what} typically changes when each parameter moves across its range (mu*), "
                    f"with 95% intervals; the largest is {top['label'].lower()} ({top['mu_star']:.2g}). Right: "
                    "parameters above the dashed line have effects that change a lot with the other parameters "
                    "(interactions or curves); those below act simply.")
        if study.method == "morris_then_sobol":
            kept = ", ".join(study.label(n).lower() for n in results.survivors if n != DUMMY)
            page.paragraph(f"Kept for the Sobol analysis: {kept}.")
    if results.sobol is None or not (results.sobol["outcome"] == outcome).any():
        return
    table = results.sobol[results.sobol["outcome"] == outcome]
    best = _real(table).sort_values("ST", ascending=False).iloc[0]
    page.figure(plots.sobol_figure(table, f"Sobol indices: {outcome}"),
                f"For each lever, the share of the variation in {what} it explains on its own (blue) and including "
                f"its interactions with the others (orange), with 95% intervals; {best['label'].lower()} has the "
                f"largest total share ({best['ST']:.2f}).")
    page.table(table[["label", "S1", "S1_conf", "ST", "ST_conf"]].rename(
        columns={"label": "lever", "S1_conf": "S1 +/-", "ST_conf": "ST +/-"}),
        f"First-order (S1) and total (ST) indices for {outcome}, with the half-width of their 95% intervals")
    if results.second is not None and (results.second["outcome"] == outcome).any():
        pairs = results.second[results.second["outcome"] == outcome]
        real = pairs[(pairs["a"] != DUMMY) & (pairs["b"] != DUMMY)]
        top = (real if len(real) else pairs).sort_values("S2", ascending=False).iloc[0]
        names = results.survivors
        page.figure(plots.interaction_figure(pairs, names, [study.label(n) for n in names],
                                             f"Interactions: {outcome}"),
                    f"Each square is the share of the variation in {what} that two levers produce only together; "
                    f"the largest pair is {study.label(top['a']).lower()} with {study.label(top['b']).lower()} "
                    f"({top['S2']:.2f} +/- {top['S2_conf']:.2f}). Values within about 0.05 of zero are noise.")
    conv = results.convergence[results.convergence["outcome"] == outcome]
    unsettled = [w for w in results.warnings if f" on {what} " in w and "not settled" in w]
    page.figure(plots.convergence_figure(conv, f"Convergence: {outcome}"),
                f"The indices recomputed with growing numbers of samples, for the six levers with the largest total "
                f"share (and the dummy): lines that flatten and narrow have settled. " + (f"{len(unsettled)} total indices have not settled (see the warnings)."
                                if unsettled else "All total indices settled (interval narrower than 0.1 and a "
                                                  "last change below 0.05)."))


def _curves_section(page: Page, results: Results) -> None:
    if results.curves is None or not len(results.curves):
        return
    study = results.study
    page.heading("One lever at a time")
    levers = ", ".join(study.label(n).lower() for n in results.levers)
    page.figure(plots.curves_figure(results.curves, list(study.outcomes), dict(study.defaults)),
                f"The model run at {study.curves.points} values of each lever shown ({levers}: the most influential "
                "first" + (", then the headline levers the study file asks for" if study.curves.keep else "")
                + f"), everything else at its default (dotted line), {study.curves.replications} runs per value: each "
                "row is one lever, each column one outcome; the line is the average and the band its 95% interval. "
                "Read these as 'what if we changed only this'.")


def _method_section(page: Page, results: Results) -> None:
    study = results.study
    page.heading("How this was computed")
    items = [
        "Sampling and analysis use SALib's own functions: SALib.sample.morris / SALib.analyze.morris and "
        "SALib.sample.sobol / SALib.analyze.sobol, with bootstrap 95% intervals.",
        "Replications: every design point was run several times with seeds drawn from the base seed, and the runs "
        f"were averaged per point before analysis ({_replications(results)}); the noise table above measures "
        "what chance is left.",
    ]
    if study.method == "morris_then_sobol":
        items.append(f"Screening rule: a parameter goes on to Sobol if its mu* is at least "
                     f"{pct(study.morris.keep_share)} of the largest mu* for some outcome; at most "
                     f"{study.morris.keep_max} go on, strongest first"
                     + (f", always including {', '.join(study.morris.keep)}." if study.morris.keep else "."))
    if study.method != "morris":
        items.append(f"Convergence: the Sobol design for N = {study.sobol.n} was run once; SALib builds the design for "
                     f"a smaller N (a power of 2) as exactly its first blocks, so the indices at N = "
                     f"{study.sobol.n_min} ... {study.sobol.n} are computed from nested prefixes of the same runs. "
                     "A total index is flagged when its interval is wider than 0.1 or it moved by more than 0.05 at "
                     "the last doubling.")
    items.append("Whole-number parameters are sampled over [low - 0.5, high + 0.5] and rounded, so every value is "
                 "equally likely.")
    page.bullets(items)
