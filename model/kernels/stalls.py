"""Stalls, abandonment and shocks (INLOGOV 2015, §3 'Momentum': projects stall over small problems and are too
often abandoned; Centre for Cities 2017, 'What are the major challenges of collaboration?': brittleness)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import ABANDONED, DELIVERY, STALLED, is_open


@njit(cache=True)
def absorb_shocks(shock, stage, momentum, mem_project, mem_active, commitment, pair_project, pair_rel, pair_ma,
                  pair_mb, interpersonal, institutional):
    """Open projects absorb shocks (a policy shock, a partner's reorganisation) of size ``shock[p]``.

    A project's resilience is the mean over its pairs of active members of ``(institutional +
    interpersonal) / 2`` trust (0 without a pair): "Without a strong institutional relationship backed
    up by strong personal connections between partners, collaborations can be overly rigid and
    brittle" (Centre for Cities 2017, 'What are the major challenges of collaboration?'). The project
    loses ``shock * (1 - resilience)`` momentum and each active member half of that in commitment
    (both floored at 0). Whether it then stalls is :func:`update_stalls`' business. Returns how many
    projects were hit.
    """
    n_projects = stage.shape[0]
    total = np.zeros(n_projects)
    count = np.zeros(n_projects)
    for k in range(pair_project.shape[0]):
        if mem_active[pair_ma[k]] and mem_active[pair_mb[k]]:
            r = pair_rel[k]
            total[pair_project[k]] += 0.5 * (institutional[r] + interpersonal[r])
            count[pair_project[k]] += 1.0
    loss = np.zeros(n_projects)
    n_hit = 0
    for p in range(n_projects):
        if shock[p] > 0.0 and is_open(stage[p]):
            resilience = total[p] / count[p] if count[p] > 0 else 0.0
            loss[p] = shock[p] * (1.0 - resilience)
            momentum[p] = max(0.0, momentum[p] - loss[p])
            n_hit += 1
    for m in range(mem_project.shape[0]):
        if mem_active[m] and loss[mem_project[m]] > 0.0:
            commitment[m] = max(0.0, commitment[m] - 0.5 * loss[mem_project[m]])
    return n_hit


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
