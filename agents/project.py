"""Partnership projects as Mesa agents (views onto the model's project arrays)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from partnerships.model.codes import Stage, Theme

if TYPE_CHECKING:
    from partnerships.model.model import PartnershipModel


class PartnershipProject(mesa.Agent):
    """A joint project: its members, lead, sponsor, champion, stage, momentum and money.

    ``index`` is its row in the model's project arrays.
    """

    def __init__(self, model: PartnershipModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def name(self) -> str:
        return f"P{self.index} {self.theme.label}"

    @property
    def theme(self) -> Theme:
        return Theme(int(self.model.projects.theme[self.index]))

    @property
    def stage(self) -> Stage:
        return Stage(int(self.model.projects.stage[self.index]))

    @property
    def momentum(self) -> float:
        """0-1: how much the partnership is moving (INLOGOV 2015, §3 'Momentum')."""
        return float(self.model.projects.momentum[self.index])

    @property
    def trust_mean(self) -> float:
        """Mean trust (0-1) among active members, as of the last step."""
        return float(self.model.project_trust_mean[self.index])

    @property
    def champion(self) -> int:
        """Organisation index of the champion, -1 when the project has none."""
        return int(self.model.projects.champion[self.index])

    @property
    def lead(self) -> int:
        return int(self.model.projects.lead[self.index])

    @property
    def has_manager(self) -> bool:
        return bool(self.model.projects.has_manager[self.index])

    @property
    def members(self) -> list[int]:
        """Organisation indices of active members."""
        mem = self.model.memberships
        return mem.org[(mem.project == self.index) & mem.active].tolist()

    @property
    def delivered(self) -> bool:
        return bool(self.model.projects.delivered_week[self.index] >= 0)
