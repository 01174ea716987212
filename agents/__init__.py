"""Mesa agents: organisations (by kind) with their representatives, and partnership projects.

Agents are views onto the model's state arrays: reading or setting an attribute reads or writes
one row, so Mesa's AgentSet, DataCollector and the live view work on them as usual while the
kernels work on the arrays. Agents do no I/O.
"""

from partnerships.agents.organisation import (
    ORGANISATION_CLASSES, BusinessPartnership, CountyCouncil, DistrictCouncil, GovernmentAgency, HealthBody,
    Organisation, Police, Representative, UnitaryCouncil, VoluntaryGroup,
)
from partnerships.agents.project import PartnershipProject

__all__ = [
    "ORGANISATION_CLASSES", "BusinessPartnership", "CountyCouncil", "DistrictCouncil", "GovernmentAgency",
    "HealthBody", "Organisation", "PartnershipProject", "Police", "Representative", "UnitaryCouncil",
    "VoluntaryGroup",
]
