"""Assistance to the persons of a case: shelters (and the hotline), social services and
child protection (the partners abroad are `support.py`)."""

from __future__ import annotations

from typing import cast
from uuid import UUID

import msgspec

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.casework import consent_for
from protocols import Delivery, Envelope, Person
from protocols.assistance import (
    CaseUpdate,
    Referral,
    ReferralResponse,
    RiskAssessment,
    Threat,
    TrmReferral,
)
from protocols.identification import Alert
from protocols.police import InfoRequest
from protocols.receipts import Nack
from protocols.vocab import PersonRole
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, Scenario
from trafsim_bus.timebase import DAY

Reaction = list[Draft | Wake]

EXPLOITERS = "the exploiters and their associates"
"""Who threatens a child when the case's file names nobody."""


class Shelter(Playbook):
    """An NGO shelter: runs the hotline, passes alerts to the police, takes referrals."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.used: dict[str, int] = {}

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if isinstance(body, Alert):
            return self.pass_alert(envelope, body)
        if isinstance(body, Referral):
            return self.take(envelope, body)
        if isinstance(body, TrmReferral):
            return [
                *self.accept_and_report(
                    envelope,
                    "Reception arranged; a case worker meets them.",
                    "Reception and reintegration plan started.",
                )
            ]
        return []

    def pass_alert(self, envelope: Envelope, body: Alert) -> Reaction:
        sender = self.scenario.agency(envelope.sender)
        if sender is not None and sender.kind == "police":
            return []
        concern = (
            body.suspected_exploitation
            or body.immediate_danger
            or body.minors_suspected
            or body.indicators_observed
            or body.est_persons
        )
        if not concern:
            return []  # a consultation the hotline answers itself
        key = str(envelope.id)
        police = self.first(kind="police", country=self.me.country)
        if police is None:
            return []
        keep_reporter = self.wrong_route(key) and body.reporter is not None
        forwarded = msgspec.structs.replace(body, reporter=body.reporter if keep_reporter else None)
        # A stale contact directory: the police's old address, refused unknown_recipient.
        stale = self.wrong_route(key, 7) and bool(self.old_addresses(police))
        recipients = [self.old_addresses(police)[0] if stale else police]
        inspector = self.first(kind="labour_inspection", country=self.me.country)
        if inspector is not None and "ForcedLabour" in body.suspected_exploitation:
            recipients.append(inspector)
        urgent = body.immediate_danger or body.minors_suspected
        return [
            Draft(
                recipients,
                forwarded,
                reply_to=envelope,
                priority="emergency" if urgent else "urgent",
                handling=["H2"],
                legal_basis="nrm_sop",
                planted="wrong_route_share" if keep_reporter or stale else None,
            )
        ]

    def old_addresses(self, agency: str) -> tuple[str, ...]:
        """The old addresses of `agency` that a stale contact directory still lists."""
        found = self.scenario.agency(agency)
        return found.retired_ids if found else ()

    def take(self, envelope: Envelope, body: Referral) -> Reaction:
        key = str(envelope.id)
        if self.draw(key, 3) < self.params.decline_share:
            return [
                Draft(
                    [envelope.sender],
                    ReferralResponse(
                        decision="declined",
                        note="No place today.",
                        alternative_suggested=self.first(
                            kind="social_services", country=self.me.country
                        ),
                    ),
                    reply_to=envelope,
                )
            ]
        accepted = []
        for person in body.persons:
            bed = "beds_female" if person.gender == "Feminine" else "beds_male"
            free = self.me.capacity.get(bed, 10) - self.used.get(bed, 0)
            if free > 0:
                self.used[bed] = self.used.get(bed, 0) + 1
                accepted.append(person.person_id)
        drafts: Reaction = []
        by_origin: dict[str, list[Person]] = {}
        for person in body.persons:
            if person.person_id in accepted:
                for country in person.citizenship[:1]:
                    if country != self.me.country:
                        by_origin.setdefault(country, []).append(person)
        for country, people in by_origin.items():
            focal = self.trm_partner(country)
            if focal is None:
                continue
            drafts.append(
                Draft(
                    [focal],
                    TrmReferral(
                        origin_country=country,
                        destination_country=self.me.country,
                        purpose=["reception_services", "long_term_assistance"],
                        persons=people,
                        request="They are safe in our shelter; please prepare reception and reintegration at home, and a risk assessment before any return.",
                    ),
                    reply_to=envelope,
                    language=self.common_language(focal),
                    legal_basis="trm_mou",
                    delay_us=self.work_time(key, 5) + 3 * DAY,
                )
            )
        everyone = len(accepted) == len(body.persons)
        left = (
            sum(self.me.capacity.values()) - sum(self.used.values()) if self.me.capacity else None
        )
        return [
            Draft(
                [envelope.sender],
                ReferralResponse(
                    decision="accepted" if everyone else ("waitlisted" if accepted else "declined"),
                    capacity_remaining=max(0, left) if left is not None else None,
                    accepted_person_ids=[] if everyone else accepted,
                    alternative_suggested=None
                    if everyone
                    else self.first(kind="social_services", country=self.me.country),
                    note=None
                    if everyone
                    else f"{len(accepted)} of {len(body.persons)} can be taken now.",
                ),
                reply_to=envelope,
            ),
            *drafts,
        ]

    def trm_partner(self, country: str) -> str | None:
        """Who takes a TRM referral for `country`: its national focal point or shelter
        where a channel of the scenario reaches them, else an international organisation
        that does (for states outside the TRM working group)."""
        for kind in ("national_coordinator", "ngo_shelter"):
            for partner in self.agencies(kind=kind, country=country):
                if self.reaches(partner, "trm_referral"):
                    return partner
        return next(
            (
                partner
                for partner in self.agencies(kind="international_org")
                if self.reaches(partner, "trm_referral")
            ),
            None,
        )

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        body = refused.body
        if (
            nack.reason == "consent_missing"
            and isinstance(body, Alert)
            and body.reporter is not None
        ):
            stripped = msgspec.structs.replace(body, reporter=None)
            return [
                Draft(
                    [recipient],
                    stripped,
                    case_refs=list(refused.case_refs),
                    priority=refused.priority.level,
                    handling=["H2"],
                )
            ]
        return []


class SocialServices(Playbook):
    """Social services: places, case management, returns through the TRM or IOM."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        key = str(envelope.id)
        if isinstance(body, Referral):
            places = self.me.capacity.get("places", 10)
            take = min(len(body.persons), places)
            return [
                Draft(
                    [envelope.sender],
                    ReferralResponse(
                        decision="accepted" if take else "declined",
                        capacity_remaining=max(0, places - take),
                    ),
                    reply_to=envelope,
                ),
                Draft(
                    [envelope.sender],
                    CaseUpdate(
                        status="Active",
                        comment="Temporary accommodation and social support arranged.",
                    ),
                    reply_to=envelope,
                    delay_us=self.work_time(key, 4) + DAY,
                ),
            ]
        if isinstance(body, CaseUpdate) and "home" in body.comment.lower():
            return self.arrange_return(envelope, body, now_us)
        if isinstance(body, TrmReferral):
            return [
                Draft(
                    [envelope.sender],
                    CaseUpdate(
                        status="Active",
                        comment="Family assessment scheduled; a best-interests assessment comes first.",
                    ),
                    reply_to=envelope,
                )
            ]
        return []

    def arrange_return(self, envelope: Envelope, body: CaseUpdate, now_us: int) -> Reaction:
        """A voluntary return of the update's person: a TRM referral to an IO (by a wrong
        route, to the consulate of the person's nationality) and a travel document asked of
        that consulate. Nothing for nobody named, or for someone the scenario does not know
        or who is at home here."""
        key = str(envelope.id)
        found = self.scenario.person(body.person_id) if body.person_id else None
        if found is None or found.nationality == self.me.country:
            return []
        origin = found.nationality
        organisation = self.first(kind="international_org")
        consulate = self.first(kind="consulate", country=origin)
        drafts: Reaction = []
        wrong = self.wrong_route(key)
        target = consulate if wrong and consulate else organisation
        person = Person(
            person_id=found.id,
            role=cast(PersonRole, found.role),
            consent_ref=None if found.minor else f"con-{found.id}",
            is_minor=found.minor,
        )
        they, their = ("she", "her") if found.sex == "female" else ("he", "his")
        if target is not None:
            if not found.minor:
                drafts.append(
                    Draft(
                        [self.agency, *([organisation] if organisation else [])],
                        consent_for(person, self.at(now_us), self.agency, consulate=True),
                        reply_to=envelope,
                        delay_us=0,
                    )
                )
            drafts.append(
                Draft(
                    [target],
                    TrmReferral(
                        origin_country=origin,
                        destination_country=self.me.country,
                        purpose=["return", "risk_assessment_origin"],
                        persons=[person],
                        request=f"Voluntary return: {they} wants to go home; please assess the risk at origin and arrange reception.",
                    ),
                    reply_to=envelope,
                    language=self.common_language(target),
                    legal_basis="trm_mou",
                    planted="wrong_route_share" if target == consulate and wrong else None,
                )
            )
        if consulate is not None:
            drafts.append(
                Draft(
                    [consulate],
                    InfoRequest(
                        questions=[f"Please confirm {their} identity and issue a travel document."]
                    ),
                    reply_to=envelope,
                    language=self.common_language(consulate),
                    legal_basis="consular",
                )
            )
        return drafts

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        organisation = self.first(kind="international_org")
        if (
            isinstance(refused.body, TrmReferral)
            and organisation is not None
            and recipient != organisation
        ):
            return [
                Draft(
                    [organisation],
                    refused.body,
                    case_refs=list(refused.case_refs),
                    language=self.common_language(organisation),
                    legal_basis="trm_mou",
                )
            ]
        return []


class ChildProtection(Playbook):
    """Guardianship: takes the child, assesses risk, puts best interests before any return."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if isinstance(body, Referral):
            person = body.persons[0]
            found = self.case_file(envelope)
            sources = list(found.threats) if found and found.threats else [EXPLOITERS]
            return [
                Draft(
                    [envelope.sender],
                    ReferralResponse(
                        decision="accepted",
                        note="Temporary guardianship and a place in a family-type centre.",
                    ),
                    reply_to=envelope,
                    priority="emergency",
                ),
                Draft(
                    [envelope.sender],
                    RiskAssessment(
                        person_id=person.person_id,
                        risk_level="high",
                        context="destination",
                        threats=[Threat(source=source, type="retaliation") for source in sources],
                        safety_plan="No contact with the family until its assessment in the country of origin is done.",
                    ),
                    reply_to=envelope,
                ),
            ]
        if isinstance(body, TrmReferral):
            return [
                Draft(
                    [envelope.sender],
                    CaseUpdate(
                        status="FollowUp",
                        comment="A best-interests assessment comes before any return; we share the minimum: the child's own wishes and medical needs.",
                    ),
                    reply_to=envelope,
                    language=self.common_language(envelope.sender),
                )
            ]
        return []
