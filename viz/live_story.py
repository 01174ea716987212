"""The story on screen: what happened each week, in words, with what it did to momentum.

After every step :meth:`Story.observe` compares the run's record for this week with last week's
and notes each project that stalled, got going again, was abandoned or delivered, gained or lost
its champion, won an award or was followed on, and every intervention (the trainer's, the lesson's
and the twin's). An event that can move momentum gets its effect in words once
:data:`EFFECT_WEEKS` weeks have passed ("momentum 0.67 -> 0.52 in four weeks"); the first
intervention also gets the twin's value at that week, which is what the run would have shown
without it, when the twin is otherwise the same run.
"""

from __future__ import annotations

import math

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from partnerships.model.codes import Stage
from partnerships.model.model import Event
from partnerships.viz.live_model import LiveModel, LiveRun, average_momentum, momentum_history
from partnerships.viz.live_style import project_label

EFFECT_WEEKS = 4
WEEKS_IN_WORDS = {1: "one week", 2: "two weeks", 3: "three weeks", 4: "four weeks", 8: "eight weeks"}

#: An intervention in the log's words.
INTERVENTION_WORDS = {"funding_award": "a funding award for {p}", "champion_leaves": "the champion of {p} leaves",
                      "representative_leaves": "a representative in {p} leaves",
                      "partner_withdraws": "a partner withdraws from {p}", "obstacle": "an obstacle hits {p}",
                      "policy_shock": "a policy shock hits everyone"}

#: Kinds of event, in the order the legend lists them, with the words of the chart's legend.
KINDS = {
    "intervention": "intervention",
    "stalled": "stalled",
    "restarted": "back on track",
    "abandoned": "abandoned",
    "delivered": "delivered",
    "champion_emerged": "champion steps up",
    "champion_left": "champion leaves",
    "award": "award",
    "follow_on": "follow-on starts",
}


@dataclass
class StoryEvent:
    """One thing worth telling the room.

    Attributes:
        week: the week it happened (the week number shown on screen when it was noted).
        kind: a key of :data:`KINDS`.
        project: the project it concerns (None for an intervention on everyone).
        text: what happened, in words.
        effect: what it did, in words (filled in :data:`EFFECT_WEEKS` weeks later; None until then
            or when the event has no effect to report).
        run: "run", or "twin" for an intervention in the twin.
        first_stall: True when this is the project's first stall.
        before: index into the record of the week just before the event.
        count: how many of the same intervention were made to the same target in the same week (1, 2 ...).
        action, organisation: an intervention's action and the organisation it hit (None otherwise).
        compare_with_twin: the effect also gives the twin's value (the first intervention, when the
            twin is otherwise the same run).
    """

    week: int
    kind: str
    project: int | None
    text: str
    effect: str | None = None
    run: str = "run"
    first_stall: bool = False
    before: int = 0
    count: int = 1
    action: str | None = None
    organisation: int | None = None
    compare_with_twin: bool = False

    def line(self) -> str:
        """The event as one line of the log."""
        body = self.text if self.effect is None else f"{self.text}; {self.effect}"
        return f"week {self.week}: {body}"


@dataclass
class Story:
    """The running log of one :class:`LiveModel` (and its twin's interventions)."""

    model: LiveModel
    events: list[StoryEvent] = field(default_factory=list)
    _seen_run: int = 0
    _seen_twin: int = 0
    _observed: int = 0  # last week whose changes were noted
    _pending: list[StoryEvent] = field(default_factory=list)

    def observe(self, watched: Iterable[int] | None = None) -> list[StoryEvent]:
        """Note what happened since the last call (interventions, and this week's changes of the
        ``watched`` projects, default all); fill in effects now due. Returns the new events."""
        model = self.model
        new = self._interventions(model, "run") + self._interventions(model.baseline, "twin")
        week = len(model.history) - 1
        if week > self._observed:
            self._observed = week
            caused = [e for e in self.events + new if e.kind == "intervention" and e.run == "run"
                      and e.before == week - 1]
            new += self._changes(model, week, watched, caused)
        self.events.extend(new)
        self._pending.extend(e for e in new if e.kind in ("intervention", "champion_left", "champion_emerged",
                                                          "award"))
        self._fill_effects(model)
        return new

    # --- detection ----------------------------------------------------------------------------
    def _interventions(self, run: LiveRun, which: str) -> list[StoryEvent]:
        seen = self._seen_run if which == "run" else self._seen_twin
        fresh = run.events[seen:]
        if which == "run":
            self._seen_run = len(run.events)
        else:
            self._seen_twin = len(run.events)
        trainer = {id(e) for e in getattr(run, "trainer_events", [])}
        out: list[StoryEvent] = []
        for event in fresh:
            before = event.week if id(event) in trainer else event.week - 1
            same = [e for e in self.events + out if e.kind == "intervention" and e.week == event.week
                    and e.run == which and e.project == event.project and e.action == event.action]
            who = " (in the twin)" if which == "twin" else " (you)" if id(event) in trainer else " (the lesson)"
            text = intervention_text(run, event) + who + (f", {_nth(len(same) + 1)} time this week" if same else "")
            first = which == "run" and not any(e.kind == "intervention" and e.run == "run" for e in self.events + out)
            out.append(StoryEvent(event.week, "intervention", event.project, text, run=which, before=max(0, before),
                                  count=len(same) + 1, action=event.action, organisation=event.organisation,
                                  compare_with_twin=first and not self.model.twin_overrides
                                  and not self.model.baseline.events))
        return out

    def _changes(self, model: LiveModel, week: int, watched: Iterable[int] | None,
                 caused: list[StoryEvent]) -> list[StoryEvent]:
        """This week's changes of the watched projects, less those an intervention already tells
        (the champion it removed, the award it gave)."""
        h, proj, names = model.history, model.projects, model.region.org_names
        now_stage, was_stage = h.stage[week], h.stage[week - 1]
        n_was = len(was_stage)
        rows = np.arange(len(now_stage)) if watched is None else np.asarray(sorted(set(watched)), dtype=int)
        rows = rows[rows < len(now_stage)]
        out: list[StoryEvent] = []

        def told(kind: str, p: int) -> bool:
            if kind == "award":
                return any(e.action == "funding_award" and e.project == p for e in caused)
            if kind == "champion_left":
                champion = int(h.champion[week - 1][p])
                return any(e.project == p or e.organisation == champion for e in caused)
            return False

        def add(kind: str, p: int, text: str, **extra) -> None:
            if not told(kind, p):
                out.append(StoryEvent(week, kind, p, text, before=week - 1, **extra))

        old = rows[rows < n_was]
        for p in rows[rows >= n_was].tolist():
            parent = int(proj.parent[p])
            add("follow_on", p, f"{project_label(model, p)} started, a follow-on of {project_label(model, parent)} "
                f"among the same partners" if parent >= 0 else f"{project_label(model, p)} started")
        stage_now, stage_was = now_stage[old], was_stage[old]
        threshold, patience = model.params["stall_threshold"], model.params["patience"]
        for p in old[(stage_now == Stage.STALLED) & (stage_was != Stage.STALLED)].tolist():
            first = int(proj.first_stall_week[p]) == week
            again = "" if first else " again"
            add("stalled", p, f"{project_label(model, p)} stalled{again} (momentum {_down(h.momentum[week][p])}, below the "
                f"stall line at {threshold:g}); the partners give up if it is still stalled at week {week + patience}",
                first_stall=first)
        for p in old[(stage_was == Stage.STALLED) & (stage_now != Stage.STALLED) & (stage_now != Stage.ABANDONED)].tolist():
            since = _stall_start(h.stage, p, week)
            add("restarted", p, f"{project_label(model, p)} got going again after {week - since} weeks stalled")
        for p in old[(stage_now == Stage.ABANDONED) & (stage_was != Stage.ABANDONED)].tolist():
            since = _stall_start(h.stage, p, week)
            add("abandoned", p, f"{project_label(model, p)} abandoned by its partners after {week - since} weeks "
                "stalled")
        delivered = old[(proj.delivered_week[old] == week)]
        for p in delivered.tolist():
            add("delivered", p, f"{project_label(model, p)} delivered, {week - int(proj.started[p])} weeks after it "
                "started")
        champ_now, champ_was = h.champion[week][old], h.champion[week - 1][old]
        for p, c in zip(old[(champ_was >= 0) & (champ_now < 0)].tolist(), champ_was[(champ_was >= 0) & (champ_now < 0)]):
            add("champion_left", p, f"the champion of {project_label(model, p)} left ({names[int(c)]}'s "
                "representative moved on or the organisation withdrew)")
        for p in old[(champ_now >= 0) & (champ_now != champ_was)].tolist():
            add("champion_emerged", p, f"{names[int(h.champion[week][p])]}'s representative stepped up as champion "
                f"of {project_label(model, p)}")
        got = h.received[week][old] - h.received[week - 1][old]
        for p, amount in zip(old[got > 0.5].tolist(), got[got > 0.5].tolist()):
            add("award", p, f"{project_label(model, p)} won a £{amount:.0f}k award")
        return out

    # --- effects ------------------------------------------------------------------------------
    def _fill_effects(self, model: LiveModel) -> None:
        now = len(model.history) - 1
        waiting = []
        for e in self._pending:
            after = e.before + EFFECT_WEEKS
            if after > now:
                waiting.append(e)
                continue
            run = model.baseline if e.run == "twin" else model
            e.effect = _effect(model, run, e, after)
        self._pending = waiting

    def recent(self, n: int = 200) -> list[StoryEvent]:
        """The latest ``n`` events, newest first."""
        return self.events[::-1][:n]



def _effect(model: LiveModel, run: LiveRun, e: StoryEvent, after: int) -> str:
    words = WEEKS_IN_WORDS.get(after - e.before, f"{after - e.before} weeks")
    twin_now: float | None
    if e.project is None:
        was, now = average_momentum(run, e.before), average_momentum(run, after)
        text = f"average momentum {was:.2f} -> {now:.2f} in {words}"
        twin_now = average_momentum(model.baseline, after)
    else:
        series = momentum_history(run)
        was, now = float(series[e.before][e.project]), float(series[after][e.project])
        text = f"momentum {was:.2f} -> {now:.2f} in {words}"
        twin_week = momentum_history(model.baseline)[after]
        # a follow-on project that started in this run only has no counterpart in the twin
        twin_now = float(twin_week[e.project]) if e.project < len(twin_week) else None
    if e.compare_with_twin:
        text += (f" (the twin, the same run without it: {twin_now:.2f})" if twin_now is not None
                 else " (the twin has no such project)")
    return text


def _down(momentum: float) -> str:
    """Momentum to three decimals, rounded down, so that one just below the stall line never reads as on it."""
    return f"{math.floor(float(momentum) * 1000) / 1000:.3f}"


def _stall_start(stage: list[np.ndarray], p: int, week: int) -> int:
    """First week of the stall that was running at ``week - 1``."""
    w = week - 1
    while w > 0 and stage[w - 1][p] == Stage.STALLED:
        w -= 1
    return w


def intervention_text(run: LiveRun, event: Event) -> str:
    """An intervention in words, projects named as on screen ('the champion of P1 health leaves: ...')."""
    target = "" if event.project is None else project_label(run, event.project)
    description = event.description if event.project is None else event.description.replace(
        f"project {event.project}", target)
    return INTERVENTION_WORDS.get(event.action, event.action).format(p=target) + f": {description}"


def _nth(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
