"""Late joiners: open projects gain a partner from their lead's area, written into the tables' spare room.

A structure change in place, so that the fused driver (:mod:`model.kernels.driver`) need not return to
Python for it: new memberships, relationships and pairs go into the spare capacity of the tables' buffers
(:meth:`model.state._Columns.reserve`), and ``sizes`` (live rows of memberships, relationships and pairs)
says how far they are filled. Two indexes keep each joiner's cost independent of the region's size:

- each project's memberships as a chain (``proj_first[p]``, ``mem_next[m]``, ``proj_last[p]``, -1 ending it),
  kept by :func:`link_memberships`;
- a hash table of relationships by organisation pair (open addressing, linear probing; ``keys`` holds
  ``a * n_orgs + b`` with ``a < b`` or -1 for an empty slot, ``values`` the relationship row), kept by
  :func:`index_relationships`.

Every draw is keyed by what it is for (:mod:`model.kernels.draws`), so a run's joiners are the same whether
the Python step or the driver adds them: the choice of joiner for project p is uniform p of stream
``choice_stream`` this week; a new relationship's starting trust takes the uniform at its row of stream
``trust_stream``; a new membership's commitment the normal at its row of ``commitment_stream``, and its
aim the uniform at its row of the run's aim stream at week 0 (as every membership's aim).
"""

import numpy as np
from numba import njit

from partnerships.model.kernels.draws import mix64, normal_at, uniform_at
from partnerships.model.kernels.stages import DESIGN_AND_FEASIBILITY

EMPTY = -1  # an empty slot of the relationship hash table, and the end of a membership chain


@njit(cache=True)
def _slot(keys, key):
    """The slot of ``key`` in the table, or the empty slot where it would go (the table is never full)."""
    mask = np.int64(keys.shape[0] - 1)
    h = np.int64(mix64(np.uint64(key)) >> np.uint64(1)) & mask  # the hash's top 63 bits, so it converts exactly
    while keys[h] != EMPTY and keys[h] != key:
        h = (h + np.int64(1)) & mask
    return h


@njit(cache=True)
def index_relationships(first, rel_a, rel_b, n_orgs, keys, values):
    """Enter relationship rows ``first..`` into the hash table (``keys`` a power of 2 long, at most half full
    after). Returns how many rows were entered."""
    for r in range(first, rel_a.shape[0]):
        key = np.int64(rel_a[r]) * n_orgs + rel_b[r]
        h = _slot(keys, key)
        keys[h] = key
        values[h] = r
    return max(0, rel_a.shape[0] - first)


@njit(cache=True)
def link_memberships(first, mem_project, mem_next, proj_first, proj_last):
    """Append membership rows ``first..`` to their projects' chains, in row order. Returns how many were linked."""
    for m in range(first, mem_project.shape[0]):
        _link(m, mem_project[m], mem_next, proj_first, proj_last)
    return max(0, mem_project.shape[0] - first)


@njit(cache=True)
def _link(m, p, mem_next, proj_first, proj_last):
    """Membership row ``m`` at the end of project ``p``'s chain."""
    mem_next[m] = EMPTY
    if proj_last[p] == EMPTY:
        proj_first[p] = m
    else:
        mem_next[proj_last[p]] = m
    proj_last[p] = m


@njit(cache=True)
def add_late_joiners(seed, week, join_chance, u_join, choice_stream, trust_stream, commitment_stream, aim_seed,
                     aim_stream, pooled_share, sponsor_stake, stage, lead, sponsor, started, area_first, area_stop,
                     kind, selflessness, resources, baseline_trust,
                     mem_project, mem_org, mem_active, commitment, contribution, benefit, attended, joined, aim,
                     rel_a, rel_b, interpersonal, institutional, pair_project, pair_rel, pair_ma, pair_mb,
                     sizes, mem_next, proj_first, proj_last, keys, values, is_member):
    """Each open project at a stage up to design and feasibility with ``u_join[p] < join_chance`` gains a partner
    (``membership_change_rate / 52`` a week), in project order: an organisation of its lead's area
    (``area_first[o]..area_stop[o]`` for the lead o) that has never been a member, chosen uniformly. It joins with
    a pair to every active co-member (a relationship new to the region starts at its sector baseline
    ``baseline_trust[kind of the co-member, kind of the joiner]`` times a uniform in [0.7, 1.3), at most 1, with
    institutional trust 0.3 of the baseline), commitment ``clip(0.55 + 0.3 selflessness + 0.1 z, 0.25, 1)``, no
    contribution or benefit yet unless it joins in the week the project starts (then its pooled share of its
    resources, plus ``sponsor_stake`` for the sponsor).

    The table columns are the buffers (live rows ``sizes[0]`` memberships, ``sizes[1]`` relationships, ``sizes[2]``
    pairs; the rest is room). Returns the number of partners who joined, or -1 if the buffers or the hash table
    lack room for this week's joiners: then nothing is written (grow them and call again).
    """
    n_proj = stage.shape[0]
    n_orgs = kind.shape[0]
    n_mem, n_rel, n_pairs = sizes[0], sizes[1], sizes[2]
    joining = 0
    most_pairs = 0
    for p in range(n_proj):
        if u_join[p] < join_chance and stage[p] <= DESIGN_AND_FEASIBILITY:
            joining += 1
            m = proj_first[p]
            while m != EMPTY:
                if mem_active[m]:
                    most_pairs += 1
                m = mem_next[m]
    if joining == 0:
        return 0
    if (n_mem + joining > mem_project.shape[0] or n_mem + joining > mem_next.shape[0]
            or n_pairs + most_pairs > pair_project.shape[0] or n_rel + most_pairs > rel_a.shape[0]
            or 2 * (n_rel + most_pairs) > keys.shape[0]):
        return -1
    added = 0
    for p in range(n_proj):
        if not (u_join[p] < join_chance and stage[p] <= DESIGN_AND_FEASIBILITY):
            continue
        m = proj_first[p]
        while m != EMPTY:  # a partner that withdrew does not rejoin
            is_member[mem_org[m]] = True
            m = mem_next[m]
        lo, hi = area_first[lead[p]], area_stop[lead[p]]
        candidates = 0
        for o in range(lo, hi):
            if not is_member[o]:
                candidates += 1
        if candidates > 0:
            pick = int(uniform_at(seed, week, choice_stream, p) * candidates)
            org = lo
            for o in range(lo, hi):
                if not is_member[o]:
                    if pick == 0:
                        org = o
                        break
                    pick -= 1
            new = n_mem
            m = proj_first[p]
            while m != EMPTY:  # a pair with each active co-member, in membership order
                if mem_active[m]:
                    other = mem_org[m]
                    a, b = min(other, org), max(other, org)
                    key = np.int64(a) * n_orgs + b
                    h = _slot(keys, key)
                    if keys[h] == EMPTY:
                        r = n_rel
                        base = baseline_trust[kind[other], kind[org]]
                        trust = base * (0.7 + (1.3 - 0.7) * uniform_at(seed, week, trust_stream, r))
                        interpersonal[r] = min(1.0, trust)
                        institutional[r] = 0.3 * base
                        rel_a[r] = a
                        rel_b[r] = b
                        keys[h] = key
                        values[h] = r
                        n_rel += 1
                    else:
                        r = values[h]
                    pair_project[n_pairs] = p
                    pair_rel[n_pairs] = r
                    pair_ma[n_pairs] = m
                    pair_mb[n_pairs] = new
                    n_pairs += 1
                m = mem_next[m]
            at_start = week == started[p]
            mem_project[new] = p
            mem_org[new] = org
            mem_active[new] = True
            commitment[new] = min(max(0.55 + 0.3 * selflessness[org]
                                      + 0.1 * normal_at(seed, week, commitment_stream, new), 0.25), 1.0)
            contribution[new] = ((pooled_share * resources[org] if at_start else 0.0)
                                 + (sponsor_stake if at_start and sponsor[p] == org else 0.0))
            benefit[new] = 0.0
            attended[new] = False
            joined[new] = week
            aim[new] = uniform_at(aim_seed, 0, aim_stream, new)
            _link(new, p, mem_next, proj_first, proj_last)
            n_mem += 1
            added += 1
        m = proj_first[p]
        while m != EMPTY:
            is_member[mem_org[m]] = False
            m = mem_next[m]
    sizes[0], sizes[1], sizes[2] = n_mem, n_rel, n_pairs
    return added
