"""The live view's settings, generated from the parameter registry (never listed a second time).

Each parameter in :data:`model.parameters.PARAMETERS` becomes one control spec (Mesa's
``model_params`` form): a ``SliderFloat`` or ``SliderInt`` whose min and max are the parameter's
allowed range, or a ``Checkbox`` for a switch. The four headline levers are shown first; the rest
are folded away by group. The controls are drawn with Vuetify's slider and checkbox directly,
rather than Mesa's ``UserInputs`` or Solara's sliders, because those convert the value the browser
sends before any check (``int("nan")`` raises, and the page would show the traceback): here every
value from the page goes through :func:`accept` first, and a refused one is a one-line message.

Settings apply when the trainer presses Reset: until then a changed control is marked *pending*
and :func:`pending_changes` lists what would change. The twin can have its own values of the
headline levers (:class:`TwinControls`), for a side-by-side of two settings on the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import reacton.ipyvuetify as rv
import solara

from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, Parameter, ParameterError, defaults
from partnerships.model.scenarios import SCENARIO_DIR, load_region

MAX_SEED = 2**63 - 1

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
    "gates": "Stage gates and agreeing goals",
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
    """The value a control may keep: a finite number (or a true/false for a switch) that passes the
    parameter's own check; raises :class:`ParameterError` (one line) for anything else."""
    p = PARAMETERS[name]
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"parameter '{name}' = {value!r}: allowed true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParameterError(f"parameter '{name}' = {value!r} is not a number: allowed {p.range_text()} ({p.unit})")
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"parameter '{name}' = {value!r} is not a number: allowed {p.range_text()} "
                             f"({p.unit})") from None
    if not math.isfinite(number):
        raise ParameterError(f"parameter '{name}' = {value!r} is not a finite number: allowed {p.range_text()} "
                             f"({p.unit})")
    return p.validate(number)


def accept_seed(value: Any) -> int:
    """A seed from the page: a whole number from 0 to 2^63 - 1 (raises :class:`ParameterError`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ParameterError(f"seed = {value!r}: allowed a whole number from 0 to {MAX_SEED}")
    return value


def pending_changes(settings: Mapping[str, Any], running: Mapping[str, Any]) -> list[str]:
    """What Reset would change, in words: each setting whose value differs from the running run's."""
    out = []
    for name, value in settings.items():
        if running.get(name) != value:
            label = {"region": "scenario", "rng": "seed"}.get(name, PARAMETERS[name].label if name in PARAMETERS
                                                                else name)
            out.append(f"{label}: {_shown(running.get(name))} -> {_shown(value)}")
    return out


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value.endswith(".toml"):
        return value.rsplit("/", 1)[-1][:-5]
    return str(value)


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
def Lever(name: str, spec: dict[str, Any], running: Any, on_change: Callable[[str, Any], None]) -> None:
    """One parameter's slider or checkbox; its label shows its value, and "pending" while it differs
    from the running run's value (``running``)."""
    pending = "" if spec["value"] == running else f" (pending: now {running:g})" if not isinstance(running, bool) \
        else f" (pending: now {'on' if running else 'off'})"
    if spec["type"] == "Checkbox":
        rv.Checkbox(label=spec["label"] + pending, v_model=spec["value"], hide_details=True,
                   on_v_model=lambda value: on_change(name, value), class_="live-lever")
        return
    rv.Slider(label=spec["label"] + pending, v_model=spec["value"], min=spec["min"], max=spec["max"],
             step=spec["step"], hide_details=True, on_v_model=lambda value: on_change(name, value),
             class_="live-lever live-pending" if pending else "live-lever")


@solara.component
def ParameterControls(settings: solara.Reactive[dict[str, Any]], error: solara.Reactive[str | None],
                      running: Mapping[str, Any] | None = None) -> None:
    """Headline levers on top, the other parameters folded away by group.

    A value the parameter refuses is not kept; its one-line reason shows in ``error``.
    ``running``: the running run's parameters, to mark pending changes (default: none pending).
    """

    def on_change(name: str, value: Any) -> None:
        try:
            settings.value = {**settings.value, name: accept(name, value)}
            error.value = None
        except ParameterError as err:
            error.value = str(err)

    values = settings.value
    now = running if running is not None else values
    for name, spec in headline_controls(values).items():
        Lever(name, spec, now.get(name, spec["value"]), on_change)
    for group, controls in folded_controls(values).items():
        with solara.Details(summary=GROUP_TITLES.get(group, group.title())):
            for name, spec in controls.items():
                Lever(name, spec, now.get(name, spec["value"]), on_change)


@solara.component
def TwinControls(settings: solara.Reactive[dict[str, Any]], twin: solara.Reactive[dict[str, Any]],
                 error: solara.Reactive[str | None], running: Mapping[str, Any] | None = None) -> None:
    """The twin's own values of the headline levers (same seed, other settings); ``twin`` holds only
    the levers that differ from the run's settings."""

    def on_change(name: str, value: Any) -> None:
        try:
            kept = accept(name, value)
            others = {k: x for k, x in twin.value.items() if k != name}
            twin.value = others if kept == settings.value[name] else {**others, name: kept}
            error.value = None
        except ParameterError as err:
            error.value = str(err)

    values = {**settings.value, **twin.value}
    now = running if running is not None else values
    for name, spec in headline_controls(values).items():
        spec = {**spec, "label": "Twin: " + spec["label"]}
        Lever(name, spec, now.get(name, spec["value"]), on_change)


@solara.component
def ScenarioAndSeed(settings: solara.Reactive[dict[str, Any]], error: solara.Reactive[str | None]) -> None:
    """Scenario picker (built-in county plus the files in experiments/scenarios) and the seed; both
    apply at the next Reset, like every setting."""
    choices = scenario_choices()
    by_source = {source: label for label, source in choices.items()}
    current = by_source.get(str(settings.value["region"]), "county")

    def pick(label: Any) -> None:
        if label not in choices:
            error.value = f"scenario {label!r}: allowed {', '.join(choices)}"
            return
        settings.value = {**starting_settings(choices[label], settings.value["rng"])}
        error.value = None

    def seed(value: Any) -> None:
        try:
            settings.value = {**settings.value, "rng": accept_seed(value)}
            error.value = None
        except ParameterError as err:
            error.value = str(err)

    solara.Select("Scenario", values=list(choices), value=current, on_value=pick)
    solara.InputInt("Seed (same seed, same run)", value=settings.value["rng"], on_value=seed)
