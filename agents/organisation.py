"""Organisations and their representatives (model brief, 'Entities and their state')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from partnerships.model.codes import OrgKind

if TYPE_CHECKING:
    from partnerships.model.model import PartnershipModel


@dataclass(frozen=True)
class Representative:
    """The person who represents an organisation (a snapshot of its seat).

    ``tenure`` in weeks; ``autonomy`` (empowered to decide in the room, PAS 2007, 'empowering
    representatives', p. 15), ``presence`` (attends and is really there, PAS 2007, 'be present!', p. 24)
    and ``skill`` (boundary spanner / champion, INLOGOV 2015, §5 'Who makes a good boundary spanner?')
    in [0, 1];
    ``generation`` counts who has held the seat (1 = the first).
    """

    tenure: int
    autonomy: float
    presence: float
    skill: float
    generation: int


class Organisation(mesa.Agent):
    """A public body, voluntary group or business partnership taking part in partnerships.

    ``index`` is its row in the model's organisation arrays; attributes read and write that row.
    """

    kind: OrgKind

    def __init__(self, model: PartnershipModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def name(self) -> str:
        return self.model.region.org_names[self.index]

    @property
    def sector(self) -> str:
        return self.kind.sector

    def _column(name: str, doc: str):  # noqa: N805 - a property factory used in the class body
        def get(self):
            return getattr(self.model.orgs, name)[self.index].item()

        def set_(self, value):
            getattr(self.model.orgs, name)[self.index] = value

        return property(get, set_, doc=doc)

    capacity = _column("capacity", "Officer-days per week it can give to partnership work now (after pressure).")
    resources = _column("resources", "Money and assets it can commit, £k.")
    risk_appetite = _column("risk_appetite", "0-1; above 0.7 is an 'upbeat' view of risk (INLOGOV 2015, §3, figure one).")
    selflessness = _column("selflessness", "0-1; contributes beyond its expected benefit (INLOGOV 2015, §3 'Selflessness').")
    culture = _column("culture", "0 hierarchical to 1 adaptive: how fast internal approval is "
                                 "(INLOGOV 2015, §3 'Attitudes to risk').")
    del _column

    @property
    def representative(self) -> Representative:
        o = self.model.orgs
        i = self.index
        return Representative(int(o.rep_tenure[i]), float(o.rep_autonomy[i]), float(o.rep_presence[i]),
                              float(o.rep_skill[i]), int(o.rep_generation[i]))

    @property
    def projects(self) -> list[int]:
        """Indices of the projects it is an active member of."""
        mem = self.model.memberships
        return sorted(set(mem.project[(mem.org == self.index) & mem.active].tolist()))

    def leave(self) -> None:
        """Its representative leaves now (the successor starts without interpersonal trust)."""
        self.model.intervene("representative_leaves", organisation=self.index)


class DistrictCouncil(Organisation):
    kind = OrgKind.DISTRICT_COUNCIL


class CountyCouncil(Organisation):
    kind = OrgKind.COUNTY_COUNCIL


class UnitaryCouncil(Organisation):
    kind = OrgKind.UNITARY_COUNCIL


class HealthBody(Organisation):
    kind = OrgKind.HEALTH_BODY


class Police(Organisation):
    kind = OrgKind.POLICE


class VoluntaryGroup(Organisation):
    kind = OrgKind.VOLUNTARY_GROUP


class BusinessPartnership(Organisation):
    kind = OrgKind.BUSINESS_PARTNERSHIP


class GovernmentAgency(Organisation):
    kind = OrgKind.GOVERNMENT_AGENCY


ORGANISATION_CLASSES: dict[OrgKind, type[Organisation]] = {
    cls.kind: cls for cls in (DistrictCouncil, CountyCouncil, UnitaryCouncil, HealthBody, Police, VoluntaryGroup,
                              BusinessPartnership, GovernmentAgency)
}


def kind_classes(kinds: np.ndarray) -> list[type[Organisation]]:
    """The agent class for each organisation kind code."""
    return [ORGANISATION_CLASSES[OrgKind(int(k))] for k in kinds]
