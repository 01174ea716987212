"""Mesa's Scenario and SolaraViz's rebuild of the model: fields from the registry, seeds, precedence.

SolaraViz's Reset calls ``mesa.visualization.solara_viz._build_model_init_kwargs`` and then
``type(model)(**kwargs)``; the tests call the same function, so a change in Mesa that breaks
Reset breaks them too (the browser test drives the real button).
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario
from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params, split_model_params

from partnerships import PARAMETERS, PartnershipModel, PartnershipScenario, ParameterError
from partnerships.model.outcomes import model_series, project_table
from partnerships.model.parameters import HEADLINE_LEVERS, defaults
from partnerships.viz.mesa_params import model_params

WEEKS = 30


def run(model: PartnershipModel, weeks: int = WEEKS) -> tuple[pd.DataFrame, pd.DataFrame]:
    model.run_for(weeks)
    return model_series(model), project_table(model)


def same_run(a: PartnershipModel, b: PartnershipModel) -> bool:
    (sa, pa), (sb, pb) = run(a), run(b)
    return sa.equals(sb) and pa.equals(pb)


def reset(model: PartnershipModel, values: dict) -> PartnershipModel:
    """What SolaraViz's Reset button builds from the page's current ``values``."""
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    return type(model)(**kwargs)


def page_values(params: dict) -> dict:
    """The values SolaraViz's ModelCreator starts the page with (fixed entries and each input's value)."""
    inputs, fixed = split_model_params(params)
    return {**fixed, **{name: entry["value"] for name, entry in inputs.items()}}


def region_file(tmp_path, text: str = "meeting_interval = 13\nfollow_on_chance = 0.9\n"):
    path = tmp_path / "slow.toml"
    path.write_text(f'[scenario]\nname = "slow"\n[parameters]\n{text}')
    return path


def test_the_scenario_fields_are_the_registry():
    assert list(PartnershipScenario._scenario_defaults) == list(PARAMETERS)
    assert PartnershipScenario._scenario_defaults == defaults()
    scenario = PartnershipScenario(rng=4, meeting_interval="2")
    assert scenario.parameters() == {**defaults(), "meeting_interval": 2}
    assert scenario.overrides == {"meeting_interval": 2} and scenario.rng == 4
    assert {name: type(value) for name, value in scenario.parameters().items()} == PartnershipScenario.__annotations__


def test_the_scenario_refuses_unknown_names_and_values_out_of_range():
    with pytest.raises(ParameterError, match="did you mean 'meeting_interval'"):
        PartnershipScenario(meeting_intervall=2)
    with pytest.raises(ParameterError, match="'leader_turnover' = 2 is out of range"):
        PartnershipScenario(leader_turnover=2)
    with pytest.raises(ParameterError, match="rng = 'seven' is not a seed"):
        PartnershipScenario(rng="seven")


def test_a_scenario_gives_the_same_run_as_keywords(base_seed):
    settings = {"meeting_discipline": 0.9, "leader_turnover": 0.3}
    keywords = PartnershipModel(rng=base_seed, **settings)
    scenario = PartnershipModel(scenario=PartnershipScenario(rng=base_seed, **settings))
    assert scenario.params == keywords.params
    assert same_run(keywords, scenario)
    assert not same_run(PartnershipModel(rng=base_seed), PartnershipModel(scenario=PartnershipScenario(
        rng=base_seed, meeting_discipline=0.9)))


def test_the_model_scenario_reads_the_values_in_force(tmp_path, base_seed):
    path = region_file(tmp_path)
    model = PartnershipModel(path, rng=base_seed, external_funding=0)
    assert isinstance(model.scenario, PartnershipScenario) and model.scenario.rng == base_seed
    assert model.scenario.parameters() == model.params
    assert model.params["meeting_interval"] == 13 and model.params["external_funding"] == 0


def test_the_region_fills_in_what_the_scenario_does_not_set(tmp_path, base_seed):
    path = region_file(tmp_path)
    model = PartnershipModel(path, scenario=PartnershipScenario(rng=base_seed, follow_on_chance=0.2))
    assert model.params["meeting_interval"] == 13  # the region file's
    assert model.params["follow_on_chance"] == 0.2  # the scenario's, over the file's 0.9
    assert model.scenario.meeting_interval == 13  # and the scenario says so


def test_any_mesa_scenario_of_parameter_values_is_accepted(base_seed):
    plain = PartnershipModel(scenario=Scenario(rng=base_seed, meeting_interval=2))
    assert plain.params["meeting_interval"] == 2
    assert same_run(plain, PartnershipModel(rng=base_seed, meeting_interval=2))
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        PartnershipModel(scenario=Scenario(rng=1, colour="red"))


def test_the_seed_is_given_once(base_seed):
    beside = PartnershipModel(rng=base_seed, scenario=PartnershipScenario(work_rate=0.5))  # as Reset passes it
    assert beside.scenario.rng == base_seed
    assert same_run(beside, PartnershipModel(rng=base_seed, work_rate=0.5))
    assert same_run(PartnershipModel(rng=str(base_seed)), PartnershipModel(rng=base_seed))  # a page's seed box
    PartnershipModel(rng=base_seed, scenario=PartnershipScenario(rng=base_seed))  # the same seed twice is fine
    with pytest.raises(ParameterError, match="rng = 1 but scenario.rng = 2: give the seed once"):
        PartnershipModel(rng=1, scenario=PartnershipScenario(rng=2))
    with pytest.raises(ParameterError, match="'work_rate' = 0.6 as a keyword but 0.5 in the scenario"):
        PartnershipModel(rng=1, scenario=PartnershipScenario(work_rate=0.5), work_rate=0.6)


def test_model_params_offer_every_parameter_with_its_range():
    params = model_params()
    assert list(params)[:2 + len(HEADLINE_LEVERS)] == ["region", "rng", *HEADLINE_LEVERS]
    assert set(params) == {"region", "rng", *PARAMETERS}
    for name, p in PARAMETERS.items():
        entry = params[name]
        assert entry["label"] == p.label and entry["value"] == defaults()[name]
        if p.kind == "bool":
            assert entry["type"] == "Checkbox"
        else:
            assert entry["type"] == ("SliderInt" if p.kind == "int" else "SliderFloat")
            assert (entry["min"], entry["max"]) == (p.low, p.high)
    assert list(model_params(names=["patience", "ambition"])) == ["region", "rng", "patience", "ambition"]
    with pytest.raises(ParameterError, match="did you mean 'patience'"):
        model_params(names=["patince"])


def test_model_params_start_at_the_region_values(tmp_path):
    params = model_params(region_file(tmp_path), seed=5)
    assert params["meeting_interval"]["value"] == 13 and params["rng"]["value"] == "5"


def test_mesa_accepts_the_model_params():
    model = PartnershipModel(rng=0)
    _check_model_params(model, model_params())  # raises ValueError for an entry Mesa cannot pass on
    assert "scenario" in inspect.signature(PartnershipModel).parameters


def test_reset_rebuilds_the_same_run_and_takes_the_sliders(base_seed, tmp_path):
    shown = PartnershipModel(rng=base_seed)
    shown.run_for(10)
    rebuilt = reset(shown, page_values(model_params(seed=base_seed)))
    assert rebuilt.week == 0 and isinstance(rebuilt.scenario, PartnershipScenario)
    assert same_run(rebuilt, PartnershipModel(rng=base_seed))

    values = {**page_values(model_params(seed=base_seed)), "rng": "7", "meeting_interval": 8}
    moved = reset(shown, values)
    assert moved.params["meeting_interval"] == 8 and moved.scenario.rng == 7
    assert same_run(moved, PartnershipModel(rng=7, meeting_interval=8))

    path = region_file(tmp_path)
    on_file = PartnershipModel(path, rng=base_seed)
    again = reset(on_file, page_values(model_params(path, seed=base_seed)))
    assert again.params == on_file.params and again.spec.name == "slow"


def test_reset_without_model_params_draws_a_fresh_seed():
    shown = PartnershipModel(rng=0)
    first, second = reset(shown, {}), reset(shown, {})
    assert first.params == shown.params
    assert not np.array_equal(first.orgs.risk_appetite, second.orgs.risk_appetite)


def test_the_example_app_builds_a_stock_page():
    app = importlib.import_module("partnerships.viz.mesa_app")
    assert app.page.component.name == "SolaraViz"
    assert isinstance(app.page.kwargs["model_params"]["rng"], dict)
