"""Reference for :mod:`model.kernels.meetings`: capacity share and the week's meetings."""

from __future__ import annotations

from collections import Counter

from partnerships.model.kernels.meetings import DEMAND_PER_MEMBERSHIP, OFFICER_DAY_COST

from ._common import active_members, active_pairs, is_open


def capacity_share(capacity, stage, mem_project, mem_org, mem_active, out):
    """Each open active membership asks ``DEMAND_PER_MEMBERSHIP``; an organisation asked for more than
    its capacity gives capacity / demand of it."""
    asks = Counter(mem_org[m] for ms in active_members(mem_project, mem_active, lambda p: is_open(stage[p])).values()
                   for m in ms)
    for o in range(len(capacity)):
        demand = DEMAND_PER_MEMBERSHIP * asks.get(o, 0)
        out[o] = 1.0 if demand <= capacity[o] else capacity[o] / demand


def hold_meetings(week, meeting_interval, meeting_discipline, trust_gain, absence_penalty, coordination_cost,
                  meeting_days, u_attend, stage, next_meeting, mem_project, mem_org, mem_active, attended,
                  rep_presence, rep_skill, capacity, cap_share, contribution, costs, pair_project, pair_rel, pair_ma,
                  pair_mb, interpersonal, held, quality):
    """Open projects whose meeting is due meet; attendance, trust among those present, meeting quality; the
    attendees' meeting time is costed and comes out of the time they have for partnership work this week."""
    agenda = 0.5 + 0.5 * meeting_discipline
    meeting = {p for p in range(len(stage)) if is_open(stage[p]) and week >= next_meeting[p]}
    for p in range(len(stage)):
        held[p] = p in meeting
        quality[p] = 0.0
    for p in meeting:
        next_meeting[p] = week + meeting_interval

    members = active_members(mem_project, mem_active, lambda p: p in meeting)
    for ms in members.values():
        for m in ms:
            o = mem_org[m]
            attended[m] = u_attend[m] < rep_presence[o] * agenda * cap_share[o]
    in_meetings = Counter()
    for p, ms in members.items():
        for m in ms:
            if attended[m]:
                in_meetings[int(mem_org[m])] += meeting_days
                contribution[m] += meeting_days * OFFICER_DAY_COST
                costs[p] += meeting_days * OFFICER_DAY_COST
    asked = Counter()  # officer-days a week the organisation's open memberships ask
    for ms in active_members(mem_project, mem_active, lambda p: is_open(stage[p])).values():
        for m in ms:
            asked[int(mem_org[m])] += DEMAND_PER_MEMBERSHIP
    for o, days in in_meetings.items():
        if days > 0.0:
            cap_share[o] = min(1.0, max(0.0, capacity[o] - days) / asked[o])

    # A relationship shared by two projects meeting this week is updated by each, in pair-list order.
    pairs_in_room = Counter()
    for k in active_pairs(pair_project, pair_ma, pair_mb, mem_active):
        p = int(pair_project[k])
        if p not in meeting:
            continue
        pairs_in_room[p] += 1
        ma, mb, r = pair_ma[k], pair_mb[k], pair_rel[k]
        if attended[ma] and attended[mb]:
            skill = 0.5 + 0.5 * (rep_skill[mem_org[ma]] + rep_skill[mem_org[mb]])
            interpersonal[r] += min(1.0, trust_gain * skill) * (1.0 - interpersonal[r])
        elif attended[ma] or attended[mb]:
            interpersonal[r] = max(0.0, interpersonal[r] - absence_penalty)

    for p, ms in members.items():
        present = sum(1 for m in ms if attended[m])
        quality[p] = (present / len(ms)) * agenda / (1.0 + coordination_cost * pairs_in_room[p])
    return len(meeting)
