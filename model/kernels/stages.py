"""Stage codes as plain integers for compiled code (mirrors :class:`model.codes.Stage`)."""

from numba import njit

INITIATING = 0
AGREEING_GOALS = 1
DESIGN_AND_FEASIBILITY = 2
DELIVERY = 3
REALISING_BENEFITS = 4
DELIVERED = 5
STALLED = 6
ABANDONED = 7
UPBEAT_RISK_APPETITE = 0.7  # 001: a partner with an 'upbeat' view of risk


@njit(cache=True)
def is_open(stage: int) -> bool:
    """Active stages and stalled projects still meet; delivered and abandoned ones do not."""
    return stage <= REALISING_BENEFITS or stage == STALLED
