"""Obstacles (model brief process 4; INLOGOV 2015, §3, figure one: "Projects with good potential are too often
abandoned"; INLOGOV 2015, §1: "Behaviour, culture and trust are far more important to success in collaboration than
the structures through which people work")."""

import numpy as np
from numba import njit

from partnerships.model.kernels.funding import deadline_commitment, manager_reserve
from partnerships.model.kernels.stages import DELIVERY, STALLED, UPBEAT_RISK_APPETITE

OBSTACLE_SPREAD = 1.2  # log-normal sigma of obstacle size: mostly small, a few large (assumption)


@njit(cache=True)
def obstacles_arrive_and_resolve(obstacle_rate, obstacle_severity, risk_aversion_amplifier, catalytic_effect,
                                 catalytic_strength, resource_effect, work_rate, work_cost, manager_cost, week,
                                 u_arrive, z_size, stage, obstacle, champion, has_manager, catalyst_until,
                                 external_funds, costs, trust_mean, mem_project, mem_org, mem_active, commitment,
                                 cap_share, risk_appetite, selflessness, rep_skill):
    """New obstacles hit active projects; the partners (and award money) work on those already there.
    Returns how many new ones arrived.

    A project in stages 0-3 without an obstacle meets one with weekly chance ``obstacle_rate / 52``.
    Its size in weeks of full effort is log-normal with mean ``obstacle_severity``; it looks bigger by
    ``1 + amplifier * (0.7 - r) / 0.7`` when the most risk-tolerant member's appetite r is below the
    'upbeat' 0.7 (INLOGOV 2015, §3, figure one). Each week a blocked project (stages 0-3 or stalled)
    clears ``effort * (0.2 + 0.6 trust + 0.4 skill + 0.4 selflessness + 0.3 champion + 0.3 manager)``
    of it, where effort is the members' mean ``commitment * capacity share`` (commitment lifted by a
    running award deadline, :func:`deadline_commitment`), skill and selflessness are the active members'
    means, and the manager is the project's own or one paid from award money. Award money (resource
    effect) beyond the manager's reserve (:func:`manager_reserve`) buys up to one more week of
    clearing a week, at ``work_cost * work_rate`` £k a week (the rate at which it buys stage work).
    """
    n_projects = stage.shape[0]
    best_appetite = np.zeros(n_projects)
    effort = np.zeros(n_projects)
    skill = np.zeros(n_projects)
    selfless = np.zeros(n_projects)
    members = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        if mem_active[m]:
            p = mem_project[m]
            o = mem_org[m]
            best_appetite[p] = max(best_appetite[p], risk_appetite[o])
            running = catalytic_effect and catalyst_until[p] >= week
            effort[p] += deadline_commitment(commitment[m], running, catalytic_strength) * cap_share[o]
            skill[p] += rep_skill[o]
            selfless[p] += selflessness[o]
            members[p] += 1.0
    n_new = 0
    for p in range(n_projects):
        s = stage[p]
        if s <= DELIVERY and obstacle[p] <= 0.0 and u_arrive[p] < obstacle_rate / 52.0:
            size = obstacle_severity * np.exp(OBSTACLE_SPREAD * z_size[p] - 0.5 * OBSTACLE_SPREAD ** 2)
            shortfall = max(0.0, UPBEAT_RISK_APPETITE - best_appetite[p]) / UPBEAT_RISK_APPETITE
            obstacle[p] = size * (1.0 + risk_aversion_amplifier * shortfall)
            n_new += 1
        elif (s <= DELIVERY or s == STALLED) and obstacle[p] > 0.0:
            reserve = manager_reserve(has_manager[p], resource_effect, manager_cost, week, catalyst_until[p])
            manager = has_manager[p] or (resource_effect and external_funds[p] > 0.0)
            cleared = 0.0
            if members[p] > 0:
                n = members[p]
                mean_skill = skill[p] / n
                mean_selfless = selfless[p] / n
                behaviour = (0.2 + 0.6 * trust_mean[p] + 0.4 * mean_skill + 0.4 * mean_selfless
                             + 0.3 * (champion[p] >= 0) + 0.3 * manager)
                cleared = (effort[p] / n) * behaviour
            free = external_funds[p] - reserve
            if resource_effect and free > 0.0:
                week_of_clearing = work_cost * work_rate
                spend = min(free, min(obstacle[p], 1.0) * week_of_clearing)
                external_funds[p] -= spend
                costs[p] += spend
                cleared += spend / week_of_clearing
            obstacle[p] = max(0.0, obstacle[p] - cleared)
    return n_new
