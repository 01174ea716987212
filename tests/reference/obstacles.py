"""Reference for :mod:`model.kernels.obstacles`: obstacles arrive, look bigger without a risk-taker, get cleared."""

from __future__ import annotations

import math

from partnerships.model.kernels.obstacles import OBSTACLE_SPREAD
from partnerships.model.kernels.stages import UPBEAT_RISK_APPETITE

from ._common import STALLED, active_members, is_active_stage


def obstacles_arrive_and_resolve(obstacle_rate, obstacle_severity, risk_aversion_amplifier, catalytic_effect,
                                 catalytic_strength, week, u_arrive, z_size, stage, obstacle, momentum, champion,
                                 has_manager, catalyst_until, trust_mean, mem_project, mem_org, mem_active,
                                 risk_appetite):
    """Returns how many new obstacles arrived."""
    members = active_members(mem_project, mem_active)
    arrived = 0
    for p in range(len(stage)):
        blocked = obstacle[p] > 0.0
        if is_active_stage(stage[p]) and not blocked and u_arrive[p] < obstacle_rate / 52.0:
            # log-normal with mean obstacle_severity: mostly small, a few large
            size = obstacle_severity * math.exp(OBSTACLE_SPREAD * z_size[p] - 0.5 * OBSTACLE_SPREAD ** 2)
            boldest = max((risk_appetite[mem_org[m]] for m in members.get(p, [])), default=0.0)
            shortfall = max(0.0, UPBEAT_RISK_APPETITE - boldest) / UPBEAT_RISK_APPETITE
            obstacle[p] = size * (1.0 + risk_aversion_amplifier * shortfall)
            arrived += 1
        elif blocked and (is_active_stage(stage[p]) or stage[p] == STALLED):
            effort = (0.1 + 0.3 * momentum[p] + 0.3 * trust_mean[p] + (0.2 if champion[p] >= 0 else 0.0)
                      + (0.2 if has_manager[p] else 0.0))
            if catalytic_effect and catalyst_until[p] >= week:
                effort += 0.3 * catalytic_strength
            obstacle[p] = max(0.0, obstacle[p] - effort)
    return arrived
