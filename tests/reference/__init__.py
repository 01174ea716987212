"""Plain-Python twins of the Numba kernels in :mod:`model.kernels`, one module per kernel module.

Each twin has the kernel's signature (parameter names and order: ``tests/test_kernels.py`` checks),
in-place effects and return value, written from the kernel's documented rule (per-project lists of
members and pairs) rather than from its loops. The tests feed both the same arrays and compare.

Two whole-model references are built on them:

- :func:`reference.week.reference_week` (``week.py``) performs a week as docs/ODD.md lists it, calling
  the twins from call sites of its own; ``tests/test_reference_week.py`` checks that the model's own
  week gives the same run bit for bit, which fails if a call in the model passes a wrong argument.
- :func:`reference_kernels` swaps the twins into the model's kernel namespace, under the model's own
  call sites: a model step with every kernel in plain Python (``benchmarks/kernels.py`` times it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import FunctionType

import partnerships.model.kernels as compiled

from . import (aims, benefits, decisions, draws, funding, joiners, meetings, membership, obstacles, stalls, trust, turnover,
               work)

#: kernel name -> plain-Python reference, for every kernel :mod:`model.kernels` exports
REFERENCES: dict[str, FunctionType] = {
    name: getattr(module, name)
    for module in (aims, turnover, meetings, work, decisions, obstacles, stalls, funding, trust, benefits, membership, draws,
                   joiners)
    for name in dir(module)
    if name in compiled.__all__
}

#: kernel name -> the compiled kernel (taken at import, so it stays the kernel while the model is patched)
COMPILED: dict[str, object] = {name: getattr(compiled, name) for name in compiled.__all__}

_missing = set(compiled.__all__) - set(REFERENCES)
if _missing:
    raise ImportError(f"kernels without a plain-Python reference: {sorted(_missing)}")


@contextmanager
def reference_kernels() -> Iterator[dict[str, FunctionType]]:
    """Within the block, the model's kernel namespace (``model.model.k``) runs the references."""
    try:
        for name, function in REFERENCES.items():
            setattr(compiled, name, function)
        yield REFERENCES
    finally:
        for name, function in COMPILED.items():
            setattr(compiled, name, function)
