"""Reference for :mod:`model.kernels.stalls`: stall below the threshold, resume at twice it, abandon after patience."""

from __future__ import annotations

from ._common import ABANDONED, STALLED, is_active_stage


def update_stalls(week, stall_threshold, patience, trust_gain, trust_loss_ratio, stage, stage_before_stall, momentum,
                  stalls, stalled_since, first_stall_week, closed_week, trust_delta_out):
    """Returns ``(stalled, resumed, abandoned)``."""
    failure = trust_gain * trust_loss_ratio
    stalled = resumed = abandoned = 0
    for p in range(len(stage)):
        trust_delta_out[p] = 0.0
        if is_active_stage(stage[p]):
            if momentum[p] < stall_threshold:
                stage_before_stall[p] = stage[p]
                stage[p] = STALLED
                stalls[p] += 1
                stalled_since[p] = week
                if first_stall_week[p] < 0:
                    first_stall_week[p] = week
                trust_delta_out[p] = -0.5 * failure
                stalled += 1
        elif stage[p] == STALLED:
            if momentum[p] >= 2.0 * stall_threshold:
                stage[p] = stage_before_stall[p]
                stalled_since[p] = -1
                resumed += 1
            elif week - stalled_since[p] >= patience:
                stage[p] = ABANDONED
                closed_week[p] = week
                trust_delta_out[p] = -failure
                abandoned += 1
    return stalled, resumed, abandoned
