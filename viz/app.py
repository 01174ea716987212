"""The live view for trainers: ``partnerships live`` (or ``solara run viz/app.py``).

Opens on the default county. The left column runs the weeks (step, play, reset) and holds the
settings: scenario, seed, the four headline levers and the other parameters folded away by group
(all generated from :data:`model.parameters.PARAMETERS`). The main area has the intervention
buttons, the network of organisations, each project's stage, momentum and trust over the weeks, and
a side-by-side of the same seed with and without the trainer's interventions.

Built from Mesa's visualisation parts (``UserInputs`` for the controls, ``update_counter`` /
``force_update`` to redraw after a step, batched into one render pass); Mesa's ready-made
``SolaraViz`` page is not used because its parameter card cannot fold parameters into groups and
its Reset passes a Mesa ``Scenario`` whose seed clashes with the model's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import solara
from mesa.visualization.utils import update_counter

from partnerships.model.parameters import ParameterError
from partnerships.model.scenarios import RegionError
from partnerships.viz.controls import ParameterControls, ScenarioAndSeed, starting_settings
from partnerships.viz.live_interventions import InterventionPanel
from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_plots import comparison_chart, comparison_text, momentum_chart, stage_chart, trust_chart
from partnerships.viz.live_vega import Chart, use_redraw
from partnerships.viz.network import describe_project, network_chart

PLAY_INTERVAL = 0.3  # seconds between weeks while playing
CSS = """
.v-application { font-size: 18px; }
.live-caption { font-size: 1.15rem; line-height: 1.45; max-width: 700px; margin: 4px 0 18px 4px; color: #222; }
.live-action.v-btn { font-size: 1.05rem !important; text-transform: none !important; letter-spacing: 0; }
.live-week { font-size: 1.6rem; font-weight: bold; }
.live-chart { min-height: 380px; overflow-x: auto; }
.live-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(680px, 1fr)); gap: 8px 24px; }
.v-input .v-label { font-size: 1.05rem; }
.v-slider.v-input--horizontal { grid-template-areas: "prepend" "control" !important;
                                grid-template-columns: 100% !important; margin-bottom: 4px; }
.v-slider .v-input__prepend { margin: 0 !important; }
.v-slider .v-slider__label { font-size: 1.05rem; opacity: 1; color: #222; white-space: normal; }
"""


@solara.component
def WeekControls(model: solara.Reactive[LiveModel], on_reset: Callable[[], None],
                 error: solara.Reactive[str | None]) -> None:
    """Step one week or four, play and pause, or reset to week 0 with the current settings."""
    update_counter.get()
    playing = solara.use_reactive(False)
    redraw = use_redraw()

    def play() -> None:
        while playing.value:
            model.value.step()
            redraw()
            time.sleep(PLAY_INTERVAL)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step(weeks: int) -> None:
        for _ in range(weeks):
            model.value.step()
        redraw()

    def reset() -> None:
        playing.value = False
        on_reset()

    solara.Text(f"Week {model.value.week}", classes=["live-week"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        solara.Button("Step 1 week", on_click=lambda: step(1), color="primary", disabled=playing.value,
                      classes=["live-step"])
        solara.Button("Step 4 weeks", on_click=lambda: step(4), color="primary", disabled=playing.value)
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                      color="primary", classes=["live-play"])
        solara.Button("Reset", on_click=reset, outlined=True, classes=["live-reset"])
    solara.Text("Changed a setting? Press Reset to start again from week 0 with it.")
    if error.value:
        solara.Error(error.value)


@solara.component
def LiveCharts(model: solara.Reactive[LiveModel], selected: solara.Reactive[int], compare: bool) -> None:
    """The network, stages, momentum and trust (and the side-by-side), redrawn after every step."""
    update_counter.get()
    live = model.value
    project = min(selected.value, len(live.projects) - 1)
    with live.lock:
        specs = {"network": network_chart(live, project), "stages": stage_chart(live, project),
                 "momentum": momentum_chart(live, project), "trust": trust_chart(live, project)}
        if compare:
            specs["compare"] = comparison_chart(live, project)
        about = describe_project(live, project)
        difference = comparison_text(live)
    threshold = live.params["stall_threshold"]
    if compare:
        Chart(specs["compare"], "compare")
        solara.Text(difference, classes=["live-caption", "live-compare-text"], style={"max-width": "1400px"})
    with solara.Div(classes=["live-grid"]):
        with solara.Div():
            Chart(specs["network"], "network")
            solara.Text("Each circle is an organisation, coloured by sector and sized by the officer time it can give "
                        "this week. Lines join organisations that work together: thicker and darker means more "
                        "trust. Black rings mark the selected project's partners, the star its champion, the black "
                        "PM square a lead with a dedicated project manager. " + about, classes=["live-caption"])
        with solara.Div():
            Chart(specs["stages"], "stages")
            solara.Text("Each row is a project (the selected one framed in orange), coloured by its stage week by "
                        "week: blues while it works through its stages, orange when stalled, red when abandoned, "
                        "green once delivered. Dashed lines mark interventions.", classes=["live-caption"])
    with solara.Div(classes=["live-grid"]):
        with solara.Div():
            Chart(specs["momentum"], "momentum")
            solara.Text(f"Momentum is a project's energy, from 0 (none) to 1 (full steam). Below the red dotted line "
                        f"({threshold:g}) a project stalls; left stalled too long, the partners abandon it.",
                        classes=["live-caption"])
        with solara.Div():
            Chart(specs["trust"], "trust")
            solara.Text("Trust between each project's partners, from 0 to 1. It grows as partners meet and keep their "
                        "promises, and drops when a representative leaves: the newcomer starts without the personal "
                        "trust.", classes=["live-caption"])


@solara.component
def Page() -> None:
    """The whole live view (one model per browser session)."""
    first = solara.use_memo(lambda: LiveModel(**starting_settings()), [])
    model = solara.use_reactive(first)
    settings = solara.use_reactive(starting_settings())
    selected = solara.use_reactive(0)
    compare = solara.use_reactive(False)
    error = solara.use_reactive(None)
    redraw = use_redraw()

    def reset() -> None:
        """A new run from week 0 with the current settings (the selected project kept if it exists)."""
        try:
            model.value = LiveModel(**settings.value)
            selected.value = min(selected.value, len(model.value.projects) - 1)
            error.value = None
        except (ParameterError, RegionError) as err:
            error.value = str(err)
        redraw()

    solara.Style(CSS)
    solara.Title("Partnerships: live view")
    with solara.AppBar():
        solara.AppBarTitle("Partnerships: what happens if ...?")
    with solara.Sidebar():
        with solara.Card("Weeks"):
            WeekControls(model, reset, error)
        with solara.Card("Scenario"):
            ScenarioAndSeed(settings, on_reset=reset)
        with solara.Card("Levers"):
            ParameterControls(settings, error)
    with solara.Column(style={"padding": "8px 16px"}):
        InterventionPanel(model, selected)
        solara.Switch(label="Side by side: the same seed with and without your interventions", value=compare,
                      classes=["live-compare-switch"])
        LiveCharts(model, selected, compare.value)


page = Page
