"""The fused week: whole weeks of the model in one compiled call (issue 11).

:func:`run_weeks` runs weeks ``week..last_week`` of :meth:`model.model.PartnershipModel.step` over the
model's state arrays without returning to Python: the capacity squeeze, embeddedness, turnover and
reorganisation (successors' traits from keyed draws, :func:`model.kernels.turnover.draw_successors`), champions, the
funding call, meetings, trust refresh, obstacles, work, gates, stalls, benefits, withdrawal, late joiners
(:mod:`model.kernels.joiners`, into the tables' room), embedding and the weekly record (the columns of
:data:`model.records.WEEKLY_REPORTERS`, the closed-project freeze of ``_freeze_closed`` and, if kept, each
project's momentum, trust and stage) into preallocated arrays. It calls the same kernels with the same
arguments and draws the same counter-based streams (:mod:`model.kernels.draws`) as ``step``, so the two give
the same run bit for bit (``tests/test_fused_driver.py``). Draws a week's kernels do not read are not made (obstacle sizes when no
obstacle may arrive, referrals and consent noise when no gate meets): a draw depends only on its
(seed, week, stream, index) key, so the draws that are read are the same.

It returns to Python where ``step`` changes the structure or applies an intervention:

- ``STOP_MIDWEEK``: after the late joiners, when the tables' room was too small for them (Python grows it
  and runs ``_late_joiners``) or a project closed as delivered this week (a follow-on may start: Python
  runs ``_follow_ons``). Python calls again with ``phase = 1``, which resumes the week at the trust
  embedding.
- ``STOP_INTERVENTION``: at the start of a week in which a pending ``first_stall`` intervention fires
  (a watched project first stalled in an earlier week). Python steps that week itself.

Weeks with an intervention scheduled by week are never given to it (Python steps them).

Numba's cache checks only this file's timestamp, not the kernels it calls: :func:`refresh_cache`
(called by the model) drops the cached driver when a kernel module changed.
"""

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

from partnerships.model.kernels.aims import deliberate_aims
from partnerships.model.kernels.benefits import realise_benefits
from partnerships.model.kernels.decisions import decide_stage_gates
from partnerships.model.kernels.draws import fill_normal, fill_uniform
from partnerships.model.kernels.funding import funding_call
from partnerships.model.kernels.joiners import add_late_joiners
from partnerships.model.kernels.meetings import capacity_share, hold_meetings
from partnerships.model.kernels.membership import withdraw_uncommitted
from partnerships.model.kernels.obstacles import obstacles_arrive_and_resolve
from partnerships.model.kernels.stages import ABANDONED, DELIVERED, DESIGN_AND_FEASIBILITY, STALLED
from partnerships.model.kernels.stalls import absorb_shocks, update_stalls
from partnerships.model.kernels.trust import embed_institutional_trust, project_trust, shift_project_trust
from partnerships.model.kernels.turnover import (
    champions_emerge, draw_successors, forget_interpersonal_trust, lose_champions, replace_representatives,
)
from partnerships.model.kernels.work import work_between_meetings

DONE, STOP_MIDWEEK, STOP_INTERVENTION = 0, 1, 2
#: columns of the weekly record array, in the order of model.records.WEEKLY_REPORTERS (the model checks)
RECORD_COLUMNS = ("week", "mean_momentum", "mean_trust", "mean_momentum_all", "mean_trust_all", "open_projects",
                  "stalled_projects", "delivered_projects", "abandoned_projects", "representatives_left", "awards")
#: positions in the ``streams`` array of the stream ids (model.model.Stream) the driver draws
(S_LEAVE, S_CHAMPION, S_BID, S_ATTEND, S_OBSTACLE_ARRIVAL, S_OBSTACLE_SIZE, S_REFERRAL, S_CONSENT, S_JOIN,
 S_REPLACEMENT, S_REORGANISE, S_REORGANISED_SUCCESSOR) = range(12)
STREAM_NAMES = ("LEAVE", "CHAMPION", "BID", "ATTEND", "OBSTACLE_ARRIVAL", "OBSTACLE_SIZE", "REFERRAL", "CONSENT",
                "JOIN", "REPLACEMENT", "REORGANISE", "REORGANISED_SUCCESSOR")


@njit(cache=True)
def _block_sum(a, lo, n):
    """NumPy's sum of a block of at most 128: a plain loop under 8, else 8 accumulators."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def pairwise_sum(a, lo, n):
    """``a[lo:lo + n].sum()`` exactly as NumPy adds a contiguous float64 array, so a mean computed here has
    NumPy's bits: blocks of at most 128 summed by :func:`_block_sum`, a longer range split in two at half its
    length rounded down to a multiple of 8, the halves' sums added. Without recursion (a cached recursive
    Numba function can crash when loaded): an explicit stack of ranges, each waiting for its left half
    (state 1) or its right half (state 2)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    state = np.zeros(64, dtype=np.int64)
    left = np.empty(64)
    top = 0
    los[0] = lo
    ns[0] = n
    while True:
        m = ns[top]
        if m > 128:  # split: descend into the left half
            half = m // 2
            half -= half % 8
            state[top] = 1
            los[top + 1] = los[top]
            ns[top + 1] = half
            top += 1
            continue
        value = _block_sum(a, los[top], m)
        while True:  # hand the value up until a range still needs its right half
            if top == 0:
                return value
            top -= 1
            if state[top] == 1:
                left[top] = value
                state[top] = 2
                half = ns[top] // 2
                half -= half % 8
                los[top + 1] = los[top] + half
                ns[top + 1] = ns[top] - half
                top += 1
                break
            value = left[top] + value


@njit(cache=True)
def _mean_over_open(values, stage, scratch):
    count = 0
    for p in range(stage.shape[0]):
        if stage[p] != DELIVERED and stage[p] != ABANDONED:
            scratch[count] = values[p]
            count += 1
    if count == 0:
        return np.nan
    return pairwise_sum(scratch, 0, count) / count


@njit(cache=True)
def run_weeks(week, last_week, phase, seed, streams, shock_decay, shock_box, carry,
              financial_pressure, turnover_hazard, reorganise, reorganisation_hazard, reorganisation_shock,
              champion_loss, champion_emergence, external_funding, funding_call_interval, funding_success_chance,
              funding_resource_effect, funding_catalytic_effect, award_deadline, catalytic_strength,
              meeting_interval, meeting_discipline, trust_gain, trust_loss_ratio, absence_penalty, coordination_cost,
              meeting_days, obstacle_rate, obstacle_severity, risk_aversion_amplifier, work_rate, work_cost,
              manager_cost, momentum_rate, collaborative_advantage, stall_threshold, patience, fairness_tolerance,
              join_chance, embedding_rate, deliberation_rate, trust_consent_weight, skill_consent_weight,
              misalignment_weight, autonomy_mean, reorganisable,
              choice_stream, trust_stream, commitment_stream, aim_seed, aim_stream, pooled_share, sponsor_stake,
              started, area_first, area_stop, kind, resources, baseline_trust,
              watch_any, watch,
              base_capacity, capacity, risk_appetite, selflessness, culture, rep_tenure, rep_autonomy, rep_presence,
              rep_skill, rep_generation,
              stage, stage_before_stall, momentum, ambition, progress, lead, sponsor, champion, has_manager,
              lead_decides, equitable, governance_level, next_meeting, deferred_until, obstacle, catalyst_until,
              external_funds, external_received, pooled_funds, action_quality, costs, benefits, stalls,
              stalled_since, gate_refusals, delivered_week, closed_week, first_stall_week, net_benefit_spread,
              agreed_aim,
              mem_project_room, mem_org_room, mem_active_room, commitment_room, contribution_room, benefit_room,
              attended_room, joined_room, aim_room,
              rel_a_room, rel_b_room, interpersonal_room, institutional_room,
              pair_project_room, pair_rel_room, pair_ma_room, pair_mb_room,
              sizes, mem_next, proj_first, proj_last, rel_keys, rel_values, is_member,
              trust_mean, trust_min, member_trust_room, n_initial, final_momentum, final_trust, last_open_trust,
              record, row, record_series, series_momentum, series_trust, series_stage):
    """Run weeks ``week..last_week`` (``phase`` 1: resume ``week`` at the embedding, after the structure
    changed). Returns ``(week, status, row)``: the week it stopped in (``last_week + 1``
    when done), why (:data:`DONE`, :data:`STOP_MIDWEEK`, :data:`STOP_INTERVENTION`) and the next free
    row of ``record`` (one row per week recorded, columns :data:`RECORD_COLUMNS`) and of the series.

    ``shock_box[0]`` is the policy shock's extra pressure and ``carry`` the week's (departures, awards)
    across a mid-week stop, then whether joiners are still to add (the room was too small) and whether a
    follow-on may come (at a mid-week stop); both are updated. The memberships', relationships' and pairs'
    columns are their buffers (``*_room``, live rows ``sizes``; :mod:`model.joining`), as is
    ``member_trust_room``. ``reorganisable`` marks the organisations of a kind that reorganises.
    """
    n_orgs = capacity.shape[0]
    n_proj = stage.shape[0]
    n_watch = watch.shape[0]
    room_rows = mem_project_room.shape[0]
    # scratch, each written before it is read (np.empty: a large region pays no zeroing per call)
    u_orgs = np.empty(n_orgs)
    u_proj = np.empty(n_proj)
    z_proj = np.empty(n_proj)
    u_mem_room = np.empty(room_rows)
    z_mem_room = np.empty(room_rows)
    new_autonomy = np.empty(n_orgs)
    new_presence = np.empty(n_orgs)
    new_skill = np.empty(n_orgs)
    left = np.empty(n_orgs, dtype=np.bool_)
    u_hit = np.empty(n_orgs)
    tenure = np.empty(n_orgs, dtype=rep_tenure.dtype)
    hit = np.empty(n_orgs, dtype=np.bool_)
    embedded = np.empty(n_proj)
    total = np.empty(n_proj)
    count = np.empty(n_proj, dtype=np.int64)
    shock = np.empty(n_proj)
    cap_share = np.empty(n_orgs)
    held = np.empty(n_proj, dtype=np.bool_)
    quality = np.empty(n_proj)
    done = np.empty(n_proj)
    consent_room = np.empty(room_rows, dtype=np.bool_)
    trust_delta = np.empty(n_proj)
    member_sum_room = np.empty(room_rows)
    member_count_room = np.empty(room_rows)
    scratch = np.empty(max(n_proj, 1))
    reorganisation_trigger = 0.5  # the hazard _reorganise gives the kernel, with u = 0 when hit and 1 otherwise
    while week <= last_week:
        # the live rows of the tables late joiners grow (their buffers' room, model.joining), as of now
        n_mem, n_rel, n_pairs = sizes[0], sizes[1], sizes[2]
        mem_project, mem_org, mem_active = mem_project_room[:n_mem], mem_org_room[:n_mem], mem_active_room[:n_mem]
        commitment, contribution, benefit = commitment_room[:n_mem], contribution_room[:n_mem], benefit_room[:n_mem]
        attended, aim, member_trust = attended_room[:n_mem], aim_room[:n_mem], member_trust_room[:n_mem]
        u_mem, z_mem, consent = u_mem_room[:n_mem], z_mem_room[:n_mem], consent_room[:n_mem]
        member_sum, member_count = member_sum_room[:n_mem], member_count_room[:n_mem]
        rel_a, rel_b = rel_a_room[:n_rel], rel_b_room[:n_rel]
        interpersonal, institutional = interpersonal_room[:n_rel], institutional_room[:n_rel]
        pair_project, pair_rel = pair_project_room[:n_pairs], pair_rel_room[:n_pairs]
        pair_ma, pair_mb = pair_ma_room[:n_pairs], pair_mb_room[:n_pairs]
        if phase == 0:
            # --- 1. a pending 'first_stall' intervention due: Python steps this week
            due = False
            if watch_any:
                for p in range(n_proj):
                    if first_stall_week[p] >= 0 and first_stall_week[p] < week:
                        due = True
            for i in range(n_watch):
                p = watch[i]
                if first_stall_week[p] >= 0 and first_stall_week[p] < week:
                    due = True
            if due:
                return week, STOP_INTERVENTION, row

            # --- 2. pressure squeezes capacity
            shock_box[0] *= shock_decay
            squeeze = financial_pressure + shock_box[0]
            if not squeeze < 0.95:
                squeeze = 0.95
            factor = 1.0 - squeeze
            for o in range(n_orgs):
                capacity[o] = base_capacity[o] * factor

            # --- embeddedness (PartnershipModel._embeddedness)
            for p in range(n_proj):
                total[p] = 0.0
                count[p] = 0
            for k in range(pair_project.shape[0]):
                if mem_active[pair_ma[k]] and mem_active[pair_mb[k]]:
                    p = pair_project[k]
                    total[p] += institutional[pair_rel[k]]
                    count[p] += 1
            for p in range(n_proj):
                embedded[p] = total[p] / count[p] if count[p] > 0 else 0.0

            # --- 3. turnover (PartnershipModel._turnover)
            fill_uniform(seed=seed, week=week, stream=streams[S_LEAVE], out=u_orgs)
            n_left = draw_successors(seed=seed, week=week, stream=streams[S_REPLACEMENT], autonomy_mean=autonomy_mean,
                                     culture=culture, u_leave=u_orgs, weekly_hazard=turnover_hazard,
                                     new_autonomy=new_autonomy, new_presence=new_presence, new_skill=new_skill)
            replace_representatives(u_leave=u_orgs, weekly_hazard=turnover_hazard, new_autonomy=new_autonomy,
                                    new_presence=new_presence, new_skill=new_skill, rep_tenure=rep_tenure,
                                    rep_autonomy=rep_autonomy, rep_presence=rep_presence, rep_skill=rep_skill,
                                    rep_generation=rep_generation, left=left)
            if n_left > 0:
                forget_interpersonal_trust(left=left, rel_a=rel_a, rel_b=rel_b, interpersonal=interpersonal,
                                           institutional=institutional)
                lose_champions(left=left, champion=champion, stage=stage, momentum=momentum,
                               champion_loss=champion_loss, embedded=embedded)

            # --- reorganisations (PartnershipModel._reorganise)
            n_reorganised = 0
            if reorganise:
                fill_uniform(seed=seed, week=week, stream=streams[S_REORGANISE], out=u_hit)
                for o in range(n_orgs):
                    hit[o] = u_hit[o] < reorganisation_hazard and reorganisable[o]
                    if hit[o]:
                        n_reorganised += 1
            if n_reorganised > 0:
                for o in range(n_orgs):
                    u_hit[o] = 0.0 if hit[o] else 1.0
                    tenure[o] = rep_tenure[o]
                n_hit = draw_successors(seed=seed, week=week, stream=streams[S_REORGANISED_SUCCESSOR],
                                        autonomy_mean=autonomy_mean, culture=culture, u_leave=u_hit,
                                        weekly_hazard=reorganisation_trigger, new_autonomy=new_autonomy,
                                        new_presence=new_presence, new_skill=new_skill)
                replace_representatives(u_leave=u_hit, weekly_hazard=reorganisation_trigger,
                                        new_autonomy=new_autonomy, new_presence=new_presence,
                                        new_skill=new_skill, rep_tenure=rep_tenure,
                                        rep_autonomy=rep_autonomy, rep_presence=rep_presence,
                                        rep_skill=rep_skill, rep_generation=rep_generation, left=left)
                if n_hit > 0:
                    forget_interpersonal_trust(left=left, rel_a=rel_a, rel_b=rel_b, interpersonal=interpersonal,
                                               institutional=institutional)
                    lose_champions(left=left, champion=champion, stage=stage, momentum=momentum,
                                   champion_loss=champion_loss, embedded=embedded)
                for o in range(n_orgs):
                    if not hit[o]:
                        rep_tenure[o] = tenure[o]  # the kernel counted a week for those who stayed
                for p in range(n_proj):
                    count[p] = 0
                for m in range(n_mem):
                    if mem_active[m] and hit[mem_org[m]]:
                        count[mem_project[m]] += 1
                for p in range(n_proj):
                    shock[p] = reorganisation_shock * count[p]
                absorb_shocks(shock=shock, stage=stage, momentum=momentum, mem_project=mem_project,
                              mem_active=mem_active, commitment=commitment, pair_project=pair_project,
                              pair_rel=pair_rel, pair_ma=pair_ma, pair_mb=pair_mb, interpersonal=interpersonal,
                              institutional=institutional)
            fill_uniform(seed=seed, week=week, stream=streams[S_CHAMPION], out=u_proj)
            champions_emerge(u_emerge=u_proj, emergence_rate=champion_emergence, stage=stage, champion=champion,
                             mem_project=mem_project, mem_org=mem_org, mem_active=mem_active, rep_skill=rep_skill)

            # --- 4. funding call
            awards = 0
            if external_funding > 0 and week % funding_call_interval == 0:
                fill_uniform(seed=seed, week=week, stream=streams[S_BID], out=u_proj)
                awards = funding_call(week=week, success_chance=funding_success_chance, amount=external_funding,
                                      resource_effect=funding_resource_effect, award_deadline=award_deadline,
                                      u_bid=u_proj, stage=stage, external_funds=external_funds,
                                      external_received=external_received, catalyst_until=catalyst_until)

            # --- 5. meetings, then deliberation on aims
            capacity_share(capacity=capacity, stage=stage, mem_project=mem_project, mem_org=mem_org,
                           mem_active=mem_active, out=cap_share)
            for p in range(n_proj):
                held[p] = False
                quality[p] = 0.0
            fill_uniform(seed=seed, week=week, stream=streams[S_ATTEND], out=u_mem)
            hold_meetings(
                week=week, meeting_interval=meeting_interval, meeting_discipline=meeting_discipline,
                trust_gain=trust_gain, absence_penalty=absence_penalty, coordination_cost=coordination_cost,
                meeting_days=meeting_days, u_attend=u_mem, stage=stage, next_meeting=next_meeting,
                mem_project=mem_project, mem_org=mem_org, mem_active=mem_active, attended=attended,
                rep_presence=rep_presence, rep_skill=rep_skill, capacity=capacity, cap_share=cap_share,
                contribution=contribution, costs=costs, pair_project=pair_project, pair_rel=pair_rel,
                pair_ma=pair_ma, pair_mb=pair_mb, interpersonal=interpersonal, held=held, quality=quality)
            for p in range(n_proj):
                if held[p]:
                    action_quality[p] = quality[p]
            _refresh_trust(n_proj, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal,
                           institutional, trust_mean, trust_min, member_sum, member_count, member_trust)
            deliberate_aims(deliberation_rate=deliberation_rate, held=held, quality=quality, stage=stage, lead=lead,
                            lead_decides=lead_decides, mem_project=mem_project, mem_org=mem_org,
                            mem_active=mem_active, attended=attended, contribution=contribution,
                            member_trust=member_trust, aim=aim, agreed_aim=agreed_aim)

            # --- 6. obstacles
            fill_uniform(seed=seed, week=week, stream=streams[S_OBSTACLE_ARRIVAL], out=u_proj)
            arriving = False  # the kernel reads an obstacle's size only where one may arrive (u < rate / 52)
            for p in range(n_proj):
                if u_proj[p] < obstacle_rate / 52.0:
                    arriving = True
            if arriving:  # else z_proj holds an earlier week's normals, which the kernel does not read
                fill_normal(seed=seed, week=week, stream=streams[S_OBSTACLE_SIZE], out=z_proj)
            obstacles_arrive_and_resolve(
                obstacle_rate=obstacle_rate, obstacle_severity=obstacle_severity,
                risk_aversion_amplifier=risk_aversion_amplifier, catalytic_effect=funding_catalytic_effect,
                catalytic_strength=catalytic_strength, resource_effect=funding_resource_effect, work_rate=work_rate,
                work_cost=work_cost, manager_cost=manager_cost, week=week, u_arrive=u_proj, z_size=z_proj,
                stage=stage, obstacle=obstacle, champion=champion, has_manager=has_manager,
                catalyst_until=catalyst_until, external_funds=external_funds, costs=costs, trust_mean=trust_mean,
                mem_project=mem_project, mem_org=mem_org, mem_active=mem_active, commitment=commitment,
                cap_share=cap_share, risk_appetite=risk_appetite, selflessness=selflessness, rep_skill=rep_skill)

            # --- 7. work
            for p in range(n_proj):
                done[p] = 0.0
            work_between_meetings(
                week=week, meeting_discipline=meeting_discipline, work_rate=work_rate, momentum_rate=momentum_rate,
                coordination_cost=coordination_cost, work_cost=work_cost, manager_cost=manager_cost,
                resource_effect=funding_resource_effect, catalytic_effect=funding_catalytic_effect,
                catalytic_strength=catalytic_strength, stage=stage, momentum=momentum, progress=progress,
                ambition=ambition, has_manager=has_manager, champion=champion, embedded=embedded, obstacle=obstacle,
                catalyst_until=catalyst_until, action_quality=action_quality, external_funds=external_funds,
                costs=costs, delivered_week=delivered_week, mem_project=mem_project, mem_org=mem_org,
                mem_active=mem_active, commitment=commitment, contribution=contribution, cap_share=cap_share,
                done_out=done)

            # --- 8. stage gates
            for m in range(n_mem):
                consent[m] = False
            for p in range(n_proj):
                trust_delta[p] = 0.0
            at_gate = False  # the kernel reads referrals and consent noise only at a gate that met this week
            for p in range(n_proj):
                if held[p] and stage[p] <= DESIGN_AND_FEASIBILITY and progress[p] >= 1.0:
                    at_gate = True
            if at_gate:  # else u_mem and z_mem hold draws the kernel does not read
                fill_uniform(seed=seed, week=week, stream=streams[S_REFERRAL], out=u_mem)
                fill_normal(seed=seed, week=week, stream=streams[S_CONSENT], out=z_mem)
            decide_stage_gates(
                week=week, collaborative_advantage=collaborative_advantage,
                catalytic_effect=funding_catalytic_effect, catalytic_strength=catalytic_strength,
                trust_gain=trust_gain, trust_loss_ratio=trust_loss_ratio, work_cost=work_cost, held=held,
                stage=stage, progress=progress, momentum=momentum, ambition=ambition,
                deferred_until=deferred_until, catalyst_until=catalyst_until, lead=lead,
                sponsor=sponsor, lead_decides=lead_decides, equitable=equitable,
                external_funds=external_funds, pooled_funds=pooled_funds, gate_refusals=gate_refusals,
                mem_project=mem_project, mem_org=mem_org, mem_active=mem_active, commitment=commitment,
                contribution=contribution, member_trust=member_trust, risk_appetite=risk_appetite,
                selflessness=selflessness, culture=culture, rep_autonomy=rep_autonomy,
                rep_skill=rep_skill, pair_project=pair_project, pair_rel=pair_rel, pair_ma=pair_ma, pair_mb=pair_mb,
                interpersonal=interpersonal, u_refer=u_mem, consent_noise=z_mem, consent_out=consent,
                trust_delta_out=trust_delta, trust_consent_weight=trust_consent_weight,
                skill_consent_weight=skill_consent_weight, misalignment_weight=misalignment_weight, aim=aim,
                agreed_aim=agreed_aim)
            shift_project_trust(delta=trust_delta, pair_project=pair_project, pair_rel=pair_rel, pair_ma=pair_ma,
                                pair_mb=pair_mb, mem_active=mem_active, interpersonal=interpersonal)

            # --- 9. stalls
            update_stalls(
                week=week, stall_threshold=stall_threshold, patience=patience, trust_gain=trust_gain,
                trust_loss_ratio=trust_loss_ratio, stage=stage, stage_before_stall=stage_before_stall,
                momentum=momentum, stalls=stalls, stalled_since=stalled_since,
                first_stall_week=first_stall_week, closed_week=closed_week, trust_delta_out=trust_delta)
            shift_project_trust(delta=trust_delta, pair_project=pair_project, pair_rel=pair_rel, pair_ma=pair_ma,
                                pair_mb=pair_mb, mem_active=mem_active, interpersonal=interpersonal)

            # --- 10. benefits, 11. withdrawal
            realise_benefits(
                week=week, collaborative_advantage=collaborative_advantage,
                fairness_tolerance=fairness_tolerance, stage=stage, progress=progress,
                momentum=momentum, ambition=ambition, equitable=equitable, benefits=benefits,
                closed_week=closed_week, mem_project=mem_project, mem_org=mem_org, mem_active=mem_active,
                commitment=commitment, contribution=contribution, benefit=benefit,
                selflessness=selflessness, net_benefit_spread=net_benefit_spread,
                misalignment_weight=misalignment_weight, aim=aim, agreed_aim=agreed_aim)
            withdraw_uncommitted(week=week, stage=stage, closed_week=closed_week, mem_project=mem_project,
                                 mem_active=mem_active, commitment=commitment)
            carry[0] = n_left + n_reorganised
            carry[1] = awards

            # --- 12. late joiners, written into the tables' room (Python adds them when the room is too small)
            fill_uniform(seed=seed, week=week, stream=streams[S_JOIN], out=u_proj)
            joiners = add_late_joiners(
                seed=seed, week=week, join_chance=join_chance, u_join=u_proj, choice_stream=choice_stream,
                trust_stream=trust_stream, commitment_stream=commitment_stream, aim_seed=aim_seed,
                aim_stream=aim_stream, pooled_share=pooled_share, sponsor_stake=sponsor_stake, stage=stage,
                lead=lead, sponsor=sponsor, started=started, area_first=area_first, area_stop=area_stop, kind=kind,
                selflessness=selflessness, resources=resources, baseline_trust=baseline_trust,
                mem_project=mem_project_room, mem_org=mem_org_room, mem_active=mem_active_room,
                commitment=commitment_room, contribution=contribution_room, benefit=benefit_room,
                attended=attended_room, joined=joined_room, aim=aim_room, rel_a=rel_a_room, rel_b=rel_b_room,
                interpersonal=interpersonal_room, institutional=institutional_room,
                pair_project=pair_project_room, pair_rel=pair_rel_room, pair_ma=pair_ma_room,
                pair_mb=pair_mb_room, sizes=sizes, mem_next=mem_next, proj_first=proj_first,
                proj_last=proj_last, keys=rel_keys, values=rel_values, is_member=is_member)
            # --- 13. a project closed as delivered: a follow-on may start, which Python does
            carry[2] = 1 if joiners < 0 else 0  # joiners still to add (Python grows the room first)
            carry[3] = 0
            for p in range(n_proj):
                if closed_week[p] == week and stage[p] == DELIVERED:
                    carry[3] = 1
            if carry[2] or carry[3]:
                return week, STOP_MIDWEEK, row
            if joiners > 0:  # the week resumes at the embedding with the new rows in view
                phase = 1
                continue

        # --- 14. embedding, then the trust the record reads
        embed_institutional_trust(embedding_rate=embedding_rate, stage=stage, governance_level=governance_level,
                                  pair_project=pair_project, pair_rel=pair_rel, pair_ma=pair_ma, pair_mb=pair_mb,
                                  mem_active=mem_active, interpersonal=interpersonal, institutional=institutional)
        _refresh_trust(n_proj, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal, institutional,
                       trust_mean, trust_min, member_sum, member_count, member_trust)

        # --- 15. the record (PartnershipModel._record, _freeze_closed and model.records' reporters)
        for p in range(n_initial):
            s = stage[p]
            if (s == DELIVERED or s == ABANDONED) and np.isnan(final_momentum[p]):
                final_momentum[p] = 0.0 if s == ABANDONED else momentum[p]
                final_trust[p] = last_open_trust[p]
        for p in range(n_initial):
            last_open_trust[p] = trust_mean[p]
        n_open = 0
        n_stalled = 0
        n_delivered = 0
        n_abandoned = 0
        for p in range(n_proj):
            s = stage[p]
            if s != DELIVERED and s != ABANDONED:
                n_open += 1
            if s == STALLED:
                n_stalled += 1
            if s == ABANDONED:
                n_abandoned += 1
            if delivered_week[p] >= 0:
                n_delivered += 1
        record[row, 0] = week
        record[row, 1] = _mean_over_open(momentum, stage, scratch)
        record[row, 2] = _mean_over_open(trust_mean, stage, scratch)
        if n_initial == 0:
            record[row, 3] = np.nan
            record[row, 4] = np.nan
        else:
            for p in range(n_initial):
                value = momentum[p] if np.isnan(final_momentum[p]) else final_momentum[p]
                scratch[p] = 0.0 if stage[p] == ABANDONED else value
            record[row, 3] = pairwise_sum(scratch, 0, n_initial) / n_initial
            for p in range(n_initial):
                scratch[p] = trust_mean[p] if np.isnan(final_trust[p]) else final_trust[p]
            record[row, 4] = pairwise_sum(scratch, 0, n_initial) / n_initial
        record[row, 5] = n_open
        record[row, 6] = n_stalled
        record[row, 7] = n_delivered
        record[row, 8] = n_abandoned
        record[row, 9] = carry[0]
        record[row, 10] = carry[1]
        if record_series:
            for p in range(n_proj):
                series_momentum[row, p] = momentum[p]
                series_trust[row, p] = trust_mean[p]
                series_stage[row, p] = stage[p]
        row += 1
        week += 1
        phase = 0
    return week, DONE, row


@njit(cache=True)
def _refresh_trust(n_proj, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal, institutional,
                   trust_mean, trust_min, member_sum, member_count, member_trust):
    """PartnershipModel._refresh_trust: project trust, then each membership's mean trust (0 without a pair)."""
    project_trust(n_projects=n_proj, pair_project=pair_project, pair_rel=pair_rel, pair_ma=pair_ma, pair_mb=pair_mb,
                  mem_active=mem_active, interpersonal=interpersonal, institutional=institutional,
                  mean_out=trust_mean, min_out=trust_min, member_sum=member_sum, member_count=member_count)
    for m in range(member_sum.shape[0]):
        member_trust[m] = member_sum[m] / member_count[m] if member_count[m] > 0 else 0.0


_KERNEL_DIR = Path(__file__).resolve().parent


def kernels_fingerprint() -> str:
    """A hash of every kernel module's source: what the compiled driver was built from."""
    digest = hashlib.sha256()
    for path in sorted(_KERNEL_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_cache() -> None:
    """Drop the cached compiled driver if any kernel module changed since it was cached.

    Numba checks only the cached function's own file, so a cached :func:`run_weeks` would keep running
    an old version of a changed kernel. The fingerprint of the kernels' sources is kept beside Numba's
    cache; when it differs, the driver's cache is flushed (it recompiles on its next call).
    """
    fingerprint = kernels_fingerprint()
    functions: tuple[Any, ...] = (run_weeks, pairwise_sum, _block_sum, _mean_over_open, _refresh_trust)
    try:
        stamp = Path(functions[0]._cache._cache_path) / "driver.kernels-fingerprint"
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        for function in functions:
            function._cache.flush()
        stamp.write_text(fingerprint)
    except (AttributeError, OSError):  # no cache (or a read-only one): Numba compiles afresh anyway
        pass
