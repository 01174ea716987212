"""The partnership model: parameters, regions, the Mesa model, its kernels and its outcomes.

Import from the submodules (``partnerships.model.model``, ``partnerships.model.parameters``, ...) or
from :mod:`partnerships`, which gathers the public API. This package imports nothing itself, so the
agents can use :mod:`partnerships.model.codes` without an import cycle.
"""
