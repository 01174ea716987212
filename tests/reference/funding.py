"""Reference for :mod:`model.kernels.funding`: an award's resource and catalytic effects; a programme's call."""

from __future__ import annotations

from ._common import STALLED, is_active_stage


def award_funding(project, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                  stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                  catalyst_until):
    """Money (if the resource effect is on) and a deadline that jolts momentum and ends a stall (if catalytic)."""
    external_received[project] += amount
    if resource_effect:
        external_funds[project] += amount
    if not catalytic_effect:
        return
    catalyst_until[project] = week + award_deadline
    momentum[project] += 0.5 * catalytic_strength * (1.0 - momentum[project])
    if stage[project] == STALLED:
        stage[project] = stage_before_stall[project]
        stalled_since[project] = -1


def funding_call(week, success_chance, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                 u_bid, stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                 catalyst_until):
    """Active or stalled projects with neither a live deadline nor unspent award money bid; returns awards."""
    bidders = [p for p in range(len(stage))
               if (is_active_stage(stage[p]) or stage[p] == STALLED) and catalyst_until[p] < week
               and external_funds[p] <= 0.0]
    winners = [p for p in bidders if u_bid[p] < success_chance]
    for p in winners:
        award_funding(project=p, week=week, amount=amount, resource_effect=resource_effect,
                      catalytic_effect=catalytic_effect, catalytic_strength=catalytic_strength,
                      award_deadline=award_deadline, stage=stage, stage_before_stall=stage_before_stall,
                      stalled_since=stalled_since, momentum=momentum, external_funds=external_funds,
                      external_received=external_received, catalyst_until=catalyst_until)
    return len(winners)
