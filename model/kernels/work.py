"""Work between meetings and momentum (model brief process 2; PAS 2007, 'managing time', p. 16, on follow-up
"by whom and when")."""

import numpy as np
from numba import njit

from partnerships.model.kernels.funding import deadline_commitment, manager_reserve
from partnerships.model.kernels.meetings import DEMAND_PER_MEMBERSHIP, OFFICER_DAY_COST
from partnerships.model.kernels.stages import DELIVERY, REALISING_BENEFITS, is_open


@njit(cache=True)
def work_between_meetings(week, meeting_discipline, work_rate, momentum_rate, coordination_cost, work_cost,
                          manager_cost, resource_effect, catalytic_effect, catalytic_strength, stage, momentum,
                          progress, ambition, has_manager, champion, embedded, obstacle, catalyst_until, action_quality,
                          external_funds, costs, delivered_week, mem_project, mem_org, mem_active, commitment,
                          contribution, cap_share, done_out):
    """One week of work on every open project; returns how many projects finished delivery this week.

    Members put in ``commitment * capacity share`` of what the partnership asks, with the commitment
    lifted while an award's deadline runs (:func:`deadline_commitment`, the catalytic effect), costed at
    ``OFFICER_DAY_COST`` and added to their contribution and the project's costs. A project without a
    manager of its own that holds award money (resource effect) pays one ``manager_cost / 52`` £k a
    week while the money lasts, and has a manager that week (PAS 2007, 'managing time', p. 16: the
    Surrey project's PAS funding paid for a project manager). The share of agreed actions done is the
    members' mean effort times ``0.4 + 0.6 * quality`` of the last meeting and the follow-up factor
    ``0.4 + 0.6 * discipline``. Momentum moves a fraction ``momentum_rate`` of the way to the target
    ``0.2 + 0.6 * done + 0.15 * drive + 0.1 * manager``, at most 1, where the drive is 1 with a champion
    and otherwise ``embedded[p]``, the mean institutional trust among members (embedded ways of working:
    INLOGOV 2015, §3 'Leadership', Thames Gateway Kent). While an obstacle blocks the project nothing
    gets done and the target is 0: undone actions bleed momentum. Progress through a stage (0-3) grows
    by ``work_rate * (0.25 + 0.75 * momentum) * done / (ambition * (1 + coordination_cost * member
    pairs))``, times 1.3 with a project manager; award money beyond the manager's reserve
    (:func:`manager_reserve`) buys up to ``work_cost * work_rate`` £k of extra work a week, at
    ``work_cost * ambition`` per stage. A project that completes delivery starts realising benefits
    (momentum closes 0.1 of its gap to 1).
    """
    n_projects = stage.shape[0]
    effort = np.zeros(n_projects)
    members = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not mem_active[m] or not is_open(stage[p]):
            continue
        running = catalytic_effect and catalyst_until[p] >= week
        e = deadline_commitment(commitment[m], running, catalytic_strength) * cap_share[mem_org[m]]
        effort[p] += e
        members[p] += 1.0
        spend = e * DEMAND_PER_MEMBERSHIP * OFFICER_DAY_COST
        contribution[m] += spend
        costs[p] += spend
    follow_up = 0.4 + 0.6 * meeting_discipline
    n_delivered = 0
    for p in range(n_projects):
        s = stage[p]
        done_out[p] = 0.0
        if not is_open(s):
            continue
        done = 0.0
        if members[p] > 0:
            done = follow_up * (effort[p] / members[p]) * (0.4 + 0.6 * action_quality[p])
        manager = has_manager[p]
        if not manager and resource_effect and external_funds[p] > 0.0:
            pay = min(external_funds[p], manager_cost / 52.0)
            external_funds[p] -= pay
            costs[p] += pay
            manager = True
        blocked = obstacle[p] > 0.0
        drive = 1.0 if champion[p] >= 0 else embedded[p]
        target = 0.0 if blocked else min(1.0, 0.2 + 0.6 * done + 0.15 * drive + 0.1 * manager)
        momentum[p] += momentum_rate * (target - momentum[p])
        if blocked:
            continue
        done_out[p] = done
        if s <= DELIVERY:
            pairs = members[p] * (members[p] - 1.0) / 2.0
            rate = work_rate * (0.25 + 0.75 * momentum[p]) * done / (ambition[p] * (1.0 + coordination_cost * pairs))
            if manager:
                rate *= 1.3
            free = external_funds[p] - manager_reserve(has_manager[p], resource_effect, manager_cost, week,
                                                       catalyst_until[p])
            if resource_effect and free > 0.0:
                spend = min(free, work_cost * work_rate)
                external_funds[p] -= spend
                costs[p] += spend
                rate += spend / (work_cost * ambition[p])
            progress[p] = min(1.0, progress[p] + rate)
            if s == DELIVERY and progress[p] >= 1.0:
                stage[p] = REALISING_BENEFITS
                progress[p] = 0.0
                delivered_week[p] = week
                momentum[p] += 0.1 * (1.0 - momentum[p])
                n_delivered += 1
    return n_delivered
