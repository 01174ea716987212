"""The weekly record of a run: Mesa's ``DataCollector``, one row at the start (week 0) and one a week.

Each column is a model reporter computed from the model's state when the row is collected (after
the week's trust embedding), except the week's flows, which the step counts and hands to
:meth:`model.model.PartnershipModel._record`. ``datacollector.get_model_vars_dataframe()`` is the
record (``model.outcomes.model_series`` returns it); ``datacollector.model_vars[name]`` is one column
as a list. "Open" projects are those not yet closed: working through their stages, or stalled.
``mean_momentum`` and ``mean_trust`` average the open projects only, a set that shrinks as projects are
delivered or abandoned (a survivorship average); ``mean_momentum_all`` and ``mean_trust_all`` average every
project the run started with, closed ones at their value when they closed (0 momentum when abandoned).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from partnerships.model.codes import Stage

if TYPE_CHECKING:
    from partnerships.model.model import PartnershipModel


#: Open stages (working through the life cycle, or stalled) by stage code; closed: delivered and ended, abandoned.
_OPEN = np.array([stage not in (Stage.DELIVERED, Stage.ABANDONED) for stage in Stage])
_STALLED, _ABANDONED = int(Stage.STALLED), int(Stage.ABANDONED)


def _mean_over_open(model: PartnershipModel, values: np.ndarray) -> float:
    """Mean of ``values`` (one per project) over the open projects (sum over count, as ``ndarray.mean``
    computes it); NaN when none is open."""
    open_ = _OPEN[model.projects.stage]
    count = np.count_nonzero(open_)
    return float(values[open_].sum() / count) if count else float("nan")


def week(model: PartnershipModel) -> int:
    """Weeks simulated (0 at the start)."""
    return model.week


def mean_momentum(model: PartnershipModel) -> float:
    """Mean momentum (0-1) of the open projects; NaN when none is open."""
    return _mean_over_open(model, model.projects.momentum)


def mean_trust(model: PartnershipModel) -> float:
    """Mean over the open projects of the mean trust (0-1) among each one's active members; NaN when none is open."""
    return _mean_over_open(model, model.project_trust_mean)


def _mean_over_starting(model: PartnershipModel, now: np.ndarray, final: np.ndarray | None,
                        abandoned_at: float | None = None) -> float:
    """Mean over every project the run started with: open ones at their value ``now``, closed ones at their
    ``final`` value (frozen in the week they closed, :meth:`PartnershipModel._freeze_closed`), abandoned ones
    at ``abandoned_at`` if given."""
    n = model.n_initial_projects
    if n == 0:
        return float("nan")
    values = now[:n] if final is None else np.where(np.isnan(final), now[:n], final)
    if abandoned_at is not None:
        values = np.where(model.projects.stage[:n] == _ABANDONED, abandoned_at, values)
    return float(values.sum() / n)


def mean_momentum_all(model: PartnershipModel) -> float:
    """Mean momentum (0-1) over every starting project, not only the open ones: a project closed as delivered
    counts at its momentum in the week it closed, an abandoned one at 0. Unlike :func:`mean_momentum` its set
    of projects never changes, so it has no survivorship bias."""
    return _mean_over_starting(model, model.projects.momentum, getattr(model, "final_momentum", None), 0.0)


def mean_trust_all(model: PartnershipModel) -> float:
    """Mean trust (0-1) among each starting project's active members, over every starting project: closed
    projects (delivered or abandoned) count at their trust in the week they closed."""
    return _mean_over_starting(model, model.project_trust_mean, getattr(model, "final_trust", None))


def open_projects(model: PartnershipModel) -> int:
    """Projects open now (working or stalled)."""
    return int(np.count_nonzero(_OPEN[model.projects.stage]))


def stalled_projects(model: PartnershipModel) -> int:
    """Projects stalled now."""
    return int(np.count_nonzero(model.projects.stage == _STALLED))


def delivered_projects(model: PartnershipModel) -> int:
    """Projects that have finished their delivery stage, so far."""
    return int(np.count_nonzero(model.projects.delivered_week >= 0))


def abandoned_projects(model: PartnershipModel) -> int:
    """Projects abandoned, so far."""
    return int(np.count_nonzero(model.projects.stage == _ABANDONED))


def representatives_left(model: PartnershipModel) -> int:
    """Representatives who left this week (turnover; 0 at the start)."""
    return model.left_this_week


def awards(model: PartnershipModel) -> int:
    """External funding awards made at this week's call (0 in weeks without a call)."""
    return model.awards_this_week


#: The columns of the weekly record, in order: name -> model reporter.
WEEKLY_REPORTERS: dict[str, Callable[[PartnershipModel], float | int]] = {
    f.__name__: f for f in (week, mean_momentum, mean_trust, mean_momentum_all, mean_trust_all, open_projects,
                            stalled_projects, delivered_projects, abandoned_projects, representatives_left, awards)
}


def weekly_collector() -> mesa.DataCollector:
    """A ``DataCollector`` with the weekly record's reporters (:data:`WEEKLY_REPORTERS`)."""
    return mesa.DataCollector(model_reporters=dict(WEEKLY_REPORTERS))
