"""What every report says around its numbers: the scenario, the assumptions, what the intervals cover,
the glossary of model words and the provenance of the results.

The sentences here describe the set-up of a study (read from its manifest and the scenario), never its
results: results are written from the numbers by each report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from partnerships.experiments.html import Page
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import RegionSpec

#: Plain-English meanings of the words the reports use (a report shows the ones it needs).
GLOSSARY = {
    "simulation": "A computer model that plays out, week by week, how partner organisations meet, work, build "
                  "trust and meet obstacles. Its results follow from its rules and assumed numbers; they are not "
                  "observations of real partnerships.",
    "run": "One simulated five-year history (or as many weeks as stated) with one random seed.",
    "replication": "A repeat of the same settings with a different random seed: chance events (who leaves, which "
                   "obstacles hit, which bids win) differ, the settings do not.",
    "lever": "A setting a policy team, funder or partnership controls (award size, leadership turnover, meeting "
             "interval, meeting discipline).",
    "model assumption": "A number the model needs that nobody controls and the sources do not pin down (for "
                        "example the obstacle rate or how fast trust grows); its value is our assumption.",
    "delivered": "A project that finished its delivery stage within the simulated period.",
    "working well": "At the end of the run: delivered, or still open, not stalled and with momentum of at least 0.5.",
    "not working": "At the end of the run: abandoned, or stalled.",
    "stalled": "A project whose momentum fell below the stall threshold; it is abandoned if it stays stalled too "
               "long.",
    "momentum": "A 0-1 score of a project's drive: how much energy the partners are putting in. Work, funding "
                "deadlines and champions raise it; obstacles, leavers and undone actions lower it.",
    "trust": "A 0-1 score of how much the members of a project trust each other (interpersonal trust between "
             "representatives and institutional trust between organisations).",
    "stage gate": "A decision point between stages (agreeing goals, design and feasibility, delivery) where the "
                  "partners must consent to go on.",
    "champion": "A representative who drives the project across organisational boundaries.",
    "95% interval": "The range that would contain the average nineteen times in twenty if the runs were repeated "
                    "with new seeds. It covers chance in the simulation only.",
    "time to delivery": "Weeks from a project's start until it finished its delivery stage.",
    "censored": "A project not delivered by the end of the simulated period: we know only that its time to "
                "delivery is longer than the period, so it counts as 'not yet delivered' rather than being dropped.",
    "Kaplan-Meier curve": "The share of projects delivered by each week, counting projects not yet delivered "
                          "(censored) correctly.",
    "restricted mean time to delivery": "The average number of weeks a project waits for delivery within the "
                                        "period (undelivered projects count the whole period): lower is faster.",
    "Sobol index": "The share of the variation in an outcome due to one parameter: first order on its own, total "
                   "including its interactions with the others.",
    "Morris mu*": "How much an outcome typically changes when one parameter moves across its range, the others "
                  "anywhere in theirs; a screening measure.",
    "no evidence of an effect": "The estimate's interval includes zero: the study cannot tell the effect from "
                                "none.",
    "scenario discovery": "Finding the ranges of settings where a good (or bad) outcome is most common, from many "
                          "sampled runs.",
    "PRIM box": "A set of ranges, one per parameter that matters, found by the Patient Rule Induction Method.",
    "coverage": "Of all runs with the outcome of interest, the share that fall inside the box.",
    "density": "Of the runs inside the box, the share with the outcome of interest.",
    "partial dependence": "The average outcome at each value of one parameter, averaged over the others.",
}


def glossary(*terms: str) -> dict[str, str]:
    """The glossary entries for ``terms``, in that order."""
    return {term: GLOSSARY[term] for term in terms}


def years(weeks: int) -> str:
    """'five years' for 260 weeks, '60 weeks (1.2 years)' otherwise."""
    words = {52: "one year", 104: "two years", 156: "three years", 208: "four years", 260: "five years",
             520: "ten years"}
    return f"{weeks} weeks ({words[weeks]})" if weeks in words else f"{weeks} weeks ({weeks / 52:.1f} years)"


def scenario_sentence(scenario: str | RegionSpec) -> str:
    """What the scenario is: its description, organisations and starting projects.

    ``scenario``: a region spec, or what a manifest records (a built-in name or a scenario file's path).
    """
    from partnerships.model.scenarios import RegionError, load_region

    try:
        spec = scenario if isinstance(scenario, RegionSpec) else load_region(scenario)
    except RegionError:
        return f"The scenario '{scenario}'."
    description = spec.description.rstrip(".")
    return (f"The '{spec.name}' scenario: {description[0].lower() + description[1:]} ({spec.n_organisations} "
            f"organisations, {spec.n_projects} starting projects).")


def definitions_sentence() -> str:
    return ("A project is delivered once it finishes its delivery stage; it is working well at the end if delivered, "
            "or open, not stalled and with momentum of at least 0.5; shares are of the projects the run started "
            "with (follow-on projects are counted apart).")


def assumptions_sentence(varied: Sequence[str], drawn: Sequence[str] = ()) -> str:
    """What is assumed: the model's rules and every parameter not varied, held at its default or, for the
    ``drawn`` ones (set by posterior draws), at each draw's value."""
    drawn = [n for n in drawn if n in PARAMETERS and n not in varied]
    held = len(PARAMETERS) - len([n for n in varied if n in PARAMETERS])
    assumed = sum(1 for p in PARAMETERS.values() if not p.lever and p.name not in varied and p.name not in drawn)
    rules = ("These are outputs of a simulation, not observations. Its rules come from five documents on UK "
             "public-sector collaboration (docs/ODD.md gives a source for every rule, or says it is our assumption); ")
    if drawn:
        middle = (f"of the {held} parameters not varied here, the {len(drawn)} calibrated to the London 2008 survey "
                  f"take each posterior draw's values and the other {held - len(drawn)} are held at their defaults, "
                  f"{assumed} of them model assumptions such as how fast trust grows (docs/calibration.md). ")
    else:
        middle = (f"the {held} parameters not varied here are held at their defaults, {assumed} of them model assumptions "
                  "such as the obstacle rate or how fast trust grows, calibrated only loosely (docs/calibration.md). ")
    return rules + middle + "Compare the settings with each other; do not read the levels as forecasts."


SEED_ONLY = ("The 95% intervals cover chance in the simulation only: what changes between runs with the same settings "
             "and different random seeds. They do not cover doubt about the model's rules or its assumed numbers, so "
             "a clear difference is one this model produces reliably, not one shown to hold in the world.")


def lever_or_assumption(name: str) -> str:
    """'lever' for a parameter a policy team controls, 'model assumption' otherwise (from the registry)."""
    p = PARAMETERS.get(name)
    return "lever" if p is not None and p.lever else "model assumption"


def label(name: str) -> str:
    """The parameter's plain-English label from the registry (the name itself if unknown)."""
    return PARAMETERS[name].label if name in PARAMETERS else name


def plural(n, word: str) -> str:
    """'1 replication', '200 replications'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def join(words: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def provenance(page: Page, manifest: Mapping, title: str = "Provenance", extra: Mapping[str, object] | None = None,
               text_label: str = "The experiment file as run:") -> None:
    """A provenance section from a results folder's manifest: file and hash, seeds, times, host, commit, versions."""
    m = manifest
    page.heading(title)
    facts = {"study": m.get("name") or m.get("kind"), "file": m.get("source"), "file sha256": m.get("sha256"),
             "base seed": m.get("base_seed"), "seed of run i": m.get("seed_rule"), "started (UTC)": m.get("started"),
             "resumed (UTC)": ", ".join(m.get("resumed", [])) or "-", "host": m.get("host"),
             "git commit": m.get("git_commit") or "not available", "model code sha256": m.get("model_sha256"),
             "runs planned": m.get("runs"), "tables kept": ", ".join(m.get("tables", [])), **(extra or {})}
    facts = {k: v for k, v in facts.items() if v is not None}
    page.table(pd.DataFrame({"item": list(facts), "value": [str(v) for v in facts.values()]}),
               caption="Where these results came from")
    versions = m.get("versions", {})
    if versions:
        page.table(pd.DataFrame({"package": list(versions), "version": list(versions.values())}),
                   caption="Software versions")
    if m.get("text"):
        page.paragraph(text_label)
        page.preformatted(m["text"])
