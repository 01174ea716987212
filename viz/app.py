"""The live view for trainers: ``partnerships live`` (or ``solara run viz/app.py``).

A presenter layout: the run controls (week, step, play and pause, speed, run to a week, reset)
stay in one bar at the top of the page at every width; below it, on the first screen at
1280 x 720, the momentum chart (or the side-by-side of the run and its twin) beside the monitors
(delivered, stalled, abandoned, average momentum), the intervention buttons and the story log.
Further down: the lesson's prompt and questions, the network, stages and trust charts, the
settings (scenario, seed, every parameter, the twin's levers; pending until Reset), the run's
summary to download, and the rules of the model in plain words.

Opens on the first lesson of ``viz/lessons.toml``. Built from Mesa's visualisation parts
(``update_counter`` / ``force_update`` redraw after a step, batched into one render pass); Mesa's
ready-made ``SolaraViz`` page is not used because its parameter card cannot fold parameters into
groups, its controls cannot refuse a malformed value before converting it, and its Reset passes a
Mesa ``Scenario`` whose seed clashes with the model's own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import reacton.ipyvuetify as rv
import solara
from mesa.visualization.utils import update_counter

from partnerships.model.parameters import ParameterError
from partnerships.model.scenarios import RegionError, load_region
from partnerships.viz.controls import (
    ParameterControls,
    ScenarioAndSeed,
    TwinControls,
    pending_changes,
    starting_settings,
)
from partnerships.viz.live_export import summary_text
from partnerships.viz.live_interventions import InterventionPanel
from partnerships.viz.live_lessons import LessonError, load_lessons
from partnerships.viz.live_model import LiveModel, average_momentum, counts
from partnerships.viz.live_page import PageSetup
from partnerships.viz.live_player import (
    MAX_WEEKS,
    REDRAWS,
    SPEEDS,
    DEFAULT_SPEED,
    PlaySettings,
    Player,
    Session,
    connection_probe,
    session_name,
)
from partnerships.viz.live_plots import (
    comparison_chart,
    comparison_text,
    momentum_chart,
    stage_chart,
    trust_chart,
)
from partnerships.viz.live_style import BUTTON_COLOURS, PAGE_CSS, project_label
from partnerships.viz.live_vega import Chart, use_redraw
from partnerships.viz.network import describe_project, network_chart, slice_text

log = logging.getLogger("partnerships.live")
ABOUT = Path(__file__).with_name("live_about.md").read_text()
BIG_REGION = 2_000  # organisations from which a region is built in the background, with a notice
FREE_PLAY = "Free play (no lesson)"
COMPARE_LABELS = {"average": "average momentum", "delivered": "projects delivered", "progress": "how far it has got"}


def lesson_session(lesson_id: str) -> tuple[Session, dict[str, Any], dict[str, Any]]:
    """A lesson's session at week 0, with the page's settings and twin levers for it."""
    lesson = load_lessons()[lesson_id]
    return Session(lesson.build(), lesson), lesson.settings(), dict(lesson.twin_parameters)


def free_session(settings: dict[str, Any], twin: dict[str, Any]) -> Session:
    """A session of free play: the settings' run and its twin (with the twin's own levers, if any)."""
    parameters = {k: x for k, x in settings.items() if k not in ("region", "rng")}
    return Session(LiveModel(settings["region"], rng=settings["rng"], twin_parameters=twin, **parameters))


def first_lesson() -> str:
    return next(iter(load_lessons()))


@solara.component
def RunBar(session: Session, playing: solara.Reactive[bool], play: solara.Reactive[PlaySettings],
           selected: solara.Reactive[int], on_reset, status: solara.Reactive[str],
           error: solara.Reactive[str | None], pending: list[str], busy: str | None) -> None:
    """Week, step, play/pause, reset, speed, run to a week, the optional pauses and the status line."""
    update_counter.get()
    redraw = use_redraw()
    target = solara.use_reactive(session.lesson.weeks if session.lesson else 52)
    model = session.model

    def step(weeks: int) -> None:
        session.step(weeks, selected.value)
        status.value = ""
        redraw()

    def run_to() -> None:
        if target.value <= model.week:
            error.value = f"run to week {target.value}: the run is already at week {model.week}"
            return
        play.value = PlaySettings(**{**play.value.__dict__, "target": target.value})
        playing.value = True

    def set_target(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WEEKS:
            error.value = f"run to week = {value!r}: allowed a whole number from 1 to {MAX_WEEKS}"
            return
        target.value = value
        error.value = None

    def set_speed(label: Any) -> None:
        if label not in SPEEDS:
            error.value = f"speed {label!r}: allowed {', '.join(SPEEDS)}"
            return
        play.value = PlaySettings(**{**play.value.__dict__, "speed": SPEEDS[label]})

    def set_pause(value: Any) -> None:
        if not isinstance(value, bool):
            error.value = f"pause when a project first stalls = {value!r}: allowed true or false"
            return
        play.value = PlaySettings(**{**play.value.__dict__, "pause_at_first_stall": value})

    def toggle() -> None:
        if not playing.value:
            play.value = PlaySettings(**{**play.value.__dict__, "target": None})
            status.value = ""
        playing.value = not playing.value

    speed_label = next((k for k, x in SPEEDS.items() if x == play.value.speed), DEFAULT_SPEED)
    with rv.Html(tag="div", class_="live-bar-controls", attributes={"role": "group", "aria-label": "Run controls"}):
        with solara.Div(classes=["live-bar-row"]):
            solara.Text(f"Week {model.week}", classes=["live-week"])
            solara.Button("Pause" if playing.value else "Play", on_click=toggle, color=BUTTON_COLOURS["main"],
                          classes=["live-play", "live-bar-button"], disabled=busy is not None)
            solara.Button("Step 1 week", on_click=lambda: step(1), color=BUTTON_COLOURS["main"],
                          disabled=playing.value or busy is not None, classes=["live-step", "live-bar-button"])
            solara.Button("Step 4 weeks", on_click=lambda: step(4), color=BUTTON_COLOURS["main"],
                          disabled=playing.value or busy is not None, classes=["live-bar-button"])
            solara.Button("Reset" + (f" ({len(pending)} pending)" if pending else ""), on_click=on_reset,
                          outlined=True, classes=["live-reset", "live-bar-button"], disabled=busy is not None)
            with solara.Div(classes=["live-speed"]):
                solara.Select("Speed", values=list(SPEEDS), value=speed_label, on_value=set_speed, dense=True)
            with solara.Div(classes=["live-target"]):
                solara.InputInt("Week to run to", value=target.value, on_value=set_target, dense=True)
            solara.Button("Run", on_click=run_to, color=BUTTON_COLOURS["quiet"],
                          disabled=playing.value or busy is not None, classes=["live-run-to", "live-bar-button"])
            with solara.Div(classes=["live-stall-pause"]):
                solara.Checkbox(label="Pause at first stall", value=play.value.pause_at_first_stall,
                                on_value=set_pause)
        note = busy or status.value or (f"Pending until Reset: {'; '.join(pending)}." if pending else "")
        if error.value:
            solara.Error(error.value, classes=["live-error"])
        solara.Text(note or "Ready.", classes=["live-status"])


@solara.component
def Monitors(session: Session, compare: bool) -> None:
    """Counts of delivered, stalled and abandoned projects and the average momentum (twin beside)."""
    update_counter.get()
    model = session.model
    mine, theirs = counts(model), counts(model.baseline)
    tiles = [("Delivered", mine["delivered"], theirs["delivered"]), ("Stalled now", mine["stalled"], theirs["stalled"]),
             ("Abandoned", mine["abandoned"], theirs["abandoned"]),
             ("Average momentum", f"{average_momentum(model):.2f}", f"{average_momentum(model.baseline):.2f}")]
    with rv.Html(tag="dl", class_="live-monitors"):
        for name, value, twin in tiles:
            with solara.Div(classes=["live-monitor", f"live-monitor-{name.split()[0].lower()}"]):
                rv.Html(tag="dt", children=[name])
                twin_value = [rv.Html(tag="span", class_="live-twin-value", children=[f"twin: {twin}"])] if compare else []
                rv.Html(tag="dd", children=[f"{value}", *twin_value])
    solara.Text(f"{len(model.projects):,} projects ({model.n_initial_projects:,} at the start). The average is over "
                f"the {model.n_initial_projects:,} starting projects, abandoned ones as 0.", classes=["live-note"])


@solara.component
def StoryLog(session: Session) -> None:
    """The running log of what happened, newest first."""
    update_counter.get()
    events = session.story.recent(150)
    solara.HTML(tag="h2", unsafe_innerHTML="What happened", classes=["live-h2"])
    with rv.Html(tag="div", class_="live-log", attributes={"role": "log", "aria-label": "What happened, newest first",
                                                          "tabindex": "0"}):
        with rv.Html(tag="ol"):
            if not events:
                rv.Html(tag="li", children=["Nothing yet: press Play or Step."])
            for e in events:
                rv.Html(tag="li", class_=f"live-log-{e.kind}", children=[e.line()])


@solara.component
def MainChart(session: Session, selected: int, compare: bool, measure: str) -> None:
    """The first screen's chart: momentum, or the side-by-side of the run and its twin."""
    update_counter.get()
    model = session.model
    with model.lock:
        if compare:
            charts = [comparison_chart(model, selected, "project"), comparison_chart(model, selected, measure)]
            words = comparison_text(model)
        else:
            charts = [momentum_chart(model, selected, session.story.events)]
            threshold = model.params["stall_threshold"]
            words = (f"Momentum is a project's energy, from 0 (none) to 1 (full steam). Below the red dotted line "
                     f"({threshold:g}) a project stalls; left stalled too long, its partners abandon it. Markers: "
                     f"what happened to each project (hover for the words; the log on the right tells them all).")
    with solara.Div(classes=["live-main-charts", "live-two" if compare else "live-one"]):
        for chart in charts:
            with solara.Div():
                if compare:
                    solara.HTML(tag="h2", unsafe_innerHTML=chart.title, classes=["live-h2", "live-chart-title"])
                Chart(chart, "compare" if compare else "momentum", model.week, classes=["live-tall"])
    solara.Text(words, classes=["live-caption", "live-compare-text" if compare else "live-momentum-text"])


@solara.component
def MoreCharts(session: Session, selected: int, compare: bool) -> None:
    """The network, stages and trust (and momentum, when the side-by-side has the first screen)."""
    update_counter.get()
    model = session.model
    with model.lock:
        specs = {"network": network_chart(model, selected), "stages": stage_chart(model, selected),
                 "trust": trust_chart(model, selected)}
        if compare:
            specs["momentum"] = momentum_chart(model, selected, session.story.events)
        about = describe_project(model, selected)
        where = slice_text(model, selected)
    with solara.Div(classes=["live-grid"]):
        with solara.Div():
            Chart(specs["network"], "network", model.week)
            solara.Text(f"Each circle is an organisation (drawn: {where[:-1]}), coloured by sector and sized by the "
                        "officer time it can give this week. Lines join organisations that work together: thicker and "
                        "darker means more trust. Black rings mark the selected project's partners, the star its "
                        f"champion, the black PM square a lead with a dedicated project manager. {about}",
                        classes=["live-caption"])
        with solara.Div():
            Chart(specs["stages"], "stages", model.week)
            solara.Text("Each row is a project (the selected one framed in orange), coloured by its stage week by "
                        "week: blues while it works through its stages, orange when stalled, red when abandoned, "
                        "green once delivered. Dashed lines mark interventions.", classes=["live-caption"])
        if compare:
            with solara.Div():
                Chart(specs["momentum"], "momentum", model.week, classes=["live-medium"])
        with solara.Div():
            Chart(specs["trust"], "trust", model.week, classes=["live-medium"])
            solara.Text("Trust between each project's partners, from 0 to 1. It grows as partners meet and keep their "
                        "promises, and drops when a representative leaves: the newcomer starts without the personal "
                        "trust.", classes=["live-caption"])


@solara.component
def LessonCard(session: Session) -> None:
    """The lesson's prompt for the trainer, its questions for the room, and what comes next."""
    update_counter.get()
    lesson = session.lesson
    with rv.Html(tag="section", class_="live-lesson", attributes={"aria-label": "Lesson"}):
        if lesson is None:
            solara.HTML(tag="h2", unsafe_innerHTML="Free play", classes=["live-h2"])
            solara.Text("No lesson: press the buttons, change the settings (they apply at Reset), and compare with "
                        "the twin in the side-by-side.")
            return
        solara.HTML(tag="h2", unsafe_innerHTML=f"Lesson: {lesson.title}", classes=["live-h2"])
        solara.Text(lesson.prompt, classes=["live-prompt"])
        solara.HTML(tag="h3", unsafe_innerHTML="Ask the room", classes=["live-h3"])
        with rv.Html(tag="ol", class_="live-questions"):
            for q in lesson.questions:
                rv.Html(tag="li", children=[q])
        upcoming = session.next_intervention()
        solara.Text(f"Watched project: {project_label(session.model, lesson.project)}. Plays to week {lesson.weeks}. "
                    + (f"Next: {upcoming}. " if upcoming else "")
                    + f"The effect to look for: {lesson.contrast.says}.", classes=["live-note"])


@solara.component
def Settings(settings: solara.Reactive[dict[str, Any]], twin: solara.Reactive[dict[str, Any]],
             session: Session, error: solara.Reactive[str | None], play: solara.Reactive[PlaySettings]) -> None:
    """Scenario, seed, the levers (run and twin) and the redraw interval: they apply at Reset."""
    running = {"region": session.model.source, "rng": session.model.seed, **session.model.params}
    twin_running = session.model.baseline.params

    def set_redraw(label: Any) -> None:
        if label not in REDRAWS:
            error.value = f"redraw {label!r}: allowed {', '.join(REDRAWS)}"
            return
        play.value = PlaySettings(**{**play.value.__dict__, "redraw_every": REDRAWS[label]})

    redraw_label = next(k for k, x in REDRAWS.items() if x == play.value.redraw_every)
    with rv.Html(tag="section", class_="live-settings", attributes={"aria-label": "Settings"}):
        solara.HTML(tag="h2", unsafe_innerHTML="Settings (they apply when you press Reset)", classes=["live-h2"])
        with solara.Div(classes=["live-settings-grid"]):
            with solara.Div():
                solara.HTML(tag="h3", unsafe_innerHTML="Scenario and seed", classes=["live-h3"])
                ScenarioAndSeed(settings, error)
                solara.Select("Redraw the charts", values=list(REDRAWS), value=redraw_label, on_value=set_redraw)
            with solara.Div():
                solara.HTML(tag="h3", unsafe_innerHTML="Levers of the run", classes=["live-h3"])
                ParameterControls(settings, error, running)
            with solara.Div():
                solara.HTML(tag="h3", unsafe_innerHTML="The twin's levers", classes=["live-h3"])
                solara.Text("The twin runs the same scenario and seed. Give it other lever values to compare two "
                            "settings side by side (poor against good meeting discipline, say).",
                            classes=["live-note"])
                TwinControls(settings, twin, error, twin_running)


@solara.component
def Page() -> None:
    """The live view, inside a guard: an unexpected error is one line on the page (the details go to
    the server's log), never a traceback."""
    exception, clear = solara.use_exception()
    if exception is not None:
        log.error("the page failed: %r", exception, exc_info=exception)
        with rv.Html(tag="div", class_="live-page"):
            solara.HTML(tag="h1", unsafe_innerHTML="Partnerships: live view", classes=["live-h1"])
            solara.Error(f"Something went wrong ({type(exception).__name__}); the details are in the server's log.")
            solara.Button("Start again", on_click=clear, color=BUTTON_COLOURS["main"])
        return
    LiveView()


@solara.component
def LiveView() -> None:
    """The whole live view (one session per browser tab)."""
    start = solara.use_memo(lambda: lesson_session(first_lesson()), [])
    session = solara.use_reactive(start[0])
    settings = solara.use_reactive(start[1])
    twin = solara.use_reactive(start[2])
    lesson_choice = solara.use_reactive(start[0].lesson.title if start[0].lesson else FREE_PLAY)
    selected = solara.use_reactive(start[0].lesson.project if start[0].lesson else 0)
    compare = solara.use_reactive(True)
    measure = solara.use_reactive("average")
    playing = solara.use_reactive(False)
    play = solara.use_reactive(PlaySettings())
    status = solara.use_reactive("")
    error: solara.Reactive[str | None] = solara.use_reactive(None)
    # the settings and twin levers of a big region being built in the background
    build: solara.Reactive[tuple[dict[str, Any], dict[str, Any]] | None] = solara.use_reactive(None)
    redraw = use_redraw()
    probe = solara.use_memo(connection_probe, [])
    name = solara.use_memo(session_name, [])
    lessons = solara.use_memo(load_lessons, [])
    titles = {lesson.title: lesson.id for lesson in lessons.values()}

    def playing_task() -> None:
        if not playing.value:
            return
        player = Player(session.value, settings=lambda: play.value, selected=lambda: selected.value,
                        connected=probe, keep_going=lambda: playing.value, redraw=redraw, name=name)
        reason = player.run()
        if reason is not None:
            status.value = reason
            playing.value = False

    solara.lab.use_task(playing_task, dependencies=[playing.value], prefer_threaded=True)

    def start_session(new: Session) -> None:
        session.value = new
        selected.value = new.lesson.project if new.lesson else min(selected.value, len(new.model.projects) - 1)
        play.value = PlaySettings(**{**play.value.__dict__, "target": None,
                                     "pause_before_interventions": new.lesson.pause_before if new.lesson else True})
        status.value = ""
        error.value = None
        redraw()

    def building_task() -> None:
        wanted = build.value
        if wanted is None:
            return
        try:
            new = free_session(*wanted)
        except (ParameterError, RegionError) as err:
            error.value = str(err)
        else:
            start_session(new)
        build.value = None

    solara.lab.use_task(building_task, dependencies=[build.value], prefer_threaded=True)

    def reset() -> None:
        """A new run from week 0 with the current settings (the lesson's, if one is loaded and unchanged)."""
        playing.value = False
        current = session.value
        if current.lesson is not None and not pending_changes(settings.value, current.lesson.settings()) \
                and twin.value == current.lesson.twin_parameters:
            start_session(Session(current.lesson.build(), current.lesson))
            return
        try:
            size = load_region(settings.value["region"]).n_organisations
        except RegionError as err:
            error.value = str(err)
            return
        if size >= BIG_REGION:
            build.value = (dict(settings.value), dict(twin.value))
            lesson_choice.value = FREE_PLAY
            return
        try:
            start_session(free_session(settings.value, twin.value))
            lesson_choice.value = FREE_PLAY
        except (ParameterError, RegionError) as err:
            error.value = str(err)

    def start_lesson() -> None:
        playing.value = False
        choice = lesson_choice.value
        try:
            if choice == FREE_PLAY:
                settings.value, twin.value = starting_settings(), {}
                start_session(free_session(settings.value, twin.value))
                return
            new, settings.value, twin.value = lesson_session(titles[choice])
            start_session(new)
        except (KeyError, LessonError, ParameterError, RegionError) as err:
            error.value = f"lesson {choice!r}: {err}"

    def pick_lesson(title: Any) -> None:
        if title != FREE_PLAY and title not in titles:
            error.value = f"lesson {title!r}: allowed {', '.join([FREE_PLAY, *titles])}"
            return
        lesson_choice.value = title

    def set_compare(value: Any) -> None:
        if not isinstance(value, bool):
            error.value = f"side by side = {value!r}: allowed true or false"
            return
        compare.value = value

    def set_measure(label: Any) -> None:
        keys = {text: key for key, text in COMPARE_LABELS.items()}
        if label not in keys:
            error.value = f"right-hand panel {label!r}: allowed {', '.join(keys)}"
            return
        measure.value = keys[label]

    current = session.value
    running = {"region": current.model.source, "rng": current.model.seed, **current.model.params}
    pending = pending_changes(settings.value, running)
    twin_now = {k: current.model.baseline.params[k] for k in current.model.twin_overrides}
    if twin.value != twin_now:
        pending.append("the twin's levers")
    busy = None
    if build.value is not None:
        spec = load_region(build.value[0]["region"])
        busy = (f"Building {spec.name}: {spec.n_organisations:,} organisations and {spec.n_projects:,} projects, "
                "twice (the run and its twin). This takes up to half a minute; the charts will then show a slice "
                "of it (one area's organisations, the first 29 projects and the selected one).")
    project = min(selected.value, len(current.model.projects) - 1)

    PageSetup()
    solara.Style(PAGE_CSS)
    solara.Title("Partnerships: live view")
    with rv.Html(tag="div", class_="live-page"):
        with rv.Html(tag="header", class_="live-bar"):
            with solara.Div(classes=["live-head"]):
                solara.HTML(tag="h1", unsafe_innerHTML="Partnerships: what happens if ...?", classes=["live-h1"])
                with solara.Div(classes=["live-lesson-pick"]):
                    solara.Select("Lesson", values=[*titles, FREE_PLAY], value=lesson_choice.value,
                                  on_value=pick_lesson, dense=True)
                solara.Button("Start lesson", on_click=start_lesson, color=BUTTON_COLOURS["main"],
                              classes=["live-start", "live-bar-button"])
                with solara.Div(classes=["live-compare-switch"]):
                    solara.Switch(label="Side by side with the twin", value=compare.value, on_value=set_compare)
            RunBar(current, playing, play, selected, reset, status, error, pending, busy)
        if busy:
            solara.ProgressLinear(True)
            return
        with solara.Div(classes=["live-first"]):
            with rv.Html(tag="section", class_="live-main", attributes={"aria-label": "Main chart"}):
                MainChart(current, project, compare.value, measure.value)
                if compare.value:
                    with solara.Div(classes=["live-measure"]):
                        solara.Select("Right-hand panel shows", values=list(COMPARE_LABELS.values()),
                                      value=COMPARE_LABELS[measure.value], on_value=set_measure, dense=True)
            with rv.Html(tag="aside", class_="live-side", attributes={"aria-label": "Monitors, interventions and story"}):
                Monitors(current, compare.value)
                InterventionPanel(current, selected, status, error)
                StoryLog(current)
        LessonCard(current)
        MoreCharts(current, project, compare.value)
        Settings(settings, twin, current, error, play)
        with rv.Html(tag="section", class_="live-export-section", attributes={"aria-label": "Export"}):
            solara.HTML(tag="h2", unsafe_innerHTML="Keep a record", classes=["live-h2"])
            solara.Text("Each chart has Save PNG and Save SVG buttons under it. The summary is a text file: "
                        "settings, counts and averages of the run and its twin, each project, and the story log.",
                        classes=["live-note"])
            solara.FileDownload(lambda: summary_text(session.value), filename=f"partnerships-week-{current.model.week}.txt",
                                label="Download the run's summary (text)", mime_type="text/plain")
        with rv.Html(tag="section", class_="live-about", attributes={"aria-label": "About the model"}):
            with solara.Details(summary="About the model: the rules in plain words"):
                solara.Markdown(ABOUT)


page = Page
