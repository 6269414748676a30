"""Police: screen, identify, protect, investigate, and ask abroad."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.casework import (
    Case,
    case_ref_of,
    consent_for,
    persons_for,
    shares_language,
)
from protocols import Delivery, Envelope, Person, Subject
from protocols.assistance import Referral, ReferralResponse
from protocols.control import Inject
from protocols.fields import Language
from protocols.identification import (
    Alert,
    DecisionBasis,
    IdentificationDecision,
    Indicator,
    InterpreterUse,
    Screening,
)
from protocols.interpretation import TranslationDelivery, TranslationRequest
from protocols.judicial import (
    CustodyTransfer,
    EvidenceTransfer,
    MlaRequest,
    ProceduralDocument,
)
from protocols.police import (
    FinancialInstrument,
    FinIntelRequest,
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    LabourInspectionReport,
)
from protocols.receipts import Ack, Nack
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, Scenario
from trafsim_bus.timebase import HOUR

Reaction = list[Draft | Wake]


class Police(Playbook):
    """Screens, identifies, records consent, refers, investigates, asks abroad."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.cases: dict[str, Case] = {}

    def case(self, envelope: Envelope) -> Case:
        ref = case_ref_of(envelope, self.new_case_ref(len(self.cases) + 1))
        return self.cases.setdefault(ref, Case(ref))

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if envelope.sender == self.agency and not isinstance(body, Alert | Inject):
            return []
        if isinstance(body, Alert | Inject):
            return self.open_case(envelope, body if isinstance(body, Alert) else None, now_us)
        if isinstance(body, LabourInspectionReport):
            return [
                Draft(
                    [envelope.sender],
                    Ack(
                        ack_of=envelope.id,
                        status="accepted",
                        note="Joint visit planned with the inspectorate.",
                    ),
                    reply_to=envelope,
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
            fiu = self.first(kind="fiu", country=self.me.country)
            if fiu is None:
                return []
            return [
                Draft(
                    [fiu],
                    FinIntelRequest(
                        instruments=[
                            FinancialInstrument(
                                kind="bank_card", identifier="4400-XXXX-7781", country="KG"
                            ),
                            FinancialInstrument(
                                kind="bank_card", identifier="8600-XXXX-1207", country="UZ"
                            ),
                        ],
                        counterparties=[
                            Subject(kind="person", value="holder of the Osh card", country="KG")
                        ],
                        freeze_requested=True,
                        grounds="The same cards receive the families' transfers and the sauna's earnings: ask KG and UZ.",
                    ),
                    reply_to=envelope,
                    handling=["H0"],
                )
            ]
        return []

    def open_case(self, envelope: Envelope, alert: Alert | None, now_us: int) -> Reaction:
        case = self.case(envelope)
        if not case.first_time("opened"):
            return []
        key = str(envelope.id)
        case.persons = persons_for(self.scenario, case.ref, alert)
        refs = [case.ref]
        steps = (self.identify, self.protect, self.investigate, self.ask_abroad)
        return [draft for step in steps for draft in step(case, refs, key, alert, now_us)]

    def identify(
        self, case: Case, refs: list[str], key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Screen the people and take presumed-victim decisions."""
        drafts: Reaction = []
        interp = self.first(kind="interpretation_service", country=self.me.country)
        for n, person in enumerate(case.persons):
            planted = self.draw(key, 40 + n) < self.params.no_interpreter_share
            if shares_language(person, self.me.languages) or interp is None or planted:
                drafts.append(Draft([self.agency], self.screening(person), case_refs=refs))
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
                            means=None
                            if person.is_minor
                            else "deception, debt, withheld documents",
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
        self, case: Case, refs: list[str], key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Record consent, refer to the shelter and child protection, book interpreters."""
        drafts: Reaction = []
        shelter = self.first(kind="ngo_shelter", country=self.me.country)
        skip_consent = self.wrong_route(key, 2)
        if shelter is not None and not skip_consent:
            for n, person in enumerate(case.adults()):
                consulate = self.draw(key, 30 + n) < 0.5
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
                    self.referral(case, [shelter]),
                    case_refs=refs,
                    priority="emergency" if urgent else "urgent",
                    legal_basis="nrm_sop",
                )
            )
        child = self.first(kind="child_protection", country=self.me.country)
        minors = [p for p in case.persons if p.is_minor]
        if child is not None and minors:
            drafts.append(
                Draft(
                    [child],
                    Referral(
                        referring_organisation=self.agency,
                        referred_organisation=[child],
                        reason_for_outgoing_referral="AdditionalServicesRequired",
                        services_requested=["child_protection", "shelter"],
                        persons=minors,
                        risk_flags=["a child; the exploiters know where she was held"],
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
        self, person: Person, interpreter: InterpreterUse | None = None, at: datetime | None = None
    ) -> Screening:
        """An indicator screening of a person; the scenario's statement is its first note."""
        said = next((p.statement for p in self.scenario.persons if p.id == person.person_id), "")
        return Screening(
            person_id=person.person_id,
            instrument="ilo_ec_2009_child_sexual"
            if person.is_minor
            else "ilo_ec_2009_adult_labour",
            indicators=[
                Indicator(
                    id="ilo_ec09.withholding_of_documents",
                    dimension="coercion_at_destination",
                    strength="strong",
                    present=True,
                    note=said or None,
                ),
                Indicator(
                    id="ilo_ec09.debt_bondage",
                    dimension="coercion_at_destination",
                    strength="strong",
                    present=True,
                ),
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
        case = self.cases.get(envelope.case_refs[0]) if envelope.case_refs else None
        if case is None or body.outcome == "unavailable":
            return []
        waiting = case.awaiting.pop(body.from_language, [])
        at = max(body.available_from or self.at(now_us), self.at(now_us))
        wait_us = int((at - self.at(now_us)).total_seconds() * 1_000_000)
        used = InterpreterUse(language=body.from_language, provider_type=body.provider_type)
        return [
            Draft(
                [self.agency],
                self.screening(person, used, at),
                case_refs=[case.ref],
                delay_us=wait_us,
            )
            for person in waiting
        ]

    def investigate(
        self, case: Case, refs: list[str], key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Open the criminal case with the prosecutor and hand over what was seized."""
        drafts: Reaction = []
        prosecutor = self.first(kind="prosecutor", country=self.me.country)
        if prosecutor is not None:
            drafts.append(
                Draft(
                    [prosecutor],
                    ProceduralDocument(
                        doc_type="decision_open_criminal_case",
                        author=f"investigator, {self.agency}",
                        case_number=case.ref,
                        title=f"Pre-trial investigation opened, case {case.ref}",
                        summary="Trafficking in persons (KZ CC 128): recruitment by deception, documents withheld, debts.",
                        document_language=self.language,
                        person_ids=[p.person_id for p in case.persons],
                    ),
                    case_refs=refs,
                    evidentiary_status="evidence",
                    legal_basis="domestic_cpc",
                )
            )
            if alert is None:
                drafts.append(
                    Draft(
                        [prosecutor],
                        EvidenceTransfer(
                            evidence_item_id=f"{case.ref.lower()}-phone-1",
                            description="Supervisor's phone, seized at the site",
                            seized_by=self.agency,
                            seized_at=self.at(now_us),
                            seized_where="the compound near Astana",
                            attesting_witnesses=["attesting witness 1", "attesting witness 2"],
                            seal_no="KZ-AT-000417",
                            sha256="9f2c4e1a0b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e",
                            write_blocked=True,
                            custody=[
                                CustodyTransfer(
                                    from_agency=self.agency,
                                    to_agency=prosecutor,
                                    at=self.at(now_us),
                                    purpose="forensic examination",
                                    signature="duty prosecutor",
                                )
                            ],
                        ),
                        case_refs=refs,
                        evidentiary_status="evidence",
                        legal_basis="domestic_cpc",
                    )
                )
        return drafts

    def ask_abroad(
        self, case: Case, refs: list[str], key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Asylum screening, consulates, INTERPOL and the foreign police."""
        drafts: Reaction = []
        unhcr = [
            a
            for a in self.agencies(kind="international_org")
            if "prs" in self.scenario.agencies[a].languages
        ]
        asylum = [p for p in case.persons if "AF" in p.citizenship]
        if unhcr and asylum:
            drafts.append(
                Draft(
                    [unhcr[0]],
                    Referral(
                        referring_organisation=self.agency,
                        referred_organisation=[unhcr[0]],
                        reason_for_outgoing_referral="MigrationOrChangeOfLocation",
                        services_requested=["legal", "interpretation", "psychosocial"],
                        persons=asylum,
                        risk_flags=[
                            "may need international protection; no removal before screening"
                        ],
                    ),
                    case_refs=refs,
                    priority="urgent",
                    legal_basis="nrm_sop",
                )
            )
        origin = [
            c
            for c in dict.fromkeys(c for p in case.persons for c in p.citizenship)
            if c != self.me.country
        ]
        for country in origin:
            consulate_id = self.first(kind="consulate", country=country)
            nationals = [p for p in case.adults() if country in p.citizenship]
            if consulate_id is None or not nationals:
                continue
            shared = (
                nationals
                if self.wrong_route(key, 50)
                else [p for p in nationals if p.person_id in case.consulate_ok]
            )
            if not shared:
                continue
            drafts.append(
                Draft(
                    [consulate_id],
                    InfoRequest(
                        persons=shared,
                        questions=[
                            "Please verify the identity and nationality of these persons.",
                            "Can certificates of return be issued if they wish to go home?",
                        ],
                    ),
                    case_refs=refs,
                    legal_basis="consular",
                    handling=["H2"],
                )
            )
        ncb = self.first(kind="ncb", country=self.me.country)
        if ncb is not None and origin:
            drafts.append(
                Draft(
                    [ncb],
                    InfoRequest(
                        subjects=[
                            Subject(
                                kind="person",
                                value="the recruiter named by the victims",
                                role_in_process="RecruiterOrIntermediary",
                            )
                        ],
                        questions=[
                            "Please circulate through INTERPOL: is the recruiter known abroad?"
                        ],
                        offence="KZ CC 128",
                    ),
                    case_refs=refs,
                    handling=["H0"],
                )
            )
        for country in origin[:2]:
            police = self.first(kind="police", country=country)
            if police is None:
                continue
            case.foreign.append(country)
            wrong = self.wrong_route(key, 40 + len(case.foreign))
            drafts.append(
                Draft(
                    [police],
                    InfoRequest(
                        subjects=[
                            Subject(
                                kind="phone",
                                value="+996555123456",
                                country="KG",
                                role_in_process="RecruiterOrIntermediary",
                            )
                        ],
                        questions=["Who holds this number?", "Is the recruiter known to you?"],
                        offence="KZ CC 128",
                    ),
                    case_refs=refs,
                    channel="interpol" if wrong else None,
                    language="rus",
                    legal_basis="cis_mvd_tip_2010",
                    handling=["H0"],
                )
            )
        return drafts

    def referral(self, case: Case, to: list[str]) -> Referral:
        return Referral(
            referring_organisation=self.agency,
            referred_organisation=to,
            reason_for_outgoing_referral="AdditionalServicesRequired",
            services_requested=["shelter", "medical", "psychosocial", "interpretation"],
            risk_flags=["the supervisors may look for them"],
            persons=case.persons,
        )

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
            kept = [p for p in body.persons if p.is_minor]
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
                    handling=["H2"],
                    evaluation=("A", 1),
                )
            ]
        return []

    def referral_answered(self, envelope: Envelope, body: ReferralResponse) -> Reaction:
        case = self.cases.get(envelope.case_refs[0]) if envelope.case_refs else None
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
            )
        ]

    def answer_request(self, envelope: Envelope, body: InfoRequest) -> Reaction:
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if sender.kind == "consulate":
            case = self.cases.get(envelope.case_refs[0]) if envelope.case_refs else None
            persons = case.adults() if case else []
            return [
                Draft(
                    [envelope.sender],
                    InfoResponse(
                        findings=[
                            "Nationals identified as presumed victims are assisted; their details follow where they consented."
                        ],
                        persons=persons,
                    ),
                    reply_to=envelope,
                    handling=["H2"],
                    evaluation=("A", 1),
                    legal_basis="consular",
                )
            ]
        drafts: Reaction = [
            Draft(
                [envelope.sender],
                InfoResponse(
                    findings=[
                        f"{question} — checked against our records; see the attached summary."
                        for question in body.questions[:3]
                    ],
                    subjects=body.subjects,
                ),
                reply_to=envelope,
                language="rus",
                handling=["H1"],
                evaluation=("B", 2),
                evidentiary_status="intelligence",
                legal_basis="cis_mvd_tip_2010",
            )
        ]
        agency = self.first(kind="labour_migration_agency", country=self.me.country)
        foreign = sender.country != self.me.country
        if agency is not None and foreign and self.case(envelope).first_time("licences_checked"):
            drafts.append(
                Draft(
                    [agency],
                    InfoRequest(
                        questions=[
                            "Is the recruiting agent licensed to place workers abroad?",
                            "Which firms placed workers in Kazakhstan this year?",
                        ],
                        subjects=list(body.subjects),
                    ),
                    reply_to=envelope,
                    handling=["H0"],
                )
            )
        return drafts

    def use_intelligence(self, envelope: Envelope, body: InfoResponse) -> Reaction:
        key = str(envelope.id)
        drafts: Reaction = []
        case = self.cases.get(envelope.case_refs[0]) if envelope.case_refs else None
        if case is None or not case.first_time("intelligence_used"):
            return []
        restricted = envelope.handling is not None and "H2" in envelope.handling.codes
        if restricted and self.wrong_route(key, 2):
            others = [
                a
                for a in self.agencies(kind="police")
                if self.country_of(a) not in (self.me.country, self.country_of(envelope.sender))
            ]
            if others:
                drafts.append(
                    Draft(
                        [others[0]],
                        InfoResponse(findings=list(body.findings), subjects=list(body.subjects)),
                        derived_from=[envelope.id],
                        handling=["H1"],
                        evaluation=("B", 2),
                        language="rus",
                    )
                )
        prosecutor = self.first(kind="prosecutor", country=self.me.country)
        foreign = self.scenario.agency(envelope.sender)
        requested = self.first(kind="prosecutor", country=foreign.country) if foreign else None
        if prosecutor is None or requested is None:
            return drafts
        mla = MlaRequest(
            requesting_authority=prosecutor,
            requested_authority=requested,
            treaty="minsk_1993",
            case_number=envelope.case_refs[0]
            if envelope.case_refs
            else f"{self.agency.upper()}-2026-0001",
            facts_summary="Workers recruited through Telegram by an agent abroad; passports withheld, wages unpaid, the compound locked.",
            legal_qualification=["KZ CC 128(3)"],
            actions_requested=["interrogate_witness", "obtain_records"],
            questions=["Who placed the advertisement?", "Who received the payments?"],
            suspects=list(body.subjects),
            procedural_rights_notice=True,
        )
        wrong = self.wrong_route(key, 3)
        drafts.append(
            Draft(
                [requested if wrong else prosecutor],
                mla,
                case_refs=list(envelope.case_refs),
                derived_from=[] if restricted else [envelope.id],
                legal_basis="minsk_1993",
                evidentiary_status="evidence",
            )
        )
        return drafts
