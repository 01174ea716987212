"""partnerships: an agent-based simulation of collaborative partnerships between UK public bodies.

The public API. The folders ``model/``, ``agents/``, ``experiments/`` and ``viz/`` of the source tree
install as the subpackages ``partnerships.model``, ``partnerships.agents``, ``partnerships.experiments``
and ``partnerships.viz``; this package is the only top-level name the distribution installs.

>>> import partnerships
>>> model = partnerships.PartnershipModel(rng=1)
>>> model.run_for(5)
"""

from partnerships.agents import Organisation, PartnershipProject, Representative
from partnerships.model.interventions import ACTIONS, CONDITIONS, Intervention
from partnerships.model.mesa_scenario import PartnershipScenario
from partnerships.model.model import DEFAULT_WEEKS, PartnershipModel
from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, Parameter, ParameterError
from partnerships.model.run import RunResult, run_one
from partnerships.model.scenarios import RegionError, RegionSpec, load_region, synthetic_region

__all__ = [
    "ACTIONS", "CONDITIONS", "DEFAULT_WEEKS", "HEADLINE_LEVERS", "Intervention", "Organisation", "PARAMETERS",
    "Parameter", "ParameterError", "PartnershipModel", "PartnershipProject", "PartnershipScenario", "RegionError",
    "RegionSpec", "Representative", "RunResult", "load_region", "run_one", "synthetic_region",
]
