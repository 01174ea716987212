"""External funding (model brief process 5; INLOGOV 2015, §3 'Momentum': "along came TCA funding to unlock the project").

An award has two effects that can be switched on separately: the *resource* effect adds money that
buys project work (see :func:`work_between_meetings`); the *catalytic* effect sets a deadline whose
rules move reluctant partners: momentum jumps, a stalled project resumes, and until the deadline
consent, effort and momentum are lifted.
"""

from numba import njit

from partnerships.model.kernels.stages import DELIVERY, STALLED


@njit(cache=True)
def award_funding(p, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline, stage,
                  stage_before_stall, stalled_since, momentum, external_funds, external_received, catalyst_until):
    """Give project ``p`` an award of ``amount`` £k this week."""
    external_received[p] += amount
    if resource_effect:
        external_funds[p] += amount
    if catalytic_effect:
        catalyst_until[p] = week + award_deadline
        momentum[p] += 0.5 * catalytic_strength * (1.0 - momentum[p])
        if stage[p] == STALLED:
            stage[p] = stage_before_stall[p]
            stalled_since[p] = -1


@njit(cache=True)
def funding_call(week, success_chance, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                 u_bid, stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                 catalyst_until):
    """A call of the funding programme: every active or stalled project without a live award bids.

    A bid succeeds when ``u_bid[p] < success_chance``. Returns the number of awards made.
    """
    n_awards = 0
    for p in range(stage.shape[0]):
        s = stage[p]
        eligible = (s <= DELIVERY or s == STALLED) and catalyst_until[p] < week and external_funds[p] <= 0.0
        if eligible and u_bid[p] < success_chance:
            award_funding(p, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                          stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                          catalyst_until)
            n_awards += 1
    return n_awards
