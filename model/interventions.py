"""Interventions a user schedules (model brief, 'Interventions'): at a week, or on a condition.

The same actions are the live view's buttons. :meth:`model.model.PartnershipModel.intervene` applies
one now; scheduled ones are applied at the start of their week, or at the start of the week after
their condition first holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIONS: dict[str, str] = {
    "funding_award": "an external funding award arrives for the project (amount in £k; default: external_funding)",
    "champion_leaves": "the project's champion leaves their organisation",
    "representative_leaves": "the named organisation's representative leaves and is replaced",
    "partner_withdraws": "a partner withdraws from the project (default: the least committed member)",
    "obstacle": "an obstacle hits the project (amount in weeks of full effort; default: 3 x obstacle_severity)",
    "policy_shock": "a policy shock raises financial pressure on everyone and hits every open partnership, less where "
                    "trust is strong (amount: extra share of capacity lost and shock size, default 0.2)",
}
CONDITIONS: dict[str, str] = {
    "first_stall": "the week after the project (any project, if none is named) first stalls",
}
#: allowed amount of each action that takes one: (low, high, unit), in the parameter registry's style
AMOUNT_RANGES: dict[str, tuple[float, float, str]] = {
    "funding_award": (0.0, 1000.0, "£ thousand"),  # as external_funding
    "obstacle": (0.0, 52.0, "weeks of full effort"),  # at most a year of full effort
    "policy_shock": (0.0, 1.0, "shock size: share of capacity squeezed, and momentum lost by a brittle partnership"),
}


def amount_allowed(action: str, amount: object) -> str | None:
    """What ``action`` allows as its amount ("0 to 1000 (£ thousand)") when ``amount`` is outside it, or not a
    number; None when the amount is fine (or the action takes none)."""
    if amount is None or action not in AMOUNT_RANGES:
        return None
    low, high, unit = AMOUNT_RANGES[action]
    if isinstance(amount, bool) or not isinstance(amount, (int, float, np.integer, np.floating)):
        return f"{low:g} to {high:g} ({unit})"
    return None if low <= float(amount) <= high else f"{low:g} to {high:g} ({unit})"


def week_allowed(week: int | None, weeks: int) -> str | None:
    """What a run of ``weeks`` weeks allows as an intervention's ``week`` when ``week`` is outside it; None when it
    is fine (or the intervention waits for a condition). Step k of a run is week k (1 to ``weeks``) and applies
    every intervention due at or before it, so week 0 acts in the first week and a week beyond ``weeks`` never."""
    if week is None or 0 <= week <= weeks:
        return None
    return f"0 to {weeks} (the run's last week; a later one never comes)"


DEFAULT_AWARD = 50.0  # £k, used when external_funding is 0 (the programme is off) but an award is scheduled
DEFAULT_SHOCK = 0.2


@dataclass(frozen=True)
class Intervention:
    """One intervention: an action, when it happens (a week or a condition), and what it acts on."""

    action: str
    week: int | None = None
    when: str | None = None
    project: int | None = None
    organisation: int | None = None
    amount: float | None = None

    def describe(self) -> str:
        target = []
        if self.project is not None:
            target.append(f"project {self.project}")
        if self.organisation is not None:
            target.append(f"organisation {self.organisation}")
        timing = f"week {self.week}" if self.week is not None else f"when {self.when}"
        return f"{self.action} ({', '.join(target) or 'default target'}) at {timing}"
