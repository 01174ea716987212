"""Reference for :mod:`model.kernels.benefits`: benefits earned, shared, felt fair or not; projects close."""

from __future__ import annotations

import math

from partnerships.model.kernels.benefits import BENEFIT_PER_MEMBER_WEEK, BENEFIT_PERIOD

from ._common import DELIVERED, DELIVERY, REALISING_BENEFITS, active_members


def realise_benefits(week, collaborative_advantage, fairness_tolerance, stage, progress, momentum, ambition,
                     equitable, benefits, closed_week, mem_project, mem_org, mem_active, commitment, contribution,
                     benefit, selflessness, net_benefit_spread, misalignment_weight, aim, agreed_aim):
    """Returns how many projects closed as delivered."""
    realising = [p for p in range(len(stage)) if stage[p] == REALISING_BENEFITS]
    earning = [p for p in range(len(stage)) if stage[p] in (DELIVERY, REALISING_BENEFITS)]
    members = active_members(mem_project, mem_active, lambda p: stage[p] in (DELIVERY, REALISING_BENEFITS))
    for p in earning:
        ms = members.get(p, [])
        full = BENEFIT_PER_MEMBER_WEEK * len(ms) * ambition[p] * collaborative_advantage * (0.5 + 0.5 * momentum[p])
        value = full if stage[p] == REALISING_BENEFITS else full * 0.5 * progress[p]  # early benefits in delivery
        benefits[p] += value
        total_contribution = sum(contribution[m] for m in ms)
        for m in ms:
            contribution_share = contribution[m] / total_contribution if total_contribution > 0 else 1.0 / len(ms)
            agreed = agreed_aim[p]
            fit = 1.0 if math.isnan(agreed) else max(0.0, 1.0 - misalignment_weight * abs(aim[m] - agreed))
            benefit[m] += value * (contribution_share if equitable[p] else 1.0 / len(ms)) * fit
            benefit_share = benefit[m] / benefits[p] if benefits[p] > 0 else 0.0
            if benefit_share < (1.0 - fairness_tolerance) * contribution_share:  # short-changed
                commitment[m] = max(0.0, commitment[m] - 0.02 * (1.0 - selflessness[mem_org[m]]))
    closed = 0
    for p in realising:
        progress[p] += 1.0 / BENEFIT_PERIOD
        if progress[p] >= 1.0 - 1e-9:
            stage[p] = DELIVERED
            closed_week[p] = week
            closed += 1
            ms = members.get(p, [])
            total_b = sum(benefit[m] for m in ms)
            total_c = sum(contribution[m] for m in ms)
            d = [(benefit[m] / total_b if total_b > 0 else 1.0 / len(ms))
                 - (contribution[m] / total_c if total_c > 0 else 1.0 / len(ms)) for m in ms]
            mean = sum(d) / len(d) if d else 0.0
            net_benefit_spread[p] = math.sqrt(max(0.0, sum(x * x for x in d) / len(d) - mean * mean)) if d else 0.0
    return closed
