"""Shared vocabulary of the plain-Python references: stage codes and who belongs to which project.

Written from :mod:`model.codes` and the kernels' docstrings, not from the compiled code.
"""

from __future__ import annotations

from collections import defaultdict

from partnerships.model.codes import Stage

INITIATING = int(Stage.INITIATING)
AGREEING_GOALS = int(Stage.AGREEING_GOALS)
DESIGN_AND_FEASIBILITY = int(Stage.DESIGN_AND_FEASIBILITY)
DELIVERY = int(Stage.DELIVERY)
REALISING_BENEFITS = int(Stage.REALISING_BENEFITS)
DELIVERED = int(Stage.DELIVERED)
STALLED = int(Stage.STALLED)
ABANDONED = int(Stage.ABANDONED)


def is_open(stage: int) -> bool:
    """A project still meets and works unless it is closed (delivered or abandoned)."""
    return int(stage) not in (DELIVERED, ABANDONED)


def is_active_stage(stage: int) -> bool:
    """Stages 0-3: the project is still working towards delivery (not stalled, not realising benefits)."""
    return INITIATING <= int(stage) <= DELIVERY


def active_members(mem_project, mem_active, keep=None) -> dict[int, list[int]]:
    """Project -> its active memberships, in membership order; only projects ``keep(p)`` accepts."""
    members: dict[int, list[int]] = defaultdict(list)
    for m, (p, active) in enumerate(zip(mem_project.tolist(), mem_active.tolist())):
        if active and (keep is None or keep(p)):
            members[p].append(m)
    return members


def active_pairs(pair_project, pair_ma, pair_mb, mem_active) -> list[int]:
    """Pair rows whose two members are both still active, in the order of the pair list."""
    active = mem_active.tolist()
    return [k for k, (ma, mb) in enumerate(zip(pair_ma.tolist(), pair_mb.tolist())) if active[ma] and active[mb]]
