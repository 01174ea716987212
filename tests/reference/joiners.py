"""Reference for :mod:`model.kernels.joiners`: late joiners from per-project lists and a dict of relationships.

The twin finds a project's members by scanning the membership table and a relationship by a dict, as the
docstring's rule says; it keeps the kernel's two indexes (membership chains, relationship hash table) up to
date the way their docstrings describe, so that both leave every array the same. ``is_member`` is the
kernel's scratch, all False before and after: the twin does not need it.
"""

from __future__ import annotations

from .draws import MASK, _mix64, normal_at, uniform_at

EMPTY = -1
DESIGN_AND_FEASIBILITY = 2


def _slot(keys, key: int) -> int:
    """Linear probing from the top 63 bits of SplitMix64's finaliser of the key."""
    mask = len(keys) - 1
    h = (_mix64(key & MASK) >> 1) & mask
    while int(keys[h]) not in (EMPTY, key):
        h = (h + 1) & mask
    return h


def index_relationships(first, rel_a, rel_b, n_orgs, keys, values):
    for r in range(int(first), len(rel_a)):
        key = int(rel_a[r]) * int(n_orgs) + int(rel_b[r])
        h = _slot(keys, key)
        keys[h], values[h] = key, r
    return max(0, len(rel_a) - int(first))


def _link(m: int, p: int, mem_next, proj_first, proj_last) -> None:
    mem_next[m] = EMPTY
    if proj_last[p] == EMPTY:
        proj_first[p] = m
    else:
        mem_next[proj_last[p]] = m
    proj_last[p] = m


def link_memberships(first, mem_project, mem_next, proj_first, proj_last):
    for m in range(int(first), len(mem_project)):
        _link(m, int(mem_project[m]), mem_next, proj_first, proj_last)
    return max(0, len(mem_project) - int(first))


def add_late_joiners(seed, week, join_chance, u_join, choice_stream, trust_stream, commitment_stream, aim_seed,
                     aim_stream, pooled_share, sponsor_stake, stage, lead, sponsor, started, area_first, area_stop,
                     kind, selflessness, resources, baseline_trust,
                     mem_project, mem_org, mem_active, commitment, contribution, benefit, attended, joined, aim,
                     rel_a, rel_b, interpersonal, institutional, pair_project, pair_rel, pair_ma, pair_mb,
                     sizes, mem_next, proj_first, proj_last, keys, values, is_member):
    n_mem, n_rel, n_pairs = (int(x) for x in sizes)
    n_orgs = len(kind)
    joining = [p for p in range(len(stage)) if u_join[p] < join_chance and stage[p] <= DESIGN_AND_FEASIBILITY]
    if not joining:
        return 0
    members_of = {p: [m for m in range(n_mem) if mem_project[m] == p] for p in joining}
    most_pairs = sum(1 for p in joining for m in members_of[p] if mem_active[m])
    if (n_mem + len(joining) > min(len(mem_project), len(mem_next)) or n_pairs + most_pairs > len(pair_project)
            or n_rel + most_pairs > len(rel_a) or 2 * (n_rel + most_pairs) > len(keys)):
        return -1
    relationship = {(int(rel_a[r]), int(rel_b[r])): r for r in range(n_rel)}
    added = 0
    for p in joining:
        past_and_present = {int(mem_org[m]) for m in members_of[p]}
        candidates = [o for o in range(int(area_first[lead[p]]), int(area_stop[lead[p]])) if o not in past_and_present]
        if not candidates:
            continue
        org = candidates[int(uniform_at(seed, week, choice_stream, p) * len(candidates))]
        new = n_mem
        for m in members_of[p]:
            if not mem_active[m]:
                continue
            other = int(mem_org[m])
            pair = (min(other, org), max(other, org))
            r = relationship.get(pair)
            if r is None:
                r = relationship[pair] = n_rel
                base = float(baseline_trust[kind[other], kind[org]])
                interpersonal[r] = min(1.0, base * (0.7 + (1.3 - 0.7) * uniform_at(seed, week, trust_stream, r)))
                institutional[r] = 0.3 * base
                rel_a[r], rel_b[r] = pair
                key = pair[0] * n_orgs + pair[1]
                h = _slot(keys, key)
                keys[h], values[h] = key, r
                n_rel += 1
            pair_project[n_pairs], pair_rel[n_pairs], pair_ma[n_pairs], pair_mb[n_pairs] = p, r, m, new
            n_pairs += 1
        at_start = week == started[p]
        mem_project[new], mem_org[new], mem_active[new] = p, org, True
        commitment[new] = min(max(0.55 + 0.3 * selflessness[org] + 0.1 * normal_at(seed, week, commitment_stream, new),
                                  0.25), 1.0)
        contribution[new] = ((pooled_share * resources[org] if at_start else 0.0)
                             + (sponsor_stake if at_start and sponsor[p] == org else 0.0))
        benefit[new], attended[new], joined[new] = 0.0, False, week
        aim[new] = uniform_at(aim_seed, 0, aim_stream, new)
        _link(new, p, mem_next, proj_first, proj_last)
        n_mem += 1
        added += 1
    sizes[0], sizes[1], sizes[2] = n_mem, n_rel, n_pairs
    return added

