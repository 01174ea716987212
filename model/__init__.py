"""The partnership model: parameters, scenarios, the Mesa model, its kernels and its outcomes.

Names are loaded lazily so that ``agents`` can import ``model.codes`` without a cycle.
"""

from importlib import import_module

_EXPORTS = {
    "ACTIONS": "model.interventions", "CONDITIONS": "model.interventions", "Intervention": "model.interventions",
    "DEFAULT_WEEKS": "model.model", "PartnershipModel": "model.model",
    "HEADLINE_LEVERS": "model.parameters", "PARAMETERS": "model.parameters", "Parameter": "model.parameters",
    "ParameterError": "model.parameters",
    "RunResult": "model.run", "run_one": "model.run",
    "ScenarioError": "model.scenarios", "ScenarioSpec": "model.scenarios", "load_scenario": "model.scenarios",
    "synthetic_region": "model.scenarios",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
