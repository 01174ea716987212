"""Stage-gate decisions (model brief process 3; INLOGOV 2015, §3 'Momentum': "the speed of the slowest partner";
PAS 2007, 'exercising leadership', p. 18: governance)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.benefits import BENEFIT_PER_MEMBER_WEEK, BENEFIT_PERIOD
from partnerships.model.kernels.stages import DELIVERY, DESIGN_AND_FEASIBILITY

# weeks a fully hierarchical culture takes to approve a referral (INLOGOV 2015, §3 'Attitudes to risk': "50 page business cases")
MAX_REFERRAL_WEEKS = 8
# share of perceived risk a sponsor still in the partnership takes away (PAS 2007, 'role of the project sponsor', p. 18)
SPONSOR_CONFIDENCE = 0.25
# share of the partners' contributions (money, sponsorship and officer time) that must consent with a lead who decides
LEAD_QUORUM = 0.5  # assumption: the lead's word carries if partners holding half the stake agree
# the weights of trust and of the representative's skill in consent are parameters (trust_consent_weight,
# skill_consent_weight in model.parameters)
VALUE_FLOOR = 0.05  # smallest value ratio whose log enters the consent utility (keeps a partner with no benefit finite)


@njit(cache=True)
def decide_stage_gates(week, collaborative_advantage, catalytic_effect, catalytic_strength, trust_gain,
                       trust_loss_ratio, work_cost, held, stage, progress, momentum, ambition, deferred_until,
                       catalyst_until, lead, sponsor, lead_decides, equitable, external_funds, pooled_funds,
                       gate_refusals, mem_project, mem_org, mem_active, commitment, contribution, member_trust,
                       risk_appetite, selflessness, culture, rep_autonomy, rep_skill, pair_project, pair_rel, pair_ma, pair_mb,
                       interpersonal, u_refer, consent_noise, consent_out, trust_delta_out, trust_consent_weight,
                       skill_consent_weight, misalignment_weight, aim, agreed_aim):
    """Decide the gates of projects that finished a stage's work and met this week.

    Returns ``(passed, refused, deferred)`` counts. At a gate, a representative who is not empowered
    (``u_refer > autonomy``) refers back home, which takes ``1 + int(8 * (1 - culture))`` weeks: the
    gate waits for the slowest partner (``deferred_until``), then is decided at the first meeting from
    that week on, without a second referral. Each member consents when

    ``log(max(ratio, VALUE_FLOOR)) - risk + trust_consent_weight * (trust - 0.5) + skill_consent_weight * (skill - 0.5)
    + 0.5 * (commitment - 0.5)
    + catalyst + 0.3 * noise > 0``

    where ``ratio`` is the member's expected benefit over its expected cost, both from the project's own
    prospects: the prospective benefit ``BENEFIT_PER_MEMBER_WEEK * members * ambition * advantage *
    (0.5 + 0.5 momentum) * BENEFIT_PERIOD`` £k (what :func:`realise_benefits` would pay over the benefit
    period at today's momentum) times its benefit share (equal, or its contribution share if the project is
    equitable) times its fit with the agreed aim, ``max(0, 1 - misalignment_weight * |aim - agreed_aim|)`` (1
    while no aim is agreed, ``agreed_aim`` NaN; :func:`deliberate_aims`), plus ``selflessness`` times the
    others' mean expected benefit; the cost is the remaining stages' work ``work_cost * ambition * (DELIVERY -
    stage)``, less half the funded share (award
    money and pooled funds over that, at most 1), split equally over the members.
    Contributions count pooled money and sponsorship as well as officer time (they start at the member's
    pooled money, plus the sponsor's stake). Perceived risk is ``(1 - trust) *
    (1 - risk appetite) * (0.6 + 0.2 * stage)``, cut by ``SPONSOR_CONFIDENCE`` while the sponsor is an
    active member (PAS 2007, 'role of the project sponsor', p. 18: the sponsor instils confidence and
    has options that "seemed risky" investigated), and catalyst ``0.5 * catalytic_strength`` while an
    award deadline runs. Under consensus every member must consent; under a lead who decides (and is
    still a member), the gate passes when the lead consents and the consenting members hold at least
    ``LEAD_QUORUM`` of the contributions. A pass is a small win: the stage advances, momentum closes 0.1 of its gap to 1,
    members' trust closes ``trust_gain`` of its gap to 1, and members who consented (all, under
    consensus) gain 0.05 of their gap to full commitment, while each dissenter overruled by the lead
    loses 0.1 commitment and ``0.5 * trust_gain * trust_loss_ratio`` interpersonal trust with the lead
    (perceived misuse of power, PAS 2007, 'exercising power', p. 20).
    A refusal is a failure: trust falls by ``0.5 * trust_gain * trust_loss_ratio``, momentum by 0.1,
    and progress drops back to 0.7 (rework). ``trust_delta_out[p]`` is for :func:`shift_project_trust`.
    """
    n_projects = stage.shape[0]
    ready = np.zeros(n_projects, dtype=np.bool_)
    delay = np.zeros(n_projects, dtype=np.int64)
    members = np.zeros(n_projects)
    total_contribution = np.zeros(n_projects)
    all_consent = np.ones(n_projects, dtype=np.bool_)
    lead_consent = np.zeros(n_projects, dtype=np.bool_)
    lead_present = np.zeros(n_projects, dtype=np.bool_)
    sponsor_present = np.zeros(n_projects, dtype=np.bool_)
    gate_passed = np.zeros(n_projects, dtype=np.bool_)
    consent_weight = np.zeros(n_projects)
    for p in range(n_projects):
        trust_delta_out[p] = 0.0
        ready[p] = held[p] and stage[p] <= DESIGN_AND_FEASIBILITY and progress[p] >= 1.0
    for m in range(mem_project.shape[0]):
        consent_out[m] = False
        p = mem_project[m]
        if not ready[p] or not mem_active[m]:
            continue
        o = mem_org[m]
        members[p] += 1.0
        total_contribution[p] += contribution[m]
        if o == sponsor[p]:
            sponsor_present[p] = True
        if deferred_until[p] < 0 and u_refer[m] > rep_autonomy[o]:
            delay[p] = max(delay[p], 1 + int(MAX_REFERRAL_WEEKS * (1.0 - culture[o])))
    n_deferred = 0
    for p in range(n_projects):
        if not ready[p]:
            continue
        if deferred_until[p] < 0 and delay[p] > 0:
            deferred_until[p] = week + delay[p]
            ready[p] = False
            n_deferred += 1
        elif week < deferred_until[p]:
            ready[p] = False
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not ready[p] or not mem_active[m]:
            continue
        o = mem_org[m]
        n = members[p]
        contribution_share = contribution[m] / total_contribution[p] if total_contribution[p] > 0 else 1.0 / n
        benefit_share = contribution_share if equitable[p] else 1.0 / n
        remaining = work_cost * ambition[p] * (DELIVERY - stage[p])
        funded = min(1.0, (external_funds[p] + pooled_funds[p]) / remaining)
        cost = remaining * (1.0 - 0.5 * funded)
        value = (BENEFIT_PER_MEMBER_WEEK * n * ambition[p] * collaborative_advantage * (0.5 + 0.5 * momentum[p])
                 * BENEFIT_PERIOD)
        others_mean = (1.0 - benefit_share) * value / max(1.0, n - 1.0)  # the others' mean benefit
        own_cost = cost / n
        fit = 1.0
        if not np.isnan(agreed_aim[p]):  # a partner far from the agreed aim expects less of what it wants
            fit = max(0.0, 1.0 - misalignment_weight * abs(aim[m] - agreed_aim[p]))
        ratio = (benefit_share * value * fit + selflessness[o] * others_mean) / own_cost
        risk = (1.0 - member_trust[m]) * (1.0 - risk_appetite[o]) * (0.6 + 0.2 * stage[p])
        if sponsor_present[p]:
            risk *= 1.0 - SPONSOR_CONFIDENCE
        utility = (np.log(max(ratio, VALUE_FLOOR)) - risk + trust_consent_weight * (member_trust[m] - 0.5)
                   + skill_consent_weight * (rep_skill[o] - 0.5)
                   + 0.5 * (commitment[m] - 0.5) + 0.3 * consent_noise[m])
        if catalytic_effect and catalyst_until[p] >= week:
            utility += 0.5 * catalytic_strength
        consent_out[m] = utility > 0.0
        if not consent_out[m]:
            all_consent[p] = False
        else:
            consent_weight[p] += contribution_share
        if o == lead[p]:
            lead_consent[p] = consent_out[m]
            lead_present[p] = True
    n_passed = 0
    n_refused = 0
    for p in range(n_projects):
        if not ready[p]:
            continue
        deferred_until[p] = -1
        if lead_decides[p] and lead_present[p]:
            passed = lead_consent[p] and consent_weight[p] >= LEAD_QUORUM - 1e-12
        else:
            passed = all_consent[p]
        if passed:
            gate_passed[p] = True
            stage[p] += 1
            progress[p] = 0.0
            momentum[p] += 0.1 * (1.0 - momentum[p])
            trust_delta_out[p] = trust_gain
            n_passed += 1
        else:
            gate_refusals[p] += 1
            progress[p] = 0.7
            momentum[p] = max(0.0, momentum[p] - 0.1)
            trust_delta_out[p] = -0.5 * trust_gain * trust_loss_ratio
            n_refused += 1
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not ready[p] or not mem_active[m]:
            continue
        if gate_passed[p]:
            if lead_decides[p] and not consent_out[m]:
                commitment[m] = max(0.0, commitment[m] - 0.1)
            else:
                commitment[m] += 0.05 * (1.0 - commitment[m])
    overruled_loss = 0.5 * trust_gain * trust_loss_ratio
    for k in range(pair_project.shape[0]):
        p = pair_project[k]
        ma = pair_ma[k]
        mb = pair_mb[k]
        if not (ready[p] and gate_passed[p] and lead_decides[p]) or not (mem_active[ma] and mem_active[mb]):
            continue
        if (mem_org[ma] == lead[p] and not consent_out[mb]) or (mem_org[mb] == lead[p] and not consent_out[ma]):
            r = pair_rel[k]
            interpersonal[r] = max(0.0, interpersonal[r] - overruled_loss)
    return n_passed, n_refused, n_deferred
