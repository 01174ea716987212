"""Mesa's ``Scenario`` for this model: one field per parameter of the registry, plus the seed.

Mesa 3.5's tools build and rebuild a model from a :class:`mesa.experimental.scenarios.Scenario`
(``SolaraViz``'s Reset passes ``scenario=type(model.scenario)(**slider values)``). Its fields are
generated from :data:`model.parameters.PARAMETERS`, never listed a second time::

    >>> s = PartnershipScenario(rng=3, meeting_interval=2)
    >>> s.meeting_interval, s.external_funding    # given, and the registry's default
    (2, 50.0)
    >>> s.overrides                               # what the scenario itself sets
    {'meeting_interval': 2}

Names and values are checked by the registry (:class:`ParameterError`, one line). The region's own
``[parameters]`` fill in what a scenario does not set (see :class:`model.model.PartnershipModel`), so
``overrides`` keeps the names given apart from the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mesa.experimental.scenarios import Scenario

from partnerships.model.parameters import PARAMETERS, ParameterError, defaults, lookup, validate

_TYPES = {"float": float, "int": int, "bool": bool}


class PartnershipScenario(Scenario):
    """Mesa ``Scenario`` whose fields are the model's parameters (registry defaults) and ``rng``.

    Args:
        rng: seed (a whole number 0 or more, also as text) or ``numpy.random.Generator``; None for fresh entropy.
        **parameters: parameter values by name, checked and converted by the registry.
    """

    __slots__ = ("overrides",)

    def __init__(self, *, rng: Any = None, **parameters: Any) -> None:
        scenario_id = {"_scenario_id": parameters.pop("_scenario_id")} if "_scenario_id" in parameters else {}
        checked = {lookup(name): PARAMETERS[name].validate(value) for name, value in parameters.items()}
        super().__init__(rng=seed(rng), **checked, **scenario_id)
        self.overrides: dict[str, Any] = checked

    def parameters(self) -> dict[str, Any]:
        """Every parameter's value in this scenario (the registry's order)."""
        return {name: self.__dict__[name] for name in PARAMETERS}


PartnershipScenario._scenario_defaults = defaults()  # Mesa reads a Scenario's fields and defaults from here
PartnershipScenario.__annotations__ = {name: _TYPES[p.kind] for name, p in PARAMETERS.items()}


def seed(rng: Any) -> Any:
    """``rng`` as Mesa takes it: a seed given as text (a page's input box) becomes a whole number."""
    if not isinstance(rng, str):
        return rng
    text = rng.strip()
    if not text.isdigit():
        raise ParameterError(f"rng = {rng!r} is not a seed: allowed a whole number, 0 or more")
    return int(text)


def given_parameters(scenario: Scenario) -> dict[str, Any]:
    """The parameter values a Mesa scenario sets: a :class:`PartnershipScenario`'s overrides, or every
    field but ``rng`` of any other ``Scenario`` (checked by the registry)."""
    if isinstance(scenario, PartnershipScenario):
        return dict(scenario.overrides)
    return {lookup(name): PARAMETERS[name].validate(value) for name, value in scenario if name != "rng"}


def settle(region_parameters: Mapping[str, Any], rng: Any, scenario: Scenario | None,
           keywords: Mapping[str, Any]) -> tuple[Scenario, dict[str, Any]]:
    """The scenario a model is built from, and the parameter values in force.

    Values come from the registry's defaults, then the region's ``[parameters]``, then what the
    scenario sets and the keyword overrides (the two may not disagree). Without a scenario, one is
    made from ``rng`` and the keywords. The seed may be given as ``rng`` or ``scenario.rng`` (Mesa's
    Reset passes ``rng=`` beside a scenario without one), not as two different values. The
    scenario's other fields are set to the values in force, so ``model.scenario`` reads true.
    Raises :class:`ParameterError` (one line).
    """
    rng = seed(rng)
    if scenario is None:
        scenario = PartnershipScenario(rng=rng, **keywords)
        given = dict(scenario.overrides)
    else:
        given = given_parameters(scenario)
        for name, value in keywords.items():
            value = PARAMETERS[lookup(name)].validate(value)
            if name in given and given[name] != value:
                raise ParameterError(f"parameter '{name}' = {value!r} as a keyword but {given[name]!r} in the "
                                     "scenario: give it once")
            given[name] = value
        own = seed(scenario.rng)
        if own is None:
            own = rng
        elif rng is not None and own is not rng and own != rng:
            raise ParameterError(f"rng = {rng!r} but scenario.rng = {scenario.rng!r}: give the seed once")
        if own is not scenario.rng:
            scenario.rng = own
    params = validate({**region_parameters, **given})
    for name, value in params.items():
        if getattr(scenario, name, None) != value:
            setattr(scenario, name, value)
    return scenario, params
