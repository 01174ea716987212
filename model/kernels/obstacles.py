"""Obstacles (model brief process 4; INLOGOV 2015, §3, figure one: "Projects with good potential are too often
abandoned")."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import DELIVERY, STALLED, UPBEAT_RISK_APPETITE

OBSTACLE_SPREAD = 1.2  # log-normal sigma of obstacle size: mostly small, a few large (assumption)


@njit(cache=True)
def obstacles_arrive_and_resolve(obstacle_rate, obstacle_severity, risk_aversion_amplifier, catalytic_effect,
                                 catalytic_strength, week, u_arrive, z_size, stage, obstacle, momentum, champion,
                                 has_manager, catalyst_until, trust_mean, mem_project, mem_org, mem_active,
                                 risk_appetite):
    """New obstacles hit active projects; the partners work on those already there. Returns new ones.

    A project in stages 0-3 without an obstacle meets one with weekly chance ``obstacle_rate / 52``.
    Its size in weeks of full effort is log-normal with mean ``obstacle_severity``; it looks bigger by
    ``1 + amplifier * (0.7 - r) / 0.7`` when the most risk-tolerant member's appetite r is below the
    'upbeat' 0.7 (INLOGOV 2015, §3, figure one). Each week the partners clear ``0.1 + 0.3 momentum + 0.3 trust + 0.2 champion
    + 0.2 manager (+ 0.3 catalytic strength under an award deadline)`` of it.
    """
    n_projects = stage.shape[0]
    best_appetite = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        if mem_active[m]:
            p = mem_project[m]
            best_appetite[p] = max(best_appetite[p], risk_appetite[mem_org[m]])
    n_new = 0
    for p in range(n_projects):
        s = stage[p]
        if s <= DELIVERY and obstacle[p] <= 0.0 and u_arrive[p] < obstacle_rate / 52.0:
            size = obstacle_severity * np.exp(OBSTACLE_SPREAD * z_size[p] - 0.5 * OBSTACLE_SPREAD ** 2)
            shortfall = max(0.0, UPBEAT_RISK_APPETITE - best_appetite[p]) / UPBEAT_RISK_APPETITE
            obstacle[p] = size * (1.0 + risk_aversion_amplifier * shortfall)
            n_new += 1
        elif (s <= DELIVERY or s == STALLED) and obstacle[p] > 0.0:
            effort = 0.1 + 0.3 * momentum[p] + 0.3 * trust_mean[p] + 0.2 * (champion[p] >= 0) + 0.2 * has_manager[p]
            if catalytic_effect and catalyst_until[p] >= week:
                effort += 0.3 * catalytic_strength
            obstacle[p] = max(0.0, obstacle[p] - effort)
    return n_new
