"""``model_params`` for Mesa's stock ``SolaraViz`` page, generated from the parameter registry.

A Mesa user's whole app (``viz/mesa_app.py`` is this, with two plots)::

    from mesa.visualization import SolaraViz
    from partnerships import PartnershipModel
    from partnerships.viz.mesa_grid import use_vue3_grid
    from partnerships.viz.mesa_params import model_params

    use_vue3_grid()  # a plot grid that works under Vue 3 (mesa#3806)
    page = SolaraViz(PartnershipModel(rng=0), model_params=model_params(seed=0))

Reset rebuilds the model from these entries: the region (fixed), the seed and one slider or
checkbox per parameter (range and step from :mod:`partnerships.viz.controls`, so the same as the
live view's). Each slider starts at the region's value of its parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, lookup
from partnerships.viz.controls import control, starting_settings


def model_params(region: str | Path = "county", seed: int = 0,
                 names: Iterable[str] | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params`` for ``PartnershipModel(region, rng=seed)``.

    Args:
        region: region name or TOML file (fixed: Reset rebuilds the same region).
        seed: the seed in the page's seed box (text; the model reads it as a whole number).
        names: the parameters to offer, in this order (default: all, headline levers first); the
            others keep the region's values. Unknown names raise :class:`ParameterError`.
    """
    settings = starting_settings(str(region), seed)
    if names is None:
        chosen = [*HEADLINE_LEVERS, *(name for name in PARAMETERS if name not in HEADLINE_LEVERS)]
    else:
        chosen = [lookup(name) for name in names]
    params: dict[str, Any] = {"region": str(region),
                              "rng": {"type": "InputText", "label": "Seed (same seed, same run)", "value": str(seed)}}
    for name in chosen:
        p = PARAMETERS[name]
        params[name] = {**control(p, settings[name]), "label": p.label}  # the stock page's labels do not follow the value
    return params
