"""The model on screen: a run the trainer acts on, and its twin for the side-by-side view.

:class:`LiveRun` is a :class:`PartnershipModel` with two additions of the live view's own: a weekly
:class:`History` read straight from the state arrays (so the charts do not depend on how the model
keeps its records), and a *schedule* of interventions applied at their week (a lesson's
"the champion leaves at week 30"). :class:`LiveModel` is the run the trainer sees, with
``baseline``: its twin, built from the same scenario and seed, stepped with it, never touched by
the buttons, and with lever values and a schedule of its own when a lesson or the trainer says so.
Until the first difference (an intervention, or a lever set differently) the two runs are the same
week for week, so any later gap is that difference's doing, not another draw of luck.

Every weekly value the page shows is read through the functions at the end of this module
(:func:`momentum_history`, :func:`counts`, :func:`average_momentum`, ...): one place to change if
the model's records change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from partnerships.model.codes import Stage
from partnerships.model.interventions import Intervention
from partnerships.model.model import Event, PartnershipModel, check_intervention
from partnerships.model.scenarios import RegionSpec, load_region

DEFAULT_SEED = 1
OPEN_STAGES = (*range(Stage.REALISING_BENEFITS + 1), Stage.STALLED)


@dataclass(frozen=True)
class Scheduled:
    """An intervention the live view applies itself, at the start of a step as the model applies its
    own scheduled ones: in step ``week``, or (``when = "first_stall"``) in the step after the one in
    which ``project`` first stalled."""

    intervention: Intervention

    def due(self, run: PartnershipModel, week: int) -> bool:
        """Whether step ``week`` (the step that takes the run from week - 1 to week) applies it."""
        i = self.intervention
        if i.week is not None:
            return i.week <= week
        first = int(run.projects.first_stall_week[0 if i.project is None else i.project])
        return 0 <= first < week


class History:
    """What the page draws, week by week (index = week; entry 0 is the state before the first step).

    Arrays grow with follow-on projects: an entry has one value per project existing that week.
    """

    def __init__(self) -> None:
        self.momentum: list[np.ndarray] = []  # float32, 0-1
        self.trust: list[np.ndarray] = []  # float32, mean trust among each project's partners, 0-1
        self.stage: list[np.ndarray] = []  # int8, Stage
        self.champion: list[np.ndarray] = []  # int32, organisation index or -1
        self.received: list[np.ndarray] = []  # float32, £k of awards received so far
        self.progress: list[np.ndarray] = []  # float32, stages of work done, 0-4 (4: delivered)
        self.representatives_left: list[int] = []  # representatives replaced so far, all organisations

    def record(self, run: PartnershipModel) -> None:
        proj = run.projects
        self.momentum.append(proj.momentum.astype(np.float32))
        self.trust.append(run.project_trust_mean.astype(np.float32))
        self.stage.append(proj.stage.copy())
        self.champion.append(proj.champion.copy())
        self.received.append(proj.external_received.astype(np.float32))
        self.progress.append(stages_done(proj.stage, proj.stage_before_stall, proj.progress, proj.delivered_week))
        self.representatives_left.append(int(run.orgs.rep_generation.sum()) - len(run.orgs))

    def __len__(self) -> int:
        return len(self.stage)


def stages_done(stage: np.ndarray, before_stall: np.ndarray, progress: np.ndarray,
                delivered_week: np.ndarray) -> np.ndarray:
    """How far each project has got, in stages of work (0-4): the stages finished plus the share of
    the current one (a stalled or abandoned project where it stopped; 4 once delivered)."""
    working = np.where(stage >= Stage.STALLED, before_stall, stage).astype(np.float32)
    done = np.minimum(working + np.clip(progress, 0.0, 1.0), float(Stage.REALISING_BENEFITS))
    return np.where(delivered_week >= 0, float(Stage.REALISING_BENEFITS), done).astype(np.float32)


class LiveRun(PartnershipModel):
    """A model with the live view's weekly :class:`History` and its own schedule of interventions.

    Args:
        region: built-in scenario name (``"county"``), a scenario TOML path, or a :class:`RegionSpec`.
        rng: the seed (a whole number, 0 or more).
        schedule: interventions this run applies at their week (see :class:`Scheduled`).
        **parameters: parameter overrides, checked by the model (out-of-range values raise).
    """

    def __init__(self, region: str | Path | RegionSpec = "county", *, rng: int = DEFAULT_SEED,
                 schedule: Iterable[Intervention] = (), **parameters: Any) -> None:
        spec = region if isinstance(region, RegionSpec) else load_region(region)
        super().__init__(spec, rng=rng, **parameters)
        self.seed = rng
        self.source = str(region) if not isinstance(region, RegionSpec) else spec.name
        self.overrides = dict(parameters)
        self.schedule = [Scheduled(i) for i in schedule]
        for item in self.schedule:  # the model's own check: action, project and organisation exist
            check_intervention(item.intervention, self)
        self.history = History()
        self.history.record(self)

    def upcoming(self) -> list[Intervention]:
        """Scheduled interventions not yet applied, in schedule order."""
        return [s.intervention for s in self.schedule]

    def due_next(self) -> list[Intervention]:
        """Scheduled interventions that the next step applies (before the week's processes)."""
        return [s.intervention for s in self.schedule if s.due(self, self.week + 1)]

    def apply_due(self) -> list[Event]:
        """Apply the scheduled interventions due in this step (called at its start); returns their events."""
        due = [s for s in self.schedule if s.due(self, self.week)]
        self.schedule = [s for s in self.schedule if s not in due]
        return [PartnershipModel.intervene(self, s.intervention.action, project=s.intervention.project,
                                           organisation=s.intervention.organisation, amount=s.intervention.amount)
                for s in due]

    def step(self) -> None:
        """Scheduled interventions due this week, then one week of the model, then the record."""
        self.apply_due()
        super().step()
        self.history.record(self)


class LiveModel(LiveRun):
    """The run on screen (the trainer's buttons act on it) and ``baseline``, its twin.

    Args:
        region, rng, schedule, **parameters: as :class:`LiveRun`, for the run.
        twin_parameters: lever values of the twin that differ from the run's (default: none).
        twin_schedule: interventions of the twin (default: none).
        labels: legend text for the run and the twin (default: with and without your interventions).
    """

    def __init__(self, region: str | Path | RegionSpec = "county", *, rng: int = DEFAULT_SEED,
                 schedule: Iterable[Intervention] = (), twin_parameters: Mapping[str, Any] | None = None,
                 twin_schedule: Iterable[Intervention] = (), labels: tuple[str, str] | None = None,
                 **parameters: Any) -> None:
        spec = region if isinstance(region, RegionSpec) else load_region(region)
        super().__init__(spec, rng=rng, schedule=schedule, **parameters)
        self.source = str(region) if not isinstance(region, RegionSpec) else spec.name
        self.baseline = LiveRun(spec, rng=rng, schedule=twin_schedule, **{**parameters, **(twin_parameters or {})})
        #: names of the parameters whose values differ between the run and the twin
        self.twin_overrides = [name for name in self.params if self.params[name] != self.baseline.params[name]]
        self.labels = labels or default_labels(self)
        self.trainer_events: list[Event] = []
        self.lock = threading.RLock()  # the play loop steps in a thread; buttons and charts wait their turn

    def step(self) -> None:
        """One week of the run and of its twin."""
        with self.lock:
            super().step()
            self.baseline.step()

    def intervene(self, action: str, project: int | None = None, organisation: int | None = None,
                  amount: float | None = None) -> Event:
        """Apply an intervention to the run only (not to the twin) and remember it."""
        with self.lock:
            event = super().intervene(action, project=project, organisation=organisation, amount=amount)
            self.trainer_events.append(event)
        return event

    def differences(self) -> list[str]:
        """What differs between the run and its twin, in words (empty while they are the same run)."""
        out = [f"{name} {self.params[name]:g} in the run, {self.baseline.params[name]:g} in the twin"
               for name in self.twin_overrides]
        for run, which in ((self, "the run"), (self.baseline, "the twin")):
            if run.events:
                out.append(f"interventions in {which}" + (" (more to come)" if run.schedule else ""))
            elif run.schedule:
                out.append(f"an intervention to come in {which}")
        return out


def default_labels(model: LiveModel) -> tuple[str, str]:
    """Legend text: 'with / without your interventions', or the lever values when those differ."""
    if model.twin_overrides:
        def text(run: LiveRun) -> str:
            return ", ".join(f"{name.replace('_', ' ')} {run.params[name]:g}" for name in model.twin_overrides)
        return text(model), text(model.baseline)
    return "with your interventions", "without them"


# --- weekly values, read in one place -----------------------------------------------------------
def momentum_history(run: LiveRun) -> list[np.ndarray]:
    """Each project's momentum (0-1), one array a week."""
    return run.history.momentum


def trust_history(run: LiveRun) -> list[np.ndarray]:
    """Mean trust (0-1) among each project's partners, one array a week."""
    return run.history.trust


def stage_history(run: LiveRun) -> list[np.ndarray]:
    """Each project's stage (:class:`Stage` codes), one array a week."""
    return run.history.stage


def progress_history(run: LiveRun) -> list[np.ndarray]:
    """Stages of work each project has done (0-4, see :func:`stages_done`), one array a week."""
    return run.history.progress


def delivered_series(run: LiveRun) -> list[int]:
    """Projects delivered so far, every week so far."""
    delivered = run.projects.delivered_week
    weeks = np.sort(delivered[delivered >= 0])
    return np.searchsorted(weeks, np.arange(len(run.history)), side="right").tolist()


def counts(run: LiveRun, week: int | None = None) -> dict[str, int]:
    """Projects delivered so far (finished their delivery stage), stalled now, abandoned so far and
    open now, and representatives who left so far, at ``week`` (default: now)."""
    w = len(run.history) - 1 if week is None else week
    stage = run.history.stage[w]
    delivered = run.projects.delivered_week
    return {"delivered": int(((delivered >= 0) & (delivered <= w)).sum()), "stalled": int((stage == Stage.STALLED).sum()),
            "abandoned": int((stage == Stage.ABANDONED).sum()), "open": int(np.isin(stage, OPEN_STAGES).sum()),
            "representatives left": run.history.representatives_left[w]}


#: How the averages avoid survivorship, said on screen wherever one is shown.
AVERAGE_RULE = ("over the {n} projects the run started with: an abandoned project counts as 0, "
                "a finished one keeps its last value")


def average_momentum(run: LiveRun, week: int | None = None) -> float:
    """Average momentum (0-1) of the projects the run started with, never dropping one: an abandoned
    project counts as 0 (it has stopped), a closed delivered one keeps its momentum at closing."""
    w = len(run.history) - 1 if week is None else week
    n = run.n_initial_projects
    values = run.history.momentum[w][:n].astype(float)
    values[run.history.stage[w][:n] == Stage.ABANDONED] = 0.0
    return float(values.mean())


def average_trust(run: LiveRun, week: int | None = None) -> float:
    """Average trust (0-1) among the partners of the projects the run started with, each closed
    project at its last value (the partners' relationships outlive the project)."""
    w = len(run.history) - 1 if week is None else week
    return float(run.history.trust[w][: run.n_initial_projects].mean())


def average_series(run: LiveRun, measure: str) -> list[float]:
    """:func:`average_momentum` or :func:`average_trust` for every week so far."""
    average = average_momentum if measure == "momentum" else average_trust
    return [average(run, w) for w in range(len(run.history))]
