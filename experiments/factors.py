"""What a study varies, and the designs that sample it: factors, and SALib's samplers.

A :class:`Factor` is one varied input: discrete ``levels`` (with display ``labels``), or a range
``low``-``high`` sampled by a design. :func:`sample` draws a design over ranges with SALib (Latin
hypercube, Sobol, Morris); :func:`design_points` turns its rows into parameter values and
:func:`full_factorial` crosses levels. Every study samples the same way: a whole-number factor is
sampled over ``[low - 1/2, high + 1/2]`` and rounded, so each whole number in its range is equally
likely; a switch is on where the sample is at least 1/2.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from partnerships.model.parameters import PARAMETERS

DUMMY = "dummy"  # the kind of a factor the model ignores (a sensitivity study's noise floor)
SAMPLERS = ("latin_hypercube", "sobol", "morris")


@dataclass(frozen=True)
class Factor:
    """One varied input, in the parameter's own unit.

    Attributes:
        name: the parameter (or ``dummy``).
        low, high: the range a design samples (None for a factor given by levels).
        kind: 'float', 'int', 'bool' (the parameter's kind) or 'dummy' (ignored by the model).
        label: a display name ('' for the name itself).
        levels, labels: discrete values and their display labels (a full factorial's factor).
    """

    name: str
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    label: str = ""
    levels: tuple[Any, ...] | None = None
    labels: tuple[str, ...] | None = None

    @classmethod
    def of(cls, name: str, low: float | None = None, high: float | None = None,
           levels: Sequence[Any] | None = None, labels: Sequence[str] | None = None) -> Factor:
        """A factor of parameter ``name``: kind and label from the registry."""
        p = PARAMETERS[name]
        return cls(name, None if low is None else float(low), None if high is None else float(high), p.kind, p.label,
                   tuple(levels) if levels is not None else None, tuple(labels) if labels is not None else None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Factor:
        """A factor from :meth:`as_dict` (a results folder's manifest)."""
        kind = data.get("kind") or (PARAMETERS[data["name"]].kind if data["name"] in PARAMETERS else "float")
        levels, labels = data.get("levels"), data.get("labels")
        return cls(data["name"], data.get("low"), data.get("high"), kind, data.get("label") or "",
                   tuple(levels) if levels else None, tuple(labels) if labels else None)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "label": self.label, "levels": self.levels,
                "labels": self.labels, "low": self.low, "high": self.high}

    def level_label(self, value: Any) -> str:
        """The display label of a level (the level itself, formatted, when no labels were given)."""
        if self.levels is not None and self.labels is not None:
            for level, label in zip(self.levels, self.labels):
                if level == value:
                    return label
        return f"{value:g}" if isinstance(value, float) else str(value)

    def bounds(self) -> list[float]:
        """The range a design samples: whole numbers get half a step either side, so each is equally likely."""
        if self.kind in ("bool", DUMMY):
            return [0.0, 1.0]
        low, high = self._range()
        return [low - 0.5, high + 0.5] if self.kind == "int" else [low, high]

    def value(self, x: float) -> float | int | bool:
        """The model value of a sampled ``x`` (rounded for whole numbers, a switch at 0.5 for booleans)."""
        if self.kind == "int":
            low, high = self._range()
            return int(min(max(math.floor(x + 0.5), low), high))
        if self.kind == "bool":
            return bool(x >= 0.5)
        return float(x)

    def grid(self, points: int) -> list[float | int | bool]:
        """Evenly spaced values across the range, for one-at-a-time response curves (each once)."""
        if self.kind == "bool":
            return [False, True]
        values = np.linspace(*self._range(), points)
        return list(dict.fromkeys(self.value(v) for v in values))

    def level_values(self) -> tuple[Any, ...]:
        """The discrete levels (a factor given by a range has none: ValueError)."""
        if self.levels is None:
            raise ValueError(f"factor '{self.name}' has a range, not levels")
        return self.levels

    def _range(self) -> tuple[float, float]:
        if self.low is None or self.high is None:
            raise ValueError(f"factor '{self.name}' has levels, not a range")
        return self.low, self.high


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of ``factors`` (in their order)."""
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [f.bounds() for f in factors]}


def sample(kind: str, factors: Sequence[Factor], n: int, seed: int, *, num_levels: int = 4,
           second_order: bool = False) -> np.ndarray:
    """A design over the factors' ranges, one row per point, by SALib.

    ``latin_hypercube``: ``n`` points, one in each of ``n`` strata of every factor. ``sobol``: SALib's
    Saltelli-extended Sobol sequence for ``n`` base points (a power of 2), ``n (2D + 2)`` rows with
    second order and ``n (D + 2)`` without. ``morris``: ``n`` trajectories of ``D + 1`` points on a
    ``num_levels`` grid. ``seed`` must not be 0 (SALib treats 0 as no seed).
    """
    from SALib.sample import latin, morris, sobol

    spec = problem(factors)
    if kind == "latin_hypercube":
        return latin.sample(spec, n, seed=seed)
    if kind == "sobol":
        return sobol.sample(spec, n, calc_second_order=second_order, scramble=True, seed=seed)
    if kind == "morris":
        return morris.sample(spec, n, num_levels=num_levels, seed=seed)
    raise ValueError(f"unknown design kind '{kind}': allowed {', '.join(SAMPLERS)}")


def sample_size(kind: str, n_factors: int, n: int, *, second_order: bool = False) -> int:
    """Rows of :func:`sample` for ``n_factors`` factors, computed without sampling."""
    if kind == "latin_hypercube":
        return n
    if kind == "sobol":
        return n * ((2 if second_order else 1) * n_factors + 2)
    return n * (n_factors + 1)


def design_points(factors: Sequence[Factor], design: np.ndarray) -> list[dict[str, Any]]:
    """The parameter values of each design row (a dummy factor takes no parameter)."""
    return [{f.name: f.value(x) for f, x in zip(factors, row) if f.kind != DUMMY} for row in design]


def full_factorial(factors: Sequence[Factor]) -> list[dict[str, Any]]:
    """Every combination of the factors' levels (the last factor varies fastest)."""
    names = [f.name for f in factors]
    return [dict(zip(names, values)) for values in itertools.product(*(f.levels or () for f in factors))]
