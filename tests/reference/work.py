"""Reference for :mod:`model.kernels.work`: a week of work on every open project."""

from __future__ import annotations

from partnerships.model.kernels.meetings import DEMAND_PER_MEMBERSHIP
from partnerships.model.kernels.work import OFFICER_DAY_COST

from ._common import DELIVERY, REALISING_BENEFITS, active_members, is_open
from .funding import lifted, reserve_for_manager


def work_between_meetings(week, meeting_discipline, work_rate, momentum_rate, coordination_cost, work_cost,
                          manager_cost, resource_effect, catalytic_effect, catalytic_strength, stage, momentum,
                          progress, ambition, has_manager, champion, embedded, obstacle, catalyst_until, action_quality,
                          external_funds, costs, delivered_week, mem_project, mem_org, mem_active, commitment,
                          contribution, cap_share, done_out):
    """Effort, spending, momentum and progress of each open project; returns how many finished delivery."""
    follow_up = 0.4 + 0.6 * meeting_discipline
    members = active_members(mem_project, mem_active, lambda p: is_open(stage[p]))
    finished = 0
    for p in range(len(stage)):
        done_out[p] = 0.0
        if not is_open(stage[p]):
            continue
        ms = members.get(p, [])
        deadline_running = bool(catalytic_effect) and catalyst_until[p] >= week
        efforts = [lifted(commitment[m], deadline_running, catalytic_strength) * cap_share[mem_org[m]] for m in ms]
        for m, e in zip(ms, efforts):
            spend = e * DEMAND_PER_MEMBERSHIP * OFFICER_DAY_COST  # officer time, costed
            contribution[m] += spend
            costs[p] += spend
        done = follow_up * (sum(efforts) / len(ms)) * (0.4 + 0.6 * action_quality[p]) if ms else 0.0

        manager = bool(has_manager[p])
        if not manager and resource_effect and external_funds[p] > 0.0:  # award money pays a manager this week
            salary = min(external_funds[p], manager_cost / 52.0)
            external_funds[p] -= salary
            costs[p] += salary
            manager = True
        blocked = obstacle[p] > 0.0
        target = 0.0
        if not blocked:
            drive = 1.0 if champion[p] >= 0 else embedded[p]  # embedded ways of working stand in for a champion
            target = 0.2 + 0.6 * done + 0.15 * drive + (0.1 if manager else 0.0)
        momentum[p] += momentum_rate * (min(1.0, target) - momentum[p])
        if blocked:
            continue  # an obstacle stops all work; nothing is done
        done_out[p] = done
        if stage[p] > DELIVERY:
            continue  # realising benefits or stalled: no stage work to progress
        n = len(ms)
        pairs = n * (n - 1) / 2  # member pairs to keep in step
        rate = work_rate * (0.25 + 0.75 * momentum[p]) * done / (ambition[p] * (1.0 + coordination_cost * pairs))
        if manager:
            rate *= 1.3
        free = external_funds[p] - reserve_for_manager(has_manager[p], resource_effect, manager_cost, week,
                                                       catalyst_until[p])
        if resource_effect and free > 0.0:
            bought = min(free, work_cost * work_rate)
            external_funds[p] -= bought
            costs[p] += bought
            rate += bought / (work_cost * ambition[p])
        progress[p] = min(1.0, progress[p] + rate)
        if stage[p] == DELIVERY and progress[p] >= 1.0:
            stage[p] = REALISING_BENEFITS
            progress[p] = 0.0
            delivered_week[p] = week
            momentum[p] += 0.1 * (1.0 - momentum[p])
            finished += 1
    return finished
