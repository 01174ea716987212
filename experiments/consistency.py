"""Do the headline experiment and the sensitivity study agree on each headline lever? Stated in both reports.

The headline experiment gives each lever's effect on the delivered share between two of its levels,
averaged over the other levers' levels. The sensitivity study's one-at-a-time response curve of the same
lever (every other parameter at its default) gives the change between the same two values, read off the
curve by linear interpolation between its points. The comparison uses the lever's first headline level
and its last level inside the curve's range.

Verdicts: the two *agree* when both intervals exclude zero on the same side and the sizes are within a
factor of two (or neither interval excludes zero); they *disagree in direction* when both exclude zero
on opposite sides; they *differ in size* when the directions agree but one effect is more than twice the
other; the check is *inconclusive* when only one of them can tell the effect from none. Sizes may differ
for a reason: the headline effect is averaged over the other levers, the curve holds them at defaults.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.html import Page
from partnerships.model.parameters import HEADLINE_LEVERS

OUTCOME = "delivered_share"
Z95 = 1.959963984540054
SIZE_FACTOR = 2.0


def _curve_at(curve: pd.DataFrame, value: float) -> tuple[float, float] | None:
    """(mean, standard error) of the curve at ``value`` by linear interpolation; None outside its range."""
    curve = curve.sort_values("value")
    x = curve["value"].to_numpy(dtype=float)
    if not x[0] - 1e-9 <= value <= x[-1] + 1e-9:
        return None
    half = (curve["ci_high"] - curve["ci_low"]).to_numpy() / 2
    runs = curve["runs"].to_numpy()
    se = half / stats.t.ppf(0.975, np.maximum(runs - 1, 1))
    i = min(max(int(np.searchsorted(x, value, side="right")) - 1, 0), len(x) - 2) if len(x) > 1 else 0
    if len(x) == 1 or x[i + 1] == x[i]:
        return float(curve["mean"].iloc[i]), float(se[i])
    w = (value - x[i]) / (x[i + 1] - x[i])
    mean = (1 - w) * curve["mean"].iloc[i] + w * curve["mean"].iloc[i + 1]
    return float(mean), float(math.sqrt((1 - w) ** 2 * se[i] ** 2 + w ** 2 * se[i + 1] ** 2))


def _sign(low: float, high: float) -> int:
    return 1 if low > 0 else -1 if high < 0 else 0


def compare(effects: pd.DataFrame, curves: pd.DataFrame, outcome: str = OUTCOME) -> pd.DataFrame:
    """One row per headline lever in both studies: the two effects with 95% intervals and the verdict."""
    rows = []
    for lever in HEADLINE_LEVERS:
        h = effects[(effects["outcome"] == outcome) & (effects["lever"] == lever)]
        c = curves[(curves["outcome"] == outcome) & (curves["lever"] == lever)]
        if h.empty or c.empty:
            continue
        inside = h[(h["value"] >= c["value"].min() - 1e-9) & (h["value"] <= c["value"].max() + 1e-9)]
        ref = h.iloc[0]
        if len(inside) < 2 or inside.iloc[0]["value"] != ref["value"]:
            continue
        top = inside.iloc[-1]
        a, b = _curve_at(c, float(ref["value"])), _curve_at(c, float(top["value"]))
        if a is None or b is None:  # both lie in the curve's range by the filter above
            continue
        s_effect = b[0] - a[0]
        s_half = Z95 * math.hypot(a[1], b[1])
        h_sign = _sign(top["effect_low"], top["effect_high"])
        s_sign = _sign(s_effect - s_half, s_effect + s_half)
        ratio = s_effect / top["effect"] if top["effect"] else math.nan
        if h_sign and s_sign and h_sign != s_sign:
            verdict = "disagree in direction"
        elif h_sign and s_sign:
            verdict = ("agree" if 1 / SIZE_FACTOR <= ratio <= SIZE_FACTOR else
                       f"agree in direction, differ in size (the sensitivity curve's change is {ratio:.1f} times the "
                       "headline's)")
        elif h_sign or s_sign:
            which = "sensitivity curve" if h_sign else "headline experiment"
            verdict = f"inconclusive: the {which} cannot tell this effect from none (its interval includes zero)"
        else:
            verdict = "agree: neither finds a clear effect"
        rows.append({"lever": lever, "from": ref["value"], "to": top["value"], "from_label": ref["label"],
                     "to_label": top["label"], "headline_effect": top["effect"], "headline_low": top["effect_low"],
                     "headline_high": top["effect_high"], "sensitivity_effect": s_effect,
                     "sensitivity_low": s_effect - s_half, "sensitivity_high": s_effect + s_half,
                     "verdict": verdict})
    return pd.DataFrame(rows)


def headline_effects(folder: Path) -> pd.DataFrame:
    """The headline experiment's lever effects: computed afresh from the folder's stored runs, or read from the
    lever_effects.csv its report wrote (a curated example keeps only the tables)."""
    from partnerships.experiments.report import lever_effects, load_results

    if not (Path(folder) / "runs.parquet").is_file() and (Path(folder) / "lever_effects.csv").is_file():
        return pd.read_csv(Path(folder) / "lever_effects.csv")
    return lever_effects(load_results(folder), outcomes=(OUTCOME,))


def sensitivity_curves(folder: Path) -> pd.DataFrame:
    """The sensitivity study's response curves, from the response_curves.csv its report wrote."""
    from partnerships.experiments.errors import UserError

    path = Path(folder) / "response_curves.csv"
    if not path.is_file():
        raise UserError(f"'{folder}' has no response_curves.csv: allowed a folder written by 'partnerships "
                        "sensitivity'")
    return pd.read_csv(path)


def summary_sentence(table: pd.DataFrame) -> str:
    """One sentence: how many headline levers the two studies agree on, and which they do not."""
    if table.empty:
        return "The two studies share no headline lever over a common range, so they could not be compared."
    agree = table["verdict"].str.startswith("agree")
    full = table["verdict"].isin(["agree", "agree: neither finds a clear effect"])
    from partnerships.experiments.report import lever_name

    text = (f"The headline experiment and the sensitivity study agree on the direction of {int(agree.sum())} of the "
            f"{len(table)} headline levers they share, and on direction and size of {int(full.sum())}")
    other = table[~full]
    if len(other):
        text += "; " + "; ".join(f"for the {lever_name(r.lever)} {_verdict_words(r.verdict)}" for r in other.itertuples())
    return text + "."


def _verdict_words(verdict: str) -> str:
    if verdict.startswith("inconclusive"):
        return "the check is inconclusive (" + verdict.split(": ", 1)[1] + ")"
    if verdict.startswith("agree in direction"):
        return "they agree in direction but differ in size"
    return f"they {verdict}"


def consistency_section(page: Page, tables: dict[str, pd.DataFrame], effects: pd.DataFrame | None, other: Path,
                        side: str, curves: pd.DataFrame | None = None) -> None:
    """The section both reports carry. ``side`` is the report it goes in ('headline' or 'sensitivity');
    the other study is read from the folder ``other``."""
    page.heading("Do the headline experiment and the sensitivity study agree?")
    from partnerships.experiments.errors import UserError

    try:
        effects = effects if effects is not None else headline_effects(other)
        curves = curves if curves is not None else sensitivity_curves(other)
    except UserError as err:
        page.paragraph(f"Not checked: {err}.", note=True)
        return
    table = compare(effects, curves)
    tables["consistency"] = table
    page.paragraph(summary_sentence(table))
    from partnerships.experiments.report import lever_name

    shown = pd.DataFrame({
        "lever": table["lever"].map(lever_name),
        "between": [f"{a} and {b}" for a, b in zip(table["from_label"], table["to_label"])],
        "headline: change in delivered share (95% CI)": [f"{100 * e:+.1f} points ({100 * lo:+.1f} to {100 * hi:+.1f})"
                                                         for e, lo, hi in zip(table["headline_effect"],
                                                                              table["headline_low"],
                                                                              table["headline_high"])],
        "sensitivity curve: change (95% CI)": [f"{100 * e:+.1f} points ({100 * lo:+.1f} to {100 * hi:+.1f})"
                                               for e, lo, hi in zip(table["sensitivity_effect"], table["sensitivity_low"],
                                                                    table["sensitivity_high"])],
        "verdict": table["verdict"]}) if len(table) else table
    page.table(shown, caption="Each headline lever's change in the delivered share in both studies (consistency.csv)")
    where = f"this report's study against {'the sensitivity study' if side == 'headline' else 'the headline experiment'}"
    page.paragraph(f"Compared: {where} in {other}. The headline effect is averaged over the other headline levers' "
                   "levels; the sensitivity curve holds every other parameter at its default and is read between its "
                   "points by linear interpolation, so sizes may differ for that reason alone. Agreement means both "
                   "intervals exclude zero on the same side and the sizes are within a factor of two.", note=True)
