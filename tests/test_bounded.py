"""FastIntegers gives NumPy's own bounded integers and samples, and leaves the generator in NumPy's state."""

import numpy as np
import pytest

from partnerships.model.bounded import FastIntegers


@pytest.mark.parametrize("seed", range(20))
def test_fast_integers_match_the_generator_draw_for_draw(seed):
    ours, numpy_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    numpy_rng.integers(0, 7, 3)  # an odd number of 32-bit draws: a half word is buffered when the stand-in opens
    ours.integers(0, 7, 3)
    fast = FastIntegers(ours)
    plan = np.random.default_rng(1000 + seed)
    for _ in range(300):
        what = plan.integers(5)
        if what == 0:
            low, high = sorted(int(v) for v in plan.integers(0, 3_000_000_000, 2))
            high += 1
            assert fast.integers(low, high) == numpy_rng.integers(low, high)
        elif what == 1:
            pool = np.arange(int(plan.integers(1, 40))) * 3 + 1
            size = int(plan.integers(0, len(pool) + 1))
            assert np.array_equal(fast.choice(pool, size=size, replace=False), numpy_rng.choice(pool, size, replace=False))
        elif what == 4:  # the positions only
            pop = int(plan.integers(1, 40))
            size = int(plan.integers(0, pop + 1))
            assert fast.sample(pop, size) == numpy_rng.choice(pop, size, replace=False).tolist()
        elif what == 2:  # a whole-word draw between integer draws
            assert fast.random() == numpy_rng.random()
        else:
            assert np.array_equal(fast.standard_normal(3), numpy_rng.standard_normal(3))
    fast.close()
    assert ours.bit_generator.state == numpy_rng.bit_generator.state


def test_a_bound_near_two_to_the_32_rejects_as_numpy_does():
    ours, numpy_rng = np.random.default_rng(5), np.random.default_rng(5)
    fast = FastIntegers(ours)
    bound = 3_000_000_001  # rejection happens for about 30% of draws
    assert [fast.integers(0, bound) for _ in range(200)] == numpy_rng.integers(0, bound, 200).tolist()
    fast.close()
    assert ours.bit_generator.state == numpy_rng.bit_generator.state
