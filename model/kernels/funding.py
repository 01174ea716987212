"""External funding (model brief process 5; INLOGOV 2015, §3 'Momentum': "along came TCA funding to unlock the project").

An award has two effects that can be switched on separately: the *resource* effect adds money that
buys project work (see :func:`work_between_meetings`); the *catalytic* effect sets a deadline whose
rules move reluctant partners: momentum jumps, a stalled project resumes, and until the deadline
consent, effort and momentum are lifted.
"""

from numba import njit

from partnerships.model.kernels.stages import DELIVERY, STALLED


@njit(cache=True)
def award_funding(project, week, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                  stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                  catalyst_until):
    """Give ``project`` an award of ``amount`` £k this week.

    The award is recorded in ``external_received``. With the resource effect it is added to
    ``external_funds`` (money that buys work); with the catalytic effect the deadline runs to
    ``week + award_deadline``, momentum closes ``0.5 * catalytic_strength`` of its gap to 1, and a
    stalled project resumes the stage it stalled in.
    """
    external_received[project] += amount
    if resource_effect:
        external_funds[project] += amount
    if catalytic_effect:
        catalyst_until[project] = week + award_deadline
        momentum[project] += 0.5 * catalytic_strength * (1.0 - momentum[project])
        if stage[project] == STALLED:
            stage[project] = stage_before_stall[project]
            stalled_since[project] = -1


@njit(cache=True)
def funding_call(week, success_chance, amount, resource_effect, catalytic_effect, catalytic_strength, award_deadline,
                 u_bid, stage, stage_before_stall, stalled_since, momentum, external_funds, external_received,
                 catalyst_until):
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
                          catalytic_effect=catalytic_effect, catalytic_strength=catalytic_strength,
                          award_deadline=award_deadline, stage=stage, stage_before_stall=stage_before_stall,
                          stalled_since=stalled_since, momentum=momentum, external_funds=external_funds,
                          external_received=external_received, catalyst_until=catalyst_until)
            n_awards += 1
    return n_awards
