"""Reference for :mod:`model.kernels.membership`: uncommitted partners withdraw; a lone member cannot go on."""

from __future__ import annotations

from partnerships.model.kernels.membership import WITHDRAWAL_COMMITMENT

from ._common import ABANDONED, DELIVERED, REALISING_BENEFITS, active_members, is_open


def withdraw_uncommitted(week, stage, closed_week, mem_project, mem_active, commitment):
    """Returns ``(withdrawn, abandoned)``."""
    members = active_members(mem_project, mem_active, lambda p: is_open(stage[p]))
    withdrawn = abandoned = 0
    for p in range(len(stage)):
        if not is_open(stage[p]):
            continue
        leaving = [m for m in members.get(p, []) if commitment[m] < WITHDRAWAL_COMMITMENT]
        for m in leaving:
            mem_active[m] = False
        withdrawn += len(leaving)
        if len(members.get(p, [])) - len(leaving) < 2:
            closed_week[p] = week
            if stage[p] == REALISING_BENEFITS:  # already delivered: closes early rather than abandoned
                stage[p] = DELIVERED
            else:
                stage[p] = ABANDONED
                abandoned += 1
    return withdrawn, abandoned
