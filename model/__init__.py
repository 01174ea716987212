"""The partnership model: parameters, scenarios, the Mesa model, its kernels and its outcomes."""

from model.interventions import ACTIONS, CONDITIONS, Intervention
from model.model import DEFAULT_WEEKS, PartnershipModel
from model.parameters import HEADLINE_LEVERS, PARAMETERS, Parameter, ParameterError
from model.run import RunResult, run_one
from model.scenarios import ScenarioError, ScenarioSpec, load_scenario, synthetic_region

__all__ = [
    "ACTIONS", "CONDITIONS", "DEFAULT_WEEKS", "HEADLINE_LEVERS", "PARAMETERS", "Intervention", "Parameter",
    "ParameterError", "PartnershipModel", "RunResult", "ScenarioError", "ScenarioSpec", "load_scenario",
    "run_one", "synthetic_region",
]
