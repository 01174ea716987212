"""The live view's controls and the data behind its charts (no browser; see test_live_browser.py).

Every control must map to a parameter of the registry and every parameter must have one; a slider's
range is the parameter's range, and neither the controls nor the model accept a value outside it,
nor a malformed one (``"nan"`` into a whole-number slider is a one-line message, not a traceback).
The twin used for the side-by-side must match the model until the trainer intervenes, or run with
its own lever values on the same seed. Averages never drop a project.
"""

from __future__ import annotations

import json

import ipyvuetify as v
import numpy as np
import pytest
import solara

from partnerships.model.codes import Stage
from partnerships.model.interventions import ACTIONS
from partnerships.model.model import PartnershipModel
from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, ParameterError
from partnerships.model.scenarios import SCENARIO_DIR
from partnerships.viz.controls import (
    ParameterControls,
    accept,
    pending_changes,
    all_controls,
    folded_controls,
    headline_controls,
    scenario_choices,
    slider_step,
    starting_settings,
)
from partnerships.viz.live_interventions import BUTTONS, project_choices
from partnerships.viz.live_model import LiveModel
from partnerships.viz.live_model import average_momentum, counts, momentum_history
from partnerships.viz.live_plots import (
    NO_EVENT,
    comparison_chart,
    comparison_text,
    event_rows,
    momentum_chart,
    stage_chart,
    stage_segments,
    trust_chart,
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


@pytest.mark.parametrize("bad", ["nan", float("nan"), "inf", 1e400, "12abc", None, [3], {"a": 1}, True])
def test_a_crafted_widget_value_is_one_line_never_a_traceback(bad) -> None:
    """What a hand-made websocket message would set: the slider's v_model, as the page's Page renders it."""
    settings = solara.reactive(starting_settings())
    error = solara.reactive(None)

    @solara.component
    def Controls() -> None:
        ParameterControls(settings, error)

    box, rc = solara.render(Controls(), handle_error=False)
    interval = next(s for s in rc.find(v.Slider).widgets if s.label.startswith(PARAMETERS["meeting_interval"].label))
    before = dict(settings.value)
    interval.v_model = bad  # an exception here would be the traceback the page used to show
    assert settings.value == before
    assert "meeting_interval" in error.value and "\n" not in error.value


def test_slider_changes_are_pending_until_reset() -> None:
    model = LiveModel(rng=0)
    running = {"region": model.source, "rng": model.seed, **model.params}
    settings = {**running, "meeting_discipline": 0.9, "rng": 4}
    assert pending_changes(running, running) == []
    changes = pending_changes(settings, running)
    assert len(changes) == 2 and any("0.5 -> 0.9" in c for c in changes) and any("seed: 0 -> 4" in c for c in changes)

def test_scenario_picker_lists_county_and_every_scenario_file() -> None:
    choices = scenario_choices()
    assert choices["county"] == "county"
    assert {label for label in choices if label != "county"} == {p.stem for p in SCENARIO_DIR.glob("*.toml")}
    for source in choices.values():
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
    assert [m.tolist() for m in momentum_history(model)] == [m.tolist() for m in momentum_history(model.baseline)]
    project = int(np.argmax(model.projects.momentum))
    event = model.intervene("funding_award", project=project, amount=200.0)
    model.run_for(3)
    assert event.week == 20 and model.events == [event] == model.trainer_events
    assert model.baseline.events == []
    assert model.projects.external_received[project] >= model.baseline.projects.external_received[project] + 200.0
    assert model.week == model.baseline.week == 23
    assert "interventions in the run" in comparison_text(model)


def test_a_settings_twin_runs_the_same_seed_with_its_own_levers(base_seed: int) -> None:
    model = LiveModel(rng=base_seed, meeting_discipline=0.2, twin_parameters={"meeting_discipline": 0.9})
    assert model.twin_overrides == ["meeting_discipline"] and model.baseline.params["meeting_discipline"] == 0.9
    same = LiveModel(rng=base_seed, meeting_discipline=0.2)
    assert [o.tolist() for o in (model.orgs.capacity, model.projects.ambition)] == \
        [o.tolist() for o in (model.baseline.orgs.capacity, model.baseline.projects.ambition)]  # one region, one seed
    model.run_for(40)
    same.run_for(40)
    assert momentum_history(model)[-1].tolist() == momentum_history(same)[-1].tolist()  # the run is the plain run
    assert momentum_history(model)[-1].tolist() != momentum_history(model.baseline)[-1].tolist()
    assert model.labels == ("meeting discipline 0.2", "meeting discipline 0.9")
    assert "meeting_discipline 0.2 in the run, 0.9 in the twin" in comparison_text(model)


def _open_projects_average(model: LiveModel, n: int, week: int) -> float:
    """The survivorship average: mean momentum of the first ``n`` projects still open at ``week``."""
    stage, values = model.history.stage[week][:n], momentum_history(model)[week][:n]
    return float(values[np.isin(stage, [0, 1, 2, 3, 4, 6])].mean())


def test_the_average_counts_every_starting_project_so_abandoning_one_never_raises_it(base_seed: int) -> None:
    """Survivorship: the average of open projects jumps up when a weak project is abandoned; ours
    (every starting project, abandoned ones as 0) moves less than it at every abandonment."""
    abandonments, naive_rose = 0, 0
    for seed in range(base_seed, base_seed + 6):
        model = LiveModel(rng=seed, patience=8)
        model.run_for(160)
        n = model.n_initial_projects
        for week in range(1, len(model.history)):
            stage, before = model.history.stage[week][:n], model.history.stage[week - 1][:n]
            values = momentum_history(model)[week][:n].astype(float)
            values[stage == Stage.ABANDONED] = 0.0
            assert average_momentum(model, week) == pytest.approx(values.mean())
            if ((stage == Stage.ABANDONED) & (before != Stage.ABANDONED)).any():
                abandonments += 1
                ours = average_momentum(model, week) - average_momentum(model, week - 1)
                theirs = _open_projects_average(model, n, week) - _open_projects_average(model, n, week - 1)
                naive_rose += theirs > 0
                assert ours < theirs
    assert abandonments >= 3 and naive_rose >= 1, "too few abandonments to test the average"


def test_interventions_are_marked_at_their_week_on_every_chart_and_repeats_are_counted(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    assert event_rows(model) == [NO_EVENT]  # an invisible placeholder keeps Vega from warning
    model.run_for(7)
    model.intervene("obstacle", project=2)
    model.intervene("obstacle", project=2)
    model.run_for(5)
    model.intervene("policy_shock")
    model.run_for(2)
    rows = event_rows(model)
    assert [(r["week"], r["label"], r["shown"]) for r in rows] == [(7, "obstacle x2", 1), (12, "policy shock", 1)]
    for chart in (stage_chart(model, 2), momentum_chart(model, 2), trust_chart(model, 2)):
        assert chart.datasets["events"] == rows


def test_chart_data_follow_the_model(base_seed: int) -> None:
    model = LiveModel(rng=base_seed)
    plain = PartnershipModel(rng=base_seed)  # the same run, its state read week by week
    weekly = [plain.projects.momentum.copy()]
    for _ in range(30):
        plain.step()
        weekly.append(plain.projects.momentum.copy())
    left = int(plain.orgs.rep_generation.sum()) - len(plain.orgs)
    model.run_for(30)
    project = 1
    rows = np.arange(model.n_initial_projects)
    segments = stage_segments(model, rows)
    for p in rows:  # each first project's segments tile the weeks so far, in order
        mine = [s for s in segments if s["order"] == p]
        assert mine[0]["week"] == 0 and mine[-1]["end"] == 31
        assert all(a["end"] == b["week"] for a, b in zip(mine, mine[1:]))
    momentum = momentum_chart(model, project).datasets
    assert [r["value"] for r in momentum["selected"]] == pytest.approx(
        [float(m[project]) for m in weekly], abs=1e-4)
    assert [r["value"] for r in momentum["mean"]] == pytest.approx(
        [average_momentum(model, w) for w in range(31)], abs=1e-4)
    assert counts(model) == {"delivered": int((model.projects.delivered_week >= 0).sum()),
                             "stalled": int((model.projects.stage == Stage.STALLED).sum()),
                             "abandoned": int((model.projects.stage == Stage.ABANDONED).sum()),
                             "open": int(np.isin(model.projects.stage, [0, 1, 2, 3, 4, 6]).sum()),
                             "representatives left": left}
    assert left > 0
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

    charts = [build(model, 0) for build in (network_chart, stage_chart, momentum_chart, trust_chart)]
    charts += [comparison_chart(model, 0, measure) for measure in ("project", "average", "delivered", "progress")]
    for chart in charts:
        assert names(chart.template) == set(chart.datasets)
        assert json.loads(json.dumps(chart.datasets)) == chart.datasets
        assert chart.alt.startswith(("Network", "Stage", "Momentum", "Trust", "Side by side")) and "week 5" in chart.alt
        if chart.name != "network":
            assert chart.datasets["events"] == [{"week": 5, "label": "obstacle", "shown": 1}]


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
