"""Counter-based random numbers: the same (seed, week, stream, index) always gives the same draw.

Each process draws from its own stream, and each organisation, project or membership always gets the
number at its own index. Two runs with the same seed therefore share their chance events entity by
entity (common random numbers), even after an intervention changes what happens in one of them: the
live view's side-by-side mode and paired comparisons rely on this. The generator is SplitMix64's
output function over a keyed counter (Steele, Lea and Flood 2014), as in Java's SplittableRandom.
"""

import numpy as np
from numba import njit

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0


@njit(cache=True)
def mix64(z):
    """SplitMix64's finaliser: a bijective scramble of a 64-bit word."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def stream_key(seed, week, stream):
    """The key of one week's stream of one process (seed < 2**63, week and stream >= 0)."""
    key = mix64(np.uint64(seed) + GOLDEN_GAMMA)
    key = mix64(key + np.uint64(week) * GOLDEN_GAMMA)
    return mix64(key + np.uint64(stream) * GOLDEN_GAMMA)


@njit(cache=True)
def fill_uniform(seed, week, stream, out):
    """``out[i]`` = the i-th uniform in [0, 1) of the stream (53 random bits each)."""
    key = stream_key(seed, week, stream)
    for i in range(out.shape[0]):
        z = mix64(key + np.uint64(i + 1) * GOLDEN_GAMMA)
        out[i] = (z >> np.uint64(11)) * TWO_TO_MINUS_53


@njit(cache=True)
def fill_normal(seed, week, stream, out):
    """``out[i]`` = a standard normal from uniforms 2i and 2i+1 of the stream (Box-Muller)."""
    key = stream_key(seed, week, stream)
    for i in range(out.shape[0]):
        u1 = (mix64(key + np.uint64(2 * i + 1) * GOLDEN_GAMMA) >> np.uint64(11)) * TWO_TO_MINUS_53
        u2 = (mix64(key + np.uint64(2 * i + 2) * GOLDEN_GAMMA) >> np.uint64(11)) * TWO_TO_MINUS_53
        out[i] = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def keyed_uniform(key, i):
    """The i-th uniform of the stream whose key (:func:`stream_key`) is ``key``: ``fill_uniform``'s ``out[i]``."""
    z = mix64(key + np.uint64(i + 1) * GOLDEN_GAMMA)
    return (z >> np.uint64(11)) * TWO_TO_MINUS_53


@njit(cache=True)
def uniform_at(seed, week, stream, i):
    """The i-th uniform of the stream: ``fill_uniform``'s ``out[i]``, without drawing the ones before it."""
    z = mix64(stream_key(seed, week, stream) + np.uint64(i + 1) * GOLDEN_GAMMA)
    return (z >> np.uint64(11)) * TWO_TO_MINUS_53


@njit(cache=True)
def normal_at(seed, week, stream, i):
    """The i-th standard normal of the stream: ``fill_normal``'s ``out[i]``, without drawing the ones before it."""
    key = stream_key(seed, week, stream)
    u1 = (mix64(key + np.uint64(2 * i + 1) * GOLDEN_GAMMA) >> np.uint64(11)) * TWO_TO_MINUS_53
    u2 = (mix64(key + np.uint64(2 * i + 2) * GOLDEN_GAMMA) >> np.uint64(11)) * TWO_TO_MINUS_53
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
