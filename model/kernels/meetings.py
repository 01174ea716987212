"""Meetings at each project's cadence (model brief process 1; PAS 2007, 'managing time', p. 16, on attendance,
agendas and respect)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import is_open

DEMAND_PER_MEMBERSHIP = 0.5  # officer-days per week a partnership asks of each member (assumption)
OFFICER_DAY_COST = 0.35  # £k per officer-day given to partnership work (assumption: a senior officer's day)


@njit(cache=True)
def capacity_share(capacity, stage, mem_project, mem_org, mem_active, out):
    """Share (0-1) of what its partnerships ask that each organisation can give this week.

    Each open membership asks ``DEMAND_PER_MEMBERSHIP`` officer-days a week; an organisation whose
    capacity is below its total demand spreads it thinly (PAS 2007, 'resourcing collaboration', p. 25:
    "it does distract from the day job").
    """
    load = np.zeros(capacity.shape[0])
    for m in range(mem_project.shape[0]):
        if mem_active[m] and is_open(stage[mem_project[m]]):
            load[mem_org[m]] += DEMAND_PER_MEMBERSHIP
    for o in range(capacity.shape[0]):
        out[o] = 1.0 if load[o] <= capacity[o] else capacity[o] / load[o]


@njit(cache=True)
def hold_meetings(week, meeting_interval, meeting_discipline, trust_gain, absence_penalty, coordination_cost,
                  meeting_days, u_attend, stage, next_meeting, mem_project, mem_org, mem_active, attended,
                  rep_presence, rep_skill, capacity, cap_share, contribution, costs, pair_project, pair_rel, pair_ma,
                  pair_mb, interpersonal, held, quality):
    """Hold the meetings that fall due this week; returns how many were held.

    A member attends with probability ``presence * (0.5 + 0.5 * discipline) * capacity share``.
    Two members who both attend gain ``trust_gain`` of the gap to full interpersonal trust, scaled
    by their boundary-spanning skill (``0.5 + mean skill``); a pair where one is absent loses
    ``absence_penalty``. The meeting's quality (0-1), the share attending times the agenda factor
    ``0.5 + 0.5 * discipline`` over the coordination cost of all pairs, is written to ``quality[p]``.
    Each attendance costs the attendee ``meeting_days`` officer-days (costed at ``OFFICER_DAY_COST``, added
    to its contribution and the project's costs), taken from the time it has for partnership work this
    week: its capacity share becomes ``min(1, max(0, capacity - meeting time) / demand)``, where demand is
    ``DEMAND_PER_MEMBERSHIP`` per open membership (PAS 2007, 'managing time', p. 16; assumption for size).
    """
    n_projects = stage.shape[0]
    present = np.zeros(n_projects)
    members = np.zeros(n_projects)
    meeting_time = np.zeros(capacity.shape[0])
    n_held = 0
    for p in range(n_projects):
        held[p] = is_open(stage[p]) and week >= next_meeting[p]
        quality[p] = 0.0
        if held[p]:
            next_meeting[p] = week + meeting_interval
            n_held += 1
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not held[p] or not mem_active[m]:
            continue
        o = mem_org[m]
        attended[m] = u_attend[m] < rep_presence[o] * (0.5 + 0.5 * meeting_discipline) * cap_share[o]
        members[p] += 1.0
        if attended[m]:
            present[p] += 1.0
            meeting_time[o] += meeting_days
            contribution[m] += meeting_days * OFFICER_DAY_COST
            costs[p] += meeting_days * OFFICER_DAY_COST
    load = np.zeros(capacity.shape[0])
    for m in range(mem_project.shape[0]):
        if mem_active[m] and is_open(stage[mem_project[m]]):
            load[mem_org[m]] += DEMAND_PER_MEMBERSHIP
    for o in range(capacity.shape[0]):
        if meeting_time[o] > 0.0:
            cap_share[o] = min(1.0, max(0.0, capacity[o] - meeting_time[o]) / load[o])
    pairs = np.zeros(n_projects)
    for k in range(pair_project.shape[0]):
        p = pair_project[k]
        ma = pair_ma[k]
        mb = pair_mb[k]
        if not held[p] or not (mem_active[ma] and mem_active[mb]):
            continue
        pairs[p] += 1.0
        r = pair_rel[k]
        if attended[ma] and attended[mb]:
            skill = 0.5 + 0.5 * (rep_skill[mem_org[ma]] + rep_skill[mem_org[mb]])
            interpersonal[r] += min(1.0, trust_gain * skill) * (1.0 - interpersonal[r])
        elif attended[ma] != attended[mb]:
            interpersonal[r] = max(0.0, interpersonal[r] - absence_penalty)
    for p in range(n_projects):
        if held[p] and members[p] > 0:
            quality[p] = (present[p] / members[p]) * (0.5 + 0.5 * meeting_discipline) / (1.0 + coordination_cost * pairs[p])
    return n_held
