"""The sweep report: ``DIR/report.html`` (self-contained) and CSV tables beside it.

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
from partnerships.experiments.html import Page
from partnerships.experiments.store import Store, write_atomic
from partnerships.experiments.sweep import replications_for_precision
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import report_plots

#: Outcomes the report explains: column -> (short name, axis label).
OUTCOMES = {
    "delivered_share": ("delivered share", "Share of projects delivered (0-1)"),
    "median_weeks_to_delivery": ("weeks to delivery", "Median weeks to delivery"),
    "mean_momentum": ("mean momentum", "Mean momentum (0-1)"),
    "mean_trust": ("mean trust", "Mean trust at the end (0-1)"),
}
INTERACTION_OUTCOMES = ("delivered_share", "mean_momentum")
PRECISION_OUTCOMES = ("delivered_share", "mean_momentum")


@dataclass
class Results:
    """A results folder read back: manifest, finished runs, the weekly series (if kept) and the factors."""

    folder: Path
    manifest: dict
    runs: pd.DataFrame
    failed: int
    model_weekly: pd.DataFrame | None
    factors: list[Factor]

    @property
    def levers(self) -> list[Factor]:
        """Factors with two or more levels (the report's levers)."""
        return [f for f in self.factors if f.levels is not None and len(f.levels) > 1]

    def level_labels(self) -> dict[str, dict]:
        return {f.name: {v: f.level_label(v) for v in f.levels} for f in self.levers}


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
    stored = store.scan()
    if stored.runs.empty:
        raise UserError(f"'{folder}' has no finished runs yet: run 'partnerships sweep' to fill it")
    runs = stored.runs.sort_values("run_id", ignore_index=True)
    ok = runs[runs["status"] == "ok"].reset_index(drop=True)
    weekly = None
    if "model_weekly" in manifest.get("tables", []):
        path = folder / "model_weekly.parquet"
        weekly = pd.read_parquet(path) if path.is_file() else store.read_table("model_weekly", stored.part_of)
    factors = [Factor.from_dict(f) for f in manifest["factors"]]
    return Results(folder, manifest, ok, int((runs["status"] != "ok").sum()), weekly, factors)


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
            table = marginal(cells, [lever.name]).set_index(lever.name).reindex(list(lever.levels))
            ref = table.loc[lever.levels[0]]
            for value in lever.levels:
                row = table.loc[value]
                effect = row["mean"] - ref["mean"]
                se = np.sqrt(row["se"] ** 2 + ref["se"] ** 2) if value != lever.levels[0] else 0.0
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
def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` and the CSV tables; return the page's path."""
    results = load_results(folder)
    page = _page_head(results)
    if results.levers and all(f.levels is not None for f in results.factors):
        _factorial_sections(results, page)
    else:
        _sampled_sections(results, page)
    _provenance(results, page)
    return page.write(results.folder / "report.html")


def _lever_label(name: str) -> str:
    return PARAMETERS[name].label if name in PARAMETERS else name


def _fmt(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.3g}"


def _page_head(results: Results) -> Page:
    m = results.manifest
    total = m.get("runs", len(results.runs))
    stored = len(results.runs) + results.failed
    page = Page(f"Sweep report: {m.get('name')}", intro=m.get("description", ""))
    page.paragraph(
        f"{len(results.runs):,} simulated runs of the '{m.get('scenario')}' scenario over {m.get('weeks')} weeks each "
        f"({m.get('points')} combinations of settings x {m.get('replications')} replications, every run with its own "
        f"random seed). Design: {m.get('design', '').replace('_', ' ')}.")
    if stored < total:
        page.paragraph(f"This sweep is unfinished: {stored:,} of {total:,} runs are stored. Run the same sweep "
                       "command again to finish it; the figures below use the runs stored so far.", note=True)
    if results.failed:
        page.paragraph(f"{results.failed} runs failed and are left out (their errors are in runs.parquet).", note=True)
    return page


def _factorial_sections(results: Results, page: Page) -> None:
    effects = lever_effects(results)
    labels = {f.name: _lever_label(f.name) for f in results.levers}
    level_labels = results.level_labels()
    _write_csv(results.folder / "lever_effects.csv", effects)
    page.heading("At a glance")
    page.bullets(_findings(effects, labels))
    page.paragraph(
        "How to read this: every figure shows averages over many simulated runs. The bars and bands are 95% "
        "confidence intervals (t-intervals over the replications): if the runs were repeated with new seeds, the "
        "average would almost always land inside them. When a lever's intervals do not overlap, the difference "
        "is not just chance. An effect is the change from a lever's first level, averaged over the other levers.",
        note=True)

    page.heading("Effect of each lever")
    for outcome, (short, axis) in OUTCOMES.items():
        fig = report_plots.level_means(effects, outcome, axis, labels)
        page.figure(fig, _effect_caption(effects, outcome, short, labels))
    shown = effects.assign(lever=effects["lever"].map(labels), outcome=effects["outcome"].map(lambda o: OUTCOMES[o][0]))
    shown["mean (95% CI)"] = [f"{_fmt(m)} ({_fmt(lo)} to {_fmt(hi)})" for m, lo, hi in
                              zip(shown["mean"], shown["low"], shown["high"])]
    reference = shown["value"].to_numpy() == shown.groupby(["outcome", "lever"])["value"].transform("first").to_numpy()
    shown["effect (95% CI)"] = ["reference" if ref else (f"{e:+.3g} ({_fmt(lo)} to {_fmt(hi)})" if not pd.isna(e) else "-")
                                for ref, e, lo, hi in zip(reference, shown["effect"], shown["effect_low"],
                                                          shown["effect_high"])]
    page.table(shown[["outcome", "lever", "label", "runs", "mean (95% CI)", "effect (95% CI)"]],
               caption="Mean of each outcome at each lever level, and the effect against the lever's first level "
                       "(lever_effects.csv)")

    if len(results.levers) >= 2:
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
        _write_csv(results.folder / "interactions.csv", pd.concat(frames, ignore_index=True))

    if results.model_weekly is not None and not results.model_weekly.empty:
        page.heading("Momentum over time")
        table = weekly_by_level(results)
        _write_csv(results.folder / "momentum_by_week.csv", table)
        fig = report_plots.trajectories(table, "Mean momentum of open projects (0-1)", level_labels, labels)
        page.figure(fig, "How the average momentum of open projects moves week by week at each level of each lever "
                         "(averaged over the other levers; shaded bands are 95% confidence intervals).")

    page.heading("Are there enough replications?")
    check = precision(results, effects)
    _write_csv(results.folder / "precision.csv", check)
    resolved = int(check["ci_narrower_than_effect"].sum())
    page.paragraph(
        f"{resolved} of {len(check)} effects on delivered share and mean momentum have a 95% confidence interval "
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

    page.heading("Every combination of settings")
    cells = cell_means(results)
    _write_csv(results.folder / "cell_means.csv", cells)
    shown = pd.DataFrame({labels[f.name]: cells[f.name].map(level_labels[f.name]) for f in results.levers})
    shown["runs"] = cells["runs"]
    for outcome, (short, _) in OUTCOMES.items():
        shown[f"{short} (95% CI)"] = [_fmt(m) if pd.isna(lo) else f"{_fmt(m)} ({_fmt(lo)} to {_fmt(hi)})" for m, lo, hi in
                                      zip(cells[outcome], cells[f"{outcome}_low"], cells[f"{outcome}_high"])]
    page.table(shown, caption="Mean outcome in each cell of the design with its 95% confidence interval "
                              "(cell_means.csv)")


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
    _, a, b, effect = best
    scale, unit = (100, " percentage points") if outcome == "delivered_share" else (1, "")
    return (f"The biggest interaction: going from {level_labels[b][list(level_labels[b])[0]]} to "
            f"{level_labels[b][list(level_labels[b])[-1]]} {labels[b].lower()} changes the {OUTCOMES[outcome][0]} by "
            f"{scale * effect.loc[effect.idxmax()]:+.3g}{unit} when the {labels[a].lower()} is "
            f"{level_labels[a][effect.idxmax()]}, but by {scale * effect.loc[effect.idxmin()]:+.3g}{unit} when it is "
            f"{level_labels[a][effect.idxmin()]}.")


def _findings(effects: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """One sentence per lever and key outcome: the change from the first to the last level, with its CI."""
    lines = []
    for lever, part in effects.groupby("lever", sort=False):
        for outcome in INTERACTION_OUTCOMES:
            rows = part[part["outcome"] == outcome]
            first, last = rows.iloc[0], rows.iloc[-1]
            clear = last["effect_low"] > 0 or last["effect_high"] < 0
            verdict = "a clear difference" if clear else "no clear difference (the interval includes zero)"
            if outcome == "delivered_share":
                what = (f"the share of projects delivered from {first['mean']:.0%} to {last['mean']:.0%} "
                        f"({100 * last['effect']:+.1f} percentage points, 95% CI {100 * last['effect_low']:.1f} to "
                        f"{100 * last['effect_high']:.1f})")
            else:
                what = (f"the {OUTCOMES[outcome][0]} (0-1) from {_fmt(first['mean'])} to {_fmt(last['mean'])} "
                        f"({last['effect']:+.3g}, 95% CI {_fmt(last['effect_low'])} to {_fmt(last['effect_high'])})")
            lines.append(f"{labels[lever]}: going from {first['label']} to {last['label']} changes {what}: {verdict}.")
    return lines


def _effect_caption(effects: pd.DataFrame, outcome: str, short: str, labels: dict[str, str]) -> str:
    rows = effects[effects["outcome"] == outcome].dropna(subset=["effect"])
    if rows.empty:
        return f"The {short} at each level of each lever (no runs had a value)."
    spread = rows.groupby("lever")["mean"].agg(lambda m: m.max() - m.min())
    top = spread.idxmax()
    return (f"The {short} at each level of each lever, averaged over the other levers (dots are means, bars 95% "
            f"confidence intervals); {labels[top]} moves it most, by up to {spread[top]:.3g}."
            + (" Runs in which no project was delivered have no value and are left out." if
               outcome == "median_weeks_to_delivery" else ""))


def _sampled_sections(results: Results, page: Page) -> None:
    """For sampled (latin hypercube, Sobol, Morris) designs: each outcome against each factor."""
    factors = [f.name for f in results.factors]
    labels = {f: _lever_label(f) for f in factors}
    page.heading("Outcomes against each varied parameter")
    page.paragraph("This sweep sampled parameter ranges rather than fixed levels, so each run is a dot; the orange "
                   "line joins the mean outcome in five equal-count bins of the parameter. For variance-based "
                   "sensitivity indices use 'partnerships sensitivity'.", note=True)
    for outcome, (short, axis) in OUTCOMES.items():
        bins = []
        for factor in factors:
            groups = pd.qcut(results.runs[factor], 5, duplicates="drop")
            means = results.runs.groupby(groups, observed=True).agg(centre=(factor, "mean"), mean=(outcome, "mean"))
            bins.append(means.reset_index(drop=True).assign(factor=factor))
        fig = report_plots.scatter(results.runs, factors, outcome, axis, labels, pd.concat(bins, ignore_index=True))
        page.figure(fig, f"The {short} of every run against each sampled parameter, with the binned mean in orange.")


def _provenance(results: Results, page: Page) -> None:
    m = results.manifest
    page.heading("Provenance")
    facts = {"experiment": m.get("name"), "experiment file": m.get("source"), "file sha256": m.get("sha256"),
             "base seed": m.get("base_seed"), "seed of run i": m.get("seed_rule"), "started (UTC)": m.get("started"),
             "resumed (UTC)": ", ".join(m.get("resumed", [])) or "-", "host": m.get("host"),
             "git commit": m.get("git_commit") or "not available", "runs planned": m.get("runs"),
             "tables kept": ", ".join(m.get("tables", []))}
    page.table(pd.DataFrame({"item": list(facts), "value": [str(v) for v in facts.values()]}),
               caption="Where these results came from")
    page.table(pd.DataFrame({"package": list(m.get("versions", {})), "version": list(m.get("versions", {}).values())}),
               caption="Software versions")
    page.paragraph("The experiment file as run:")
    page.preformatted(m.get("text", ""))


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
