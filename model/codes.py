"""Integer codes shared by the kernels, the model and the outputs (organisation kinds, stages, themes)."""

from __future__ import annotations

from enum import IntEnum


class OrgKind(IntEnum):
    """Kinds of organisation (model brief, 'Entities')."""

    DISTRICT_COUNCIL = 0
    COUNTY_COUNCIL = 1
    UNITARY_COUNCIL = 2
    HEALTH_BODY = 3
    POLICE = 4
    VOLUNTARY_GROUP = 5
    BUSINESS_PARTNERSHIP = 6
    GOVERNMENT_AGENCY = 7

    @property
    def sector(self) -> str:
        """Broad sector used for colours and trust baselines: council, health, police, voluntary, business, government."""
        return SECTOR_OF_KIND[self]

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()


SECTOR_OF_KIND = {
    OrgKind.DISTRICT_COUNCIL: "council",
    OrgKind.COUNTY_COUNCIL: "council",
    OrgKind.UNITARY_COUNCIL: "council",
    OrgKind.HEALTH_BODY: "health",
    OrgKind.POLICE: "police",
    OrgKind.VOLUNTARY_GROUP: "voluntary",
    OrgKind.BUSINESS_PARTNERSHIP: "business",
    OrgKind.GOVERNMENT_AGENCY: "government",
}
SECTORS = ("council", "health", "police", "voluntary", "business", "government")


class Stage(IntEnum):
    """Project life-cycle stages (the life cycle of PAS 2007, 'background', p. 2; 'stalled', 'abandoned' and
    'delivered' from the brief).

    Stages 0-4 are active; a project is *delivered* once it finishes the delivery stage (enters 4) and
    *closed as delivered* (5) when its benefits period ends.
    """

    INITIATING = 0
    AGREEING_GOALS = 1
    DESIGN_AND_FEASIBILITY = 2
    DELIVERY = 3
    REALISING_BENEFITS = 4
    DELIVERED = 5
    STALLED = 6
    ABANDONED = 7

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()


class Theme(IntEnum):
    """What a project is about; it sets which kinds of organisation take part."""

    COMMUNITY_SAFETY = 0
    HEALTH_AND_CARE = 1
    ECONOMIC_GROWTH = 2
    HOUSING_AND_PLANNING = 3
    ENVIRONMENT_AND_WASTE = 4
    SHARED_SERVICES = 5

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()
