"""The whole-model reference: one week as docs/ODD.md section 3 lists it, calling only the twins.

:func:`reference_week` runs the fifteen steps of the ODD's 'Process overview and scheduling' on a
:class:`PartnershipModel`'s own state. Its calls of the plain-Python twins are written here, from the
ODD and the kernels' parameter names, not copied from ``PartnershipModel.step``: a wrong argument at
a call in the model (two same-shaped arrays swapped, one parameter passed for another, a wrong random
stream) makes a model stepped by ``step`` differ from one stepped by this week
(``tests/test_reference_week.py``). Interventions (ODD 7.12) are applied here too, with calls of
their own.

It reuses the model's Python code that calls no kernel: the room and indexes late joiners are written into
(``model.joining``), follow-ons (``_follow_ons``, with their weekly generator ``_weekly_rng``), the intervention
check and the records (``_record``).

To change a process: change its twin, then its function here (they are in the ODD's order); to add
one, write its twin and kernel, add a function here, and call it from :func:`reference_week` where
the ODD puts it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from partnerships.model.interventions import DEFAULT_AWARD, DEFAULT_SHOCK, Intervention
from partnerships.model.model import (
    REORGANISING_KINDS, SHOCK_DECAY, WEEKS_PER_YEAR, Event, PartnershipModel, Stream, check_intervention,
)
from partnerships.model.scenarios import POOLED_SHARE, SPONSOR_STAKE, baseline_trust_table

from .aims import deliberate_aims
from .benefits import realise_benefits
from .decisions import decide_stage_gates
from .draws import fill_normal, fill_uniform
from .funding import award_funding, funding_call
from ._common import DESIGN_AND_FEASIBILITY
from .joiners import add_late_joiners
from .meetings import capacity_share, hold_meetings
from .membership import withdraw_uncommitted
from .obstacles import obstacles_arrive_and_resolve
from .stalls import absorb_shocks, update_stalls
from .trust import embed_institutional_trust, project_trust, shift_project_trust
from .turnover import (
    champions_emerge, draw_successors, forget_interpersonal_trust, lose_champions, replace_representatives,
)
from .work import work_between_meetings


def reference_week(model: PartnershipModel) -> None:
    """One week of ``model`` (its clock already advanced by Mesa), step by step as ODD section 3 lists them."""
    week = model.week
    apply_due_interventions(model, week)  # 1
    squeeze_capacity(model)  # 2
    embedded = embeddedness(model)  # institutional trust changes only at step 14
    left = weekly_turnover(model, embedded)  # 3
    reorganised = reorganisations(model, embedded)  # their representatives are replaced too
    emerge_champions(model)
    awards = funding_call_if_due(model, week)  # 4
    cap_share, held, quality = meetings(model, week)  # 5
    refresh_trust(model)
    deliberation(model, held, quality)
    obstacles(model, week, cap_share)  # 6
    work(model, week, embedded, cap_share)  # 7
    stage_gates(model, week, held)  # 8
    stalls(model, week)  # 9
    benefits(model, week)  # 10
    withdrawal(model, week)  # 11
    late_joiners(model, week)  # 12
    model._follow_ons(week)  # 13
    embedding(model)  # 14
    refresh_trust(model)
    model._record(left=left + reorganised, awards=awards)  # 15


class ReferenceWeekModel(PartnershipModel):
    """A :class:`PartnershipModel` stepped by :func:`reference_week`; ``intervene`` applies the reference's rules."""

    def step(self) -> None:
        reference_week(self)

    def intervene(self, action: str, project: int | None = None, organisation: int | None = None,
                  amount: float | None = None) -> Event:
        i = Intervention(action, week=self.week, project=project, organisation=organisation, amount=amount)
        return apply_intervention(self, check_intervention(i, self))


# --- random numbers (ODD 7.15) ------------------------------------------------------------------------
def uniforms(model: PartnershipModel, stream: int, n: int) -> np.ndarray:
    """This week's ``n`` uniforms of ``stream``: entity i gets number i."""
    out = np.zeros(n)
    fill_uniform(seed=model.stream_seed, week=model.week, stream=int(stream), out=out)
    return out


def normals(model: PartnershipModel, stream: int, n: int) -> np.ndarray:
    out = np.zeros(n)
    fill_normal(seed=model.stream_seed, week=model.week, stream=int(stream), out=out)
    return out


# --- 1. interventions (ODD 7.12) --------------------------------------------------------------------
def apply_due_interventions(model: PartnershipModel, week: int) -> None:
    """Apply those scheduled for this week or earlier, and those whose project first stalled in an earlier week."""
    waiting = []
    for i in model.pending:
        if i.week is not None:
            if i.week <= week:
                apply_intervention(model, i)
                continue
        elif i.when == "first_stall":
            first = model.projects.first_stall_week
            watched = range(len(first)) if i.project is None else [i.project]
            stalled = [p for p in watched if 0 <= first[p] < week]
            if stalled:  # the lowest-numbered project that stalled, unless one is named
                apply_intervention(model, replace(i, week=week, when=None, project=stalled[0]))
                continue
        waiting.append(i)
    model.pending = waiting


def apply_intervention(model: PartnershipModel, i: Intervention) -> Event:
    """Apply one intervention now (project 0 unless named) and record it as an event."""
    p, proj, mem = model.params, model.projects, model.memberships
    week = model.week
    project = 0 if i.project is None else i.project
    organisation = i.organisation
    if i.action == "funding_award":
        amount = i.amount if i.amount is not None else p["external_funding"] if p["external_funding"] > 0 \
            else DEFAULT_AWARD
        award_funding(project=project, week=week, amount=amount, resource_effect=p["funding_resource_effect"],
                      award_deadline=p["award_deadline"], external_funds=proj.external_funds,
                      external_received=proj.external_received, catalyst_until=proj.catalyst_until)
    elif i.action == "champion_leaves":
        organisation = int(proj.champion[project])  # -1: the project has no champion, nothing happens
        if organisation >= 0:
            representative_leaves_now(model, organisation)
    elif i.action == "representative_leaves":
        representative_leaves_now(model, organisation)
    elif i.action == "partner_withdraws":
        members = [m for m in range(len(mem)) if mem.project[m] == project and mem.active[m]]
        if organisation is None:  # the least committed (the first of equals)
            leaving = [min(members, key=lambda m: mem.commitment[m])] if members else []
        else:
            leaving = [m for m in members if mem.org[m] == organisation][:1]
        if leaving:
            organisation = int(mem.org[leaving[0]])
            mem.active[leaving[0]] = False
            withdrawal(model, week)  # a project left with fewer than two partners is abandoned
            refresh_trust(model)
    elif i.action == "obstacle":
        proj.obstacle[project] += i.amount if i.amount is not None else 3.0 * p["obstacle_severity"]
    elif i.action == "policy_shock":  # more financial pressure, and a shock every open partnership absorbs
        size = i.amount if i.amount is not None else DEFAULT_SHOCK
        model.pressure_shock += size
        shocks(model, np.full(len(proj), float(size)))
    else:
        raise ValueError(f"the reference week has no rule for intervention '{i.action}'")
    event = Event(week, i.action, None if i.action == "policy_shock" else project, organisation,
                  f"(reference) {i.describe()}")
    model.events.append(event)
    return event


def representative_leaves_now(model: PartnershipModel, organisation: int) -> None:
    """One representative leaves, with every effect of turnover (ODD 7.7); nobody else's tenure advances."""
    orgs = model.orgs
    u_leave = np.ones(len(orgs))
    u_leave[organisation] = 0.0
    tenure = orgs.rep_tenure.copy()
    # any hazard in (0, 1] makes exactly this one leave; 0.5, as the model uses, so the calls compare equal
    representatives_leave(model, u_leave, 0.5, Stream.INTERVENTION + len(model.events), embeddedness(model))
    stayed = np.arange(len(orgs)) != organisation
    orgs.rep_tenure[stayed] = tenure[stayed]
    refresh_trust(model)


# --- 2. financial pressure (ODD 7.1) ------------------------------------------------------------------
def squeeze_capacity(model: PartnershipModel) -> None:
    model.pressure_shock *= SHOCK_DECAY
    squeeze = min(0.95, model.params["financial_pressure"] + model.pressure_shock)
    model.orgs.capacity[:] = model.orgs.base_capacity * (1.0 - squeeze)


# --- 3. leadership turnover and champions (ODD 7.7) ---------------------------------------------------
def embeddedness(model: PartnershipModel) -> np.ndarray:
    """E of each project: mean institutional trust over its pairs of active members (0 without any)."""
    pairs, active, institutional = model.pairs, model.memberships.active, model.relationships.institutional
    total, count = [0.0] * len(model.projects), [0] * len(model.projects)
    for k in range(len(pairs)):
        if active[pairs.ma[k]] and active[pairs.mb[k]]:
            total[pairs.project[k]] += institutional[pairs.rel[k]]
            count[pairs.project[k]] += 1
    return np.array([t / c if c else 0.0 for t, c in zip(total, count)], dtype=np.float64)


def weekly_turnover(model: PartnershipModel, embedded: np.ndarray) -> int:
    """Each representative leaves with the weekly hazard equivalent to ``leader_turnover`` a year."""
    hazard = 1.0 - (1.0 - model.params["leader_turnover"]) ** (1.0 / WEEKS_PER_YEAR)
    return representatives_leave(model, uniforms(model, Stream.LEAVE, len(model.orgs)), hazard, Stream.REPLACEMENT,
                                 embedded)


def representatives_leave(model: PartnershipModel, u_leave: np.ndarray, hazard: float, stream: int,
                          embedded: np.ndarray) -> int:
    """Those with ``u_leave < hazard`` leave: successors (traits drawn from ``stream``) take their seats, their
    interpersonal trust is forgotten and the projects they championed lose their champion. Returns how many left."""
    orgs, proj, rel = model.orgs, model.projects, model.relationships
    successors = [np.zeros(len(orgs)) for _ in range(3)]
    draw_successors(seed=model.stream_seed, week=model.week, stream=int(stream), autonomy_mean=model.params["autonomy_mean"],
                    culture=orgs.culture, u_leave=u_leave, weekly_hazard=hazard, new_autonomy=successors[0],
                    new_presence=successors[1], new_skill=successors[2])
    autonomy, presence, skill = successors
    left = np.zeros(len(orgs), dtype=np.bool_)
    n_left = replace_representatives(u_leave=u_leave, weekly_hazard=hazard, new_autonomy=autonomy,
                                     new_presence=presence, new_skill=skill, rep_tenure=orgs.rep_tenure,
                                     rep_autonomy=orgs.rep_autonomy, rep_presence=orgs.rep_presence,
                                     rep_skill=orgs.rep_skill, rep_generation=orgs.rep_generation, left=left)
    if n_left:  # nothing to forget or lose otherwise
        forget_interpersonal_trust(left=left, rel_a=rel.a, rel_b=rel.b, interpersonal=rel.interpersonal,
                                   institutional=rel.institutional)
        lose_champions(left=left, champion=proj.champion, stage=proj.stage, momentum=proj.momentum,
                       champion_loss=model.params["champion_loss"], embedded=embedded)
    return n_left


def reorganisations(model: PartnershipModel, embedded: np.ndarray) -> int:
    """Health bodies and government agencies reorganise at ``reorganisation_rate`` a year: their representative
    goes as in turnover (successors from their own stream) and each open project they are active in absorbs
    ``reorganisation_shock`` per reorganised member. Returns how many were reorganised."""
    p, orgs, mem = model.params, model.orgs, model.memberships
    if p["reorganisation_rate"] <= 0:
        return 0
    hazard = 1.0 - (1.0 - p["reorganisation_rate"]) ** (1.0 / WEEKS_PER_YEAR)
    u = uniforms(model, Stream.REORGANISE, len(orgs))
    hit = [bool(u[o] < hazard and int(orgs.kind[o]) in REORGANISING_KINDS) for o in range(len(orgs))]
    if not any(hit):
        return 0
    tenure = orgs.rep_tenure.copy()
    representatives_leave(model, np.array([0.0 if h else 1.0 for h in hit]), 0.5, Stream.REORGANISED_SUCCESSOR,
                          embedded)
    for o in range(len(orgs)):
        if not hit[o]:
            orgs.rep_tenure[o] = tenure[o]
    shock = np.zeros(len(model.projects))
    for m in range(len(mem)):
        if mem.active[m] and hit[int(mem.org[m])]:
            shock[mem.project[m]] += p["reorganisation_shock"]
    shocks(model, shock)
    return sum(hit)


def shocks(model: PartnershipModel, shock: np.ndarray) -> None:
    """Open projects absorb ``shock[p]``: less momentum and commitment lost where trust is strong (ODD 7.8)."""
    proj, mem, pairs, rel = model.projects, model.memberships, model.pairs, model.relationships
    absorb_shocks(shock=shock, stage=proj.stage, momentum=proj.momentum, mem_project=mem.project,
                  mem_active=mem.active, commitment=mem.commitment, pair_project=pairs.project, pair_rel=pairs.rel,
                  pair_ma=pairs.ma, pair_mb=pairs.mb, interpersonal=rel.interpersonal,
                  institutional=rel.institutional)


def emerge_champions(model: PartnershipModel) -> None:
    proj, mem = model.projects, model.memberships
    champions_emerge(u_emerge=uniforms(model, Stream.CHAMPION, len(proj)),
                     emergence_rate=model.params["champion_emergence"], stage=proj.stage, champion=proj.champion,
                     mem_project=mem.project, mem_org=mem.org, mem_active=mem.active, rep_skill=model.orgs.rep_skill)


# --- 4. external funding call (ODD 7.6) ---------------------------------------------------------------
def funding_call_if_due(model: PartnershipModel, week: int) -> int:
    """In weeks that are multiples of ``funding_call_interval``, if the programme is on; returns awards made."""
    p, proj = model.params, model.projects
    if p["external_funding"] <= 0 or week % p["funding_call_interval"] != 0:
        return 0
    return funding_call(week=week, success_chance=p["funding_success_chance"], amount=p["external_funding"],
                        resource_effect=p["funding_resource_effect"], award_deadline=p["award_deadline"],
                        u_bid=uniforms(model, Stream.BID, len(proj)), stage=proj.stage,
                        external_funds=proj.external_funds, external_received=proj.external_received,
                        catalyst_until=proj.catalyst_until)


# --- 5. meetings (ODD 7.2) ----------------------------------------------------------------------------
def meetings(model: PartnershipModel, week: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capacity shares, then the meetings due; a held meeting's quality becomes the project's action quality.
    Returns (each organisation's capacity share, which projects met, each meeting's quality)."""
    p, orgs, proj, mem, pairs = model.params, model.orgs, model.projects, model.memberships, model.pairs
    cap_share = np.zeros(len(orgs))
    capacity_share(capacity=orgs.capacity, stage=proj.stage, mem_project=mem.project, mem_org=mem.org,
                   mem_active=mem.active, out=cap_share)
    held = np.zeros(len(proj), dtype=np.bool_)
    quality = np.zeros(len(proj))
    hold_meetings(week=week, meeting_interval=p["meeting_interval"], meeting_discipline=p["meeting_discipline"],
                  trust_gain=p["trust_gain"], absence_penalty=p["absence_penalty"],
                  coordination_cost=p["coordination_cost"], meeting_days=p["meeting_days"],
                  u_attend=uniforms(model, Stream.ATTEND, len(mem)), stage=proj.stage, next_meeting=proj.next_meeting,
                  mem_project=mem.project, mem_org=mem.org, mem_active=mem.active, attended=mem.attended,
                  rep_presence=orgs.rep_presence, rep_skill=orgs.rep_skill, capacity=orgs.capacity,
                  cap_share=cap_share, contribution=mem.contribution, costs=proj.costs, pair_project=pairs.project,
                  pair_rel=pairs.rel,
                  pair_ma=pairs.ma, pair_mb=pairs.mb, interpersonal=model.relationships.interpersonal, held=held,
                  quality=quality)
    proj.action_quality[held] = quality[held]
    return cap_share, held, quality


def deliberation(model: PartnershipModel, held: np.ndarray, quality: np.ndarray) -> None:
    """Projects agreeing goals that met: attendees' aims move towards the room's view; the agreed aim is set (ODD 7.16)."""
    proj, mem = model.projects, model.memberships
    deliberate_aims(deliberation_rate=model.params["deliberation_rate"], held=held, quality=quality,
                    stage=proj.stage, lead=proj.lead, lead_decides=proj.lead_decides, mem_project=mem.project,
                    mem_org=mem.org, mem_active=mem.active, attended=mem.attended, contribution=mem.contribution,
                    member_trust=model.member_trust, aim=mem.aim, agreed_aim=proj.agreed_aim)


def refresh_trust(model: PartnershipModel) -> None:
    """Project trust (mean and minimum over active pairs) and each membership's mean trust with its co-members."""
    pairs, rel = model.pairs, model.relationships
    n_projects, n_members = len(model.projects), len(model.memberships)
    mean, minimum = np.zeros(n_projects), np.zeros(n_projects)
    member_sum, member_count = np.zeros(n_members), np.zeros(n_members)
    project_trust(n_projects=n_projects, pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma,
                  pair_mb=pairs.mb, mem_active=model.memberships.active, interpersonal=rel.interpersonal,
                  institutional=rel.institutional, mean_out=mean, min_out=minimum, member_sum=member_sum,
                  member_count=member_count)
    model.project_trust_mean, model.project_trust_min = mean, minimum
    model.member_trust = np.array([s / c if c > 0 else 0.0 for s, c in zip(member_sum, member_count)],
                                  dtype=np.float64)


# --- 6. obstacles (ODD 7.5) ---------------------------------------------------------------------------
def obstacles(model: PartnershipModel, week: int, cap_share: np.ndarray) -> None:
    """New obstacles; those there are cleared by the members' behaviour and trust, and by award money."""
    p, proj, mem, orgs = model.params, model.projects, model.memberships, model.orgs
    obstacles_arrive_and_resolve(
        obstacle_rate=p["obstacle_rate"], obstacle_severity=p["obstacle_severity"],
        risk_aversion_amplifier=p["risk_aversion_amplifier"], catalytic_effect=p["funding_catalytic_effect"],
        catalytic_strength=p["catalytic_strength"], resource_effect=p["funding_resource_effect"],
        work_rate=p["work_rate"], work_cost=p["work_cost"], manager_cost=p["manager_cost"], week=week,
        u_arrive=uniforms(model, Stream.OBSTACLE_ARRIVAL, len(proj)),
        z_size=normals(model, Stream.OBSTACLE_SIZE, len(proj)), stage=proj.stage, obstacle=proj.obstacle,
        champion=proj.champion, has_manager=proj.has_manager, catalyst_until=proj.catalyst_until,
        external_funds=proj.external_funds, costs=proj.costs, trust_mean=model.project_trust_mean,
        mem_project=mem.project, mem_org=mem.org, mem_active=mem.active, commitment=mem.commitment,
        cap_share=cap_share, risk_appetite=orgs.risk_appetite, selflessness=orgs.selflessness,
        rep_skill=orgs.rep_skill)


# --- 7. work between meetings (ODD 7.3) ---------------------------------------------------------------
def work(model: PartnershipModel, week: int, embedded: np.ndarray, cap_share: np.ndarray) -> None:
    p, proj, mem = model.params, model.projects, model.memberships
    work_between_meetings(
        week=week, meeting_discipline=p["meeting_discipline"], work_rate=p["work_rate"],
        momentum_rate=p["momentum_rate"], coordination_cost=p["coordination_cost"], work_cost=p["work_cost"],
        manager_cost=p["manager_cost"], resource_effect=p["funding_resource_effect"],
        catalytic_effect=p["funding_catalytic_effect"], catalytic_strength=p["catalytic_strength"],
        stage=proj.stage, momentum=proj.momentum, progress=proj.progress,
        ambition=proj.ambition, has_manager=proj.has_manager, champion=proj.champion, embedded=embedded,
        obstacle=proj.obstacle, catalyst_until=proj.catalyst_until, action_quality=proj.action_quality,
        external_funds=proj.external_funds, costs=proj.costs, delivered_week=proj.delivered_week,
        mem_project=mem.project, mem_org=mem.org, mem_active=mem.active, commitment=mem.commitment,
        contribution=mem.contribution, cap_share=cap_share, done_out=np.zeros(len(proj)))


# --- 8. stage-gate decisions and their trust change (ODD 7.4) -----------------------------------------
def stage_gates(model: PartnershipModel, week: int, held: np.ndarray) -> None:
    p, orgs, proj, mem, pairs = model.params, model.orgs, model.projects, model.memberships, model.pairs
    trust_delta = np.zeros(len(proj))
    decide_stage_gates(
        week=week, collaborative_advantage=p["collaborative_advantage"],
        catalytic_effect=p["funding_catalytic_effect"], catalytic_strength=p["catalytic_strength"],
        trust_gain=p["trust_gain"], trust_loss_ratio=p["trust_loss_ratio"], work_cost=p["work_cost"], held=held,
        stage=proj.stage, progress=proj.progress, momentum=proj.momentum, ambition=proj.ambition,
        deferred_until=proj.deferred_until, catalyst_until=proj.catalyst_until, lead=proj.lead, sponsor=proj.sponsor,
        lead_decides=proj.lead_decides, equitable=proj.equitable, external_funds=proj.external_funds,
        pooled_funds=proj.pooled_funds, gate_refusals=proj.gate_refusals, mem_project=mem.project, mem_org=mem.org,
        mem_active=mem.active, commitment=mem.commitment, contribution=mem.contribution,
        member_trust=model.member_trust, risk_appetite=orgs.risk_appetite, selflessness=orgs.selflessness,
        culture=orgs.culture, rep_autonomy=orgs.rep_autonomy, rep_skill=orgs.rep_skill,
        pair_project=pairs.project, pair_rel=pairs.rel,
        pair_ma=pairs.ma, pair_mb=pairs.mb, interpersonal=model.relationships.interpersonal,
        u_refer=uniforms(model, Stream.REFERRAL, len(mem)), consent_noise=normals(model, Stream.CONSENT, len(mem)),
        consent_out=np.zeros(len(mem), dtype=np.bool_), trust_delta_out=trust_delta,
        trust_consent_weight=p["trust_consent_weight"], skill_consent_weight=p["skill_consent_weight"],
        misalignment_weight=p["misalignment_weight"], aim=mem.aim, agreed_aim=proj.agreed_aim)
    shift_trust(model, trust_delta)


def shift_trust(model: PartnershipModel, delta: np.ndarray) -> None:
    """Each project's small win (delta > 0) or failure (delta < 0) moves its active pairs' interpersonal trust."""
    pairs = model.pairs
    shift_project_trust(delta=delta, pair_project=pairs.project, pair_rel=pairs.rel, pair_ma=pairs.ma,
                        pair_mb=pairs.mb, mem_active=model.memberships.active,
                        interpersonal=model.relationships.interpersonal)


# --- 9. stalls (ODD 7.8) ------------------------------------------------------------------------------
def stalls(model: PartnershipModel, week: int) -> None:
    p, proj = model.params, model.projects
    trust_delta = np.zeros(len(proj))
    update_stalls(week=week, stall_threshold=p["stall_threshold"], patience=p["patience"], trust_gain=p["trust_gain"],
                  trust_loss_ratio=p["trust_loss_ratio"], stage=proj.stage,
                  stage_before_stall=proj.stage_before_stall, momentum=proj.momentum, stalls=proj.stalls,
                  stalled_since=proj.stalled_since, first_stall_week=proj.first_stall_week,
                  closed_week=proj.closed_week, trust_delta_out=trust_delta)
    shift_trust(model, trust_delta)


# --- 10. benefits (ODD 7.10) --------------------------------------------------------------------------
def benefits(model: PartnershipModel, week: int) -> None:
    p, proj, mem = model.params, model.projects, model.memberships
    realise_benefits(week=week, collaborative_advantage=p["collaborative_advantage"],
                     fairness_tolerance=p["fairness_tolerance"], stage=proj.stage, progress=proj.progress,
                     momentum=proj.momentum, ambition=proj.ambition, equitable=proj.equitable,
                     benefits=proj.benefits, closed_week=proj.closed_week, mem_project=mem.project, mem_org=mem.org,
                     mem_active=mem.active, commitment=mem.commitment, contribution=mem.contribution,
                     benefit=mem.benefit, selflessness=model.orgs.selflessness,
                     net_benefit_spread=proj.net_benefit_spread, misalignment_weight=p["misalignment_weight"],
                     aim=mem.aim, agreed_aim=proj.agreed_aim)


# --- 11. withdrawal (ODD 7.11) ------------------------------------------------------------------------
def withdrawal(model: PartnershipModel, week: int) -> None:
    proj, mem = model.projects, model.memberships
    withdraw_uncommitted(week=week, stage=proj.stage, closed_week=proj.closed_week, mem_project=mem.project,
                         mem_active=mem.active, commitment=mem.commitment)


# --- 12. late joiners (ODD 7.11) ----------------------------------------------------------------------
def late_joiners(model: PartnershipModel, week: int) -> None:
    """A partner joins an open project up to design and feasibility at ``membership_change_rate`` a year, written
    into the room of the tables (the model's :class:`model.joining.JoinerRoom` keeps the room and the indexes)."""
    proj, orgs = model.projects, model.orgs
    u_join = uniforms(model, Stream.JOIN, len(proj))
    chance = model.params["membership_change_rate"] / WEEKS_PER_YEAR
    if not any(u < chance and s <= DESIGN_AND_FEASIBILITY for u, s in zip(u_join.tolist(), proj.stage.tolist())):
        return  # nobody may join this week
    room = model._joiner_room_synced()
    while True:
        mem, rel, pairs = model.memberships.room(), model.relationships.room(), model.pairs.room()
        aim_seed, aim_stream = model.region.aim_stream
        added = add_late_joiners(
            seed=model.stream_seed, week=week, join_chance=chance,
            u_join=u_join, choice_stream=int(Stream.JOINER),
            trust_stream=int(Stream.JOINER_TRUST), commitment_stream=int(Stream.JOINER_COMMITMENT),
            aim_seed=aim_seed, aim_stream=aim_stream, pooled_share=POOLED_SHARE, sponsor_stake=SPONSOR_STAKE,
            stage=proj.stage, lead=proj.lead, sponsor=proj.sponsor, started=proj.started,
            area_first=room.area_first, area_stop=room.area_stop, kind=orgs.kind, selflessness=orgs.selflessness,
            resources=orgs.resources, baseline_trust=baseline_trust_table(model.params["sector_trust_gap"]),
            mem_project=mem["project"], mem_org=mem["org"], mem_active=mem["active"], commitment=mem["commitment"],
            contribution=mem["contribution"], benefit=mem["benefit"], attended=mem["attended"], joined=mem["joined"],
            aim=mem["aim"], rel_a=rel["a"], rel_b=rel["b"], interpersonal=rel["interpersonal"],
            institutional=rel["institutional"], pair_project=pairs["project"], pair_rel=pairs["rel"],
            pair_ma=pairs["ma"], pair_mb=pairs["mb"], sizes=room.sizes, mem_next=room.mem_next,
            proj_first=room.proj_first, proj_last=room.proj_last, keys=room.keys, values=room.values,
            is_member=room.is_member)
        if added >= 0:
            break
        room.grow(model)
    room.settle(model)


# --- 14. embedding (ODD 7.9) --------------------------------------------------------------------------
def embedding(model: PartnershipModel) -> None:
    proj, pairs, rel = model.projects, model.pairs, model.relationships
    embed_institutional_trust(embedding_rate=model.params["embedding_rate"], stage=proj.stage,
                              governance_level=proj.governance_level, pair_project=pairs.project,
                              pair_rel=pairs.rel, pair_ma=pairs.ma, pair_mb=pairs.mb,
                              mem_active=model.memberships.active, interpersonal=rel.interpersonal,
                              institutional=rel.institutional)

