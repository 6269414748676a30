"""Which playbook plays which agency kind, and building them for a scenario."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from agencies.playbooks.base import Playbook
from agencies.playbooks.justice import (
    FinancialIntelligenceUnit,
    LabourInspection,
    Migration,
    NationalCentralBureau,
)
from agencies.playbooks.police import Police
from agencies.playbooks.prosecutor import Prosecutor
from agencies.playbooks.services import ChildProtection, Shelter, SocialServices
from agencies.playbooks.support import (
    Consulate,
    InternationalOrganisation,
    InterpretationService,
    LabourMigrationAgency,
    NationalCoordinator,
)
from trafsim_bus.scenario.model import EXCON, Scenario

PLAYBOOKS: Final[dict[str, type[Playbook]]] = {
    "police": Police,
    "prosecutor": Prosecutor,
    "ncb": NationalCentralBureau,
    "fiu": FinancialIntelligenceUnit,
    "migration": Migration,
    "labour_inspection": LabourInspection,
    "ngo_shelter": Shelter,
    "social_services": SocialServices,
    "child_protection": ChildProtection,
    "national_coordinator": NationalCoordinator,
    "international_org": InternationalOrganisation,
    "consulate": Consulate,
    "labour_migration_agency": LabourMigrationAgency,
    "interpretation_service": InterpretationService,
}
"""Agency kind → playbook class; a kind not listed gets the base playbook (receipts only)."""


def build_playbooks(scenario: Scenario, exercise_id: UUID, seed: int) -> dict[str, Playbook]:
    """One playbook per agency of the scenario (`trafsim run` plays them all)."""
    return {
        agency.id: PLAYBOOKS.get(agency.kind, Playbook)(agency, scenario, exercise_id, seed)
        for agency in scenario.agencies.values()
        if agency.id != EXCON
    }
