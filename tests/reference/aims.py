"""Reference for :mod:`model.kernels.aims`: partners' aims aligned by deliberation while agreeing goals."""

from __future__ import annotations

from ._common import AGREEING_GOALS, active_members


def deliberate_aims(deliberation_rate, held, quality, stage, lead, lead_decides, mem_project, mem_org, mem_active,
                    attended, contribution, member_trust, aim, agreed_aim):
    """Returns how many projects deliberated; see the kernel's docstring for the rule."""
    members = active_members(mem_project, mem_active, lambda p: bool(held[p]) and stage[p] == AGREEING_GOALS)
    deliberated = 0
    for p, ms in members.items():
        leads = [m for m in ms if mem_org[m] == lead[p]]
        power = bool(lead_decides[p]) and bool(leads)
        stake = sum(contribution[m] for m in ms)
        if power and stake > 0:  # the room's view: weighted by what each brings, under a lead who decides
            view = sum(contribution[m] * aim[m] for m in ms) / stake
        else:  # deliberation among equals
            view = sum(aim[m] for m in ms) / len(ms)
        for m in ms:  # everyone hears the same room: moves are simultaneous
            if attended[m]:
                aim[m] += min(1.0, deliberation_rate * quality[p] * member_trust[m]) * (view - aim[m])
        agreed_aim[p] = aim[leads[-1]] if power else sum(aim[m] for m in ms) / len(ms)
        deliberated += 1
    return deliberated
