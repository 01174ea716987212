"""Leadership turnover (model brief process 6; INLOGOV 2015, §3, figure one: "Projects can fail when this
leadership changes")."""

import numpy as np
from numba import njit

from partnerships.model.kernels.draws import keyed_normal, keyed_uniform, stream_key
from partnerships.model.kernels.stages import is_open

#: uniforms of the successors' stream per organisation: organisation ``o`` reads numbers
#: ``SUCCESSOR_DRAWS * o + j``: ``j`` = 0, 1 the autonomy's normal (Box-Muller), 2-10 the presence, 11-13 the skill
SUCCESSOR_DRAWS = 14


@njit(cache=True)
def draw_successors(seed, week, stream, autonomy_mean, culture, u_leave, weekly_hazard, new_autonomy, new_presence,
                    new_skill):
    """The traits of the successor of each representative who leaves (``u_leave[o] < weekly_hazard``), drawn
    as ``scenarios.new_representatives`` draws a first representative, from this week's numbers of ``stream``
    at the organisation's own indices (:data:`SUCCESSOR_DRAWS`), so a successor's traits do not depend on who
    else leaves: ``new_autonomy[o]`` = clip01(``autonomy_mean`` + 0.3 (``culture[o]`` - 0.5) + 0.15 z), z
    standard normal; ``new_presence[o]`` ~ Beta(8, 2), the 8th smallest of 9 uniforms; ``new_skill[o]`` ~
    Beta(2, 2), the median of 3 (order statistics of uniforms, exact). Others' entries are not written.
    Returns how many successors were drawn."""
    key = stream_key(seed, week, stream)
    n = 0
    for o in range(u_leave.shape[0]):
        if not u_leave[o] < weekly_hazard:
            continue
        first = SUCCESSOR_DRAWS * o  # even: the normal from uniforms first and first + 1 is normal first // 2
        autonomy = autonomy_mean + 0.3 * (culture[o] - 0.5) + 0.15 * keyed_normal(key, first // 2)
        new_autonomy[o] = min(1.0, max(0.0, autonomy))
        largest, second = -1.0, -1.0  # of 9 uniforms: the second largest is the 8th smallest
        for j in range(2, 11):
            u = keyed_uniform(key, first + j)
            if u > largest:
                second = largest
                largest = u
            elif u > second:
                second = u
        new_presence[o] = second
        a, b, c = keyed_uniform(key, first + 11), keyed_uniform(key, first + 12), keyed_uniform(key, first + 13)
        new_skill[o] = max(min(a, b), min(max(a, b), c))  # the median of three
        n += 1
    return n


@njit(cache=True)
def replace_representatives(u_leave, weekly_hazard, new_autonomy, new_presence, new_skill, rep_tenure, rep_autonomy,
                            rep_presence, rep_skill, rep_generation, left):
    """Each representative leaves with probability ``weekly_hazard`` (``u_leave[i] < weekly_hazard``).

    A successor takes the seat with the pre-drawn ``new_*`` attributes and tenure 0. Sets
    ``left[i]``; returns how many left. Those who stay gain a week of tenure.
    """
    n_left = 0
    for i in range(u_leave.shape[0]):
        if u_leave[i] < weekly_hazard:
            left[i] = True
            rep_tenure[i] = 0
            rep_autonomy[i] = new_autonomy[i]
            rep_presence[i] = new_presence[i]
            rep_skill[i] = new_skill[i]
            rep_generation[i] += 1
            n_left += 1
        else:
            left[i] = False
            rep_tenure[i] += 1
    return n_left


@njit(cache=True)
def forget_interpersonal_trust(left, rel_a, rel_b, interpersonal, institutional):
    """A successor does not inherit the personal trust its predecessor built: the interpersonal trust of
    each of its relationships starts again from what the organisations' institutional relationship holds
    (``institutional[r]``). Returns how many relationships were reset."""
    n = 0
    for r in range(rel_a.shape[0]):
        if left[rel_a[r]] or left[rel_b[r]]:
            interpersonal[r] = institutional[r]
            n += 1
    return n


@njit(cache=True)
def lose_champions(left, champion, stage, momentum, champion_loss, embedded):
    """A project whose champion's representative left loses its champion and momentum.

    The momentum lost is ``champion_loss * (1 - embedded[p])``, where ``embedded[p]`` (0-1) is the
    mean institutional trust among the project's members: a partnership whose ways of working have
    embedded depends less on one leader (INLOGOV 2015, §3 'Leadership' (Thames Gateway Kent): "It can be a risk if it
    disappears. We're partly beyond that now as our model of working has embedded").
    """
    n = 0
    for p in range(champion.shape[0]):
        c = champion[p]
        if c >= 0 and left[c]:
            champion[p] = -1
            if is_open(stage[p]):
                momentum[p] = max(0.0, momentum[p] - champion_loss * (1.0 - embedded[p]))
            n += 1
    return n


@njit(cache=True)
def champions_emerge(u_emerge, emergence_rate, stage, champion, mem_project, mem_org, mem_active, rep_skill):
    """A project without a champion gains one with weekly chance ``emergence_rate`` times the best skill.

    First, a champion whose organisation is no longer an active member stops being the champion.
    Then the most skilled active member's representative steps up (INLOGOV 2015, §6 'Districts must
    better nurture individual collaborative talent': boundary spanners become champions). Returns how many
    projects gained a champion.
    """
    n_projects = champion.shape[0]
    best_org = np.full(n_projects, -1, dtype=np.int64)
    best_skill = np.full(n_projects, -1.0)
    champion_present = np.zeros(n_projects, dtype=np.bool_)
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if mem_active[m] and mem_org[m] == champion[p]:
            champion_present[p] = True
    for p in range(n_projects):
        if champion[p] >= 0 and not champion_present[p]:
            champion[p] = -1
    for m in range(mem_project.shape[0]):
        p = mem_project[m]
        if mem_active[m] and rep_skill[mem_org[m]] > best_skill[p]:
            best_skill[p] = rep_skill[mem_org[m]]
            best_org[p] = mem_org[m]
    n = 0
    for p in range(n_projects):
        if champion[p] < 0 and is_open(stage[p]) and best_org[p] >= 0:
            if u_emerge[p] < emergence_rate * best_skill[p]:
                champion[p] = best_org[p]
                n += 1
    return n
