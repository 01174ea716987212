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
def keyed_uniform(key, i):
    """The i-th uniform in [0, 1) of the stream whose key (:func:`stream_key`) is ``key`` (53 random bits)."""
    z = mix64(key + np.uint64(i + 1) * GOLDEN_GAMMA)
    return (z >> np.uint64(11)) * TWO_TO_MINUS_53


@njit(cache=True)
def keyed_normal(key, i):
    """The i-th standard normal of the stream whose key is ``key``: Box-Muller from its uniforms 2i and 2i+1."""
    u1, u2 = keyed_uniform(key, 2 * i), keyed_uniform(key, 2 * i + 1)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def fill_uniform(seed, week, stream, out):
    """``out[i]`` = the i-th uniform in [0, 1) of the stream (:func:`keyed_uniform`)."""
    key = stream_key(seed, week, stream)
    for i in range(out.shape[0]):
        out[i] = keyed_uniform(key, i)


@njit(cache=True)
def fill_normal(seed, week, stream, out):
    """``out[i]`` = the i-th standard normal of the stream (:func:`keyed_normal`)."""
    key = stream_key(seed, week, stream)
    for i in range(out.shape[0]):
        out[i] = keyed_normal(key, i)


@njit(cache=True)
def uniform_at(seed, week, stream, i):
    """The i-th uniform of the stream: ``fill_uniform``'s ``out[i]``, without drawing the ones before it."""
    return keyed_uniform(stream_key(seed, week, stream), i)


@njit(cache=True)
def normal_at(seed, week, stream, i):
    """The i-th standard normal of the stream: ``fill_normal``'s ``out[i]``, without drawing the ones before it."""
    return keyed_normal(stream_key(seed, week, stream), i)
