"""The sensitivity report: a self-contained ``report.html`` for policy teams, its PDF, and its tables as CSV.

Every sentence that states a result is computed from the indices (nothing about the model's findings
is written by hand here), and every chart carries a sentence saying what it shows. An index is called
an effect only when its 95% interval lies above zero; one whose interval includes zero reads "no
evidence of an effect", and an estimate below zero is explained as noise (a share of variance cannot be
negative), never drawn as a finding. Levers a policy team controls are kept apart from the model's
assumptions (``Parameter.lever`` in the registry).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from partnerships.experiments.framing import SEED_ONLY, glossary, join, provenance, scenario_sentence, years
from partnerships.experiments.html import Page, Written
from partnerships.experiments.output import atomic_directory
from partnerships.experiments.sensitivity import (CI_WIDTH_LIMIT, DUMMY, LAST_CHANGE_LIMIT, PHASES, Results,
                                                  outcome_label)
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import sensitivity_plots as plots

METHOD_WORDS = {"morris": "Morris screening", "sobol": "Sobol's variance-based method",
                "morris_then_sobol": "Morris screening of every parameter, then Sobol's method for the survivors"}
#: Short names of the outcomes for sentences (others: from the outcome's description).
SHORT = {"delivered_share": "the share of projects delivered", "working_well_share": "the share working well",
         "not_working_share": "the share not working", "benefit_cost_ratio": "the benefit-cost ratio",
         "mean_trust": "trust at the end",
         "restricted_mean_weeks_to_delivery": "the mean weeks to delivery (projects not delivered count the whole run)",
         "mean_momentum_all": "momentum over all projects (abandoned ones at zero)"}


def what(outcome: str) -> str:
    return SHORT.get(outcome, outcome_label(outcome))


def pct(x: float) -> str:
    """A share as a rounded percentage ('40%'); tiny estimates read 'under 1%'."""
    return "under 1%" if x < 0.005 else f"{round(100 * x)}%"


def kind(name: str) -> str:
    """'lever', 'model assumption' or 'noise floor' (the dummy)."""
    if name == DUMMY:
        return "noise floor"
    return "lever" if name in PARAMETERS and PARAMETERS[name].lever else "model assumption"


def verdict(estimate: float, conf: float, floor: float = 0.0, floor_conf: float = 0.0) -> str:
    """'effect' when the index exceeds the noise floor (the dummy's index, 0 without a dummy) by more than the
    95% interval of the difference; otherwise 'no evidence of an effect', with a note on estimates below zero."""
    if estimate - floor > math.hypot(conf, floor_conf):
        return "effect"
    if estimate < 0:
        return "no evidence of an effect (estimate below zero: noise)"
    return "no evidence of an effect" + (" (not above the noise floor)" if estimate > conf else "")


def classified(results: Results, outcome: str) -> pd.DataFrame:
    """The Sobol indices of ``outcome`` with kind and verdict columns (S1_clear, ST_clear, S1_verdict, ...).

    With a dummy in the study, its index is the noise floor: chance left after averaging inflates every total
    index by about the same amount, so an index counts as an effect only when it exceeds the dummy's.
    """
    if results.sobol is None:
        raise ValueError("the study has no Sobol indices")
    table = results.sobol[results.sobol["outcome"] == outcome].copy()
    table["kind"] = table["parameter"].map(kind)
    dummy = table[table["parameter"] == DUMMY]
    for key in ("S1", "ST"):
        floor = (float(dummy[key].iloc[0]), float(dummy[f"{key}_conf"].iloc[0])) if len(dummy) else (0.0, 0.0)
        floor = (max(floor[0], 0.0), floor[1]) if len(dummy) else floor
        verdicts = [verdict(e, c, *floor) if p != DUMMY else verdict(e, c)
                    for p, e, c in zip(table["parameter"], table[key], table[f"{key}_conf"])]
        table[f"{key}_verdict"] = verdicts
        table[f"{key}_clear"] = [v == "effect" for v in verdicts]
    return table


# --- the finding, from the numbers ----------------------------------------------------------------
def finding(results: Results) -> tuple[list[str], list[str]]:
    """Two or three sentences ranking what matters for the first outcome, levers first, and the parameters
    they present as effects."""
    outcome = results.study.outcomes[0]
    if results.sobol is not None and (results.sobol["outcome"] == outcome).any():
        return _sobol_finding(results, outcome)
    if results.morris is not None and (results.morris["outcome"] == outcome).any():
        return _morris_finding(results, outcome)
    return [f"No indices could be computed for {what(outcome)} (see the warnings)."], []


def _name(label: str) -> str:
    text = label.split(" (")[0]
    return text[0].lower() + text[1:]


def _share(row) -> str:
    low, high = max(row["ST"] - row["ST_conf"], 0.0), row["ST"] + row["ST_conf"]
    return f"{pct(row['ST'])} of its variation, 95% interval {pct(low)} to {pct(high)}"


def _sobol_finding(results: Results, outcome: str) -> tuple[list[str], list[str]]:
    table = classified(results, outcome).sort_values("ST", ascending=False)
    levers = table[table["kind"] == "lever"]
    assumptions = table[table["kind"] == "model assumption"]
    clear_levers, weak_levers = levers[levers["ST_clear"]], levers[~levers["ST_clear"]]
    clear_assumptions = assumptions[assumptions["ST_clear"]]
    sentences, names = [], []
    if len(clear_levers):
        first = clear_levers.iloc[0]
        text = (f"Of the levers a policy team controls, the {_name(first['label'])} matters most for {what(outcome)} "
                f"({_share(first)}, counting its interactions)")
        rest = [f"the {_name(r['label'])} ({pct(r['ST'])})" for _, r in clear_levers.iloc[1:].iterrows()]
        sentences.append(text + (f", then {join(rest)}." if rest else "."))
        names += list(clear_levers["parameter"])
    elif len(levers):
        sentences.append(f"None of the {len(levers)} levers a policy team controls shows evidence of an effect on "
                         f"{what(outcome)} over the ranges studied.")
    if len(weak_levers) and len(clear_levers):
        verb = "shows" if len(weak_levers) == 1 else "show"
        floor = " above the noise floor" if (table["kind"] == "noise floor").any() else ""
        sentences.append(f"The {join(_name(x) for x in weak_levers['label'])} {verb} no evidence of an effect{floor} "
                         "at this sample size (the interval includes it), which is not evidence of no effect.")
    if len(clear_assumptions):
        top = clear_assumptions.iloc[0]
        bigger = len(clear_levers) == 0 or top["ST"] > clear_levers.iloc[0]["ST"]
        sentences.append(f"Of the model's assumptions, which nobody controls, the {_name(top['label'])} matters "
                         f"{'more than any lever' if bigger else 'most'} ({pct(top['ST'])}): a doubt about the model "
                         "to resolve, not a choice.")
        names.append(top["parameter"])
    return sentences[:3], names


def _morris_finding(results: Results, outcome: str) -> tuple[list[str], list[str]]:
    table = _morris_classified(results, outcome)
    table = table[table["parameter"] != DUMMY].assign(kind=lambda t: t["parameter"].map(kind))
    table = table.sort_values("mu_star", ascending=False)
    sentences, names = [], []
    for group, words in (("lever", "Of the levers a policy team controls"), ("model assumption",
                                                                             "Of the model's assumptions")):
        part = table[(table["kind"] == group) & table["clear"]]
        if len(part):
            top = part.iloc[0]
            sentences.append(f"{words}, the {_name(top['label'])} has the largest typical effect on {what(outcome)} "
                             f"(mu* {top['mu_star']:.2g} across its range, screening only)" +
                             (f", then {join('the ' + _name(x) for x in part['label'].iloc[1:3])}." if len(part) > 1
                              else "."))
            names += list(part["parameter"].iloc[:3])
    weak = table[(table["kind"] == "lever") & ~table["clear"]]
    if len(weak):
        sentences.append(f"The {join(_name(x) for x in weak['label'])} show no evidence of an effect above the noise "
                         "floor.")
    return (sentences or [f"No parameter's effect on {what(outcome)} stands out from the noise floor."])[:3], names


# --- warnings, grouped ----------------------------------------------------------------------------
def grouped_warnings(results: Results) -> tuple[list[str], list[str]]:
    """(one line per outcome on the indices that have not settled, the other warnings as they are)."""
    lines = []
    if results.convergence is not None and len(results.convergence):
        for outcome, table in results.convergence.groupby("outcome", sort=False):
            sizes = sorted(table["n"].unique())
            last = table[table["n"] == sizes[-1]].set_index("parameter")
            before = table[table["n"] == sizes[-2]].set_index("parameter") if len(sizes) > 1 else None
            wide = [n for n, r in last.iterrows() if 2 * r["ST_conf"] > CI_WIDTH_LIMIT]
            moved = [n for n, r in last.iterrows()
                     if before is not None and abs(r["ST"] - before.loc[n, "ST"]) > LAST_CHANGE_LIMIT]
            unsettled = list(dict.fromkeys(wide + moved))
            if not unsettled:
                continue
            levers = [n for n in unsettled if kind(n) == "lever"]
            parts = []
            if wide:
                parts.append(f"interval wider than {CI_WIDTH_LIMIT}: " + ", ".join(_label(results, n) for n in wide))
            if moved:
                parts.append(f"moved by more than {LAST_CHANGE_LIMIT} at the last doubling: "
                             + ", ".join(_label(results, n) for n in moved))
            lines.append(f"{what(outcome).capitalize()}: the total indices of {len(unsettled)} of {len(last)} "
                         f"parameters have not settled at N = {sizes[-1]} ({'; '.join(parts)})"
                         + (f"; {len(levers)} of them levers" if levers else "; every lever's index has settled") + ".")
    others = [w for w in results.warnings if "not settled" not in w]
    return lines, others


def _label(results: Results, name: str) -> str:
    return _name(results.study.label(name)) if name != DUMMY else "the dummy"


# --- the page --------------------------------------------------------------------------------------
def write_report(results: Results, out: Path, headline: Path | None = None, pdf: bool = True) -> Written:
    """Write ``report.html``, the CSV tables and ``report.pdf`` into ``out``; return what was written.

    ``headline`` is a folder written by ``partnerships sweep`` of the headline experiment: the report then
    checks that both studies agree on each headline lever.
    """
    tables = csv_tables(results)
    page = render(results, Path(out), headline, tables)
    with atomic_directory(Path(out)) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False)
        page.write(tmp / "report.html")
    html = Path(out) / "report.html"
    printed = None
    if pdf:
        from partnerships.experiments.pdf import write_pdf

        printed = write_pdf(html)
    return Written(html, [Path(out) / f"{name}.csv" for name in tables], printed)


def csv_tables(results: Results) -> dict[str, pd.DataFrame]:
    """Every table of the report by file name (without .csv); the consistency table is added by :func:`render`."""
    study = results.study
    tables = {"parameters": pd.DataFrame([{"parameter": f.name, "label": f.label, "kind": kind(f.name), "low": f.low,
                                           "high": f.high, "default": study.defaults.get(f.name)}
                                          for f in study.factors])}
    sobol = None
    if results.sobol is not None:
        sobol = pd.concat([classified(results, o) for o in study.outcomes if (results.sobol["outcome"] == o).any()]
                          or [results.sobol], ignore_index=True)
    named = {"morris": results.morris, "sobol_indices": sobol, "sobol_second_order": results.second,
             "sobol_convergence": results.convergence, "response_curves": results.curves}
    tables |= {name: table for name, table in named.items() if table is not None}
    if results.noise:
        tables["replication_noise"] = pd.concat([t.assign(phase=p) for p, t in results.noise.items()],
                                                ignore_index=True)
    return tables


def render(results: Results, out: Path | None = None, headline: Path | None = None,
           tables: dict[str, pd.DataFrame] | None = None) -> Page:
    """The whole report as a :class:`Page` (figures embedded as base64 PNG)."""
    study = results.study
    tables = tables if tables is not None else {}
    page = Page(f"Which levers matter? Sensitivity of the partnerships model ({study.name})")
    sentences, names = finding(results)
    page.finding(sentences, names)
    page.caveats(_caveats(results))
    settled, others = grouped_warnings(results)
    if settled or others:
        page.heading("Warnings", level=3)
        page.bullets(settled + others)
        if results.warnings and settled:
            page.details(f"Every convergence warning ({sum('not settled' in w for w in results.warnings)})",
                         [w for w in results.warnings if "not settled" in w])
    for outcome in study.outcomes:
        _outcome_section(page, results, outcome)
    _curves_section(page, results)
    if headline is not None:
        from partnerships.experiments.consistency import consistency_section

        consistency_section(page, tables, None, Path(headline), side="sensitivity", curves=results.curves)
    _study_section(page, results)
    _noise_section(page, results)
    _method_section(page, results)
    page.glossary(glossary("simulation", "run", "replication", "lever", "model assumption", "delivered",
                           "working well", "Sobol index", "Morris mu*", "no evidence of an effect", "95% interval"))
    _provenance(page, results, out)
    return page


def _caveats(results: Results) -> dict[str, str]:
    study = results.study
    runs = ", ".join(f"{n:,} for {phase}" for phase, n in results.runs.items())
    levers = [f for f in study.factors if kind(f.name) == "lever"]
    noise = _noise_share(results, study.outcomes[0])
    return {
        "What was simulated": (
            (f"{sum(results.runs.values()):,} runs ({runs}). " if results.runs else "") + f"{scenario_sentence(study.region)} "
            f"Each run lasts {years(study.weeks)}. {len(study.factors)} parameters were sampled uniformly over the "
            f"ranges in the table below ({len(levers)} of them levers a policy team controls"
            + (", one a dummy the model ignores" if any(f.kind == DUMMY for f in study.factors) else "")
            + f"), by {METHOD_WORDS[study.method]}; outcomes: "
            + ", ".join(what(o) for o in study.outcomes) + "."),
        "What is assumed": (
            "These are outputs of a simulation, not observations: its rules come from five documents on UK "
            "public-sector collaboration (docs/ODD.md), and most of its parameters are our assumptions. A Sobol "
            "index is a share of the variation over the ranges chosen here: widen a range and the parameter looks "
            "more important. Model assumptions are shown apart from levers because a policy team cannot act on "
            "them; a large index for one says where the model's doubt lies."),
        "What the intervals cover": (
            "Bootstrap 95% intervals (SALib) of each index: the sampling error of the design, including what is "
            "left of chance after averaging each point's runs"
            + (f" (about {pct(noise)} of the variation between points for {what(study.outcomes[0])})" if noise else "")
            + ". " + SEED_ONLY.split(". ", 1)[1] + " An index whose interval includes zero is shown as 'no "
            "evidence of an effect'; an estimate below zero is noise around a true value near zero (a share "
            "cannot be negative) and is never drawn as a finding."),
    }


def _noise_share(results: Results, outcome: str) -> float | None:
    phase = "sobol" if "sobol" in results.noise else "morris"
    if phase not in results.noise:
        return None
    row = results.noise[phase].set_index("outcome")
    if outcome not in row.index:
        return None
    value = float(row.loc[outcome, "noise_share_of_means"])
    return value if math.isfinite(value) else None


def _outcome_section(page: Page, results: Results, outcome: str) -> None:
    study = results.study
    page.heading(f"{what(outcome).capitalize()} ({outcome})")
    if results.sobol is not None and (results.sobol["outcome"] == outcome).any():
        table = classified(results, outcome)
        real = table[table["kind"] != "noise floor"].sort_values("ST", ascending=False)
        clear = real[real["ST_clear"]]
        lead = (f"The {_name(clear.iloc[0]['label'])} has the largest total share ({clear.iloc[0]['ST']:.2f} ± "
                f"{clear.iloc[0]['ST_conf']:.2f})" if len(clear) else "No parameter's total share is clearly above zero")
        page.figure(plots.sobol_figure(table, f"Sobol indices: {what(outcome)}"),
                    f"For each parameter, the share of the variation in {what(outcome)} it explains on its own (blue) "
                    f"and including its interactions (orange), with 95% intervals; levers above, model assumptions "
                    f"below. {lead}; {int((~real['ST_clear']).sum())} of {len(real)} parameters show no evidence of "
                    "an effect (hollow bars).",
                    data={"outcome": outcome, "clear": " ".join(table.loc[table["ST_clear"], "parameter"]),
                          "no-evidence": " ".join(table.loc[~table["ST_clear"], "parameter"])})
        shown = pd.DataFrame({
            "parameter": table["label"], "kind": table["kind"],
            "alone (S1 ± 95%)": [f"{e:.2f} ± {c:.2f}" for e, c in zip(table["S1"], table["S1_conf"])],
            "in all (ST ± 95%)": [f"{e:.2f} ± {c:.2f}" for e, c in zip(table["ST"], table["ST_conf"])],
            "verdict (in all)": table["ST_verdict"]}).iloc[np.argsort(-table["ST"].to_numpy(), kind="stable")]
        page.table(shown, f"First-order (S1) and total (ST) indices for {what(outcome)} (sobol_indices.csv)")
        negative = table[(table["S1"] < 0) | (table["ST"] < 0)]
        if len(negative):
            names = join(_label(results, n) for n in negative["parameter"])
            page.paragraph(f"{len(negative)} estimates are below zero ({names}). "
                           "A share of variance cannot be negative: these are sampling noise around a true value near "
                           "zero, and their intervals include zero.", note=True)
        _second_order(page, results, outcome)
        _convergence(page, results, outcome)
    if results.morris is not None and (results.morris["outcome"] == outcome).any():
        morris = _morris_classified(results, outcome)
        top = morris[morris["parameter"] != DUMMY].sort_values("mu_star", ascending=False).iloc[0]
        page.figure(plots.morris_figure(morris, f"Morris screening: {what(outcome)}"),
                    f"Screening: how much {what(outcome)} typically changes when each parameter moves across its "
                    f"range (mu*, 95% intervals); the largest is the {_name(top['label'])} ({top['mu_star']:.2g}); "
                    f"{int((~morris['clear']).sum())} hollow bars are not above the dummy's (no evidence of an "
                    "effect). Right: parameters above the dashed line act through interactions or curves.",
                    data={"outcome": outcome, "clear": " ".join(morris.loc[morris["clear"], "parameter"]),
                          "no-evidence": " ".join(morris.loc[~morris["clear"], "parameter"])})
        if study.method == "morris_then_sobol":
            kept = join("the " + _name(study.label(n)) for n in results.survivors if n != DUMMY)
            page.paragraph(f"Kept for the Sobol analysis: {kept}.", note=True)


def _morris_classified(results: Results, outcome: str) -> pd.DataFrame:
    """Morris rows of ``outcome`` with ``clear``: mu* minus its interval above the dummy's mu* plus its interval."""
    if results.morris is None:
        raise ValueError("the study has no Morris screening")
    table = results.morris[results.morris["outcome"] == outcome].copy()
    dummy = table[table["parameter"] == DUMMY]
    floor = float(dummy["mu_star"].iloc[0] + dummy["mu_star_conf"].iloc[0]) if len(dummy) else 0.0
    table["clear"] = ((table["mu_star"] - table["mu_star_conf"]) > floor) & (table["parameter"] != DUMMY)
    return table


def _second_order(page: Page, results: Results, outcome: str) -> None:
    if results.second is None or not (results.second["outcome"] == outcome).any():
        return
    study = results.study
    pairs = results.second[results.second["outcome"] == outcome]
    clear = pairs[(pairs["S2"] - pairs["S2_conf"] > 0) & (pairs["a"] != DUMMY) & (pairs["b"] != DUMMY)]
    if len(clear):
        top = clear.sort_values("S2", ascending=False).iloc[0]
        words = (f"the clearest pair acting together is the {_label(results, top['a'])} with the "
                 f"{_label(results, top['b'])} ({top['S2']:.2f} ± {top['S2_conf']:.2f}); {len(clear)} of {len(pairs)} "
                 "pairs have an interval above zero")
    else:
        words = f"none of the {len(pairs)} pairs has an interval above zero: no evidence that any two act together"
    names = results.survivors
    page.figure(plots.interaction_figure(pairs, names, [study.label(n) for n in names],
                                         f"Pairs acting together: {what(outcome)}"),
                f"Second-order indices: the share of the variation in {what(outcome)} that two parameters produce "
                f"only together, shown only where the 95% interval lies above zero; {words}.",
                data={"outcome": outcome, "clear": " ".join(f"{a}+{b}" for a, b in zip(clear["a"], clear["b"]))})


def _convergence(page: Page, results: Results, outcome: str) -> None:
    if results.convergence is None:
        return
    conv = results.convergence[results.convergence["outcome"] == outcome]
    if conv.empty:
        return
    lines, _ = grouped_warnings(Results(results.study, convergence=conv))
    page.figure(plots.convergence_figure(conv, f"Convergence: {what(outcome)}"),
                "The indices recomputed with growing numbers of samples, for the six parameters with the largest "
                "total share (and the dummy): lines that flatten and narrow have settled. "
                + (lines[0] if lines else f"Every total index has settled (interval narrower than {CI_WIDTH_LIMIT}, "
                                          f"last change below {LAST_CHANGE_LIMIT})."))


def _curves_section(page: Page, results: Results) -> None:
    if results.curves is None or not len(results.curves):
        return
    study = results.study
    page.heading("One lever at a time")
    levers = join("the " + _label(results, n) for n in results.levers)
    page.figure(plots.curves_figure(results.curves, list(study.outcomes), dict(study.defaults),
                                    {o: what(o) for o in study.outcomes}),
                f"The model run at {study.curves.points} values of each parameter shown ({levers}), everything else "
                f"at its default (dotted line), {study.curves.replications} runs per value: each row is one "
                "parameter, each column one outcome; the line is the average and the band its 95% interval (the "
                "axes start at zero). Read these as 'what if we changed only this'.")


def _study_section(page: Page, results: Results) -> None:
    study = results.study
    page.heading("The study")
    page.paragraph(f"Method: {study.method.replace('_', ' ')}. {_replications(results)}; base seed {study.base_seed}. "
                   "Outcomes: " + ", ".join(study.outcomes) + ".")
    if study.excluded_switches:
        page.paragraph("On/off switches (" + ", ".join(study.excluded_switches) + ") were held at their defaults; "
                       "list them under 'parameters' in the study file to include them.")
    if study.fixed:
        page.paragraph("Held fixed: " + ", ".join(f"{k} = {v}" for k, v in study.fixed.items()) + ".")
    page.table(csv_tables(results)["parameters"], "Parameters varied, each uniformly over its range.", digits=4)


def _replications(results: Results) -> str:
    """'Runs per design point: 4 for Morris, 2 for Sobol': the replications of each phase that ran."""
    study = results.study
    per_phase = {"morris": ("Morris", study.replications),
                 "sobol": ("Sobol", study.sobol.replications or study.replications)}
    parts = [f"{n} for {name}" for phase, (name, n) in per_phase.items() if phase in results.runs]
    return "Runs per design point: " + (", ".join(parts) or "-")


def _noise_section(page: Page, results: Results) -> None:
    if not results.noise:
        return
    page.heading("Chance: replication noise")
    page.paragraph("The model is stochastic: the same settings give different results with different seeds. SALib's "
                   "methods assume a deterministic model, so each design point was run several times and the "
                   "runs were averaged before analysis. 'noise share of runs' is the share of the variance of single "
                   "runs that lies between replications of the same point; 'noise share of means' is what chance "
                   "still adds to the variance of the averages - every total index is inflated by about this much.")
    table = pd.concat([t.assign(phase=p) for p, t in results.noise.items()], ignore_index=True)
    page.table(table[["phase", "outcome", "replications", "noise_share_of_runs", "point_mean_se", "point_mean_sd",
                      "noise_share_of_means"]], "Replication noise per phase and outcome (replication_noise.csv)")


def _method_section(page: Page, results: Results) -> None:
    study = results.study
    page.heading("How this was computed")
    items = [
        "Sampling and analysis use SALib's own functions: SALib.sample.morris / SALib.analyze.morris and "
        "SALib.sample.sobol / SALib.analyze.sobol, with bootstrap 95% intervals.",
        f"Replications: every design point was run several times with seeds drawn from the base seed, and the runs "
        f"were averaged per point before analysis ({_replications(results).lower()}).",
    ]
    if study.method == "morris_then_sobol":
        items.append(f"Screening rule: a parameter goes on to Sobol if its mu* is at least "
                     f"{pct(study.morris.keep_share)} of the largest mu* for some outcome; at most "
                     f"{study.morris.keep_max} go on, strongest first"
                     + (f", always including {', '.join(study.morris.keep)}." if study.morris.keep else "."))
    if study.method != "morris":
        items.append(f"Convergence: the Sobol design for N = {study.sobol.n} was run once; the indices at N = "
                     f"{study.sobol.n_min} ... {study.sobol.n} are computed from nested prefixes of the same runs. "
                     f"A total index has not settled when its interval is wider than {CI_WIDTH_LIMIT} or it moved by "
                     f"more than {LAST_CHANGE_LIMIT} at the last doubling.")
    items.append("Verdicts: an index is an effect when its 95% interval lies above zero, otherwise 'no evidence of an "
                 "effect'; for Morris screening, when mu* minus its interval exceeds the dummy's mu* plus its "
                 "interval.")
    items.append("Whole-number parameters are sampled over [low - 0.5, high + 0.5] and rounded, so every value is "
                 "equally likely.")
    page.bullets(items)


def _provenance(page: Page, results: Results, out: Path | None) -> None:
    from partnerships.experiments.store import Store

    manifests = ([(phase, Store(out / phase).read_manifest()) for phase in PHASES if Store(out / phase).has_study()]
                 if out is not None else [])
    if out is None or not manifests:
        page.heading("Provenance")
        page.paragraph(f"Study file sha256 {results.study.hash}; the runs were not read from a results folder.",
                       note=True)
        return
    first = {**manifests[0][1], "name": results.study.name, "runs": sum(results.runs.values()),
             "sha256": results.study.hash}
    extra = {f"{phase} runs folder": f"{out / phase} (design sha256 {m.get('sha256', '')[:12]}, started "
                                     f"{m.get('started')})" for phase, m in manifests}
    provenance(page, first, extra=extra, text_label="The study file as run:")
