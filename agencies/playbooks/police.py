"""Police, the victim side: screen, identify, record consent, refer, book interpreters
(the investigation is `investigation.py`).

The unit decides by agency kind and scenario data only: every fact it writes (offence,
facts, suspects, instruments, seized items, threats) comes from the case file
(`[[case]]`) and the persons (`[[person]]`) of the scenario."""

from __future__ import annotations

from datetime import datetime
from typing import Final, cast

import msgspec

from agencies.playbooks.base import Draft
from agencies.playbooks.casework import (
    Case,
    consent_for,
    persons_for,
    shares_language,
)
from agencies.playbooks.investigation import Investigation, Reaction
from protocols import Delivery, Envelope, Person
from protocols.assistance import Referral, ReferralResponse
from protocols.control import Inject
from protocols.fields import Language
from protocols.htcds import MethodOfControl
from protocols.identification import (
    Alert,
    DecisionBasis,
    IdentificationDecision,
    Indicator,
    IndicatorDimension,
    InterpreterUse,
    Screening,
)
from protocols.interpretation import TranslationDelivery, TranslationRequest
from protocols.police import (
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    LabourInspectionReport,
)
from protocols.receipts import Nack
from trafsim_bus.scenario.model import CaseFile
from trafsim_bus.timebase import HOUR

CONTROL_INDICATORS: Final[dict[str, tuple[str, IndicatorDimension]]] = {
    "WithholdsDocuments": ("ilo_ec09.withholding_of_documents", "coercion_at_destination"),
    "DebtBondage": ("ilo_ec09.debt_bondage", "coercion_at_destination"),
    "TakesEarnings": ("ilo_ec09.withholding_of_wages", "coercion_at_destination"),
    "ThreatensChildrenFamily": ("ilo_ec09.threats_against_family", "coercion_at_destination"),
    "PhysicalThreats": ("ilo_ec09.threat_of_violence", "coercion_at_destination"),
    "PhysicalAbuse": ("ilo_ec09.violence_on_victims", "coercion_at_destination"),
    "SexualAbuse": ("ilo_ec09.sexual_violence", "coercion_at_destination"),
    "ThreatsLawEnforcement": (
        "ilo_ec09.threat_of_denunciation_to_authorities",
        "coercion_at_destination",
    ),
    "FalsePromises": ("ilo_ec09.deceived_about_nature_of_job", "deceptive_recruitment"),
    "ExcessiveWorkingHours": ("ilo_ec09.excessive_working_hours", "exploitative_conditions"),
    "WithholdsNecessities": ("ilo_ec09.bad_living_conditions", "exploitative_conditions"),
}
"""The ILO-EC operational indicator a screening records for each HTCDS method of
control the case file names; a file naming none of these gets the first two."""

CONTROL_MEANS: Final[dict[str, str]] = {
    "FalsePromises": "deception",
    "DebtBondage": "debt",
    "WithholdsDocuments": "withheld documents",
    "TakesEarnings": "earnings taken",
    "PhysicalThreats": "threats",
    "ThreatensChildrenFamily": "threats against the family",
    "ThreatsLawEnforcement": "threats of denunciation",
    "PhysicalAbuse": "violence",
    "SexualAbuse": "sexual violence",
    "PsychologicalAbuse": "psychological abuse",
    "PsychoactiveSubstance": "drugs",
    "RestrictsFinancialAccess": "money withheld",
    "RestrictsMedicalCare": "medical care denied",
    "WithholdsNecessities": "necessities withheld",
    "ExcessiveWorkingHours": "excessive hours",
}
"""The Palermo means an identification decision names for each method of control."""

DEFAULT_MEANS: Final = "deception, debt, withheld documents"
"""The means of a case whose file names no method of control."""


class Police(Investigation):
    """Screens, identifies, records consent, refers, investigates, asks abroad."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if envelope.sender == self.agency and not isinstance(body, Alert | Inject):
            return []
        if isinstance(body, Alert | Inject):
            return self.open_case(envelope, body if isinstance(body, Alert) else None, now_us)
        if isinstance(body, LabourInspectionReport):
            kept_out = body.access_obstructed
            return [
                self.ack(
                    envelope,
                    "Joint visit planned with the inspectorate."
                    if kept_out
                    else "The workers will be identified; the inspection's findings join the file.",
                )
            ]
        if isinstance(body, ReferralResponse):
            return self.referral_answered(envelope, body)
        if isinstance(body, TranslationDelivery):
            return self.interpreter_came(envelope, body, now_us)
        if isinstance(body, InfoRequest):
            return self.answer_request(envelope, body)
        if isinstance(body, InfoResponse):
            return self.use_intelligence(envelope, body)
        if isinstance(body, FinIntelResponse):
            return self.follow_the_money(envelope)
        return []

    # -- opening a case ------------------------------------------------------------------

    def open_case(self, envelope: Envelope, alert: Alert | None, now_us: int) -> Reaction:
        """Open the case once: screen, identify, protect, investigate, ask abroad; after a
        inject from the site itself (no alert), hand over what the unit seized, once per case."""
        case = self.case(envelope)
        key = str(envelope.id)
        file = self.case_file(refs=[case.ref])
        drafts: Reaction = []
        if case.first_time("opened"):
            case.persons = self.persons_of(case.ref, file, alert)
            steps = (self.identify, self.protect, self.investigate, self.ask_abroad)
            drafts = [draft for step in steps for draft in step(case, file, key, alert, now_us)]
            drafts.extend(self.trace_money(case, file))
            drafts.extend(self.ask_for_notices(case, file))
        if alert is None and case.first_time("evidence_handed"):
            drafts.extend(self.hand_over_evidence(case, file, key, now_us))
        return drafts

    def persons_of(self, ref: str, file: CaseFile | None, alert: Alert | None) -> list[Person]:
        """The case's persons as screening finds them, controlled as the file says; an
        open-source tip (a screenshot, an advertisement) puts nobody in front of the unit."""
        if alert is not None and alert.alert_source == "osint":
            return []
        persons = persons_for(self.scenario, ref, alert)
        if file is None or not file.control:
            return persons
        control = cast(list[MethodOfControl], list(file.control))
        return [msgspec.structs.replace(p, methods_of_control=control) for p in persons]

    def identify(
        self, case: Case, file: CaseFile | None, key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Screen the people and take presumed-victim decisions."""
        refs = [case.ref]
        drafts: Reaction = []
        interp = self.first(kind="interpretation_service", country=self.me.country)
        for person in case.persons:
            planted = (
                self.decide(key, f"interpreter:{person.person_id}")
                < self.params.no_interpreter_share
            )
            shared = shares_language(person, self.me.languages)
            if shared or interp is None or planted:
                drafts.append(
                    Draft(
                        [self.agency],
                        self.screening(person, file),
                        case_refs=refs,
                        planted="no_interpreter_share" if planted and not shared else None,
                    )
                )
            else:
                language = person.primary_language or self.language
                case.awaiting.setdefault(language, []).append(person)
        decision_to = [
            a
            for a in (
                self.first(kind="prosecutor", country=self.me.country),
                self.first(kind="migration", country=self.me.country),
            )
            if a
        ]
        for person in case.persons:
            drafts.append(
                Draft(
                    decision_to or [self.agency],
                    IdentificationDecision(
                        person_id=person.person_id,
                        trafficking_status="PossibleVictimOfTrafficking",
                        trafficking_status_decision_making_org="Police",
                        stage="presumed",
                        basis=DecisionBasis(
                            act="recruitment and harbouring",
                            means=None if person.is_minor else means_of(file),
                            purpose="exploitation",
                        ),
                        is_child=person.is_minor,
                        non_punishment_applied=True,
                    ),
                    case_refs=refs,
                )
            )
        return drafts

    def protect(
        self, case: Case, file: CaseFile | None, key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Record consent, refer to the shelter and child protection, book interpreters."""
        refs = [case.ref]
        drafts: Reaction = []
        shelter = self.first(kind="ngo_shelter", country=self.me.country)
        skip_consent = self.wrong_route(key, 2)
        if skip_consent:
            case.done.add("consent_skipped")
        if shelter is not None and not skip_consent:
            for person in case.adults():
                consulate = self.decide(key, f"consulate-consent:{person.person_id}") < 0.5
                if consulate:
                    case.consulate_ok.add(person.person_id)
                drafts.append(
                    Draft(
                        [self.agency, shelter],
                        consent_for(person, self.at(now_us), self.agency, consulate=consulate),
                        case_refs=refs,
                        delay_us=0,
                    )
                )
        if shelter is not None and case.persons:
            urgent = bool(alert and (alert.immediate_danger or alert.minors_suspected))
            drafts.append(
                Draft(
                    [shelter],
                    self.referral(case, file, [shelter]),
                    case_refs=refs,
                    priority="emergency" if urgent else "urgent",
                    legal_basis="nrm_sop",
                    planted="wrong_route_share" if skip_consent else None,
                )
            )
        child = self.first(kind="child_protection", country=self.me.country)
        minors = [p for p in case.persons if p.is_minor]
        if child is not None and minors:
            threats = list(file.threats) if file else []
            drafts.append(
                Draft(
                    [child],
                    Referral(
                        referring_organisation=self.agency,
                        referred_organisation=[child],
                        reason_for_outgoing_referral="AdditionalServicesRequired",
                        services_requested=["child_protection", "shelter"],
                        persons=minors,
                        risk_flags=[f"a child; at risk from {threat}" for threat in threats]
                        or ["a child; the exploiters may look for the child"],
                    ),
                    case_refs=refs,
                    priority="emergency",
                    legal_basis="nrm_sop",
                )
            )
        interp = self.first(kind="interpretation_service", country=self.me.country)
        languages: list[Language] = sorted(
            {
                p.primary_language
                for p in case.persons
                if p.primary_language and p.primary_language not in self.me.languages
            }
            | case.awaiting.keys()
        )
        if interp is not None:
            for language in languages:
                drafts.append(
                    Draft(
                        [interp],
                        TranslationRequest(
                            from_language=language,
                            to_language=self.language,
                            purpose="investigative_interview",
                            persons_count=max(
                                1, sum(p.primary_language == language for p in case.persons)
                            ),
                            provider_type="official",
                        ),
                        case_refs=refs,
                        priority="urgent",
                    )
                )
        return drafts

    def screening(
        self,
        person: Person,
        file: CaseFile | None,
        interpreter: InterpreterUse | None = None,
        at: datetime | None = None,
    ) -> Screening:
        """An indicator screening of a person: an indicator per method of control the case
        file names; the scenario's statement is the first indicator's note."""
        found = self.scenario.person(person.person_id)
        said = found.statement if found else ""
        control = file.control if file else ()
        chosen = [CONTROL_INDICATORS[c] for c in control if c in CONTROL_INDICATORS]
        chosen = chosen or list(CONTROL_INDICATORS.values())[:2]
        return Screening(
            person_id=person.person_id,
            instrument="ilo_ec_2009_child_sexual"
            if person.is_minor
            else "ilo_ec_2009_adult_labour",
            indicators=[
                Indicator(
                    id=indicator,
                    dimension=dimension,
                    strength="strong",
                    present=True,
                    note=(said or None) if n == 0 else None,
                )
                for n, (indicator, dimension) in enumerate(chosen)
            ],
            result="likely",
            interpreter_used=interpreter,
            screened_at=at,
        )

    def interpreter_came(
        self, envelope: Envelope, body: TranslationDelivery, now_us: int
    ) -> Reaction:
        """Screen the persons who waited for this interpreter, once the interpreter is there
        (SOP: no interview without a shared language)."""
        case = self.held_case(envelope)
        if case is None or body.outcome == "unavailable":
            return []
        file = self.case_file(refs=[case.ref])
        waiting = case.awaiting.pop(body.from_language, [])
        at = max(body.available_from or self.at(now_us), self.at(now_us))
        wait_us = int((at - self.at(now_us)).total_seconds() * 1_000_000)
        used = InterpreterUse(language=body.from_language, provider_type=body.provider_type)
        return [
            Draft(
                [self.agency],
                self.screening(person, file, used, at),
                case_refs=[case.ref],
                delay_us=wait_us,
            )
            for person in waiting
        ]

    # -- investigating -------------------------------------------------------------------

    def referral(self, case: Case, file: CaseFile | None, to: list[str]) -> Referral:
        """The case's persons referred for shelter and care; the file's threats flagged."""
        threats = list(file.threats) if file else []
        return Referral(
            referring_organisation=self.agency,
            referred_organisation=to,
            reason_for_outgoing_referral="AdditionalServicesRequired",
            services_requested=["shelter", "medical", "psychosocial", "interpretation"],
            risk_flags=[f"{threat} may look for them" for threat in threats]
            or ["the exploiters may look for them"],
            persons=case.persons,
        )

    # -- answers and refusals ------------------------------------------------------------

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        body = refused.body
        if nack.reason == "consent_missing" and isinstance(body, Referral):
            drafts = [
                Draft(
                    [self.agency, recipient],
                    consent_for(p, self.at(now_us), self.agency, consulate=False),
                    case_refs=list(refused.case_refs),
                    delay_us=0,
                )
                for p in body.persons
                if not p.is_minor
            ]
            drafts.append(
                Draft(
                    [recipient],
                    body,
                    case_refs=list(refused.case_refs),
                    priority=refused.priority.level,
                    legal_basis=refused.legal_basis,
                    delay_us=HOUR,
                )
            )
            return drafts
        if nack.reason == "consent_missing" and isinstance(body, InfoResponse):
            case = self.held_case(refused)
            agency = self.scenario.agency(recipient)
            kept = case.consented(agency.country) if case and agency else []
            return [
                Draft(
                    [recipient],
                    InfoResponse(
                        findings=[
                            *body.findings,
                            "Only data the persons consented to share is given.",
                        ],
                        persons=kept,
                    ),
                    case_refs=list(refused.case_refs),
                    language=refused.language,
                    handling=["H2"],
                    evaluation=("A", 1),
                    legal_basis=refused.legal_basis,
                )
            ]
        return []

    def referral_answered(self, envelope: Envelope, body: ReferralResponse) -> Reaction:
        case = self.held_case(envelope)
        if case is None or (body.decision == "accepted" and not body.accepted_person_ids):
            return []
        rest = [p for p in case.persons if p.person_id not in body.accepted_person_ids]
        if not rest or not case.first_time("second_referral"):
            return []
        target = body.alternative_suggested or self.first(
            kind="social_services", country=self.me.country
        )
        if target is None:
            return []
        return [
            Draft(
                [target],
                Referral(
                    referring_organisation=self.agency,
                    referred_organisation=[target],
                    reason_for_outgoing_referral="AdditionalServicesRequired",
                    services_requested=["shelter", "social_care"],
                    persons=rest,
                    risk_flags=["the shelter had no place for them"],
                ),
                case_refs=[case.ref],
                priority="urgent",
                legal_basis="nrm_sop",
                # Still without the consent the first referral skipped (a planted error).
                planted="wrong_route_share" if "consent_skipped" in case.done else None,
            )
        ]


def means_of(file: CaseFile | None) -> str:
    """The Palermo means of a case, as its file's methods of control name them."""
    named = [CONTROL_MEANS[c] for c in (file.control if file else ()) if c in CONTROL_MEANS]
    return ", ".join(named) or DEFAULT_MEANS
