"""The calibration report: what the data identify, posterior predictive checks against every target, and plots.

:func:`write_report` turns a calibration's results folder (or a :class:`~experiments.calibration.CalibrationResult`)
into ``report.html`` (self-contained, :mod:`experiments.html`) with CSV tables beside it. The
statistics are plain functions, tested on their own:

- :func:`identification`: per parameter, the posterior's median, 95% credible interval, its width
  against the prior's (``sd_ratio``: posterior sd over prior sd on the scale the prior is uniform on),
  and whether the posterior's mode sits on a bound of the prior (the mode bin of a 20-bin weighted
  histogram is the first or the last, and holds at least twice the share a flat posterior would);
- :func:`correlations`: weighted correlations between parameters (trade-offs the data leave open);
- :func:`predictive_checks`: per target, the observed share with its 95% sampling interval, the
  model's 95% posterior predictive interval (posterior draws x seeds), the interval of what the
  survey would report given the model, and a two-sided posterior predictive p-value;
- :func:`pattern_checks`: per check (a pattern the sources state without a number), the share of
  posterior predictive draws x seeds that show it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.abc_study import Prior, Study, Target, parse_study
from partnerships.experiments.errors import UserError
from partnerships.experiments.html import Page
from partnerships.experiments.store import write_atomic
from partnerships.model.parameters import PARAMETERS
from partnerships.viz import calibration_plots

BINS = 20  # histogram bins for the mode (the outer bins are 5% of the range each)
PILED = 2.0  # an outer bin is the posterior's mode on a bound if it holds at least twice a flat posterior's share
IDENTIFIED = 0.5  # posterior sd below this share of the prior's: the data identify the parameter
UNIDENTIFIED = 0.8  # above it: the data leave the parameter near its prior
STRONG_CORRELATION = 0.5
TOP_TRADE_OFFS = 5  # trade-offs named in the findings (all are in the correlations table)
FEW_PARTICLES = 100  # an effective sample size below this makes the findings rough


# --- weighted statistics --------------------------------------------------------------------------------
def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | list[float]) -> np.ndarray:
    """Quantiles of ``x`` under weights ``w`` (the weighted empirical distribution, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x, dtype=float)[order], np.asarray(w, dtype=float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, x)


def _coordinate(prior: Prior, x: np.ndarray) -> np.ndarray:
    return np.log10(x) if prior.scale == "log" else np.asarray(x, dtype=float)


def identification(posterior: pd.DataFrame, priors: tuple[Prior, ...]) -> pd.DataFrame:
    """One row per calibrated parameter: prior range, posterior median and 95% interval, sd ratio, mode, bound flag,
    and the model's default value (``default``; NaN for a name outside the registry, such as a toy's)."""
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for prior in priors:
        x = posterior[prior.name].to_numpy(dtype=float)
        u = _coordinate(prior, x)
        low, high = prior.bounds
        mean = float(np.average(u, weights=w))
        sd = math.sqrt(float(np.average((u - mean) ** 2, weights=w)))
        prior_sd = (high - low) / math.sqrt(12)
        counts, edges = np.histogram(u, bins=BINS, range=(low, high), weights=w)
        mode_bin = int(np.argmax(counts))
        mode = prior.value(0.5 * (edges[mode_bin] + edges[mode_bin + 1]))
        q = weighted_quantile(x, w, [0.025, 0.5, 0.975])
        ratio = sd / prior_sd
        piled = counts[mode_bin] / counts.sum() >= PILED / BINS  # a flat posterior's edge bins are not a mode
        edge = "low" if mode_bin == 0 else ("high" if mode_bin == BINS - 1 else "")
        rows.append({"parameter": prior.name, "prior_low": prior.low, "prior_high": prior.high, "scale": prior.scale,
                     "median": q[1], "low": q[0], "high": q[2], "mode": mode, "sd_ratio": ratio,
                     "default": float(PARAMETERS[prior.name].default) if prior.name in PARAMETERS else math.nan,
                     "mode_on_bound": edge if piled else "",
                     "identified": "yes" if ratio < IDENTIFIED else ("no" if ratio > UNIDENTIFIED else "partly")})
    return pd.DataFrame(rows)


def correlations(posterior: pd.DataFrame, priors: tuple[Prior, ...]) -> pd.DataFrame:
    """Weighted correlations of every pair of parameters (on the priors' uniform scales), strongest first."""
    w = posterior["weight"].to_numpy(dtype=float)
    u = np.column_stack([_coordinate(p, posterior[p.name].to_numpy(dtype=float)) for p in priors])
    if len(priors) < 2:
        return pd.DataFrame(columns=["a", "b", "correlation"])
    c = np.cov(u, rowvar=False, aweights=w)
    sd = np.sqrt(np.diag(c))
    rows = [{"a": priors[i].name, "b": priors[j].name,
             "correlation": float(c[i, j] / (sd[i] * sd[j])) if sd[i] > 0 and sd[j] > 0 else math.nan}
            for i in range(len(priors)) for j in range(i + 1, len(priors))]
    table = pd.DataFrame(rows)
    return table.reindex(table["correlation"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def observed_interval(target: Target) -> tuple[float, float]:
    """95% interval of the observed share (Jeffreys, from the respondents who could say, over the don't-know
    range), or observed +/- 1.96 sd."""
    if target.kind == "normal":
        assert target.sd is not None  # a normal target has its sd (abc_study checks one of the two is given)
        return target.observed - 1.96 * target.sd, target.observed + 1.96 * target.sd
    ends = []
    for d in target.dont_know:
        k, n = target.answered(d)
        ends += [stats.beta.ppf(0.025, k + 0.5, n - k + 0.5), stats.beta.ppf(0.975, k + 0.5, n - k + 0.5)]
    return float(min(ends)), float(max(ends))


def predictive_checks(predictive: pd.DataFrame, targets: tuple[Target, ...], seed: int) -> pd.DataFrame:
    """Per target: observed, its interval, the model's predictive median and 95% interval, the survey's, p-value."""
    from partnerships.experiments.calibration import survey_replicates

    rows = []
    for target in targets:
        values = predictive[target.name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        survey = survey_replicates(target, finite, seed)
        obs = target.observed_share
        low, high = observed_interval(target)
        p = 2 * min(float(np.mean(survey >= obs)), float(np.mean(survey <= obs))) if len(survey) else math.nan
        q = np.quantile(finite, [0.025, 0.5, 0.975]) if len(finite) else [math.nan] * 3
        s = np.quantile(survey, [0.025, 0.975]) if len(survey) else [math.nan] * 2
        rows.append({"target": target.name, "label": target.label, "source": target.source,
                     "observed": obs, "observed_low": low, "observed_high": high,
                     "model_median": q[1], "model_low": q[0], "model_high": q[2], "survey_low": s[0],
                     "survey_high": s[1], "p_value": min(p, 1.0), "undefined": int(len(values) - len(finite)),
                     "consistent": bool(p >= 0.05) if np.isfinite(p) else False})
    return pd.DataFrame(rows)


def pattern_checks(predictive: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Per check: its condition and the share of posterior predictive draws x seeds that meet it."""
    rows = []
    for check in study.checks:
        values = predictive[check.name].to_numpy(dtype=float)
        ok = np.isfinite(values)
        if check.above is not None:
            ok &= values > check.above
        if check.below is not None:
            ok &= values < check.below
        parts = ([f"above {check.above:g}"] if check.above is not None else []) + \
            ([f"below {check.below:g}"] if check.below is not None else [])
        condition = " and ".join(parts)
        rows.append({"check": check.name, "label": check.label, "source": check.source, "condition": condition,
                     "median": float(np.nanmedian(values)) if np.isfinite(values).any() else math.nan,
                     "share_meeting": float(ok.mean()) if len(values) else math.nan})
    return pd.DataFrame(rows)


# --- the page ---------------------------------------------------------------------------------------------
def load(folder: Path) -> tuple[Study, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """A calibration results folder read back: study, posterior, predictive, generations, provenance."""
    folder = Path(folder)
    path = folder / "posterior.json"
    if not path.is_file():
        raise UserError(f"'{folder}' holds no finished calibration (no posterior.json): run 'partnerships calibrate "
                        f"STUDY.toml --out {folder}' first")
    provenance = json.loads(path.read_text())
    study = parse_study(provenance["study_text"], origin=provenance["study"], base_dir=Path(provenance["study"]).parent,
                        probe=False)
    return (study, pd.read_parquet(folder / "posterior.parquet"), pd.read_parquet(folder / "predictive.parquet"),
            pd.read_csv(folder / "generations.csv"), provenance)


def _label(name: str) -> str:
    return PARAMETERS[name].label if name in PARAMETERS else name


def findings(ident: pd.DataFrame, corr: pd.DataFrame, checks: pd.DataFrame, provenance: dict) -> list[str]:
    """The plain statements the report leads with."""
    out = []
    if not provenance.get("exact"):
        out.append(f"Not yet a posterior: the calibration stopped at temperature {provenance.get('temperature'):.3g} "
                   f"(above 1; {provenance.get('stopped')}), so its spread is wider than the data warrant. Allow more "
                   "generations or model runs.")
    if provenance.get("ess", math.inf) < FEW_PARTICLES:
        out.append(f"Only {provenance.get('ess'):.0f} particles carry the weight (effective sample size): the "
                   "statements below are rough. Use a larger population.")
    fits = checks[checks["consistent"]]
    out.append(f"{len(fits)} of {len(checks)} targets are consistent with the calibrated model within their sampling "
               "error (posterior predictive p-value of at least 0.05)" +
               (": not " + ", ".join(checks.loc[~checks["consistent"], "label"]) + "." if len(fits) < len(checks)
                else "."))
    yes = ident.loc[ident["identified"] == "yes", "parameter"].map(_label).tolist()
    part = ident.loc[ident["identified"] == "partly", "parameter"].map(_label).tolist()
    no = ident.loc[ident["identified"] == "no", "parameter"].map(_label).tolist()
    out.append("The data identify " + (", ".join(yes) if yes else "no parameter") +
               f" (posterior spread under {IDENTIFIED:.0%} of the prior's)" +
               (f"; they narrow {', '.join(part)} somewhat" if part else "") +
               (f"; they leave {', '.join(no)} close to the prior: these values are assumptions, not measurements."
                if no else "."))
    outside = ident[(ident["default"] < ident["low"]) | (ident["default"] > ident["high"])]
    if len(outside):
        out.append("The model's default " + ", ".join(
            f"{_label(r.parameter)} ({r.default:g}) lies {'below' if r.default < r.low else 'above'} its 95% "
            f"credible interval ({_span(r.low, r.high)})" for r in outside.itertuples()) +
            ": experiments at the defaults use values the survey makes implausible. For calibrated results run "
            "them over posterior draws (partnerships sweep with --posterior-draws, or parameters = 'posterior' in the "
            "experiment file).")
    strong = corr[corr["correlation"].abs() >= STRONG_CORRELATION]
    if len(strong):
        shown = strong.head(TOP_TRADE_OFFS)
        more = f" (and {len(strong) - len(shown)} more in the table below)" if len(strong) > len(shown) else ""
        out.append(f"{len(strong)} trade-offs the data leave open (weighted correlation of at least 0.5 in size): " +
                   "; ".join(f"{_label(r.a)} with {_label(r.b)} ({r.correlation:+.2f})" for r in shown.itertuples())
                   + f"{more}. Settings far apart along these lines fit about equally well.")
    bound = ident[ident["mode_on_bound"] != ""]
    if len(bound):
        out.append("Posterior mode on a bound of its prior: " + ", ".join(
            f"{_label(r.parameter)} (at its {r.mode_on_bound} end, {r.prior_low:g} to {r.prior_high:g})"
            for r in bound.itertuples()) + ". Widen that prior if the registry's range allows, or report the bound "
                                           "as a limit of the model.")
    else:
        out.append("No posterior mode sits on a bound of its prior.")
    return out


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` and the CSV tables beside it; return the page's path."""
    folder = Path(folder)
    study, posterior, predictive, generations, provenance = load(folder)
    ident = identification(posterior, study.priors)
    corr = correlations(posterior, study.priors)
    checks = predictive_checks(predictive, study.targets, study.base_seed)
    patterns = pattern_checks(predictive, study)
    for name, frame in (("identification", ident), ("correlations", corr), ("predictive_checks", checks),
                        ("pattern_checks", patterns)):
        write_atomic(folder / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False))
    labels = {p.name: _label(p.name) for p in study.priors}
    priors = [p.as_dict() for p in study.priors]
    page = Page(f"Calibration: {study.name}", intro=study.description)
    page.heading("Findings")
    page.bullets(findings(ident, corr, checks, provenance))
    page.heading("What was done")
    page.paragraph(
        f"Approximate Bayesian computation (pyabc's ABC-SMC with exact stochastic acceptance) of {len(study.priors)} "
        f"parameters against {len(study.targets)} observations, on the scenario '{study.region.name}' "
        f"({_clause(study.region.description)}) over {study.weeks} weeks, proposing each generation's candidates "
        "around the last generation's particles (pyabc's LocalTransition). "
        f"Each particle pools {study.runs_per_particle} model "
        f"runs; {provenance['generations']} generations of {study.population} particles took "
        f"{provenance['model_runs']:,} model runs ({provenance['failed_runs']} failed); "
        f"{_sessions(provenance)}. "
        f"The last generation is at temperature {provenance['temperature']:.3g} "
        f"({'the posterior' if provenance.get('exact') else 'a tempered approximation, not yet the posterior'}); its "
        f"effective sample size is {provenance['ess']:.0f}. Every parameter not calibrated keeps its default "
        f"(or the value in [fixed]: {', '.join(f'{k} = {v}' for k, v in study.fixed.items()) or 'none'}).")
    page.paragraph("The likelihood is each observation's sampling model: a survey share is binomial around the model's "
                   "share, from the respondents who could say (those who did not know are missing at random and leave "
                   "the denominator; a don't-know share the source does not give is averaged over its range). So each "
                   "target weighs by its own sampling error.", note=True)
    page.heading("Targets: posterior predictive checks")
    page.figure(calibration_plots.predictive_figure(checks),
                "For each target, the observed share with its 95% sampling interval (red) against the calibrated "
                "model's 95% interval over posterior draws and seeds (dark blue) and what the survey would then report "
                "(light blue).")
    page.table(_readable_checks(checks, study),
               caption=f"Posterior predictive checks ({study.predictive_draws} posterior draws x "
                       f"{study.predictive_seeds} seeds, each of {study.runs_per_particle} runs)")
    if len(patterns):
        page.heading("Patterns checked, not fitted")
        page.paragraph("The sources state these patterns without a number or a sample size, so they carry no weight in "
                       "the fit; the table says how often the calibrated model shows them.")
        page.table(patterns[["label", "condition", "median", "share_meeting", "source"]].rename(columns={
                       "label": "pattern", "median": "median over draws x seeds", "share_meeting": "share showing it"}),
                   caption="Share of posterior predictive draws x seeds meeting each pattern")
    page.heading("What the data identify, and what they do not")
    page.table(_readable_identification(ident),
               caption="Per parameter: prior range, posterior median and 95% credible interval, posterior sd "
                              "over prior sd (on the prior's uniform scale), mode, whether the mode is on a bound")
    page.figure(calibration_plots.marginals_figure(posterior, priors, labels),
                "Posterior of each parameter (weighted histogram) against its flat prior (grey): a posterior no "
                "narrower than the prior means the data say nothing about that parameter.")
    sample = posterior.loc[_resample_index(posterior, study.base_seed)]
    page.figure(calibration_plots.pairs_figure(sample, priors, labels),
                "Pairs of parameters in a weighted resample of the posterior: a diagonal band is a trade-off the data "
                "cannot resolve.")
    page.table(corr.head(10).assign(a=lambda t: t["a"].map(_label), b=lambda t: t["b"].map(_label))
               .rename(columns={"a": "parameter", "b": "with", "correlation": "weighted correlation"}),
               caption="Strongest weighted correlations between parameters (on the priors' uniform scales)")
    page.heading("Generations")
    page.figure(calibration_plots.generations_figure(generations),
                "Temperature falls to 1 (the posterior) over the generations; the acceptance rate of each.")
    page.table(generations, caption="Generations: temperature, candidates evaluated and simulated, acceptance, "
                                    "effective sample size")
    page.heading("Provenance")
    page.paragraph(f"Study file {study.source} (sha256 {provenance['study_sha256'][:12]}), model sha256 "
                   f"{str(provenance.get('model_sha256'))[:12]}, git commit {provenance.get('git_commit')}, base seed "
                   f"{study.base_seed}. {provenance['candidate_seed_rule']}.", note=True)
    page.preformatted(json.dumps(provenance["versions"], indent=1))
    page.preformatted(study.text)
    return page.write(folder / "report.html")


def _clause(text: str) -> str:
    """A description as a clause inside brackets: first letter in lower case (unless an acronym), no final stop."""
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _sessions(provenance: dict) -> str:
    sessions = int(provenance.get("sessions", 1))
    if sessions == 1:
        return f"it took {provenance['seconds']:,.0f} s"
    return f"it ran in {sessions} sessions (resumed), the last taking {provenance['seconds']:,.0f} s"


def _span(low: float, high: float) -> str:
    return f"{low:.3g} to {high:.3g}"


def _readable_checks(checks: pd.DataFrame, study: Study) -> pd.DataFrame:
    reported = {t.name: t.observed for t in study.targets}
    return pd.DataFrame({
        "target": checks["label"],
        "survey figure": checks["target"].map(reported),
        "observed, among those who could say (95%)": [f"{r.observed:.2f} ({_span(r.observed_low, r.observed_high)})"
                                                      for r in checks.itertuples()],
        "model (95%)": [f"{r.model_median:.2f} ({_span(r.model_low, r.model_high)})" for r in checks.itertuples()],
        "survey given the model (95%)": [_span(r.survey_low, r.survey_high) for r in checks.itertuples()],
        "p-value": checks["p_value"], "consistent": checks["consistent"].map({True: "yes", False: "no"}),
        "source": checks["source"]})


def _readable_identification(ident: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "parameter": ident["parameter"].map(_label),
        "prior": [f"{r.prior_low:g} to {r.prior_high:g}" + (" (log)" if r.scale == "log" else "")
                  for r in ident.itertuples()],
        "posterior median (95%)": [f"{r.median:.3g} ({_span(r.low, r.high)})" for r in ident.itertuples()],
        "mode": ident["mode"], "model default": ident["default"], "sd / prior sd": ident["sd_ratio"],
        "identified": ident["identified"],
        "mode on a bound": ident["mode_on_bound"].replace("", "-")})


def _resample_index(posterior: pd.DataFrame, seed: int, size: int = 1000) -> np.ndarray:
    from partnerships.experiments.calibration import resample

    return resample(posterior, min(size, 4 * len(posterior)), seed + 1)
