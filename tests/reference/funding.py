"""Reference for :mod:`model.kernels.funding`: an award's resource and catalytic effects; a programme's call."""

from __future__ import annotations

from ._common import STALLED, is_active_stage


def award_funding(p, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline, stage,
                  stage_before_stall, stalled_since, momentum, external_funds, external_received, catalyst_until):
    """Money (if the resource effect is on) and a deadline that jolts momentum and ends a stall (if catalytic)."""
    external_received[p] += amount
    if resource_effect:
        external_funds[p] += amount
    if not catalytic_effect:
        return
    catalyst_until[p] = week + award_deadline
    momentum[p] += 0.5 * catalytic_strength * (1.0 - momentum[p])
    if stage[p] == STALLED:
        stage[p] = stage_before_stall[p]
        stalled_since[p] = -1


def funding_call(week, success_chance, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                 u_bid, stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                 catalyst_until):
    """Active or stalled projects with neither a live deadline nor unspent award money bid; returns awards."""
    bidders = [p for p in range(len(stage))
               if (is_active_stage(stage[p]) or stage[p] == STALLED) and catalyst_until[p] < week
               and external_funds[p] <= 0.0]
    winners = [p for p in bidders if u_bid[p] < success_chance]
    for p in winners:
        award_funding(p, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline, stage,
                      stage_before_stall, stalled_since, momentum, external_funds, external_received, catalyst_until)
    return len(winners)
