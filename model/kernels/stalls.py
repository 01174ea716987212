"""Stalls and abandonment (INLOGOV 2015, §3 'Momentum': projects stall over small problems and are too
often abandoned)."""

from numba import njit

from partnerships.model.kernels.stages import ABANDONED, DELIVERY, STALLED


@njit(cache=True)
def update_stalls(week, stall_threshold, patience, trust_gain, trust_loss_ratio, stage, stage_before_stall, momentum,
                  stalls, stalled_since, first_stall_week, closed_week, trust_delta_out):
    """Stall projects whose momentum fell below the threshold; resume or abandon stalled ones.

    A project in stages 0-3 with momentum below ``stall_threshold`` stalls (a failure: trust down by
    ``0.5 * trust_gain * trust_loss_ratio``). A stalled project resumes its stage once momentum is
    back to twice the threshold, and is abandoned after ``patience`` weeks (trust down twice as much).
    Returns ``(stalled, resumed, abandoned)`` counts; ``trust_delta_out[p]`` is for
    :func:`shift_project_trust`.
    """
    n_stalled = 0
    n_resumed = 0
    n_abandoned = 0
    for p in range(stage.shape[0]):
        trust_delta_out[p] = 0.0
        s = stage[p]
        if s <= DELIVERY and momentum[p] < stall_threshold:
            stage_before_stall[p] = s
            stage[p] = STALLED
            stalls[p] += 1
            stalled_since[p] = week
            if first_stall_week[p] < 0:
                first_stall_week[p] = week
            trust_delta_out[p] = -0.5 * trust_gain * trust_loss_ratio
            n_stalled += 1
        elif s == STALLED:
            if momentum[p] >= 2.0 * stall_threshold:
                stage[p] = stage_before_stall[p]
                stalled_since[p] = -1
                n_resumed += 1
            elif week - stalled_since[p] >= patience:
                stage[p] = ABANDONED
                closed_week[p] = week
                trust_delta_out[p] = -trust_gain * trust_loss_ratio
                n_abandoned += 1
    return n_stalled, n_resumed, n_abandoned
