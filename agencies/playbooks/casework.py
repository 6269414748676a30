"""Case files the playbooks keep: who is in a case, their consent, what was done already."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from protocols import Envelope, Person
from protocols.fields import Language
from protocols.htcds import MethodOfControl
from protocols.identification import Alert, ConsentElements, ConsentRecord, ConsentScope
from protocols.vocab import PersonRole
from trafsim_bus.scenario.model import Scenario

CONSENT_KINDS = (
    "ngo_shelter",
    "social_services",
    "child_protection",
    "migration",
    "prosecutor",
    "international_org",
    "national_coordinator",
)
"""Who an adult usually lets see their data; consulates only when they agree to it."""


@dataclass
class Case:
    """One case as an agency knows it."""

    ref: str
    persons: list[Person] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    awaiting: dict[Language, list[Person]] = field(default_factory=dict)
    """Persons whose screening waits for an interpreter, by the language asked for."""
    foreign: list[str] = field(default_factory=list)
    consulate_ok: set[str] = field(default_factory=set)

    def first_time(self, step: str) -> bool:
        """True the first time a step is taken for this case, False after."""
        if step in self.done:
            return False
        self.done.add(step)
        return True

    def adults(self) -> list[Person]:
        """The adults of the case (their data needs consent)."""
        return [person for person in self.persons if not person.is_minor]

    def consented(self, country: str) -> list[Person]:
        """The adult nationals of `country` who let its consulate see their data."""
        return [
            person
            for person in self.adults()
            if country in person.citizenship and person.person_id in self.consulate_ok
        ]


SHOWN = 4
"""How many of a case's persons the playbooks play (the first the scenario lists)."""


def persons_for(scenario: Scenario, case_ref: str, alert: Alert | None) -> list[Person]:
    """The scenario's persons of a case, as screening finds them (the first `SHOWN`);
    none when the scenario lists none for it. How they were controlled is what the case's
    file says (nothing when it has no file)."""
    exploitation = list(alert.suspected_exploitation) if alert else []
    found = scenario.case_file([case_ref])
    control = cast(list[MethodOfControl], list(found.control) if found else [])
    persons = []
    for person in scenario.persons_of(case_ref)[:SHOWN]:
        languages = cast(list[Language], list(person.languages))
        persons.append(
            Person(
                person_id=person.id,
                role=cast(PersonRole, person.role),
                consent_ref=None if person.minor else f"con-{person.id}",
                is_minor=person.minor,
                age=person.age,
                gender="Feminine" if person.sex == "female" else "Masculine",
                citizenship=[person.nationality],
                primary_language=languages[0],
                secondary_language=languages[1] if len(languages) > 1 else None,
                trafficking_status="PossibleVictimOfTrafficking",
                type_of_exploitation=exploitation,
                methods_of_control=list(control),
            )
        )
    return persons


def shares_language(person: Person, languages: Iterable[str]) -> bool:
    """Whether the person speaks one of these languages (an interview needs no interpreter)."""
    spoken = {person.primary_language, person.secondary_language}
    return bool(spoken & set(languages))


def consent_for(
    person: Person, given_at: datetime, agency: str, *, consulate: bool
) -> ConsentRecord:
    """The consent record an adult gives: named kinds, consulates only if they agree."""
    kinds = [*CONSENT_KINDS, *(["consulate"] if consulate else [])]
    return ConsentRecord(
        consent_id=person.consent_ref or f"con-{person.person_id}",
        person_id=person.person_id,
        elements=ConsentElements(
            interview=True,
            purpose_explained=True,
            data_use=True,
            research_use=False,
            right_of_access=True,
            retention_explained=True,
            withdrawal_explained=True,
        ),
        scope=[
            ConsentScope(
                agency_kind=kind, data_categories=["identity", "contact", "exploitation_history"]
            )
            for kind in kinds
        ],
        given_at=given_at,
        recorded_by=agency,
    )


def case_ref_of(envelope: Envelope, fresh: str) -> str:
    """The envelope's first case reference, or `fresh` (a new one of the agency's own)."""
    if envelope.case_refs:
        return envelope.case_refs[0]
    return fresh
