"""Case files the playbooks keep: who is in a case, their consent, what was done already."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from protocols import Envelope, Person
from protocols.fields import Language
from protocols.identification import Alert, ConsentElements, ConsentRecord, ConsentScope

NEIGHBOURS = ("UZ", "KG", "TJ", "TM", "AF")
"""Countries of origin the synthesised people come from, as in the SILK THREAD cases."""

LANGUAGE_OF: dict[str, Language] = {
    "UZ": "uzb",
    "KG": "kir",
    "TJ": "tgk",
    "TM": "tuk",
    "AF": "prs",
    "KZ": "kaz",
}
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


def slug(case_ref: str) -> str:
    """A person-id prefix from a case reference: `KZ-AT-2026-0141` → `kz-at-2026-0141`."""
    return re.sub(r"[^a-z0-9]+", "-", case_ref.lower()).strip("-") or "case"


ORIGIN_WORDS = (
    ("AF", ("афган", "дари", "afghan", "dari")),
    ("TM", ("туркмен", "turkmen")),
    ("TJ", ("таджик", "худжанд", "tajik", "khujand")),
    ("KG", ("кыргыз", "киргиз", "из оша", "osh", "kyrgyz")),
    ("UZ", ("узбек", "андижан", "andijon", "andijan", "uzbek")),
)
"""Words in a report that tell where people come from, in Russian, Uzbek and English."""


def origins_in(text: str) -> list[str]:
    """Countries of origin a report mentions, in the order of first mention."""
    lowered = text.lower()
    found = [
        (min(lowered.find(word) for word in words if word in lowered), country)
        for country, words in ORIGIN_WORDS
        if any(word in lowered for word in words)
    ]
    return [country for _, country in sorted(found)]


def people_for(case_ref: str, alert: Alert | None, draws: list[float]) -> list[Person]:
    """Pseudonymous people of a case, as screening would find them (at most four shown):
    from the countries the report names, else from the region."""
    count = max(1, min(4, (alert.est_persons if alert and alert.est_persons else 2)))
    labour = bool(alert and "ForcedLabour" in alert.suspected_exploitation)
    minors = bool(alert and alert.minors_suspected)
    named = origins_in(alert.summary) if alert else []
    persons = []
    for i in range(count):
        u = draws[i % len(draws)]
        if named:
            country = named[i % len(named)]
        else:
            country = NEIGHBOURS[int(u * 1000) % (len(NEIGHBOURS) if not labour else 2)]
        person_id = f"{slug(case_ref)}-p{i + 1}"
        is_minor = minors and i == 0
        persons.append(
            Person(
                person_id=person_id,
                role="victim",
                consent_ref=None if is_minor else f"con-{person_id}",
                is_minor=is_minor,
                age=16 + int(u * 2) if is_minor else 19 + int(u * 30),
                gender="Masculine" if labour else "Feminine",
                citizenship=[country],
                primary_language=LANGUAGE_OF[country],
                trafficking_status="PossibleVictimOfTrafficking",
                type_of_exploitation=["ForcedLabour"] if labour else ["SexualExploitation"],
                methods_of_control=["WithholdsDocuments", "DebtBondage"],
            )
        )
    return persons


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


def case_ref_of(envelope: Envelope, agency: str, counter: int) -> str:
    """The envelope's first case reference, or a new one of this agency."""
    if envelope.case_refs:
        return envelope.case_refs[0]
    return f"{agency.upper()}-2026-{counter:04d}"
