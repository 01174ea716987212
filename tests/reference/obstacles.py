"""Reference for :mod:`model.kernels.obstacles`: obstacles arrive, look bigger without a risk-taker, get cleared
by behaviour and trust, and by award money."""

from __future__ import annotations

import math

from partnerships.model.kernels.obstacles import OBSTACLE_SPREAD
from partnerships.model.kernels.stages import UPBEAT_RISK_APPETITE

from ._common import STALLED, active_members, is_active_stage
from .funding import lifted, reserve_for_manager


def obstacles_arrive_and_resolve(obstacle_rate, obstacle_severity, risk_aversion_amplifier, catalytic_effect,
                                 catalytic_strength, resource_effect, work_rate, work_cost, manager_cost, week,
                                 u_arrive, z_size, stage, obstacle, champion, has_manager, catalyst_until,
                                 external_funds, costs, trust_mean, mem_project, mem_org, mem_active, commitment,
                                 cap_share, risk_appetite, selflessness, rep_skill):
    """Returns how many new obstacles arrived."""
    members = active_members(mem_project, mem_active)
    arrived = 0
    for p in range(len(stage)):
        blocked = obstacle[p] > 0.0
        ms = members.get(p, [])
        if is_active_stage(stage[p]) and not blocked and u_arrive[p] < obstacle_rate / 52.0:
            # log-normal with mean obstacle_severity: mostly small, a few large
            size = obstacle_severity * math.exp(OBSTACLE_SPREAD * z_size[p] - 0.5 * OBSTACLE_SPREAD ** 2)
            boldest = max((risk_appetite[mem_org[m]] for m in ms), default=0.0)
            shortfall = max(0.0, UPBEAT_RISK_APPETITE - boldest) / UPBEAT_RISK_APPETITE
            obstacle[p] = size * (1.0 + risk_aversion_amplifier * shortfall)
            arrived += 1
        elif blocked and (is_active_stage(stage[p]) or stage[p] == STALLED):
            running = bool(catalytic_effect) and catalyst_until[p] >= week
            manager = bool(has_manager[p]) or (bool(resource_effect) and external_funds[p] > 0.0)
            cleared = 0.0
            if ms:
                n = len(ms)
                effort = sum(lifted(commitment[m], running, catalytic_strength) * cap_share[mem_org[m]] for m in ms) / n
                skill = sum(rep_skill[mem_org[m]] for m in ms) / n
                selfless = sum(selflessness[mem_org[m]] for m in ms) / n
                behaviour = (0.2 + 0.6 * trust_mean[p] + 0.4 * skill + 0.4 * selfless
                             + (0.3 if champion[p] >= 0 else 0.0) + (0.3 if manager else 0.0))
                cleared = effort * behaviour
            free = external_funds[p] - reserve_for_manager(has_manager[p], resource_effect, manager_cost, week,
                                                           catalyst_until[p])
            if resource_effect and free > 0.0:  # money buys clearing, at most a week's worth, at the work rate
                week_of_clearing = work_cost * work_rate
                bought = min(free, min(obstacle[p], 1.0) * week_of_clearing)
                external_funds[p] -= bought
                costs[p] += bought
                cleared += bought / week_of_clearing
            obstacle[p] = max(0.0, obstacle[p] - cleared)
    return arrived
