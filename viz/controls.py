"""The live view's controls, generated from the parameter registry (never listed a second time).

Each parameter in :data:`model.parameters.PARAMETERS` becomes one Mesa ``model_params`` entry: a
``SliderFloat`` or ``SliderInt`` whose min and max are the parameter's allowed range, or a
``Checkbox`` for a switch. The four headline levers are shown first; the rest are folded away by
group. A value arriving from the page is checked by the parameter itself before it is kept, so no
control can set a value outside the range the model accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import solara
from mesa.visualization.solara_viz import UserInputs

from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, Parameter, ParameterError, defaults
from partnerships.model.scenarios import SCENARIO_DIR, load_region

SLIDER_POSITIONS = 50  # a float slider has at least this many positions across its range
MAX_REFINEMENTS = 4  # at most 10^4 times finer, to put the default on a position
GROUP_TITLES = {
    "funding": "Funding programme",
    "meetings": "Meetings and work",
    "trust": "Trust",
    "leadership": "Leadership and champions",
    "partners": "Partners",
    "obstacles": "Obstacles and stalls",
    "project": "Projects",
    "benefits": "Benefits and fairness",
}


def slider_step(p: Parameter) -> float:
    """Step of a parameter's slider: 1 for whole numbers, else a power of ten giving at least
    :data:`SLIDER_POSITIONS` positions, made finer until the default lies on a position."""
    if p.kind == "int":
        return 1
    step = 10.0 ** math.floor(math.log10((p.high - p.low) / SLIDER_POSITIONS))
    for _ in range(MAX_REFINEMENTS):
        positions = (p.default - p.low) / step
        if abs(positions - round(positions)) < 1e-6:
            break
        step /= 10
    return step


def control(p: Parameter, value: Any = None) -> dict[str, Any]:
    """Mesa ``model_params`` entry for one parameter (``value`` defaults to the parameter's default);
    a slider's label shows its current value, so the room can read it."""
    value = p.default if value is None else value
    if p.kind == "bool":
        return {"type": "Checkbox", "label": p.label, "value": bool(value)}
    kind = "SliderInt" if p.kind == "int" else "SliderFloat"
    cast = int if p.kind == "int" else float
    return {"type": kind, "label": f"{p.label}: {cast(value):g}", "value": cast(value), "min": cast(p.low),
            "max": cast(p.high), "step": slider_step(p)}


def headline_controls(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Controls of the four headline levers, in their registry order."""
    return {name: control(PARAMETERS[name], values.get(name)) for name in HEADLINE_LEVERS}


def folded_controls(values: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Controls of every other parameter, grouped by ``Parameter.group`` (groups in registry order)."""
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for name, p in PARAMETERS.items():
        if name not in HEADLINE_LEVERS:
            groups.setdefault(p.group, {})[name] = control(p, values.get(name))
    return groups


def all_controls(values: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every parameter's control, headline levers first."""
    values = values or {}
    merged = dict(headline_controls(values))
    for group in folded_controls(values).values():
        merged.update(group)
    return merged


def accept(name: str, value: Any) -> float | int | bool:
    """The value a control may keep: the parameter's own check (raises :class:`ParameterError`)."""
    return PARAMETERS[name].validate(value)


def scenario_choices() -> dict[str, str]:
    """Scenario picker entries: label -> what ``PartnershipModel(region=...)`` takes."""
    choices = {"county": "county"}
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        choices[path.stem] = str(path)
    return choices


def starting_settings(region: str = "county", seed: int = 1) -> dict[str, Any]:
    """Everything the model is built from: scenario, seed, and every parameter (the scenario's own
    overrides applied, so a scenario file's settings show on the sliders)."""
    values = defaults()
    values.update(load_region(region).parameters)
    return {"region": region, "rng": seed, **values}


@solara.component
def ParameterControls(settings: solara.Reactive[dict[str, Any]], error: solara.Reactive[str | None]) -> None:
    """Headline levers on top, the other parameters folded away by group (Mesa's ``UserInputs``).

    A value the parameter refuses is not kept; its one-line reason shows in ``error``.
    """

    def on_change(name: str, value: Any) -> None:
        try:
            settings.value = {**settings.value, name: accept(name, value)}
            error.value = None
        except ParameterError as err:
            error.value = str(err)

    values = settings.value
    UserInputs(headline_controls(values), on_change=on_change)
    for group, controls in folded_controls(values).items():
        with solara.Details(summary=GROUP_TITLES.get(group, group.title())):
            UserInputs(controls, on_change=on_change)


@solara.component
def ScenarioAndSeed(settings: solara.Reactive[dict[str, Any]], on_reset: Callable[[], None]) -> None:
    """Scenario picker (built-in county plus the files in experiments/scenarios) and the seed."""
    choices = scenario_choices()
    by_source = {source: label for label, source in choices.items()}
    current = by_source.get(str(settings.value["region"]), "county")

    def pick(label: str) -> None:
        settings.value = starting_settings(choices[label], settings.value["rng"])
        on_reset()

    def seed(value: int) -> None:
        settings.value = {**settings.value, "rng": max(0, int(value))}
        on_reset()

    solara.Select("Scenario", values=list(choices), value=current, on_value=pick)
    solara.InputInt("Seed (same seed, same run)", value=settings.value["rng"], on_value=seed)
