"""Membership changes (model brief process 9; PAS 2007, 'determining membership', p. 19)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import ABANDONED, DELIVERED, REALISING_BENEFITS, is_open

WITHDRAWAL_COMMITMENT = 0.2  # commitment below which a partner withdraws (assumption)


@njit(cache=True)
def withdraw_uncommitted(week, stage, closed_week, mem_project, mem_active, commitment):
    """Partners whose commitment fell below ``WITHDRAWAL_COMMITMENT`` withdraw from open projects.

    A project left with fewer than two active members is abandoned, except one already realising its
    benefits, which closes early as delivered. Returns ``(withdrawn, abandoned)``.
    """
    n_projects = stage.shape[0]
    remaining = np.zeros(n_projects)
    n_withdrawn = 0
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not mem_active[m] or not is_open(stage[p]):
            continue
        if commitment[m] < WITHDRAWAL_COMMITMENT:
            mem_active[m] = False
            n_withdrawn += 1
        else:
            remaining[p] += 1.0
    n_abandoned = 0
    for p in range(n_projects):
        if is_open(stage[p]) and remaining[p] < 2.0:
            closed_week[p] = week
            if stage[p] == REALISING_BENEFITS:
                stage[p] = DELIVERED
            else:
                stage[p] = ABANDONED
                n_abandoned += 1
    return n_withdrawn, n_abandoned
