"""The validation report: a self-contained ``report.html``, its PDF, ``validation.csv`` (one row per check) and
``response_curves.csv`` beside it. Every result sentence is computed from the tables; the page opens with
the finding, the box of what was simulated, assumed and covered by the intervals, and ends with a
glossary and the provenance of the runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from partnerships.experiments.framing import SEED_ONLY, glossary, join, provenance, scenario_sentence, years
from partnerships.experiments.html import Page, Written
from partnerships.experiments.output import atomic_directory
from partnerships.experiments.validation import (CONDITIONS, OFAT_OUTCOMES, QUICK_TOLERANCE_FACTOR, TRUST_STEP, Validation,
                                                   runs_folder)
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import validation_plots as plots


def write_report(validation: Validation, curves: pd.DataFrame | None, out: Path, runtime_seconds: float,
                 pdf: bool = True) -> Written:
    """Write report.html, validation.csv, response_curves.csv and report.pdf into ``out``; return what was written."""
    table = validation.table()
    page = render(validation, curves, runtime_seconds, out)
    csv = [Path(out) / "validation.csv"] + ([Path(out) / "response_curves.csv"] if curves is not None else [])
    with atomic_directory(out) as tmp:
        table.to_csv(tmp / "validation.csv", index=False)
        if curves is not None:
            curves.to_csv(tmp / "response_curves.csv", index=False, float_format="%.5g")
        page.write(tmp / "report.html")
    html = Path(out) / "report.html"
    printed = None
    if pdf:
        from partnerships.experiments.pdf import write_pdf

        printed = write_pdf(html)
    return Written(html, csv, printed)


def finding(table: pd.DataFrame, confidence: float) -> tuple[list[str], list[str]]:
    """Two or three sentences: how many patterns the model reproduces, which it does not (or cannot measure), what
    a pass means."""
    status = table["status"] if "status" in table else table["passed"].map({True: "pass", False: "fail"})
    passed = table[status == "pass"]
    failed = table[status == "fail"]
    unmeasured = table[status == "not measured"]
    measured = table[status != "not measured"]
    patterns = table["pattern"].nunique()
    sentences = [f"The simulation reproduces {len(passed)} of the {len(measured)} measured checks of the {patterns} "
                 f"patterns the model brief and issue 10 ask for, each judged on a {confidence:.0%} interval of a "
                 "paired comparison."]
    if len(failed):  # the checks by key only: the table below gives each statement and why it failed
        sentences.append("It does not reproduce " + join(str(r.check) for r in failed.itertuples())
                         + " (a finding about the model, not a test to loosen: see the table)"
                         + (", and cannot yet measure " + join(str(r.check) for r in unmeasured.itertuples())
                            if len(unmeasured) else "") + ".")
    elif len(unmeasured):
        sentences.append(join(str(r.check) for r in unmeasured.itertuples()) + " could not be measured: the model "
                         "does not yet output what it needs.")
    sentences.append("A pass means the pattern emerges reliably from the model's rules with its assumed parameters, "
                     "not that the mechanism is the one at work in real partnerships.")
    return sentences, list(passed["check"])


def render(validation: Validation, curves: pd.DataFrame | None, runtime_seconds: float,
           out: Path | None = None) -> Page:
    s = validation.settings
    table = validation.table()
    passed = int(table["passed"].sum())
    measured = int((table["status"] != "not measured").sum())
    mode = "quick form" if s.quick else "full form"
    page = Page("Pattern-oriented validation of the partnerships model",
                intro=f"{passed} of {measured} measured checks of {table['pattern'].nunique()} patterns pass "
                      f"({len(table) - measured} not measured; {mode}; "
                      f"{len(validation.runs)} runs of {s.weeks} weeks; {runtime_seconds / 60:.1f} minutes for this "
                      "invocation, stored runs reused).")
    sentences, names = finding(table, s.confidence)
    page.finding(sentences, names)
    page.caveats({
        "What was simulated": (f"{len(validation.runs):,} runs of {years(s.weeks)}. {scenario_sentence('county')} "
                               "Each check sets up a baseline and a changed condition (a scenario with an "
                               "intervention, or other parameter values) and compares a measure between them."),
        "What is assumed": ("These are outputs of a simulation, not observations: the patterns come from the model "
                            "brief and its sources (quoted below), the rules and most parameters are the model's "
                            "assumptions (docs/ODD.md), and every parameter not changed by a condition is at its "
                            + ("default." if s.posterior is None else "posterior draw's value (or its default if "
                               "the calibration does not set it).")),
        "What the intervals cover": (f"{s.confidence:.0%} t-intervals over replications with common random numbers "
                                     "(replication r of every condition uses the same seed). "
                                     + (SEED_ONLY.replace("The 95% intervals", "These intervals")
                                        if s.posterior is None else
                                        f"Replication r of every condition also runs at draw r mod "
                                        f"{s.posterior.draws} of the calibrated posterior ({s.posterior.draws} draws; "
                                        "docs/calibration.md), so the intervals cover chance between runs and what "
                                        "the calibration leaves uncertain about the parameters; not doubt about the "
                                        "model's rules.")),
    })
    page.heading("Method")
    page.paragraph(
        "Each check compares conditions through a contrast of per-run measures (a baseline and a changed "
        "condition, or two measures of the same runs). Replication r of every condition uses the same seed "
        "(common random numbers), so each replication gives one paired contrast; the effect is their mean "
        "with a t interval (95%, or 90% in the quick form). A directional check passes when the whole interval lies on "
        "the side of zero the pattern predicts; a level check passes when the estimate is within its tolerance of the target.")
    if s.quick:
        page.paragraph(
            f"Quick form (wider tolerance): the power rule below with a pilot of {s.pilot} and at most "
            f"{s.max_replications} replications; directional checks are judged on {s.confidence:.0%} intervals "
            f"(a one-sided 95% bound) and level tolerances are widened {QUICK_TOLERANCE_FACTOR:g}-fold. Use the "
            "full form for conclusions.")
    page.paragraph(
        f"Replications (power rule): a pilot of {s.pilot} replications gives the standard deviation s of "
        "each check's contrast; a directional check needs n = ((1.96 + 0.84) s / delta)^2 for 80% power "
        "to detect its smallest effect of interest delta at the 5% level, a level check "
        "n = (1.96 s / (tolerance / 2))^2; n is divided by the share of runs where the measure is "
        f"defined, clipped to [{s.pilot}, {s.max_replications}], and each condition runs the largest n "
        "of the checks that use it.")
    page.table(table[["check", "pattern", "effect", "expected", "replications", "estimate", "ci_low", "ci_high",
                      "status"]],
               caption=f"Checks: effect, {s.confidence:.0%} interval, verdict")
    page.figure(plots.checks_figure(table),
                f"Each panel shows one check's estimate with its {s.confidence:.0%} interval: green passes, red fails; "
                "the grey band of a level check is its tolerance around the target.")
    page.heading("Patterns, sources and conditions")
    labels = {c.key: c.label for c in CONDITIONS}
    for row in table.itertuples():
        page.heading(f"{row.check}: {row.statement}", level=3)
        page.paragraph(f"Source: {row.quote}")
        page.paragraph(f"In the model: {row.mechanism}.", note=True)
        page.bullets([f"{part.split('[')[0].strip()} in: {labels[part.split('[')[1].rstrip(']')]}"
                      for part in row.conditions.split(" | ")])
        page.paragraph(f"Effect ({row.effect}): {row.estimate:.3g}, {s.confidence:.0%} interval "
                       f"[{row.ci_low:.3g}, {row.ci_high:.3g}] "
                       f"over {row.replications} replications. {str(row.status).upper()}: {row.reason}.")
    page.paragraph(f"Trust measures: each open project's weekly mean trust is split into rising and falling spells "
                   f"(weeks without change belong to the spell they are in); the weeks to gain (lose) {TRUST_STEP:g} "
                   "of trust are that amount over the run's average rise (fall) per week of rising (falling) spells.",
                   note=True)
    page.heading("Replications chosen")
    page.table(pd.DataFrame({"condition": list(validation.replications),
                             "label": [labels[k] for k in validation.replications],
                             "replications": list(validation.replications.values())}),
               caption="Replications per condition")
    if curves is not None and len(curves):
        _curves_section(page, curves)
    page.glossary(glossary("simulation", "run", "replication", "delivered", "working well", "not working", "momentum",
                           "trust", "champion", "95% interval"))
    _provenance(page, out, s.quick)
    return page


def _curves_section(page: Page, curves: pd.DataFrame) -> None:
    page.heading("Response curves: every parameter moved alone")
    reps = int(curves["replications"].max())
    page.paragraph(f"Each parameter of the default scenario is moved alone across its allowed range, the others at "
                   f"their defaults ({reps} replications per level, common seeds). This is the mechanism view before "
                   "global sensitivity analysis: it shows direction and shape, not interactions.")
    spread = (curves[curves["outcome"] == "working_well_share"].groupby("parameter")["mean"]
              .agg(lambda x: x.max() - x.min()).sort_values(ascending=False))
    top = ", ".join(f"{PARAMETERS[n].label} ({v:.2f})" for n, v in spread.head(6).items())
    flat = [PARAMETERS[n].label for n, v in spread.items() if v < 0.05]
    page.paragraph(f"Largest range of the working-well share: {top}. "
                   f"{len(flat)} parameters move it by less than 0.05 across their whole range.")
    labels = {n: p.label for n, p in PARAMETERS.items()}
    page.figure(plots.curves_figure(curves, labels, tuple(o for o in OFAT_OUTCOMES if o != "mean_trust")),
                "Mean working-well, not-working and delivered shares (95% bands) as each parameter moves alone; "
                "the dashed line marks its default.")


def _provenance(page: Page, out: Path | None, quick: bool) -> None:
    from partnerships.experiments.store import Store

    folders = sorted(p.parent for p in runs_folder(out, quick).glob("*/manifest.json")) if out is not None else []
    if out is None or not folders:
        page.heading("Provenance")
        page.paragraph("The runs were not read from a results folder.", note=True)
        return
    manifests = [(folder, Store(folder).read_manifest()) for folder in folders]
    first = {**manifests[0][1], "name": "validation", "runs": sum(int(m.get("runs", 0)) for _, m in manifests)}
    first.pop("text", None)
    extra = {f"runs folder {folder.relative_to(out)}": f"{m.get('runs')} runs, design sha256 "
                                                       f"{str(m.get('sha256', ''))[:12]}, started {m.get('started')}"
             for folder, m in manifests}
    provenance(page, first, extra=extra)
