"""Benefits and their fairness (model brief process 8; PAS 2007, 'realising benefits', p. 27: equitable shares;
Huxham and Vangen)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import DELIVERED, DELIVERY, REALISING_BENEFITS

BENEFIT_PERIOD = 52  # weeks a delivered project spends realising benefits before it closes (assumption)
BENEFIT_PER_MEMBER_WEEK = 1.0  # £k of benefit per member per week at advantage 1, ambition 1 (assumption)


@njit(cache=True)
def realise_benefits(week, collaborative_advantage, fairness_tolerance, stage, progress, momentum, ambition,
                     equitable, benefits, closed_week, mem_project, mem_org, mem_active, commitment, contribution,
                     benefit, selflessness, net_benefit_spread, misalignment_weight, aim, agreed_aim):
    """Projects in delivery or realising benefits earn and share them; partners short-changed lose commitment.

    A project realising benefits earns ``BENEFIT_PER_MEMBER_WEEK * members * ambition * advantage *
    (0.5 + 0.5 momentum)`` £k a week; one in delivery earns that times ``0.5 * progress`` (early
    benefits as parts are delivered; model brief process 8). Benefits are shared equally or in
    proportion to contribution; a member values its share at its fit with the agreed aim, ``max(0, 1 -
    misalignment_weight * |aim - agreed_aim|)`` (1 while ``agreed_aim`` is NaN): the delivered project is what the
    partners agreed, worth less to a partner who wanted something else (Choi and Robertson 2014: a decision's
    acceptability to each stakeholder falls with its distance from what that stakeholder prefers). A member
    whose share of benefits falls below ``(1 - fairness_tolerance)`` times its share of contributions loses ``0.02 * (1 -
    selflessness)`` commitment a week. After ``BENEFIT_PERIOD`` weeks the project closes as delivered.
    When a project closes, ``net_benefit_spread[p]`` is the standard deviation over its active members of
    (benefit share - contribution share): 0 when everyone's benefits match their contributions (how evenly
    net benefits fall; Choi and Robertson 2014 on decision rules and power imbalance). Returns how many closed.
    """
    n_projects = stage.shape[0]
    members = np.zeros(n_projects)
    total_contribution = np.zeros(n_projects)
    value = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if mem_active[m] and (stage[p] == DELIVERY or stage[p] == REALISING_BENEFITS):
            members[p] += 1.0
            total_contribution[p] += contribution[m]
    for p in range(n_projects):
        if stage[p] == DELIVERY or stage[p] == REALISING_BENEFITS:
            value[p] = BENEFIT_PER_MEMBER_WEEK * members[p] * ambition[p] * collaborative_advantage * (0.5 + 0.5 * momentum[p])
            if stage[p] == DELIVERY:
                value[p] *= 0.5 * progress[p]
            benefits[p] += value[p]
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not mem_active[m] or not (stage[p] == DELIVERY or stage[p] == REALISING_BENEFITS):
            continue
        contribution_share = contribution[m] / total_contribution[p] if total_contribution[p] > 0 else 1.0 / members[p]
        fit = 1.0
        if not np.isnan(agreed_aim[p]):
            fit = max(0.0, 1.0 - misalignment_weight * abs(aim[m] - agreed_aim[p]))
        benefit[m] += value[p] * (contribution_share if equitable[p] else 1.0 / members[p]) * fit
        benefit_share = benefit[m] / benefits[p] if benefits[p] > 0 else 0.0
        if benefit_share < (1.0 - fairness_tolerance) * contribution_share:
            commitment[m] = max(0.0, commitment[m] - 0.02 * (1.0 - selflessness[mem_org[m]]))
    n_closed = 0
    for p in range(n_projects):
        if stage[p] == REALISING_BENEFITS:
            progress[p] += 1.0 / BENEFIT_PERIOD
            if progress[p] >= 1.0 - 1e-9:
                stage[p] = DELIVERED
                closed_week[p] = week
                n_closed += 1
                net_benefit_spread[p] = -1.0  # marks the projects closing this week
    sums = np.zeros(n_projects)
    squares = np.zeros(n_projects)
    counts = np.zeros(n_projects)
    total_benefit = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if mem_active[m] and net_benefit_spread[p] == -1.0:
            total_benefit[p] += benefit[m]
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not (mem_active[m] and net_benefit_spread[p] == -1.0):
            continue
        b_share = benefit[m] / total_benefit[p] if total_benefit[p] > 0 else 1.0 / members[p]
        c_share = contribution[m] / total_contribution[p] if total_contribution[p] > 0 else 1.0 / members[p]
        d = b_share - c_share
        sums[p] += d
        squares[p] += d * d
        counts[p] += 1.0
    for p in range(n_projects):
        if net_benefit_spread[p] == -1.0:
            mean = sums[p] / counts[p] if counts[p] > 0 else 0.0
            net_benefit_spread[p] = np.sqrt(max(0.0, squares[p] / counts[p] - mean * mean)) if counts[p] > 0 else 0.0
    return n_closed
