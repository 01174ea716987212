"""Playing the weeks: one browser session's run, its story, and the play loop's rules.

:class:`Session` holds what one browser tab shows (the run and its twin, the story log, the lesson
if any) and steps it. :class:`Player` is the play loop, kept free of Solara so it can be tested on
its own: it steps at the chosen speed, redraws every few weeks when the speed outruns the
browser, and stops by itself when the run reaches the target week, just before a lesson's
intervention, when a project first stalls (if asked), or when no browser has been connected for
:data:`DISCONNECT_GRACE` seconds, so a tab that crashed, slept or lost its network never leaves
a run playing on the server.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from partnerships.viz.live_lessons import Lesson
from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_plots import shown_projects
from partnerships.viz.live_story import Story, StoryEvent, intervention_text

log = logging.getLogger("partnerships.live")
if not log.handlers:  # the server's own logging shows warnings only; say when a session stops playing
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("live view: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

#: Speed choices: label -> weeks a second (0: as fast as the machine goes).
SPEEDS = {"1 week/s": 1.0, "2 weeks/s": 2.0, "4 weeks/s": 4.0, "8 weeks/s": 8.0, "16 weeks/s": 16.0,
          "flat out": 0.0}
DEFAULT_SPEED = "4 weeks/s"
MAX_REDRAWS_PER_SECOND = 5  # above this speed, several weeks are stepped between two redraws
#: Redraw choices: label -> weeks between redraws (0: chosen from the speed).
REDRAWS = {"as the speed needs": 0, "every week": 1, "every 2 weeks": 2, "every 4 weeks": 4, "every 13 weeks": 13}
DISCONNECT_GRACE = 5.0  # s without a connected browser before a playing run stops
MAX_WEEKS = 5200  # the furthest "run to week" goes (a hundred years)


@dataclass
class Session:
    """The run on one page: the model (with its twin), its story, the lesson it plays (if any)."""

    model: LiveModel
    lesson: Lesson | None = None
    story: Story = field(init=False)

    def __post_init__(self) -> None:
        self.story = Story(self.model)

    def watched(self, selected: int) -> list[int]:
        """Projects whose events the log tells: those drawn one by one (all, in a county)."""
        return shown_projects(self.model, selected).tolist()

    def step(self, weeks: int, selected: int) -> list[StoryEvent]:
        """Step ``weeks`` weeks; returns the story's new events."""
        new: list[StoryEvent] = []
        with self.model.lock:
            for _ in range(weeks):
                self.model.step()
                new += self.story.observe(self.watched(selected))
        return new

    def intervene(self, action: str, project: int | None, organisation: int | None) -> str:
        """Apply a button's intervention now; returns the one-line message for the page."""
        with self.model.lock:
            event = self.model.intervene(action, project=project, organisation=organisation)
            self.story.observe(self.watched(project or 0))
        same = [e for e in self.model.trainer_events if e.week == event.week and e.action == event.action
                and e.project == event.project]
        again = f" ({len(same)} times this week, each a separate event)" if len(same) > 1 else ""
        return f"Week {event.week}: {intervention_text(self.model, event)}{again}."

    def next_intervention(self) -> str | None:
        """The lesson's next scheduled intervention in the run, in words (None if there is none)."""
        upcoming = self.model.upcoming()
        if not upcoming:
            return None
        i = upcoming[0]
        when = f"at week {i.week}" if i.week is not None else "the week after it first stalls"
        target = "everyone" if i.project is None else f"P{i.project}"
        return f"{i.action.replace('_', ' ')} ({target}) {when}"


@dataclass
class PlaySettings:
    """How to play: weeks a second (0: flat out), weeks between redraws (0: from the speed), the week
    to stop at (None: none), and the optional pauses."""

    speed: float = SPEEDS[DEFAULT_SPEED]
    redraw_every: int = 0
    target: int | None = None
    pause_at_first_stall: bool = False
    pause_before_interventions: bool = True

    def weeks_per_redraw(self) -> int:
        if self.redraw_every:
            return self.redraw_every
        if self.speed == 0:
            return 4
        return max(1, math.ceil(self.speed / MAX_REDRAWS_PER_SECOND))


class Player:
    """The play loop of one session (see the module docstring).

    Args:
        session: what to step.
        settings: a callable giving the current :class:`PlaySettings` (read every tick, so a new
            speed takes effect at once).
        selected: a callable giving the selected project.
        connected: a callable, True while a browser shows the page.
        keep_going: a callable, False once the trainer pressed Pause.
        redraw: called after each batch of weeks.
        name: the session's name in the server log.
    """

    def __init__(self, session: Session, settings: Callable[[], PlaySettings], selected: Callable[[], int],
                 connected: Callable[[], bool], keep_going: Callable[[], bool], redraw: Callable[[], None],
                 name: str = "session", clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session, self.settings, self.selected = session, settings, selected
        self.connected, self.keep_going, self.redraw, self.name = connected, keep_going, redraw, name
        self.clock, self.sleep = clock, sleep

    def run(self) -> str | None:
        """Play until something stops it; returns why, in words for the page (None: Pause pressed)."""
        model = self.session.model
        start_week = model.week
        log.info("%s: playing from week %d", self.name, start_week)
        gone_since: float | None = None
        while self.keep_going():
            tick = self.clock()
            if not self.connected():
                gone_since = tick if gone_since is None else gone_since
                if tick - gone_since >= DISCONNECT_GRACE:
                    log.warning("%s: stopped playing at week %d: no browser connected for %.0f s", self.name,
                                model.week, tick - gone_since)
                    return f"Paused at week {model.week}: the browser lost its connection."
            else:
                gone_since = None
            play = self.settings()
            reason = None
            for _ in range(play.weeks_per_redraw()):
                reason = self._before_step(play, start_week)
                if reason:
                    break
                new = self.session.step(1, self.selected())
                reason = self._after_step(play, new)
                if reason:
                    break
            self.redraw()
            if reason:
                log.info("%s: paused at week %d", self.name, model.week)
                return reason
            if play.speed:
                self.sleep(max(0.0, play.weeks_per_redraw() / play.speed - (self.clock() - tick)))
        log.info("%s: paused at week %d", self.name, model.week)
        return None

    def _before_step(self, play: PlaySettings, start_week: int) -> str | None:
        model = self.session.model
        if play.target is not None and model.week >= play.target:
            return f"Reached week {model.week}."
        due = model.due_next()
        if due and play.pause_before_interventions and model.week > start_week:
            return (f"Paused at week {model.week}: next week, {self.session.next_intervention()}. Ask the room what "
                    "they expect, then press Play.")
        return None

    def _after_step(self, play: PlaySettings, new: list[StoryEvent]) -> str | None:
        model = self.session.model
        if play.target is not None and model.week >= play.target:
            return f"Reached week {model.week}."
        stalls = [e for e in new if e.first_stall]
        if play.pause_at_first_stall and stalls:
            return f"Paused: {stalls[0].line()}."
        return None


def connection_probe() -> Callable[[], bool]:
    """A callable that says whether a browser is connected to this session now (from Solara's
    kernel context: its pages' status); always True outside a server (tests, notebooks)."""
    try:
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
    except Exception:  # noqa: BLE001 - no server context: nobody to lose
        return lambda: True
    connected = kernel_context.PageStatus.CONNECTED

    def probe() -> bool:
        if context.closed_event.is_set():
            return False
        return any(status == connected for status in list(context.page_status.values()))

    return probe


def session_name() -> str:
    """A short name for this browser session in the server log."""
    try:
        from solara.server import kernel_context

        return f"session {kernel_context.get_current_context().id[:8]}"
    except Exception:  # noqa: BLE001
        return "session"
