"""Reference for :mod:`model.kernels.stalls`: stall below the threshold, resume at twice it, abandon after patience;
shocks cost brittle partnerships momentum and commitment."""

from __future__ import annotations

from ._common import ABANDONED, STALLED, active_members, active_pairs, is_active_stage, is_open


def absorb_shocks(shock, stage, momentum, mem_project, mem_active, commitment, pair_project, pair_rel, pair_ma,
                  pair_mb, interpersonal, institutional):
    """Open projects lose ``shock * (1 - resilience)`` momentum, members half that in commitment; returns hits."""
    pairs_of: dict[int, list[int]] = {}
    for k in active_pairs(pair_project, pair_ma, pair_mb, mem_active):
        pairs_of.setdefault(int(pair_project[k]), []).append(int(pair_rel[k]))
    members = active_members(mem_project, mem_active)
    hit = 0
    for p in range(len(stage)):
        if not (shock[p] > 0.0 and is_open(stage[p])):
            continue
        rels = pairs_of.get(p, [])
        resilience = sum((institutional[r] + interpersonal[r]) / 2.0 for r in rels) / len(rels) if rels else 0.0
        loss = shock[p] * (1.0 - resilience)
        momentum[p] = max(0.0, momentum[p] - loss)
        if loss > 0.0:
            for m in members.get(p, []):
                commitment[m] = max(0.0, commitment[m] - 0.5 * loss)
        hit += 1
    return hit


def update_stalls(week, stall_threshold, patience, trust_gain, trust_loss_ratio, stage, stage_before_stall, momentum,
                  stalls, stalled_since, first_stall_week, closed_week, trust_delta_out):
    """Returns ``(stalled, resumed, abandoned)``."""
    failure = trust_gain * trust_loss_ratio
    stalled = resumed = abandoned = 0
    for p in range(len(stage)):
        trust_delta_out[p] = 0.0
        if is_active_stage(stage[p]):
            if momentum[p] < stall_threshold:
                stage_before_stall[p] = stage[p]
                stage[p] = STALLED
                stalls[p] += 1
                stalled_since[p] = week
                if first_stall_week[p] < 0:
                    first_stall_week[p] = week
                trust_delta_out[p] = -0.5 * failure
                stalled += 1
        elif stage[p] == STALLED:
            if momentum[p] >= 2.0 * stall_threshold:
                stage[p] = stage_before_stall[p]
                stalled_since[p] = -1
                resumed += 1
            elif week - stalled_since[p] >= patience:
                stage[p] = ABANDONED
                closed_week[p] = week
                trust_delta_out[p] = -failure
                abandoned += 1
    return stalled, resumed, abandoned
