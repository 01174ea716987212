"""The sweep report: ``DIR/report.html`` (self-contained), ``DIR/report.pdf`` and CSV tables beside it.

The page opens with the finding (two or three sentences ranking the levers, written from the effects),
then a box saying what was simulated, what is assumed and what the intervals cover. Full-factorial
sweeps get lever effects, time to delivery as a survival analysis (:mod:`experiments.survival`),
interactions, momentum and trust over all projects, a precision check and every cell; sampled designs
(latin hypercube, Sobol, Morris) get scenario discovery and partial dependence
(:mod:`experiments.discovery`). Given a sensitivity study's folder, the report checks that both agree on
each headline lever (:mod:`experiments.consistency`).

Confidence intervals are t-intervals over replications. Each run is one independent replication
with its own seed. A design cell's mean has the interval ``mean +/- t * s / sqrt(n)`` over its runs. A
lever level's mean averages the cell means at that level over the other levers' levels (a
balanced average), with standard error ``sqrt(sum(s_c^2 / n_c)) / k`` over its ``k`` cells: the
interval reflects run-to-run noise, not the spread caused by the other levers. An *effect* is a
level's mean minus the lever's first (reference) level's mean, with the two standard errors
combined. Degrees of freedom are the sum of ``n_c - 1`` over the cells involved.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.factors import Factor
from partnerships.experiments.errors import UserError
from partnerships.experiments.framing import (SEED_ONLY, assumptions_sentence, definitions_sentence, glossary, join,
                                              plural, provenance, scenario_sentence, years)
from partnerships.experiments.html import Page, Written
from partnerships.experiments.posterior import effects_over_draws
from partnerships.experiments.store import Store, write_atomic
from partnerships.experiments.sweep import replications_for_precision
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import report_plots

#: Outcomes the report explains, each over all the projects a run started with: column -> (short name, axis label).
#: Time to delivery is the survival analysis; the run table's mean_momentum (open projects only, a
#: survivorship average) and median_weeks_to_delivery (delivered projects only) are not shown as results.
OUTCOMES = {
    "delivered_share": ("delivered share", "Share of projects delivered"),
    "working_well_share": ("working-well share", "Share of projects working well at the end"),
    "not_working_share": ("not-working share", "Share of projects not working at the end"),
    "mean_trust": ("trust at the end", "Trust among members at the end (0-1)"),
}
INTERACTION_OUTCOMES = ("delivered_share", "working_well_share")
PRECISION_OUTCOMES = ("delivered_share", "working_well_share")
#: Weekly means over every project the run started with (model_weekly columns, model.records): a project closed
#: as delivered counts at its value in the week it closed, an abandoned one at momentum 0 and its trust then.
ALL_PROJECTS_SERIES = {"mean_momentum_all": ("momentum", "Momentum, all projects (0-1)"),
                       "mean_trust_all": ("trust", "Trust, all projects (0-1)")}


@dataclass
class Results:
    """A results folder read back: manifest, finished runs, the weekly series (if kept) and the factors."""

    folder: Path
    manifest: dict
    runs: pd.DataFrame
    failed: int
    model_weekly: pd.DataFrame | None
    factors: list[Factor]
    projects: pd.DataFrame | None = None

    @property
    def levers(self) -> list[Factor]:
        """Factors with two or more levels (the report's levers)."""
        return [f for f in self.factors if f.levels is not None and len(f.levels) > 1]

    def level_labels(self) -> dict[str, dict]:
        return {f.name: {v: f.level_label(v) for v in f.level_values()} for f in self.levers}


def load_results(folder: Path) -> Results:
    """Read a sweep's results folder; a missing or empty folder is a one-line :class:`UserError`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"results folder '{folder}' does not exist: run 'partnerships sweep FILE --out {folder}' first")
    store = Store(folder)
    if not store.has_study():
        raise UserError(f"'{folder}' holds no sweep results (no manifest.json): allowed a folder written by "
                        "'partnerships sweep'")
    manifest = store.read_manifest()
    if manifest.get("kind") != "experiment":
        raise UserError(f"'{folder}' holds a {manifest.get('kind')} study, not a sweep: allowed a folder written by "
                        "'partnerships sweep'")
    stored = store.scan()  # a reader: changes nothing on disk, sees only complete batches
    if stored.dropped:
        raise UserError(f"'{folder}': {len(stored.dropped)} part files do not verify (checksum, unreadable or incomplete; "
                        f"first {stored.dropped[0]}): run the same 'partnerships sweep' again to redo their runs")
    writing = store.is_being_written()
    bad = [] if writing else [n for n in store.verify_tables() if n.removesuffix(".parquet") in manifest.get("tables", [])]
    if bad:
        raise UserError(f"'{folder}': {', '.join(bad)} do not match checksums.json: run the same 'partnerships sweep' "
                        "again to rewrite them")
    if stored.runs.empty:
        raise UserError(f"'{folder}' has no finished runs yet: run 'partnerships sweep' to fill it")
    runs = stored.runs.sort_values("run_id", ignore_index=True)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    kept = {}
    for table in ("model_weekly", "projects"):
        if table in manifest.get("tables", []):
            path = folder / f"{table}.parquet"
            consolidated = path.is_file() and not writing  # during a sweep, the parts (complete ones only)
            kept[table] = pd.read_parquet(path) if consolidated else store.read_table(table, stored.part_of)
    factors = [Factor.from_dict(f) for f in manifest["factors"]]
    return Results(folder, manifest, ok, int((runs["status"] != "ok").sum()), kept.get("model_weekly"), factors,
                   kept.get("projects"))


# --- statistics --------------------------------------------------------------------------------------
def _interval(mean, se, df):
    half = stats.t.ppf(0.975, np.maximum(df, 1)) * se
    return mean - half, mean + half


def cell_stats(runs: pd.DataFrame, levers: list[str], outcome: str) -> pd.DataFrame:
    """Per design cell: runs with a value (n), mean, variance and the 95% t-interval of the mean."""
    cells = runs.groupby(levers, sort=True)[outcome].agg(n="count", mean="mean", var="var").reset_index()
    cells["low"], cells["high"] = _interval(cells["mean"], np.sqrt(cells["var"] / cells["n"]), cells["n"] - 1)
    return cells


def marginal(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Balanced averages of cell means over the other levers: mean, se, df and 95% interval per group."""
    usable = cells[cells["n"] > 0].assign(v=lambda c: c["var"] / c["n"], d=lambda c: c["n"] - 1)
    out = usable.groupby(by, sort=True).agg(mean=("mean", "mean"), v=("v", "sum"), k=("mean", "count"),
                                            df=("d", "sum"), runs=("n", "sum")).reset_index()
    out["se"] = np.sqrt(out["v"]) / out["k"]
    out["low"], out["high"] = _interval(out["mean"], out["se"], out["df"])
    return out.drop(columns=["v", "k"])


def lever_effects(results: Results, outcomes=tuple(OUTCOMES)) -> pd.DataFrame:
    """Each lever level's mean and its effect (difference from the lever's first level), with 95% CIs."""
    names = [f.name for f in results.levers]
    labels = results.level_labels()
    rows = []
    for outcome in outcomes:
        cells = cell_stats(results.runs, names, outcome)
        for lever in results.levers:
            levels = lever.level_values()
            table = marginal(cells, [lever.name]).set_index(lever.name).reindex(list(levels))
            ref = table.loc[levels[0]]
            for value in levels:
                row = table.loc[value]
                effect = row["mean"] - ref["mean"]
                se = np.sqrt(row["se"] ** 2 + ref["se"] ** 2) if value != levels[0] else 0.0
                low, high = _interval(effect, se, min(row["df"], ref["df"]))
                rows.append({"outcome": outcome, "lever": lever.name, "value": value, "label": labels[lever.name][value],
                             "runs": int(np.nan_to_num(row["runs"])), "mean": row["mean"], "low": row["low"], "high": row["high"],
                             "effect": effect, "effect_low": low, "effect_high": high})
    return pd.DataFrame(rows)


def interaction_table(results: Results, outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` for every pair of levels of every pair of levers, with 95% CIs."""
    names = [f.name for f in results.levers]
    cells = cell_stats(results.runs, names, outcome)
    frames = []
    for a, b in itertools.combinations(names, 2):
        table = marginal(cells, [a, b]).rename(columns={a: "a_value", b: "b_value"})
        frames.append(table.assign(outcome=outcome, a=a, b=b))
    return pd.concat(frames, ignore_index=True)[["outcome", "a", "b", "a_value", "b_value", "mean", "low", "high", "runs"]]


def weekly_by_level(results: Results, column: str = "mean_momentum") -> pd.DataFrame:
    """The weekly series ``column`` averaged over runs at each lever level, with a 95% t-interval per week."""
    if results.model_weekly is None:
        raise ValueError(f"'{results.folder}' kept no weekly series (model_weekly)")
    names = [f.name for f in results.levers]
    weekly = results.model_weekly[["run_id", "week", column]].merge(results.runs[["run_id", *names]], on="run_id")
    frames = []
    for lever in names:
        table = weekly.groupby([lever, "week"], sort=True)[column].agg(mean="mean", sd="std", n="count").reset_index()
        table["low"], table["high"] = _interval(table["mean"], table["sd"] / np.sqrt(table["n"]), table["n"] - 1)
        frames.append(table.rename(columns={lever: "value"}).assign(lever=lever))
    return pd.concat(frames, ignore_index=True)[["lever", "value", "week", "mean", "low", "high", "n"]]


def cell_means(results: Results) -> pd.DataFrame:
    """One row per design cell: lever values, runs, and each outcome's mean with its 95% CI."""
    names = [f.name for f in results.levers]
    table = None
    for outcome in OUTCOMES:
        cells = cell_stats(results.runs, names, outcome)
        cells = cells.rename(columns={"mean": outcome, "low": f"{outcome}_low", "high": f"{outcome}_high",
                                      "n": f"{outcome}_n"}).drop(columns="var")
        table = cells if table is None else table.merge(cells, on=names)
    runs = results.runs.groupby(names).size().rename("runs").reset_index()
    return runs.merge(table, on=names)


def precision(results: Results, effects: pd.DataFrame) -> pd.DataFrame:
    """Each effect on the precision outcomes: its CI, whether the CI is narrower than the effect, and
    the replications per cell that would make it so (:func:`experiments.sweep.replications_for_precision`)."""
    names = [f.name for f in results.levers]
    needed = replications_for_precision(results.runs, names, list(PRECISION_OUTCOMES))
    rows = effects[effects["outcome"].isin(PRECISION_OUTCOMES)].merge(
        needed.rename(columns={"level": "value"}), on=["outcome", "lever", "value"])
    width = rows["effect_high"] - rows["effect_low"]
    return pd.DataFrame({
        "outcome": rows["outcome"], "lever": rows["lever"], "level": rows["label"],
        "effect": rows["effect"], "ci_low": rows["effect_low"], "ci_high": rows["effect_high"], "ci_width": width,
        "ci_narrower_than_effect": width < rows["effect"].abs(),
        "replications_per_cell": results.manifest.get("replications"),
        "replications_needed": rows["replications_needed"]})


# --- the page ----------------------------------------------------------------------------------------
def write_report(folder: Path, sensitivity: Path | None = None, pdf: bool = True) -> Written:
    """Write ``folder/report.html``, the CSV tables the page names, and ``report.pdf``; return what was written.

    ``sensitivity`` is a folder written by ``partnerships sensitivity``: the report then checks that the two
    studies agree on each headline lever (and says so either way).
    """
    results = load_results(folder)
    tables: dict[str, pd.DataFrame] = {}
    if results.levers and all(f.levels is not None for f in results.factors):
        page = _factorial_page(results, tables, sensitivity)
    else:
        from partnerships.experiments.discovery import sampled_page

        page = sampled_page(results, tables)
    _provenance(results, page)
    csv = []
    for name, table in tables.items():
        csv.append(results.folder / f"{name}.csv")
        _write_csv(csv[-1], table)
    html = page.write(results.folder / "report.html")
    printed = None
    if pdf:
        from partnerships.experiments.pdf import write_pdf

        printed = write_pdf(html)
    return Written(html, csv, printed)


def lever_name(name: str) -> str:
    """A lever's name for a sentence: its registry label without the unit, lower case ('meeting discipline')."""
    text = _lever_label(name).split(" (")[0]
    return text[0].lower() + text[1:]


def _lever_label(name: str) -> str:
    return PARAMETERS[name].label if name in PARAMETERS else name


def _fmt(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.3g}"


def _points(x: float) -> str:
    return f"{100 * x:+.0f}" if abs(100 * x) >= 1 else f"{100 * x:+.1f}"


def headline_finding(effects: pd.DataFrame, weeks: int, over_draws: bool = False) -> tuple[list[str], list[str]]:
    """Two or three sentences ranking the levers by their largest effect on the delivered share, and the
    levers presented as findings (those whose effect's 95% interval excludes zero); ``over_draws``: the runs
    pool posterior draws, and the intervals are said to be for the posterior-average effect."""
    rows = effects[(effects["outcome"] == "delivered_share")].dropna(subset=["effect"])
    best = []
    for lever, part in rows.groupby("lever", sort=False):
        ref, rest = part.iloc[0], part.iloc[1:]
        if rest.empty:
            continue
        top = rest.loc[rest["effect"].abs().idxmax()]
        excludes_zero = bool(top["effect_low"] > 0 or top["effect_high"] < 0)
        best.append((abs(top["effect"]), lever, ref, top, excludes_zero))
    if not best:
        return ["No lever effect could be computed (no runs with a delivered share)."], []
    best.sort(key=lambda item: -item[0])
    period = years(weeks).split(" (")[-1].rstrip(")") if weeks in (52, 104, 156, 208, 260, 520) else f"{weeks} weeks"

    def change(ref, top) -> str:
        verb = "raises" if top["effect"] > 0 else "lowers"
        return (f"moving the {lever_name(top['lever'])} from {ref['label']} to {top['label']} {verb} the share of "
                f"projects delivered within {period} from {ref['mean']:.0%} to {top['mean']:.0%} "
                f"({_points(top['effect'])} percentage points)")

    clear = [b for b in best if b[4]]
    sentences = []
    if clear:
        _, lever, ref, top, _ = clear[0]
        sentences.append(f"In this simulation the {lever_name(lever)} matters most for delivery: {change(ref, top)}.")
        others = [f"the {lever_name(lv)}, {_points(t['effect'])} points from {r['label']} to {t['label']}"
                  for _, lv, r, t, _ in clear[1:]]
        if others:
            sentences.append(f"Next come {join(others)}.")
    unclear = [b for b in best if not b[4]]
    half = max(float((b[3]["effect_high"] - b[3]["effect_low"]) / 2) for b in best)
    chance = "chance between runs" + (" for the effect averaged over the posterior draws" if over_draws else "")
    tail = (f"Each {'of these differences is' if len(clear) > 1 else 'difference named here is'} larger than its 95% "
            f"interval (at most ±{100 * half:.1f} points), which covers {chance}, not doubt about the "
            "model's assumptions" if clear else f"The 95% intervals cover {chance} only")
    if unclear:
        tail += (f"; {join('the ' + lever_name(b[1]) for b in unclear)} shows no clear difference (the interval "
                 "includes zero)")
    sentences.append(tail + ".")
    return sentences, [b[1] for b in clear]


def _largest(over_draws: pd.DataFrame) -> pd.DataFrame:
    """Per lever, its delivered-share effect of largest size (the level the main finding names)."""
    rows = over_draws[over_draws["outcome"] == "delivered_share"]
    return rows.loc[rows.groupby("lever", sort=False)["effect"].apply(lambda e: e.abs().idxmax())]


def survival_sentence(over_draws: pd.DataFrame, effects: pd.DataFrame) -> str:
    """Which levers' largest delivered-share effects survive parameter uncertainty (their interval over
    posterior draws and seeds excludes zero), in one sentence with the intervals; and, in a second, the smaller
    steps (a lever's other levels) that do not."""
    labels = {(r.lever, r.value): r.label for r in effects.itertuples()}
    top = _largest(over_draws)
    draws = int(top["draws"].max())

    def span(r) -> str:
        return (f"the {lever_name(r.lever)} ({labels.get((r.lever, r.reference), r.reference)} to "
                f"{labels.get((r.lever, r.level), r.level)}: {_points(r.total_low)} to {_points(r.total_high)} points)")

    kept = [span(r) for r in top.itertuples() if r.survives]
    lost = [span(r) for r in top.itertuples() if not r.survives]
    text = f"Allowing for what the calibration leaves uncertain about the parameters ({draws} posterior draws), "
    if kept:
        text += f"the effect of {join(kept)} survives: its 95% interval over parameters and seeds excludes zero"
        if len(kept) > 1:
            text = text.replace(" survives: its ", " survive: each ")
    if lost:
        text += ("; " if kept else "") + f"that of {join(lost)} does not: it includes zero"
    text += "."
    rows = over_draws[over_draws["outcome"] == "delivered_share"]
    smaller = [span(r) for r in rows.drop(index=top.index).itertuples() if not r.survives]
    if smaller:
        text += (f" Of the smaller steps, {join(smaller)} {'do' if len(smaller) > 1 else 'does'} not survive: "
                 "the parameters the survey leaves open could remove or reverse "
                 f"{'them' if len(smaller) > 1 else 'it'}.")
    return text


def _parameter_section(results: Results, page: Page, tables: dict, over_draws: pd.DataFrame,
                       labels: dict[str, str]) -> None:
    page.heading("Parameter uncertainty: which effects survive it?")
    tables["effects_over_draws"] = over_draws
    level_labels = results.level_labels()
    draws = int(over_draws["draws"].max())
    shown = over_draws.assign(
        label=[f"{labels[r.lever]}: {level_labels[r.lever].get(r.level, r.level)} vs "
               f"{level_labels[r.lever].get(r.reference, r.reference)}" for r in over_draws.itertuples()])
    page.paragraph(
        f"Every combination of lever settings ran at the same {draws} draws of the calibrated posterior. For each "
        "effect, the interval from seeds alone says how precisely the runs pin down the effect averaged over the "
        "draws; the interval over parameters and seeds is the middle 95% of the effect as estimated at each draw "
        "(from that draw's runs), so it shows how much the effect could change if the parameters took any of the "
        "values the survey leaves plausible. An effect survives parameter uncertainty when that wider interval "
        "excludes zero. 'Share from parameters' is the part of the effect's spread across draws that the "
        "parameters cause; the rest is the seed noise of estimating it at each draw (its standard error beside it).")
    for outcome in ("delivered_share", "working_well_share"):
        part = shown[shown["outcome"] == outcome]
        if part.empty:
            continue
        page.figure(report_plots.effect_uncertainty(part, f"Effect on the {OUTCOMES[outcome][0]}"),
                    f"Each lever effect on the {OUTCOMES[outcome][0]} (dot) with its 95% interval from seeds alone "
                    f"(dark line) and over {draws} posterior draws and seeds (light band).")
    page.table(pd.DataFrame({
        "outcome": shown["outcome"].map(lambda o: OUTCOMES[o][0]), "effect": shown["label"],
        "mean effect": shown["effect"],
        "95% interval, seeds alone": [f"{_fmt(lo)} to {_fmt(hi)}" for lo, hi in zip(shown["seeds_low"], shown["seeds_high"])],
        "95% interval, parameters and seeds": [f"{_fmt(lo)} to {_fmt(hi)}" for lo, hi in
                                               zip(shown["total_low"], shown["total_high"])],
        "seed s.e. at one draw": shown["draw_se"], "share from parameters": shown["parameter_share"],
        "survives": shown["survives"].map({True: "yes", False: "no"})}),
        caption="Lever effects with both intervals (effects_over_draws.csv)")


def _drawn(posterior: dict | None, fixed: dict) -> list[str]:
    """The parameters posterior draws set (those of the draws the file does not fix)."""
    values = (posterior or {}).get("values") or [{}]
    return [n for n in values[0] if n not in fixed]


def _caveats(results: Results) -> dict[str, str]:
    m = results.manifest
    levers = "; ".join(f"{lever_name(f.name)}: " + ", ".join(f.level_label(v) for v in f.level_values()) for f in results.levers)
    fixed = m.get("fixed") or {}
    held = (" Held fixed for every run: " + ", ".join(f"{k} = {v}" for k, v in fixed.items()) + ".") if fixed else ""
    posterior = m.get("posterior")
    if posterior:
        draws = int(posterior["draws"])
        cells = int(m.get("points", 0)) // draws
        design = (f"{cells} combinations, each run at {draws} draws of the calibrated posterior (sets of parameter "
                  f"values the London 2008 survey leaves plausible; docs/calibration.md) x "
                  f"{plural(m.get('replications'), 'replication')}")
        assumed = " Where the file sets a calibrated parameter itself ([fixed] or a lever), its value wins over the draw's."
        cover = ("Two kinds of interval. In the charts and tables of lever effects, the 95% intervals cover chance "
                 "between runs for the effect averaged over the posterior draws. Under 'Parameter uncertainty', "
                 "each effect has also an interval over the draws: where the effect lies given what the "
                 "calibration leaves uncertain about the parameters (and the seeds). Neither covers doubt about "
                 "the model's rules.")
    else:
        design = f"{m.get('points')} combinations x {plural(m.get('replications'), 'replication')}"
        assumed, cover = "", SEED_ONLY
    return {
        "What was simulated": (
            f"{len(results.runs):,} runs. {scenario_sentence(m.get('scenario', 'county'))} Each run lasts "
            f"{years(int(m.get('weeks', 260)))}. Every combination of the levels of {len(results.levers)} levers "
            f"({levers}): {design}, each with its own random seed. {definitions_sentence()}"),
        "What is assumed": assumptions_sentence([f.name for f in results.factors],
                                                _drawn(posterior, fixed)) + held + assumed,
        "What the intervals cover": cover + " A lever's effect is averaged over the levels of the other levers.",
    }


def _factorial_page(results: Results, tables: dict[str, pd.DataFrame], sensitivity: Path | None) -> Page:
    m = results.manifest
    effects = lever_effects(results)
    tables["lever_effects"] = effects
    labels = {f.name: _lever_label(f.name) for f in results.levers}
    level_labels = results.level_labels()
    page = Page(f"Sweep report: {m.get('name')}", intro=m.get("description", ""))
    sentences, names = headline_finding(effects, int(m.get("weeks", 260)), over_draws=bool(m.get("posterior")))
    over_draws = effects_over_draws(results.runs, m) if m.get("posterior") else None
    if over_draws is not None:
        sentences.append(survival_sentence(over_draws, effects))
    page.finding(sentences, names)
    page.caveats(_caveats(results))
    _status(results, page)

    page.heading("Effect of each lever")
    for outcome, (short, axis) in OUTCOMES.items():
        fig = report_plots.level_means(effects, outcome, axis, labels)
        page.figure(fig, _effect_caption(effects, outcome, short, labels))
    page.table(_effects_shown(effects, labels),
               caption="Mean of each outcome at each lever level, and the effect against the lever's first level "
                       "(lever_effects.csv)")

    if over_draws is not None:
        _parameter_section(results, page, tables, over_draws, labels)
    _delivery_section(results, page, tables, labels, level_labels)
    if len(results.levers) >= 2:
        _interaction_section(results, page, tables, labels, level_labels)
    _series_section(results, page, tables, labels, level_labels)
    _precision_section(results, page, tables, effects, labels)
    if sensitivity is not None:
        from partnerships.experiments.consistency import consistency_section

        consistency_section(page, tables, effects, Path(sensitivity), side="headline")

    page.heading("Every combination of settings")
    cells = cell_means(results)
    tables["cell_means"] = cells
    shown = pd.DataFrame({labels[f.name]: cells[f.name].map(level_labels[f.name]) for f in results.levers})
    shown["runs"] = cells["runs"]
    for outcome, (short, _) in OUTCOMES.items():
        shown[f"{short} (95% CI)"] = [_fmt(m) if pd.isna(lo) else f"{_fmt(m)} ({_fmt(lo)} to {_fmt(hi)})" for m, lo, hi in
                                      zip(cells[outcome], cells[f"{outcome}_low"], cells[f"{outcome}_high"])]
    page.table(shown, caption="Mean outcome in each cell of the design with its 95% confidence interval "
                              "(cell_means.csv)")
    page.glossary(glossary("simulation", "run", "replication", "lever", "model assumption", "delivered",
                           "working well", "not working", "stalled", "momentum", "trust", "95% interval",
                           "time to delivery", "censored", "Kaplan-Meier curve", "restricted mean time to delivery"))
    return page


def _status(results: Results, page: Page) -> None:
    m = results.manifest
    total = m.get("runs", len(results.runs))
    stored = len(results.runs) + results.failed
    if stored < total:
        page.paragraph(f"This sweep is unfinished: {stored:,} of {total:,} runs are stored. Run the same sweep "
                       "command again to finish it; the figures below use the runs stored so far.", note=True)
    if results.failed:
        page.paragraph(f"{results.failed} runs failed and are left out (their errors are in runs.parquet).", note=True)


def _effects_shown(effects: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    shown = effects.assign(lever=effects["lever"].map(labels), outcome=effects["outcome"].map(lambda o: OUTCOMES[o][0]))
    shown["mean (95% CI)"] = [f"{_fmt(m)} ({_fmt(lo)} to {_fmt(hi)})" for m, lo, hi in
                              zip(shown["mean"], shown["low"], shown["high"])]
    reference = shown["value"].to_numpy() == shown.groupby(["outcome", "lever"])["value"].transform("first").to_numpy()
    shown["effect (95% CI)"] = ["reference" if ref else (f"{e:+.3g} ({_fmt(lo)} to {_fmt(hi)})" if not pd.isna(e) else "-")
                                for ref, e, lo, hi in zip(reference, shown["effect"], shown["effect_low"],
                                                          shown["effect_high"])]
    shown["verdict"] = ["" if ref else ("clear difference" if (lo > 0 or hi < 0) else "no evidence of a difference")
                        for ref, lo, hi in zip(reference, shown["effect_low"], shown["effect_high"])]
    return shown[["outcome", "lever", "label", "runs", "mean (95% CI)", "effect (95% CI)", "verdict"]]


def _delivery_section(results: Results, page: Page, tables: dict, labels: dict, level_labels: dict) -> None:
    from partnerships.experiments.survival import delivery_times, survival_tables

    page.heading("Time to delivery")
    weeks = int(results.manifest.get("weeks", 260))
    if results.projects is None or results.projects.empty:
        page.paragraph("Time to delivery needs the per-project table: add \"projects\" to the experiment's outputs "
                       "(as experiments/headline.toml does) and run the sweep again.", note=True)
        return
    names = [f.name for f in results.levers]
    times = delivery_times(results.projects, results.runs, names, weeks)
    curves, summary = survival_tables(times, names, level_labels, weeks)
    tables["delivery_curves"], tables["time_to_delivery"] = curves, summary
    page.paragraph(
        f"Every starting project of every run counts, delivered or not ({len(times):,} projects): a project not "
        f"delivered by week {weeks} is censored there (we only know it would take longer). The curves are "
        "Kaplan-Meier estimates (lifelines) of the share delivered by each week; the restricted mean time to "
        f"delivery is the average number of weeks a project waits for delivery within the {weeks} weeks, with "
        "undelivered projects counting all of them.")
    spread = summary.groupby("lever")["rmst_weeks"].agg(lambda r: r.max() - r.min())
    top = spread.idxmax()
    part = summary[summary["lever"] == top].set_index("label")
    fast, slow = part["rmst_weeks"].idxmin(), part["rmst_weeks"].idxmax()
    page.figure(report_plots.delivery_curves(curves, labels),
                f"Share of projects delivered by each week at each level of each lever (Kaplan-Meier, 95% bands; "
                f"averaged over the other levers). The {lever_name(top)} moves the restricted mean time to delivery "
                f"most: {part.loc[fast, 'rmst_weeks']:.0f} weeks at {fast} against {part.loc[slow, 'rmst_weeks']:.0f} "
                f"at {slow}.")
    shown = pd.DataFrame({
        "lever": summary["lever"].map(labels), "level": summary["label"], "projects": summary["projects"],
        f"delivered by week {weeks} (95% CI)": [f"{d:.0%} ({lo:.0%} to {hi:.0%})" for d, lo, hi in
                                                zip(summary["delivered_by_end"], summary["delivered_low"],
                                                    summary["delivered_high"])],
        "median weeks to delivery": [f"{m:.0f}" if m is not None and not pd.isna(m) else
                                     f"not reached (under half delivered by week {weeks})" for m in summary["median_weeks"]],
        "restricted mean weeks (95% CI)": [f"{r:.1f} ({lo:.1f} to {hi:.1f})" for r, lo, hi in
                                           zip(summary["rmst_weeks"], summary["rmst_low"], summary["rmst_high"])],
        "log-rank p (levels differ)": [f"{p:.2g}" if p >= 0.001 else "< 0.001" for p in summary["logrank_p"]]})
    page.table(shown, caption="Time to delivery by lever level (time_to_delivery.csv; curves in delivery_curves.csv)")
    page.paragraph("These intervals treat projects as independent; the projects of one run share their region and "
                   "its chance events, so the intervals are somewhat too narrow. The delivered share's interval in "
                   "the effects section is computed over runs and has no such limit.", note=True)


def _interaction_section(results: Results, page: Page, tables: dict, labels: dict, level_labels: dict) -> None:
    page.heading("Interactions: does one lever change what another does?")
    pairs = list(itertools.combinations([f.name for f in results.levers], 2))
    frames = []
    for outcome in INTERACTION_OUTCOMES:
        table = interaction_table(results, outcome)
        frames.append(table)
        fig = report_plots.interactions(table, pairs, OUTCOMES[outcome][1], level_labels, labels)
        page.figure(fig, f"{OUTCOMES[outcome][0].capitalize()} for each pair of levers: parallel lines mean the two "
                         "levers simply add up; lines that fan out or cross mean one lever changes how much the "
                         f"other matters. {_strongest_interaction(table, level_labels, labels, outcome)}")
    tables["interactions"] = pd.concat(frames, ignore_index=True)


def _series_section(results: Results, page: Page, tables: dict, labels: dict, level_labels: dict) -> None:
    page.heading("Momentum and trust over time, over all projects")
    weekly = results.model_weekly
    present = [c for c in ALL_PROJECTS_SERIES if weekly is not None and c in weekly.columns]
    if not present:
        page.paragraph(
            "Not shown: these results have no weekly mean over all projects (model_weekly columns "
            + " and ".join(ALL_PROJECTS_SERIES) + "). The weekly mean_momentum they do hold averages only the "
            "projects still open, a set that changes as projects are delivered or abandoned (a survivorship "
            "average), so it would mislead; the time-to-delivery curves above follow every project instead.",
            note=True)
        return
    frames = []
    for column in present:
        table = weekly_by_level(results, column)
        frames.append(table.assign(series=column))
        what, axis = ALL_PROJECTS_SERIES[column]
        page.figure(report_plots.trajectories(table, axis, level_labels, labels),
                    f"Mean {what} of every project each run started with, week by week, at each level of each "
                    f"lever (a delivered project counts at its {what} in the week it closed"
                    + (", an abandoned one at zero" if what == "momentum" else ", an abandoned one at its trust then")
                    + "; averaged over the other levers; 95% bands; the axis starts at zero).")
    tables["series_by_week"] = pd.concat(frames, ignore_index=True)


def _precision_section(results: Results, page: Page, tables: dict, effects: pd.DataFrame, labels: dict) -> None:
    page.heading("Are there enough replications?")
    check = precision(results, effects)
    tables["precision"] = check
    resolved = int(check["ci_narrower_than_effect"].sum())
    page.paragraph(
        f"{resolved} of {len(check)} effects on the delivered and working-well shares have a 95% confidence interval "
        "narrower than the effect itself. 'Replications needed' is the number per cell that would make that so, "
        "computed from the spread between runs in this sweep (experiments.sweep.replications_for_precision); a "
        "very large number means the effect is close to zero.")
    shown = pd.DataFrame({
        "outcome": check["outcome"].map(lambda o: OUTCOMES[o][0]), "lever": check["lever"].map(labels),
        "level (against the first)": check["level"], "effect": check["effect"],
        "95% CI": [f"{_fmt(lo)} to {_fmt(hi)}" for lo, hi in zip(check["ci_low"], check["ci_high"])],
        "CI width": check["ci_width"], "CI narrower than effect": check["ci_narrower_than_effect"].map({True: "yes",
                                                                                                      False: "no"}),
        "replications per cell": check["replications_per_cell"], "replications needed": check["replications_needed"]})
    page.table(shown, caption="Precision of each effect (precision.csv)")


def _strongest_interaction(table: pd.DataFrame, level_labels: dict, labels: dict[str, str], outcome: str) -> str:
    """A sentence on the lever pair whose second lever's effect (first to last level) varies most with the first."""
    best = None
    for (a, b), part in table.groupby(["a", "b"], sort=False):
        b_levels = list(level_labels[b])
        wide = part.pivot(index="a_value", columns="b_value", values="mean")
        effect = wide[b_levels[-1]] - wide[b_levels[0]]
        spread = effect.max() - effect.min()
        if best is None or spread > best[0]:
            best = (spread, a, b, effect)
    if best is None:
        raise ValueError("no pair of levers to compare")
    _, a, b, effect = best
    return (f"The biggest interaction: going from {level_labels[b][list(level_labels[b])[0]]} to "
            f"{level_labels[b][list(level_labels[b])[-1]]} {lever_name(b)} changes the {OUTCOMES[outcome][0]} by "
            f"{_points(effect.loc[effect.idxmax()])} percentage points when the {lever_name(a)} is "
            f"{level_labels[a][effect.idxmax()]}, but by {_points(effect.loc[effect.idxmin()])} when it is "
            f"{level_labels[a][effect.idxmin()]}.")


def _effect_caption(effects: pd.DataFrame, outcome: str, short: str, labels: dict[str, str]) -> str:
    rows = effects[effects["outcome"] == outcome].dropna(subset=["effect"])
    if rows.empty:
        return f"The {short} at each level of each lever (no runs had a value)."
    spread = rows.groupby("lever")["mean"].agg(lambda m: m.max() - m.min())
    top = spread.idxmax()
    size = (f"{100 * spread[top]:.0f} percentage points" if outcome.endswith("_share") else f"{spread[top]:.2f}")
    return (f"The {short} at each level of each lever, averaged over the other levers (dots are means, bars 95% "
            f"confidence intervals; the axis starts at zero); the {lever_name(top)} moves it most, by up to {size}.")


def _provenance(results: Results, page: Page) -> None:
    provenance(page, results.manifest)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
