"""Reference for :mod:`model.kernels.trust`: trust among members, small wins and failures, embedding."""

from __future__ import annotations

from collections import defaultdict

from ._common import DELIVERY, REALISING_BENEFITS, active_pairs, is_open


def _trust(interpersonal: float, institutional: float) -> float:
    """Institutional trust is a floor that the present representatives build on."""
    return institutional + (1.0 - institutional) * interpersonal


def project_trust(n_projects, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal,
                  institutional, mean_out, min_out, member_sum, member_count):
    """Mean and minimum trust over each project's active pairs; each membership's sum and count of them."""
    by_project: dict[int, list[float]] = defaultdict(list)
    by_member: dict[int, list[float]] = defaultdict(list)
    for k in active_pairs(pair_project, pair_ma, pair_mb, mem_active):
        r = pair_rel[k]
        t = _trust(interpersonal[r], institutional[r])
        by_project[int(pair_project[k])].append(t)
        by_member[int(pair_ma[k])].append(t)
        by_member[int(pair_mb[k])].append(t)
    for p in range(n_projects):
        values = by_project.get(p, [])
        mean_out[p] = sum(values) / len(values) if values else 0.0
        min_out[p] = min(values) if values else 1.0
    for m in range(len(member_sum)):
        member_sum[m] = sum(by_member.get(m, []))
        member_count[m] = len(by_member.get(m, []))


def shift_project_trust(delta, pair_project, pair_rel, pair_ma, pair_mb, mem_active, interpersonal):
    """A win closes ``delta`` of the gap to 1; a failure subtracts it (floor 0). Shared relationships are
    moved by each of their projects, in pair-list order."""
    for k in active_pairs(pair_project, pair_ma, pair_mb, mem_active):
        d = delta[pair_project[k]]
        r = pair_rel[k]
        if d > 0.0:
            interpersonal[r] += d * (1.0 - interpersonal[r])
        elif d < 0.0:
            interpersonal[r] = max(0.0, interpersonal[r] + d)


def embed_institutional_trust(embedding_rate, stage, governance_level, pair_project, pair_rel, pair_ma, pair_mb,
                              mem_active, interpersonal, institutional):
    """Open projects' active pairs move institutional trust up towards interpersonal trust."""
    for k in active_pairs(pair_project, pair_ma, pair_mb, mem_active):
        p = pair_project[k]
        if not is_open(stage[p]):
            continue
        rate = embedding_rate * governance_level[p] / 3.5
        if stage[p] in (DELIVERY, REALISING_BENEFITS):
            rate *= 2.0  # joint delivery embeds faster
        r = pair_rel[k]
        if interpersonal[r] > institutional[r]:
            institutional[r] += min(1.0, rate) * (interpersonal[r] - institutional[r])
