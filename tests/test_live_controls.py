"""The live view's controls and the data behind its charts (no browser; see test_live_browser.py).

Every control must map to a parameter of the registry and every parameter must have one; a slider's
range is the parameter's range, and neither the controls nor the model accept a value outside it.
The twin used for the side-by-side must match the model until the trainer intervenes.
"""

from __future__ import annotations

import json

import ipyvuetify as v
import numpy as np
import pytest
import solara

from partnerships.model.interventions import ACTIONS
from partnerships.model.model import PartnershipModel
from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, ParameterError
from partnerships.model.scenarios import SCENARIO_DIR
from partnerships.viz.controls import (
    ParameterControls,
    accept,
    all_controls,
    folded_controls,
    headline_controls,
    scenario_choices,
    slider_step,
    starting_settings,
)
from partnerships.viz.live_interventions import BUTTONS, project_choices
from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_plots import (
    comparison_chart,
    comparison_text,
    event_rows,
    momentum_chart,
    momentum_data,
    stage_chart,
    stage_data,
    stage_segments,
    trust_chart,
    trust_data,
)
from partnerships.viz.network import network_chart, network_data

NUMERIC = [name for name, p in PARAMETERS.items() if p.kind != "bool"]


def test_every_parameter_has_exactly_one_control_and_nothing_else() -> None:
    controls = all_controls()
    assert list(controls) == list(HEADLINE_LEVERS) + [n for n in PARAMETERS if n not in HEADLINE_LEVERS]
    folded = [name for group in folded_controls({}).values() for name in group]
    assert len(folded) == len(set(folded)) == len(PARAMETERS) - len(HEADLINE_LEVERS)
    assert set(folded).isdisjoint(HEADLINE_LEVERS)
    for group, names in folded_controls({}).items():
        assert {PARAMETERS[n].group for n in names} == {group}


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_control_type_range_and_step_follow_the_registry(name: str) -> None:
    p, c = PARAMETERS[name], all_controls()[name]
    assert c["label"].startswith(p.label)
    if p.kind == "bool":
        assert c["type"] == "Checkbox" and c["value"] is bool(p.default)
        return
    assert c["type"] == ("SliderInt" if p.kind == "int" else "SliderFloat")
    assert (c["min"], c["max"]) == (p.low, p.high)
    step = slider_step(p)
    positions = (p.high - p.low) / step
    assert positions >= (1 if p.kind == "int" else 50)
    positions_to_default = (p.default - p.low) / step
    assert abs(positions_to_default - round(positions_to_default)) < 1e-6, "default is off the slider's grid"


def test_headline_levers_show_the_values_they_are_given() -> None:
    controls = headline_controls({"meeting_interval": 13})
    assert controls["meeting_interval"]["value"] == 13 and controls["meeting_interval"]["label"].endswith(": 13")


@pytest.mark.parametrize("name", NUMERIC)
def test_out_of_range_values_are_refused_by_the_control_and_by_the_model(name: str) -> None:
    p = PARAMETERS[name]
    step = slider_step(p)
    for bad in (p.low - step, p.high + step):
        with pytest.raises(ParameterError, match=name):
            accept(name, bad)
        with pytest.raises(ParameterError, match=name):
            PartnershipModel(rng=0, **{name: bad})
    assert accept(name, p.high) == p.high and accept(name, p.low) == p.low


def test_rendered_sliders_carry_the_registry_range_and_refuse_values_beyond_it() -> None:
    settings = solara.reactive(starting_settings())
    error = solara.reactive(None)

    @solara.component
    def Controls() -> None:
        ParameterControls(settings, error)

    box, rc = solara.render(Controls(), handle_error=False)
    sliders = rc.find(v.Slider).widgets
    by_label = {p.label: name for name, p in PARAMETERS.items()}
    names = [by_label[s.label.rsplit(": ", 1)[0]] for s in sliders]
    assert sorted(names) == sorted(NUMERIC)
    assert len(rc.find(v.Checkbox).widgets) == len(PARAMETERS) - len(NUMERIC)
    for slider, name in zip(sliders, names):
        assert (slider.min, slider.max) == (PARAMETERS[name].low, PARAMETERS[name].high)

    funding = sliders[names.index("external_funding")]
    before = settings.value["external_funding"]
    funding.v_model = PARAMETERS["external_funding"].high * 5
    assert settings.value["external_funding"] == before
    assert "external_funding" in error.value and "out of range" in error.value
    funding.v_model = 120.0
    assert settings.value["external_funding"] == 120.0 and error.value is None


def test_scenario_picker_lists_county_and_every_scenario_file() -> None:
    choices = scenario_choices()
    assert choices["county"] == "county"
    assert {label for label in choices if label != "county"} == {p.stem for p in SCENARIO_DIR.glob("*.toml")}
    for label, source in choices.items():
        settings = starting_settings(source, seed=3)
        assert settings["rng"] == 3 and set(PARAMETERS) <= set(settings)


def test_a_scenario_files_own_settings_reach_the_sliders(tmp_path) -> None:
    path = tmp_path / "slow_meetings.toml"
    path.write_text('[scenario]\nname = "slow"\n[parameters]\nmeeting_interval = 13\n')
    assert starting_settings(str(path))["meeting_interval"] == 13


def test_intervention_buttons_are_model_actions() -> None:
    assert set(BUTTONS) <= set(ACTIONS)
    wanted = {"funding_award", "champion_leaves", "representative_leaves", "partner_withdraws", "obstacle"}
    assert wanted <= set(BUTTONS)


def test_the_twin_matches_until_the_intervention_and_is_never_touched(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    model.run_for(20)
    assert model.datacollector.model_vars["mean_momentum"] == model.baseline.datacollector.model_vars["mean_momentum"]
    project = int(np.argmax(model.projects.momentum))
    event = model.intervene("funding_award", project=project, amount=200.0)
    model.run_for(3)
    assert event.week == 20 and model.events == [event] == model.trainer_events
    assert model.baseline.events == []
    assert model.projects.external_received[project] >= model.baseline.projects.external_received[project] + 200.0
    assert model.week == model.baseline.week == 23
    assert "week 20" in comparison_text(model)


def test_interventions_are_marked_at_their_week_on_every_chart(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    model.run_for(7)
    model.intervene("obstacle", project=2)
    model.run_for(5)
    model.intervene("policy_shock")
    model.run_for(2)
    assert event_rows(model.events) == [{"week": 7, "label": "obstacle"}, {"week": 12, "label": "policy shock"}]
    for data in (stage_data(model, 2), momentum_data(model, 2), trust_data(model, 2)):
        assert data["events"] == event_rows(model.events)


def test_chart_data_follow_the_model(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    model.run_for(30)
    project = 1
    rows = np.arange(model.n_initial_projects)
    segments = stage_segments(model, rows)
    for p in rows:  # each first project's segments tile the weeks so far, in order
        mine = [s for s in segments if s["order"] == p]
        assert mine[0]["week"] == 0 and mine[-1]["end"] == 31
        assert all(a["end"] == b["week"] for a, b in zip(mine, mine[1:]))
    momentum = momentum_data(model, project)
    assert [r["value"] for r in momentum["selected"]] == pytest.approx(
        [float(m[project]) for m in model.series["momentum"]], abs=1e-4)
    network = network_data(model, project)
    assert len(network["nodes"]) == len(model.orgs) and len(network["edges"]) == len(model.relationships)
    members = {model.region.org_names[o] for o in model.memberships.org[(model.memberships.project == project)
                                                                      & model.memberships.active]}
    assert {n["name"] for n in network["nodes"] if n["member"] == "in selected project"} == members
    markers = {m["marker"] for m in network["markers"]}
    assert ("champion" in markers) == (model.projects.champion[project] >= 0)
    assert ("project manager" in markers) == bool(model.projects.has_manager[project])
    assert len(project_choices(model)) == len(model.projects)


def test_every_named_dataset_of_each_chart_is_filled(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    model.run_for(5)
    model.intervene("obstacle", project=0)

    def names(node) -> set[str]:
        if isinstance(node, dict):
            found = {node["data"]["name"]} if isinstance(node.get("data"), dict) else set()
            return found.union(*(names(value) for value in node.values()))
        if isinstance(node, list):
            return set().union(*(names(item) for item in node))
        return set()

    for build in (network_chart, stage_chart, momentum_chart, trust_chart, comparison_chart):
        chart = build(model, 0)
        assert names(chart.template) == set(chart.datasets)
        assert json.loads(json.dumps(chart.datasets)) == chart.datasets
        if build is not network_chart:
            assert chart.datasets["events"] == [{"week": 5, "label": "obstacle"}]


def test_live_command_refuses_a_taken_port_in_one_line() -> None:
    import socket

    from typer.testing import CliRunner

    from partnerships.experiments.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["live", "--port", str(port)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: port") and str(port) in lines[0] and "--port" in lines[0]
