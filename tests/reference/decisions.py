"""Reference for :mod:`model.kernels.decisions`: stage gates, referral home, consent and its aftermath."""

from __future__ import annotations

import math

from partnerships.model.kernels.benefits import BENEFIT_PER_MEMBER_WEEK, BENEFIT_PERIOD
from partnerships.model.kernels.decisions import (
    LEAD_QUORUM, MAX_REFERRAL_WEEKS, SPONSOR_CONFIDENCE, VALUE_FLOOR,
)

from ._common import DELIVERY, DESIGN_AND_FEASIBILITY, active_members


def _referral_weeks(culture: float) -> int:
    """Weeks an organisation takes to approve a referral: 1 for a fully adaptive culture, 9 for a hierarchical one."""
    return 1 + int(MAX_REFERRAL_WEEKS * (1.0 - culture))


def decide_stage_gates(week, collaborative_advantage, catalytic_effect, catalytic_strength, trust_gain,
                       trust_loss_ratio, work_cost, held, stage, progress, momentum, ambition, deferred_until,
                       catalyst_until, lead, sponsor, lead_decides, equitable, external_funds, pooled_funds,
                       gate_refusals, mem_project, mem_org, mem_active, commitment, contribution, member_trust,
                       risk_appetite, selflessness, culture, rep_autonomy, rep_skill, pair_project, pair_rel, pair_ma, pair_mb,
                       interpersonal, u_refer, consent_noise, consent_out, trust_delta_out, trust_consent_weight,
                       skill_consent_weight, misalignment_weight, aim, agreed_aim):
    """Returns ``(passed, refused, deferred)``; see the kernel's docstring for the rule."""
    consent_out[:] = False
    trust_delta_out[:] = 0.0
    at_gate = [p for p in range(len(stage))
               if held[p] and stage[p] <= DESIGN_AND_FEASIBILITY and progress[p] >= 1.0]
    gate_set = set(at_gate)
    members = active_members(mem_project, mem_active, lambda p: p in gate_set)

    deciding = []
    deferred = 0
    for p in at_gate:
        ms = members.get(p, [])
        if deferred_until[p] < 0:
            referrals = [_referral_weeks(culture[mem_org[m]]) for m in ms if u_refer[m] > rep_autonomy[mem_org[m]]]
            if referrals:  # the gate waits for the slowest partner's approval at home
                deferred_until[p] = week + max(referrals)
                deferred += 1
                continue
        elif week < deferred_until[p]:
            continue  # still waiting for approval
        deciding.append(p)

    passed_count = refused_count = 0
    for p in deciding:
        ms = members.get(p, [])
        n = len(ms)
        total_contribution = sum(contribution[m] for m in ms)
        remaining = work_cost * ambition[p] * (DELIVERY - stage[p])  # the stages of work still to do
        funded = min(1.0, (external_funds[p] + pooled_funds[p]) / remaining)
        cost = remaining * (1.0 - 0.5 * funded)
        value = (BENEFIT_PER_MEMBER_WEEK * n * ambition[p] * collaborative_advantage * (0.5 + 0.5 * momentum[p])
                 * BENEFIT_PERIOD)  # the project's prospective benefit at today's momentum
        deadline_running = bool(catalytic_effect) and catalyst_until[p] >= week
        sponsor_in_room = any(mem_org[m] == sponsor[p] for m in ms)
        votes = {}
        stake = {}
        for m in ms:
            o = mem_org[m]
            contribution_share = contribution[m] / total_contribution if total_contribution > 0 else 1.0 / n
            stake[m] = contribution_share
            benefit_share = contribution_share if equitable[p] else 1.0 / n
            others_mean = (1.0 - benefit_share) * value / max(1.0, n - 1.0)  # weight on the others' benefit
            agreed = agreed_aim[p]
            # fit with the agreed aim: a misaligned partner expects less of what it wants (none agreed yet: NaN)
            fit = 1.0 if math.isnan(agreed) else max(0.0, 1.0 - misalignment_weight * abs(aim[m] - agreed))
            ratio = (benefit_share * value * fit + selflessness[o] * others_mean) / (cost / n)
            risk = (1.0 - member_trust[m]) * (1.0 - risk_appetite[o]) * (0.6 + 0.2 * stage[p])
            if sponsor_in_room:  # the sponsor instils confidence
                risk *= 1.0 - SPONSOR_CONFIDENCE
            utility = (math.log(max(ratio, VALUE_FLOOR)) - risk + trust_consent_weight * (member_trust[m] - 0.5)
                       + skill_consent_weight * (rep_skill[o] - 0.5)
                       + 0.5 * (commitment[m] - 0.5) + 0.3 * consent_noise[m])
            if deadline_running:
                utility += 0.5 * catalytic_strength
            votes[m] = utility > 0.0
            consent_out[m] = votes[m]
        lead_votes = [votes[m] for m in ms if mem_org[m] == lead[p]]
        if lead_decides[p] and lead_votes:
            consenting = 0.0
            for m in ms:
                if votes[m]:
                    consenting += stake[m]
            # 'pragmatism': the lead's word, backed by partners holding enough of the stake
            passed = lead_votes[-1] and consenting >= LEAD_QUORUM - 1e-12
        else:
            passed = all(votes.values())  # 'democracy': everyone must agree
        deferred_until[p] = -1
        if passed:
            stage[p] += 1
            progress[p] = 0.0
            momentum[p] += 0.1 * (1.0 - momentum[p])
            trust_delta_out[p] = trust_gain
            passed_count += 1
            for m in ms:
                if votes[m]:
                    commitment[m] += 0.05 * (1.0 - commitment[m])
                else:  # overruled by the lead: perceived misuse of power
                    commitment[m] = max(0.0, commitment[m] - 0.1)
            if lead_decides[p] and lead_votes:
                overruled = {mem_org[m] for m in ms if not votes[m]}
                lead_org = lead[p]
                for k in range(len(pair_project)):
                    if pair_project[k] != p or pair_ma[k] not in votes or pair_mb[k] not in votes:
                        continue
                    orgs = {mem_org[pair_ma[k]], mem_org[pair_mb[k]]}
                    if lead_org in orgs and (orgs - {lead_org}) & overruled:
                        r = pair_rel[k]
                        interpersonal[r] = max(0.0, interpersonal[r] - 0.5 * trust_gain * trust_loss_ratio)
        else:
            gate_refusals[p] += 1
            progress[p] = 0.7
            momentum[p] = max(0.0, momentum[p] - 0.1)
            trust_delta_out[p] = -0.5 * trust_gain * trust_loss_ratio
            refused_count += 1
    return passed_count, refused_count, deferred
