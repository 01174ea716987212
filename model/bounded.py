"""NumPy's small bounded integers drawn in plain Python, for a build's many scalar draws.

A region's build draws tens of thousands of small integers one at a time (themes, how many of each
kind, which ones), and each call of ``Generator.integers`` or ``Generator.choice`` costs 4 to 20 us
of argument handling. :class:`FastIntegers` stands in for the generator: it computes the same values
with the same algorithms as NumPy's PCG64 path (Lemire's method on 32-bit halves of the 64-bit words,
the upper half buffered for the next draw; Floyd's sampling without replacement, then a shuffle),
taking the words from the same bit generator in the same order, so the draws, and the generator's
state when it is closed, are exactly those of the generator's own methods (tests/test_bounded.py checks
this against NumPy). Other draws (``random``, ``standard_normal``) go to the generator itself: they
take whole 64-bit words and leave the half-word buffer alone.
"""

from __future__ import annotations

import numpy as np

_LOW = 0xFFFFFFFF


class FastIntegers:
    """A stand-in for ``rng`` (a PCG64 ``Generator``) until :meth:`close`: ``integers(low, high)`` (scalars),
    ``choice(a, size, replace=False)`` (and its positions, ``sample``), ``random`` and ``standard_normal``. Use nothing
    else of ``rng`` while open."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.random = rng.random
        self.standard_normal = rng.standard_normal
        self._bitgen = rng.bit_generator
        state = self._bitgen.state
        if state["bit_generator"] != "PCG64":
            raise TypeError(f"FastIntegers follows PCG64, not {state['bit_generator']}")
        self._has_half, self._half = state["has_uint32"], state["uinteger"]
        self._raw = self._bitgen.random_raw

    def _next32(self) -> int:
        if self._has_half:
            self._has_half = 0
            return self._half
        word = self._raw()
        self._has_half, self._half = 1, word >> 32
        return word & _LOW

    def below(self, bound: int) -> int:
        """A uniform integer in [0, ``bound``), 1 <= bound < 2**32 (no draw when ``bound`` is 1)."""
        if bound == 1:
            return 0
        m = self._next32() * bound
        if (m & _LOW) < bound:  # Lemire's rejection, rarely needed
            threshold = (_LOW - (bound - 1)) % bound
            while (m & _LOW) < threshold:
                m = self._next32() * bound
        return m >> 32

    def integers(self, low: int, high: int | None = None) -> int:
        """As ``Generator.integers(low, high)``: an integer in [low, high), or in [0, low) without ``high``."""
        if high is None:
            low, high = 0, low
        return low + self.below(high - low)

    def choice(self, a: np.ndarray, size: int, replace: bool = False) -> np.ndarray:
        """As ``Generator.choice(a, size, replace=False)`` for a 1-D array ``a`` of at most 10,000 items."""
        if replace:
            raise ValueError("FastIntegers.choice samples without replacement")
        return a[self.sample(len(a), size)]

    def sample(self, pop: int, size: int) -> list[int]:
        """The positions ``Generator.choice(pop, size, replace=False)`` picks, in its order, for ``pop`` of at most
        10,000 (the draws of :meth:`choice`, as a list, without indexing an array)."""
        if pop > 10_000:
            raise ValueError("FastIntegers samples at most 10,000 items without replacement")
        picked: list[int] = []
        seen: set[int] = set()
        for j in range(pop - size, pop):  # Floyd's algorithm
            value = self.below(j + 1)
            if value in seen:
                value = j
            seen.add(value)
            picked.append(value)
        for i in range(size - 1, 0, -1):  # then shuffled
            k = self.below(i + 1)
            picked[i], picked[k] = picked[k], picked[i]
        return picked

    def close(self) -> None:
        """Hand the half-word buffer back to the generator: ``rng`` is then as its own methods would have left it."""
        state = dict(self._bitgen.state)
        state["has_uint32"], state["uinteger"] = self._has_half, self._half
        self._bitgen.state = state
