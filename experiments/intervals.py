"""The confidence interval of a mean over replications: ``mean +/- t(n - 1) * s / sqrt(n)``.

One formula for the response curves of the sensitivity study and of the validation, and for the
validation's pattern checks. Each replication is an independent run (or a paired difference of runs
with common seeds), so the t interval is exact for normal outcomes and close for the shares the
model reports once n is a few tens.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats


def half_width(values: np.ndarray, confidence: float = 0.95) -> float:
    """Half the width of the ``confidence`` t interval of the mean of ``values`` (NaN for fewer than two)."""
    n = len(values)
    if n < 2:
        return math.nan
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))


def mean_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) over the values of ``values`` that are not NaN; NaN where undefined (none, or one)."""
    x = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    x = x[~np.isnan(x)]
    mean = float(x.mean()) if len(x) else math.nan
    half = half_width(x, confidence)
    return mean, mean - half, mean + half, len(x)
