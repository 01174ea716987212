"""Trust between partners: the trust-building loop (PAS 2007, 'the trust-building loop', p. 13, after
Huxham and Vangen) and embedding.

Trust of a pair is ``institutional + (1 - institutional) * interpersonal`` (see
:func:`model.state.combined_trust`). Gains are proportional to the room left to grow; losses are
absolute, so trust is built slowly and lost quickly (PAS 2007, 'the trust-building loop', p. 13; Slovic 1993).
"""

import numpy as np
from numba import njit

from partnerships.model.kernels.stages import DELIVERY, REALISING_BENEFITS, is_open


@njit(cache=True)
def project_trust(n_projects, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal,
                  institutional, mean_out, min_out, member_sum, member_count):
    """Mean and minimum trust among each project's active members; per-membership sums for means.

    Writes ``mean_out[p]`` (0.0 where a project has no active pair), ``min_out[p]`` (1.0 there) and
    ``member_sum[m]``/``member_count[m]``: the sum and number of membership m's trusts with its active
    co-members.
    """
    total = np.zeros(n_projects)
    count = np.zeros(n_projects)
    for p in range(n_projects):
        min_out[p] = 1.0
    for m in range(member_sum.shape[0]):
        member_sum[m] = 0.0
        member_count[m] = 0.0
    for k in range(pair_project.shape[0]):
        ma = pair_ma[k]
        mb = pair_mb[k]
        if not (mem_active[ma] and mem_active[mb]):
            continue
        r = pair_rel[k]
        t = institutional[r] + (1.0 - institutional[r]) * interpersonal[r]
        p = pair_project[k]
        total[p] += t
        count[p] += 1.0
        if t < min_out[p]:
            min_out[p] = t
        member_sum[ma] += t
        member_sum[mb] += t
        member_count[ma] += 1.0
        member_count[mb] += 1.0
    for p in range(n_projects):
        mean_out[p] = total[p] / count[p] if count[p] > 0 else 0.0


@njit(cache=True)
def shift_project_trust(delta, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal):
    """Move interpersonal trust among each project's active members by ``delta[p]``.

    A positive delta closes that fraction of the gap to 1 (a small win); a negative delta is
    subtracted outright (a failure), floored at 0.
    """
    for k in range(pair_project.shape[0]):
        d = delta[pair_project[k]]
        if d == 0.0 or not (mem_active[pair_ma[k]] and mem_active[pair_mb[k]]):
            continue
        r = pair_rel[k]
        if d > 0.0:
            interpersonal[r] += d * (1.0 - interpersonal[r])
        else:
            interpersonal[r] = max(0.0, interpersonal[r] + d)


@njit(cache=True)
def embed_institutional_trust(embedding_rate, stage, governance_level, pair_project, pair_rel, pair_ma, pair_mb,
                              mem_active, interpersonal, institutional):
    """Joint working embeds interpersonal trust into institutional trust (INLOGOV 2015, §3 'Leadership',
    Thames Gateway Kent).

    Each week of an open project moves institutional trust a fraction of the way up to interpersonal
    trust; twice as fast in delivery and benefits stages, and faster for more integrated governance
    (level 1-6 on the continuum of INLOGOV 2015, §4 'How important are organisational structures?',
    scaled by level / 3.5). Institutional trust never falls here.
    """
    for k in range(pair_project.shape[0]):
        p = pair_project[k]
        s = stage[p]
        if not is_open(s) or not (mem_active[pair_ma[k]] and mem_active[pair_mb[k]]):
            continue
        rate = embedding_rate * governance_level[p] / 3.5
        if s == DELIVERY or s == REALISING_BENEFITS:
            rate *= 2.0
        r = pair_rel[k]
        gap = interpersonal[r] - institutional[r]
        if gap > 0.0:
            institutional[r] += min(1.0, rate) * gap
