"""Partners' aims and their alignment in the agreeing-goals stage (PAS 2007, 'background', p. 2: the life cycle's
agreeing goals; Choi and Robertson 2014 on deliberation, decision rules and power imbalance)."""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import AGREEING_GOALS


@njit(cache=True)
def deliberate_aims(deliberation_rate, held, quality, stage, lead, lead_decides, mem_project, mem_org, mem_active,
                    attended, contribution, member_trust, aim, agreed_aim):
    """Align the partners' aims at the meetings held this week by projects agreeing goals; returns how many
    projects deliberated.

    Each membership holds an aim, a position in [0, 1] (what it wants the project to be). At a meeting of a
    project in stage agreeing goals, the room's view is the weighted mean of its active members' aims: weighted by
    contribution (money, sponsorship and officer time: power) under a lead who decides and is still a member
    (equally while no one has contributed), equally (deliberation among equals) otherwise. Each active member who
    attended moves its aim ``min(1, deliberation_rate * quality * trust)`` of the way to that view, where
    ``quality`` is the meeting's quality and ``trust`` its mean trust with its co-members: partners persuaded in a
    good meeting among people they trust (Choi and Robertson 2014: deliberation builds shared understanding). Then
    the project's agreed aim is set: the lead's aim, after it moved, under a lead who decides (the powerful
    partner's position), the equal-weighted mean of the active members' aims under consensus (the deliberated
    position). With no active member nothing changes.
    """
    n_projects = stage.shape[0]
    deliberating = np.zeros(n_projects, dtype=np.bool_)
    powered = np.zeros(n_projects, dtype=np.bool_)
    weight_sum = np.zeros(n_projects)
    weighted = np.zeros(n_projects)
    members = np.zeros(n_projects)
    for p in range(n_projects):
        deliberating[p] = held[p] and stage[p] == AGREEING_GOALS
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if deliberating[p] and mem_active[m] and lead_decides[p] and mem_org[m] == lead[p]:
            powered[p] = True
    equal = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not (deliberating[p] and mem_active[m]):
            continue
        members[p] += 1.0
        equal[p] += aim[m]
        if powered[p]:
            weight_sum[p] += contribution[m]
            weighted[p] += contribution[m] * aim[m]
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if not (deliberating[p] and mem_active[m] and attended[m]):
            continue
        # nobody has contributed yet: every partner's voice counts the same
        view = weighted[p] / weight_sum[p] if powered[p] and weight_sum[p] > 0.0 else equal[p] / members[p]
        aim[m] += min(1.0, deliberation_rate * quality[p] * member_trust[m]) * (view - aim[m])
    n_deliberated = 0
    total = np.zeros(n_projects)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if deliberating[p] and mem_active[m]:
            total[p] += aim[m]
            if powered[p] and mem_org[m] == lead[p]:
                agreed_aim[p] = aim[m]
    for p in range(n_projects):
        if deliberating[p] and members[p] > 0.0:
            n_deliberated += 1
            if not powered[p]:
                agreed_aim[p] = total[p] / members[p]
    return n_deliberated
