"""Reference for :mod:`model.kernels.funding`: an award records money and sets a deadline; a programme's call."""

from __future__ import annotations

from ._common import STALLED, is_active_stage

DEADLINE_PULL = 0.5  # as model.kernels.funding (documented there and in docs/ODD.md 7.6)


def lifted(commitment, deadline_running, catalytic_strength):
    """The commitment partners act on while an award's deadline runs: half-way (at strength 1) to full."""
    return commitment + DEADLINE_PULL * catalytic_strength * (1.0 - commitment) if deadline_running else commitment


def reserve_for_manager(has_manager, resource_effect, manager_cost, week, catalyst_until):
    """Award money kept back to pay a manager, a week's salary for each week of the deadline left."""
    if has_manager or not resource_effect:
        return 0.0
    return manager_cost / 52.0 * max(0, int(catalyst_until) - int(week))


def award_funding(project, week, amount, resource_effect, award_deadline, external_funds, external_received,
                  catalyst_until):
    """Record the award, add the money (resource effect), start the deadline; nothing else moves."""
    external_received[project] += amount
    if resource_effect:
        external_funds[project] += amount
    catalyst_until[project] = week + award_deadline


def funding_call(week, success_chance, amount, resource_effect, award_deadline, u_bid, stage, external_funds,
                 external_received, catalyst_until):
    """Active or stalled projects with neither a live deadline nor unspent award money bid; returns awards."""
    bidders = [p for p in range(len(stage))
               if (is_active_stage(stage[p]) or stage[p] == STALLED) and catalyst_until[p] < week
               and external_funds[p] <= 0.0]
    winners = [p for p in bidders if u_bid[p] < success_chance]
    for p in winners:
        award_funding(project=p, week=week, amount=amount, resource_effect=resource_effect,
                      award_deadline=award_deadline, external_funds=external_funds,
                      external_received=external_received, catalyst_until=catalyst_until)
    return len(winners)
