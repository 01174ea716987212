"""Parameter sweeps: run an experiment file into a results folder, and choose its replications.

``run_sweep`` validates the experiment file (nothing is written if it is wrong), then hands its run
specs to :func:`experiments.runs.execute`. Running it again on the same folder resumes; a changed
experiment file is refused for resume. ``replications_for_precision`` is the variance check used to
choose the number of replications of the headline experiment from a pilot sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from partnerships.experiments.design import Experiment, check_size, load_experiment
from partnerships.experiments.errors import UserError
from partnerships.experiments.output import check_writable
from partnerships.experiments.runs import execute, failure_summary
from partnerships.experiments.store import Store

__all__ = ["SweepResult", "failure_summary", "replications_for_precision", "run_sweep"]

Z95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass
class SweepResult:
    """What a sweep produced: the experiment, its results folder and the run table."""

    experiment: Experiment
    out: Path
    runs: pd.DataFrame


def run_sweep(source: str | Path, out: Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, replications: int | None = None,
              retry_failed: bool = False, posterior_draws: int | None = None) -> SweepResult:
    """Run the experiment file ``source`` into ``out`` (default ``results/<name>``), resuming if it exists.

    ``resume=True`` insists that ``out`` already holds this experiment; without it an existing
    results folder of the same experiment is resumed anyway. ``replications`` overrides the file's
    (for pilots; it changes the recorded experiment text, so it is a different study). ``retry_failed``
    runs again the stored runs that failed in the model. ``posterior_draws`` runs every design point at that
    many draws of the project's calibrated posterior (as ``posterior = { draws = N }`` in the file would;
    the experiment is then named ``<name>-posterior``).
    """
    experiment = load_experiment(source)
    if replications is not None:
        experiment = _with_replications(experiment, replications)
    if posterior_draws is not None:
        experiment = _with_posterior(experiment, posterior_draws)
    out = Path(out) if out is not None else Path("results") / experiment.name
    check_writable(out)
    if resume and not Store(out).has_study():
        raise UserError(f"--resume: '{out}' holds no sweep to resume: allowed a folder written by 'partnerships sweep'")
    runs = execute(experiment.specs(), out, workers=workers, scheduler=scheduler, resume=True,
                   manifest=experiment.manifest(), label=experiment.name, retry_failed=retry_failed)
    return SweepResult(experiment, out, runs)


def _with_posterior(experiment: Experiment, draws: int) -> Experiment:
    from dataclasses import replace

    from partnerships.experiments.posterior import DEFAULT_POSTERIOR, draw
    from partnerships.model.errors import InputError

    if not 1 <= draws <= 10_000:
        raise UserError(f"--posterior-draws {draws}: allowed a whole number from 1 to 10,000")
    try:
        posterior = draw(DEFAULT_POSTERIOR, draws, experiment.base_seed)
    except InputError as err:
        raise UserError(f"--posterior-draws: {err}") from None
    text = f"{experiment.text}\n# run over {draws} draws of the project's posterior (--posterior-draws)\n"
    experiment = replace(experiment, name=f"{experiment.name}-posterior", posterior=posterior, text=text)
    check_size(experiment)
    return experiment


def _with_replications(experiment: Experiment, replications: int) -> Experiment:
    from dataclasses import replace

    if replications < 1:
        raise UserError(f"--replications {replications}: allowed a whole number of at least 1")
    text = f"{experiment.text}\n# replications overridden to {replications} on the command line\n"
    experiment = replace(experiment, replications=replications, text=text)
    check_size(experiment)
    return experiment


def replications_for_precision(pilot: pd.DataFrame, levers: Sequence[str], outcomes: Sequence[str],
                               z: float = Z95) -> pd.DataFrame:
    """How many replications per cell make each effect's 95% CI narrower than the effect itself.

    ``pilot`` is a run table of a balanced full-factorial pilot (columns ``point``, the levers and the
    outcomes). An *effect* is the difference of a lever level's mean from the lever's first level,
    averaged over the other levers' levels (each level mean pools ``k`` cells). With ``r``
    replications per cell the variance of a level mean is ``sum(s_c^2) / (k^2 r)`` over its cells'
    within-cell variances ``s_c^2``; the contrast's CI is ``effect +/- z * sqrt(V1 / r)`` with ``V1`` the
    contrast's variance at ``r = 1``. The CI is narrower than ``|effect|`` once
    ``r >= (2 z)^2 V1 / effect^2``.

    Returns one row per (outcome, lever, level): pilot effect, its standard error in the pilot, the
    replications needed (``inf`` for a zero pilot effect) and the CI half-width at the pilot's size.
    """
    rows = []
    for outcome in outcomes:
        cells = pilot.groupby("point").agg(var=(outcome, "var"), **{lv: (lv, "first") for lv in levers})
        reps = pilot.groupby("point")[outcome].count()
        for lever in levers:
            levels = sorted(pilot[lever].unique())
            means = pilot.groupby(lever)[outcome].mean()
            v1 = {lv: cells.loc[cells[lever] == lv, "var"].sum() / (cells[lever] == lv).sum() ** 2 for lv in levels}
            for level in levels[1:]:
                effect = float(means[level] - means[levels[0]])
                contrast_v1 = v1[level] + v1[levels[0]]
                needed = math.ceil((2 * z) ** 2 * contrast_v1 / effect ** 2) if effect else math.inf
                pilot_r = float(reps.mean())
                rows.append({"outcome": outcome, "lever": lever, "level": level, "reference": levels[0],
                             "pilot_effect": effect, "pilot_se": math.sqrt(contrast_v1 / pilot_r),
                             "replications_needed": needed})
    return pd.DataFrame(rows)
