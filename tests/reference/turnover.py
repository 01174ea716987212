"""Reference for :mod:`model.kernels.turnover`: representatives leave, trust is forgotten, champions go and emerge."""

from __future__ import annotations

import math

from ._common import active_members, is_open
from .draws import _key, _uniform


def draw_successors(seed, week, stream, autonomy_mean, culture, u_leave, weekly_hazard, new_autonomy, new_presence,
                    new_skill):
    """Each leaver's successor: 14 numbers of the stream at 14 x its index; autonomy from a Box-Muller normal of
    the first two, presence the 8th smallest of the next nine, skill the middle one of the last three."""
    key = _key(int(seed), int(week), int(stream))
    leavers = [o for o, u in enumerate(u_leave.tolist()) if u < weekly_hazard]
    for o in leavers:
        u = [_uniform(key, 14 * o + j + 1) for j in range(14)]
        z = math.sqrt(-2.0 * math.log(1.0 - u[0])) * math.cos(2.0 * math.pi * u[1])
        new_autonomy[o] = min(1.0, max(0.0, autonomy_mean + 0.3 * (culture[o] - 0.5) + 0.15 * z))
        new_presence[o] = sorted(u[2:11])[7]
        new_skill[o] = sorted(u[11:14])[1]
    return len(leavers)


def replace_representatives(u_leave, weekly_hazard, new_autonomy, new_presence, new_skill, rep_tenure, rep_autonomy,
                            rep_presence, rep_skill, rep_generation, left):
    """Leavers (``u < hazard``) are replaced by a successor with tenure 0; stayers gain a week."""
    leavers = {i for i, u in enumerate(u_leave.tolist()) if u < weekly_hazard}
    for i in range(len(u_leave)):
        left[i] = i in leavers
        if i in leavers:
            rep_tenure[i] = 0
            rep_autonomy[i], rep_presence[i], rep_skill[i] = new_autonomy[i], new_presence[i], new_skill[i]
            rep_generation[i] = rep_generation[i] + 1
        else:
            rep_tenure[i] = rep_tenure[i] + 1
    return len(leavers)


def forget_interpersonal_trust(left, rel_a, rel_b, interpersonal, institutional):
    """Every relationship touching a leaver restarts its interpersonal trust at its institutional trust; count them."""
    gone = {i for i, has_left in enumerate(left.tolist()) if has_left}
    touched = [r for r, (a, b) in enumerate(zip(rel_a.tolist(), rel_b.tolist())) if a in gone or b in gone]
    for r in touched:
        interpersonal[r] = institutional[r]
    return len(touched)


def lose_champions(left, champion, stage, momentum, champion_loss, embedded):
    """A champion who left is gone; an open project also loses momentum, less where ways of working have
    embedded: ``champion_loss`` scaled by the share of trust not yet institutional (floor 0)."""
    lost = [p for p, c in enumerate(champion.tolist()) if c >= 0 and left[c]]
    for p in lost:
        champion[p] = -1
        if is_open(stage[p]):
            momentum[p] = max(0.0, momentum[p] - champion_loss * (1.0 - embedded[p]))
    return len(lost)


def champions_emerge(u_emerge, emergence_rate, stage, champion, mem_project, mem_org, mem_active, rep_skill):
    """An open project without a champion gains its most skilled active member (first on ties) with
    chance ``emergence_rate * best skill``."""
    members = active_members(mem_project, mem_active)
    for p in range(len(champion)):  # a champion whose organisation withdrew no longer champions it
        if champion[p] >= 0 and champion[p] not in {mem_org[m] for m in members.get(p, [])}:
            champion[p] = -1
    gained = 0
    for p, ms in members.items():
        if champion[p] >= 0 or not is_open(stage[p]):
            continue
        best = max(ms, key=lambda m: rep_skill[mem_org[m]])  # max() keeps the first of equals
        if u_emerge[p] < emergence_rate * rep_skill[mem_org[best]]:
            champion[p] = mem_org[best]
            gained += 1
    return gained
