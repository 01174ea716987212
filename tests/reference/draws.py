"""Reference for :mod:`model.kernels.draws`: SplitMix64 over a keyed counter, in Python integers."""

from __future__ import annotations

import math

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def _mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _key(seed: int, week: int, stream: int) -> int:
    key = _mix64((seed + GOLDEN_GAMMA) & MASK)
    key = _mix64((key + week * GOLDEN_GAMMA) & MASK)
    return _mix64((key + stream * GOLDEN_GAMMA) & MASK)


def _uniform(key: int, counter: int) -> float:
    return (_mix64((key + counter * GOLDEN_GAMMA) & MASK) >> 11) / 2.0**53


def fill_uniform(seed, week, stream, out):
    key = _key(int(seed), int(week), int(stream))
    for i in range(len(out)):
        out[i] = _uniform(key, i + 1)


def fill_normal(seed, week, stream, out):
    key = _key(int(seed), int(week), int(stream))
    for i in range(len(out)):
        u1, u2 = _uniform(key, 2 * i + 1), _uniform(key, 2 * i + 2)
        out[i] = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def uniform_at(seed, week, stream, i):
    """The i-th uniform of the stream (``fill_uniform``'s ``out[i]``)."""
    return _uniform(_key(int(seed), int(week), int(stream)), int(i) + 1)


def normal_at(seed, week, stream, i):
    """The i-th standard normal of the stream (``fill_normal``'s ``out[i]``)."""
    key = _key(int(seed), int(week), int(stream))
    u1, u2 = _uniform(key, 2 * int(i) + 1), _uniform(key, 2 * int(i) + 2)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
