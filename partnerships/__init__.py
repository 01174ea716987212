"""partnerships: an agent-based simulation of collaborative partnerships between UK public bodies.

The public API. The folders ``model/``, ``agents/``, ``experiments/`` and ``viz/`` of the source tree
install as the subpackages ``partnerships.model``, ``partnerships.agents``, ``partnerships.experiments``
and ``partnerships.viz``; this package is the only top-level name the distribution installs.

>>> import partnerships
>>> model = partnerships.PartnershipModel(rng=1)
>>> model.run_for(5)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Where each public name lives; imported on first use, so that ``partnerships --help`` (and any command
#: that does not run the model) does not pay for importing Mesa, Numba and pandas.
_HOMES = {
    "partnerships.agents": ("Organisation", "PartnershipProject", "Representative"),
    "partnerships.model.interventions": ("ACTIONS", "CONDITIONS", "Intervention"),
    "partnerships.model.mesa_scenario": ("PartnershipScenario",),
    "partnerships.model.model": ("DEFAULT_WEEKS", "PartnershipModel"),
    "partnerships.model.parameters": ("HEADLINE_LEVERS", "PARAMETERS", "Parameter", "ParameterError"),
    "partnerships.model.run": ("RunResult", "run_one"),
    "partnerships.model.scenarios": ("RegionError", "RegionSpec", "load_region", "synthetic_region"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

if TYPE_CHECKING:
    from partnerships.agents import Organisation, PartnershipProject, Representative
    from partnerships.model.interventions import ACTIONS, CONDITIONS, Intervention
    from partnerships.model.mesa_scenario import PartnershipScenario
    from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
    from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, Parameter, ParameterError
    from partnerships.model.run import RunResult, run_one
    from partnerships.model.scenarios import RegionError, RegionSpec, load_region, synthetic_region


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'partnerships' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME_OF))


__all__ = [
    "ACTIONS", "CONDITIONS", "DEFAULT_WEEKS", "HEADLINE_LEVERS", "Intervention", "Organisation", "PARAMETERS",
    "Parameter", "ParameterError", "PartnershipModel", "PartnershipProject", "PartnershipScenario", "RegionError",
    "RegionSpec", "Representative", "RunResult", "load_region", "run_one", "synthetic_region",
]
