"""Support around the cases: national coordinators, international organisations,
consulates, the labour migration agency and interpretation services."""

from __future__ import annotations

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.casework import shares_language
from protocols import Delivery, Envelope, Person
from protocols.assistance import (
    CaseUpdate,
    Referral,
    ReturnArrangement,
    RiskAssessment,
    TrmReferral,
)
from protocols.interpretation import TranslationDelivery, TranslationRequest
from protocols.police import InfoRequest, InfoResponse
from trafsim_bus.core.participants import Wake
from trafsim_bus.timebase import DAY

Reaction = list[Draft | Wake]


class NationalCoordinator(Playbook):
    """A national TRM focal point: passes a case to the national service provider."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if not isinstance(body, TrmReferral):
            return []
        ngo = self.first(kind="ngo_shelter", country=self.me.country)
        drafts: Reaction = [
            Draft(
                [envelope.sender],
                CaseUpdate(
                    status="Active",
                    comment="Received by the national focal point; passed to the reception service.",
                ),
                reply_to=envelope,
            )
        ]
        if ngo is not None:
            drafts.append(
                Draft(
                    [ngo],
                    body,
                    reply_to=envelope,
                    derived_from=[envelope.id],
                    language=self.common_language(ngo),
                )
            )
        return drafts


class InternationalOrganisation(Playbook):
    """IOM and UNHCR: assisted return, risk assessment at origin, asylum screening."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        key = str(envelope.id)
        if isinstance(body, TrmReferral):
            person = body.persons[0]
            return [
                Draft(
                    [envelope.sender],
                    RiskAssessment(
                        person_id=person.person_id,
                        risk_level="medium",
                        context="origin_return",
                        safety_plan="Reception by a partner NGO; no contact with the recruiters or their families.",
                    ),
                    reply_to=envelope,
                ),
                Draft(
                    [envelope.sender],
                    ReturnArrangement(
                        persons=body.persons,
                        travel_document_status="requested",
                        escort="an operations assistant of the mission",
                        reception_plan="Met at the airport; shelter for two weeks; reintegration grant.",
                    ),
                    reply_to=envelope,
                    delay_us=self.work_time(key, 4) + 3 * DAY,
                ),
            ]
        if isinstance(body, Referral):
            return [
                *self.accept_and_report(
                    envelope,
                    "Asylum screening interviews booked.",
                    self.screening_note(body.persons),
                )
            ]
        if isinstance(body, InfoRequest):
            return [
                Draft(
                    [envelope.sender],
                    InfoResponse(findings=["No record of these persons in our caseload."]),
                    reply_to=envelope,
                    handling=["H0"],
                    evaluation=("A", 2),
                )
            ]
        return []

    def screening_note(self, persons: list[Person]) -> str:
        """The screening's report: which interpreters it took, for the persons who do not
        speak the language this organisation works in (their best language, as their data
        or else the scenario says)."""
        languages: list[str] = []
        for person in persons:
            if shares_language(person, [self.language]):
                continue
            known = self.scenario.person(person.person_id)
            best = person.primary_language or (known.languages[0] if known else None)
            if best is not None and best not in languages:
                languages.append(best)
        if not languages:
            return "Screening done in a language they speak; protection needs noted."
        interpreters = "an interpreter" if len(languages) == 1 else "interpreters"
        return f"Screening done with {interpreters} for {' and '.join(languages)}; protection needs noted."


class Consulate(Playbook):
    """A consulate: verifies identity, issues travel documents, slowly."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if isinstance(body, InfoRequest):
            return [
                Draft(
                    [envelope.sender],
                    InfoResponse(
                        findings=[
                            "Identity confirmed from the passport register; a certificate of return can be issued."
                        ]
                    ),
                    reply_to=envelope,
                    handling=["H0"],
                    evaluation=("A", 1),
                    legal_basis=envelope.legal_basis,
                )
            ]
        if isinstance(body, ReturnArrangement):
            return [
                Draft(
                    [envelope.sender],
                    ReturnArrangement(
                        persons=body.persons,
                        travel_document_status="issued",
                        consulate=self.agency,
                        reception_plan=body.reception_plan,
                    ),
                    reply_to=envelope,
                    legal_basis=envelope.legal_basis,
                )
            ]
        return []


class LabourMigrationAgency(Playbook):
    """The external labour migration agency: licensing records of recruiters."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        if not isinstance(envelope.body, InfoRequest):
            return []
        return [
            Draft(
                [envelope.sender],
                InfoResponse(
                    findings=[
                        "The licensing register was checked: the firms and agents asked "
                        "about are listed in the annex with their licence status."
                    ]
                ),
                reply_to=envelope,
                handling=["H0"],
                evaluation=("A", 1),
            )
        ]


class InterpretationService(Playbook):
    """Books interpreters: how soon depends on the language's pool in this country."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if not isinstance(body, TranslationRequest):
            return []
        key = str(envelope.id)
        pools = [
            pool
            for pool in self.scenario.pools
            if self.me.country in pool.serves
            and body.from_language in pool.from_languages
            and pool.interpretation is not None
        ]
        if not pools:
            return [
                Draft(
                    [envelope.sender],
                    TranslationDelivery(
                        from_language=body.from_language,
                        to_language=body.to_language,
                        outcome="unavailable",
                        note="No interpreter for this language here.",
                    ),
                    reply_to=envelope,
                    delay_us=self.work_time(key),
                )
            ]
        pool = pools[0]
        assert pool.interpretation is not None
        wait = pool.interpretation.sample(self.draw(key, 3))
        partial = body.to_language not in pool.to_languages
        return [
            Draft(
                [envelope.sender],
                TranslationDelivery(
                    from_language=body.from_language,
                    to_language=body.to_language,
                    outcome="partial" if partial else "assigned",
                    provider_type="official",
                    available_from=self.at(now_us + wait),
                    quality=0.6 if partial else 0.9,
                ),
                reply_to=envelope,
                delay_us=min(wait, self.work_time(key)),
            )
        ]
