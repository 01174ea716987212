"""Numba-compiled interaction kernels, one module per process of the model brief.

Kernels are pure functions over NumPy arrays: no Mesa, no I/O, no global state. Random numbers
arrive as pre-drawn arrays, so each kernel has a plain-Python twin in ``tests/reference`` that,
fed the same arrays, gives the same result. Arrays passed in are updated in place; counts are
returned.
"""

from partnerships.model.kernels.aims import deliberate_aims
from partnerships.model.kernels.benefits import realise_benefits
from partnerships.model.kernels.draws import fill_normal, fill_uniform
from partnerships.model.kernels.decisions import decide_stage_gates
from partnerships.model.kernels.funding import award_funding, funding_call
from partnerships.model.kernels.joiners import add_late_joiners
from partnerships.model.kernels.meetings import capacity_share, hold_meetings
from partnerships.model.kernels.membership import withdraw_uncommitted
from partnerships.model.kernels.obstacles import obstacles_arrive_and_resolve
from partnerships.model.kernels.stalls import absorb_shocks, update_stalls
from partnerships.model.kernels.trust import embed_institutional_trust, project_trust, shift_project_trust
from partnerships.model.kernels.turnover import (
    champions_emerge, draw_successors, forget_interpersonal_trust, lose_champions, replace_representatives,
)
from partnerships.model.kernels.work import work_between_meetings

__all__ = [
    "absorb_shocks", "add_late_joiners", "award_funding", "capacity_share", "fill_normal", "fill_uniform", "champions_emerge",
    "decide_stage_gates",
    "deliberate_aims", "draw_successors",
    "embed_institutional_trust",
    "forget_interpersonal_trust", "funding_call", "hold_meetings", "lose_champions", "obstacles_arrive_and_resolve",
    "project_trust", "realise_benefits", "replace_representatives", "shift_project_trust", "update_stalls",
    "withdraw_uncommitted", "work_between_meetings",
]
