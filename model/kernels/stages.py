"""Stage codes as plain integers for compiled code, taken from :class:`model.codes.Stage` (one source)."""

from numba import njit

from partnerships.model.codes import Stage

AGREEING_GOALS = int(Stage.AGREEING_GOALS)
DESIGN_AND_FEASIBILITY = int(Stage.DESIGN_AND_FEASIBILITY)
DELIVERY = int(Stage.DELIVERY)
REALISING_BENEFITS = int(Stage.REALISING_BENEFITS)
DELIVERED = int(Stage.DELIVERED)
STALLED = int(Stage.STALLED)
ABANDONED = int(Stage.ABANDONED)
UPBEAT_RISK_APPETITE = 0.7  # INLOGOV 2015, §3, figure one: a partner with an 'upbeat' view of risk


@njit(cache=True)
def is_open(stage: int) -> bool:
    """Active stages and stalled projects still meet; delivered and abandoned ones do not."""
    return stage <= REALISING_BENEFITS or stage == STALLED
