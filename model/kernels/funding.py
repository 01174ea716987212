"""External funding (model brief process 5; INLOGOV 2015, §3 'Momentum': "along came TCA funding to unlock the project").

An award moves nothing by itself: it records money, adds it to the project's funds (the *resource*
effect, switchable) and sets a deadline. What the award does, it does through the partners and the
money: while the deadline runs, partners act on a lifted commitment (:func:`deadline_commitment`, the
*catalytic* effect, switchable and scaled by ``catalytic_strength``); the money buys stage work and
obstacle clearing and pays a project manager for a project without one (:mod:`model.kernels.work`,
:mod:`model.kernels.obstacles`).
"""

from numba import njit

from partnerships.model.kernels.stages import DELIVERY, STALLED

# share of the gap to full commitment that a running award deadline closes, at catalytic_strength 1 (assumption)
DEADLINE_PULL = 0.5


@njit(cache=True)
def deadline_commitment(commitment, deadline_running, catalytic_strength):
    """The commitment a partner acts on: ``c + DEADLINE_PULL * catalytic_strength * (1 - c)`` while an award's
    deadline runs (the catalytic effect on), ``c`` otherwise."""
    if deadline_running:
        return commitment + DEADLINE_PULL * catalytic_strength * (1.0 - commitment)
    return commitment


@njit(cache=True)
def manager_reserve(has_manager, resource_effect, manager_cost, week, catalyst_until):
    """Award money (£k) a project without its own manager keeps back to pay one until the deadline:
    ``manager_cost / 52`` for each week left; 0 with a manager of its own or without the resource effect."""
    if has_manager or not resource_effect:
        return 0.0
    return manager_cost / 52.0 * max(0, catalyst_until - week)


@njit(cache=True)
def award_funding(project, week, amount, resource_effect, award_deadline, external_funds, external_received,
                  catalyst_until):
    """Give ``project`` an award of ``amount`` £k this week.

    The award is recorded in ``external_received``; with the resource effect it is added to
    ``external_funds``; its deadline runs to ``week + award_deadline``. Stage, momentum and stall are
    untouched.
    """
    external_received[project] += amount
    if resource_effect:
        external_funds[project] += amount
    catalyst_until[project] = week + award_deadline


@njit(cache=True)
def funding_call(week, success_chance, amount, resource_effect, award_deadline, u_bid, stage, external_funds,
                 external_received, catalyst_until):
    """A call of the funding programme: every project in stages 0-3 or stalled bids, unless an award's
    deadline is still running or award money is unspent.

    A bid succeeds when ``u_bid[p] < success_chance`` and brings an :func:`award_funding` of ``amount``.
    Returns the number of awards made.
    """
    n_awards = 0
    for p in range(stage.shape[0]):
        s = stage[p]
        eligible = (s <= DELIVERY or s == STALLED) and catalyst_until[p] < week and external_funds[p] <= 0.0
        if eligible and u_bid[p] < success_chance:
            award_funding(project=p, week=week, amount=amount, resource_effect=resource_effect,
                          award_deadline=award_deadline, external_funds=external_funds,
                          external_received=external_received, catalyst_until=catalyst_until)
            n_awards += 1
    return n_awards
