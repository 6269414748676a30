"""Law enforcement and justice: police, prosecutors, the NCB, FIUs, migration, inspectors."""

from __future__ import annotations

from datetime import timedelta
from typing import cast
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from agencies.playbooks.casework import Case, case_ref_of, consent_for, people_for
from protocols import Delivery, Envelope, Subject
from protocols.assistance import Referral, ReferralResponse, ReflectionPeriod
from protocols.control import Inject
from protocols.fields import Language
from protocols.identification import (
    Alert,
    DecisionBasis,
    IdentificationDecision,
    Indicator,
    Screening,
)
from protocols.interpretation import TranslationRequest
from protocols.judicial import (
    CompensationClaim,
    CustodyTransfer,
    DocumentType,
    EvidenceTransfer,
    JitDecision,
    JitProposal,
    MlaExecutionReport,
    MlaRequest,
    ProceduralDocument,
    TranslationNote,
)
from protocols.police import (
    Diffusion,
    FinancialInstrument,
    FinIntelRequest,
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    LabourInspectionReport,
)
from protocols.receipts import Ack, Nack
from trafsim_bus.participants import Wake
from trafsim_bus.scenario.model import Agency, Scenario
from trafsim_bus.timebase import DAY, HOUR

Reaction = list[Draft | Wake]


class Police(Playbook):
    """Screens, identifies, records consent, refers, investigates, asks abroad."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.cases: dict[str, Case] = {}

    def case(self, envelope: Envelope) -> Case:
        ref = case_ref_of(envelope, self.agency, len(self.cases) + 1)
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
        case.persons = people_for(case.ref, alert, [self.draw(key, 20 + i) for i in range(4)])
        refs = [case.ref]
        steps = (self.identify, self.protect, self.investigate, self.ask_abroad)
        return [draft for step in steps for draft in step(case, refs, key, alert, now_us)]

    def identify(
        self, case: Case, refs: list[str], key: str, alert: Alert | None, now_us: int
    ) -> Reaction:
        """Screen the people and take presumed-victim decisions."""
        drafts: Reaction = []
        for person in case.persons[:2]:
            drafts.append(
                Draft(
                    [self.agency],
                    Screening(
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
                            ),
                            Indicator(
                                id="ilo_ec09.debt_bondage",
                                dimension="coercion_at_destination",
                                strength="strong",
                                present=True,
                            ),
                        ],
                        result="likely",
                    ),
                    case_refs=refs,
                )
            )
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
        if shelter is not None:
            if not skip_consent:
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
        languages = sorted(
            {
                p.primary_language
                for p in case.persons
                if p.primary_language and p.primary_language not in self.me.languages
            }
        )
        if interp is not None:
            for language in languages[:2]:
                drafts.append(
                    Draft(
                        [interp],
                        TranslationRequest(
                            from_language=language,
                            to_language=self.language,
                            purpose="investigative_interview",
                            persons_count=len(case.persons),
                            provider_type="official",
                        ),
                        case_refs=refs,
                        priority="urgent",
                    )
                )
        return drafts

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


class Prosecutor(Playbook):
    """Supervises, sends MLA through the central channel, executes foreign requests."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.requests: dict[str, Envelope] = {}
        self.cases: set[str] = set()

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        domestic = sender is not None and sender.country == self.me.country
        if isinstance(body, MlaRequest):
            if domestic:
                return self.forward_mla(envelope, body)
            return self.execute(envelope, body)
        if (
            isinstance(body, ProceduralDocument)
            and domestic
            and body.doc_type == "decision_open_criminal_case"
        ):
            return self.start_mla(envelope, body)
        if isinstance(body, ProceduralDocument) and body.doc_type == "motion":
            return [
                self.document(
                    envelope,
                    envelope.sender,
                    "motion",
                    body.case_number,
                    "Answer to the motion to exclude",
                    "The seizure protocol, the seal, the attesting witnesses and the hash at seizure are attached.",
                )
            ]
        if isinstance(body, EvidenceTransfer):
            return [
                Draft(
                    [envelope.sender],
                    Ack(
                        ack_of=envelope.id,
                        status="accepted",
                        note="Item received under seal; hash verified.",
                    ),
                    reply_to=envelope,
                )
            ]
        if isinstance(body, JitProposal):
            approve = self.draw(str(envelope.id), 3) >= self.params.decline_share
            return [
                Draft(
                    [envelope.sender],
                    JitDecision(
                        decision="approved" if approve else "declined",
                        duration_days=body.duration_days if approve else None,
                        reasons=None
                        if approve
                        else "The requested state's investigation is not yet opened.",
                        leader=body.leader if approve else None,
                    ),
                    reply_to=envelope,
                    legal_basis="cis_jit_2015",
                )
            ]
        if isinstance(body, MlaExecutionReport):
            police = self.first(kind="police", country=self.me.country)
            if police is None:
                return []
            return [
                self.document(
                    envelope,
                    police,
                    "indictment",
                    body.case_number,
                    "Draft indictment",
                    "Statements received through MLA; victims' testimony recorded once.",
                )
            ]
        if isinstance(body, CompensationClaim):
            fiu = self.first(kind="fiu", country=self.me.country)
            drafts: Reaction = [
                Draft(
                    [envelope.sender],
                    Ack(
                        ack_of=envelope.id,
                        status="accepted",
                        note="Civil claim joined to the criminal case.",
                    ),
                    reply_to=envelope,
                )
            ]
            if fiu is not None and body.freeze_requested:
                drafts.append(
                    Draft(
                        [fiu],
                        FinIntelRequest(
                            instruments=[
                                FinancialInstrument(
                                    kind="bank_card", identifier="4400-XXXX-7781", country="KG"
                                )
                            ],
                            freeze_requested=True,
                            grounds="Secure the victims' compensation: freeze the cards.",
                        ),
                        reply_to=envelope,
                        handling=["H0"],
                    )
                )
            return drafts
        return []

    def document(
        self,
        envelope: Envelope,
        to: str,
        doc_type: DocumentType,
        case: str,
        title: str,
        summary: str,
    ) -> Draft:
        """A procedural document signed by this prosecutor, in answer to `envelope`."""
        return Draft(
            [to],
            ProceduralDocument(
                doc_type=doc_type,
                author=f"prosecutor, {self.agency}",
                case_number=case,
                title=title,
                summary=summary,
                document_language=self.language,
            ),
            reply_to=envelope,
            legal_basis="domestic_cpc",
            evidentiary_status="evidence",
        )

    def start_mla(self, envelope: Envelope, body: ProceduralDocument) -> Reaction:
        if body.case_number in self.cases:
            return []
        self.cases.add(body.case_number)
        foreign = [
            a for a in self.agencies(kind="prosecutor") if self.country_of(a) != self.me.country
        ]
        if not foreign:
            return []
        requested = foreign[int(self.draw(str(envelope.id), 4) * len(foreign))]
        return [
            self.mla_draft(
                envelope,
                requested,
                body.case_number,
                certified=self.draw(str(envelope.id), 5) > 0.4,
            )
        ]

    def mla_draft(
        self, envelope: Envelope, requested: str, case_number: str, *, certified: bool
    ) -> Draft:
        language = self.scenario.agencies[requested].languages[0]
        mla = MlaRequest(
            requesting_authority=self.agency,
            requested_authority=requested,
            treaty="minsk_1993",
            case_number=case_number,
            facts_summary="Nationals of the requested state were recruited for work by an agent there; documents withheld, wages unpaid.",
            legal_qualification=["KZ CC 128(3)"] if certified else ["trafficking"],
            actions_requested=["interrogate_witness", "obtain_records"],
            questions=["When and how were you recruited?", "Who paid for the travel?"]
            if certified
            else [],
            procedural_rights_notice=certified,
            translation=TranslationNote(language=cast(Language, language), certified=certified),
        )
        return Draft(
            [requested],
            mla,
            reply_to=envelope,
            case_refs=[case_number],
            legal_basis="minsk_1993",
            evidentiary_status="evidence",
            requires_ack=True,
        )

    def forward_mla(self, envelope: Envelope, body: MlaRequest) -> Reaction:
        if body.case_number in self.cases or body.requested_authority == self.agency:
            return []
        self.cases.add(body.case_number)
        return [
            self.mla_draft(envelope, body.requested_authority, body.case_number, certified=True)
        ]

    def execute(self, envelope: Envelope, body: MlaRequest) -> Reaction:
        key = str(envelope.id)
        complete = (
            body.translation is not None and body.translation.certified and bool(body.questions)
        )
        if (not complete and self.draw(key, 3) < self.params.incomplete_share * 2) or self.draw(
            key, 4
        ) < self.params.incomplete_share:
            return [
                Draft(
                    [envelope.sender],
                    Nack(
                        ack_of=envelope.id,
                        reason="incomplete",
                        detail="no certified translation, the legal qualification is vague, no list of questions",
                    ),
                    reply_to=envelope,
                )
            ]
        self.requests[key] = envelope
        execution = (
            self.params.execution.sample(self.draw(key, 5)) if self.params.execution else 30 * DAY
        )
        return [
            Draft(
                [envelope.sender],
                Ack(
                    ack_of=envelope.id, status="accepted", note="Registered and sent for execution."
                ),
                reply_to=envelope,
                delay_us=self.work_time(key),
            ),
            Wake(f"execute:{key}", execution),
        ]

    def wake(self, token: str, now_us: int) -> list[Draft]:
        kind, _, key = token.partition(":")
        request = self.requests.pop(key, None) if kind == "execute" else None
        if request is None or not isinstance(request.body, MlaRequest):
            return []
        body = request.body
        return [
            Draft(
                [request.sender],
                MlaExecutionReport(
                    case_number=body.case_number,
                    executed_actions=list(body.actions_requested),
                    partial=False,
                    summary="Witnesses questioned; the recruiter's licence records obtained. Protocols attached.",
                ),
                reply_to=request,
                legal_basis="minsk_1993",
                evidentiary_status="evidence",
                delay_us=0,
            )
        ]

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        body = refused.body
        if nack.reason == "incomplete" and isinstance(body, MlaRequest):
            return [self.mla_draft(refused, recipient, body.case_number, certified=True)]
        return []


class NationalCentralBureau(Playbook):
    """INTERPOL NCB: passes police requests abroad and answers back."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if isinstance(body, InfoRequest) and sender.country == self.me.country:
            foreign = [
                a for a in self.agencies(kind="police") if self.country_of(a) != self.me.country
            ]
            target = (
                foreign[int(self.draw(str(envelope.id), 3) * len(foreign))] if foreign else None
            )
            if target is None:
                return []
            return [
                Draft(
                    [target],
                    body,
                    reply_to=envelope,
                    derived_from=[envelope.id],
                    language="rus",
                    legal_basis="interpol_rpd",
                    handling=["H0"],
                ),
                Draft(
                    [target],
                    Diffusion(
                        purpose="information",
                        subject=body.subjects[0]
                        if body.subjects
                        else Subject(kind="person", value="the recruiter"),
                        text="Request for information on a suspected recruiter.",
                    ),
                    case_refs=list(envelope.case_refs),
                    language="eng",
                    legal_basis="interpol_rpd",
                ),
            ]
        if isinstance(body, InfoResponse) and sender.country != self.me.country:
            police = self.first(kind="police", country=self.me.country)
            if police is None:
                return []
            return [
                Draft(
                    [police],
                    body,
                    reply_to=envelope,
                    derived_from=[envelope.id],
                    handling=["H1"],
                    evaluation=(envelope.evaluation.source, envelope.evaluation.information)
                    if envelope.evaluation
                    else ("B", 2),
                )
            ]
        return []


class FinancialIntelligenceUnit(Playbook):
    """Traces money at home and asks its foreign counterparts."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        if sender is None:
            return []
        if isinstance(body, FinIntelRequest):
            drafts: Reaction = [
                Draft(
                    [envelope.sender],
                    FinIntelResponse(
                        findings=[
                            "Transfers to the named instruments traced; counterparties listed in the annex."
                        ],
                        freeze_status="requested" if body.freeze_requested else "not_requested",
                    ),
                    reply_to=envelope,
                    handling=["H1"],
                    evidentiary_status="intelligence",
                )
            ]
            if sender.country == self.me.country:
                abroad = sorted(
                    {
                        i.country
                        for i in body.instruments
                        if i.country and i.country != self.me.country
                    }
                )
                for country in abroad:
                    fiu = self.first(kind="fiu", country=country)
                    if fiu is not None:
                        drafts.append(
                            Draft(
                                [fiu],
                                FinIntelRequest(
                                    instruments=[
                                        i for i in body.instruments if i.country == country
                                    ],
                                    freeze_requested=body.freeze_requested,
                                    grounds=body.grounds,
                                ),
                                reply_to=envelope,
                                handling=["H0"],
                                language="rus",
                            )
                        )
            return drafts
        if isinstance(body, FinIntelResponse) and sender.country != self.me.country:
            police = self.first(kind="police", country=self.me.country)
            if police is None:
                return []
            return [
                Draft(
                    [police], body, reply_to=envelope, derived_from=[envelope.id], handling=["H1"]
                )
            ]
        return []


class Migration(Playbook):
    """Grants reflection periods and non-removal to presumed victims."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if (
            not isinstance(body, IdentificationDecision)
            or body.trafficking_status == "NotAVictimOfTrafficking"
        ):
            return []
        start = self.at(now_us).date()
        return [
            Draft(
                [envelope.sender],
                ReflectionPeriod(
                    person_id=body.person_id,
                    start=start,
                    end=start + timedelta(days=30),
                    non_removal=True,
                ),
                reply_to=envelope,
                legal_basis="nrm_sop",
            )
        ]


class LabourInspection(Playbook):
    """Inspects the site a tip names and reports to the police."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        if not isinstance(body, Alert):
            return []
        key = str(envelope.id)
        wrong = self.wrong_route(key)
        target = self.first(kind="prosecutor" if wrong else "police", country=self.me.country)
        if target is None:
            return []
        return [
            Draft(
                [target],
                LabourInspectionReport(
                    site=body.location or "the site named in the alert",
                    isic_section="F",
                    inspected_at=self.at(now_us),
                    access_obstructed=True,
                    workers_count=body.est_persons,
                    foreign_workers=body.est_persons,
                    findings="Entry refused at the gate; foreign workers seen; containers used as dormitories.",
                ),
                reply_to=envelope,
                legal_basis="domestic_cpc",
            )
        ]

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        police = self.first(kind="police", country=self.me.country)
        if police is None or nack.reason not in (
            "no_channel",
            "not_competent",
            "wrong_jurisdiction",
        ):
            return []
        return [
            Draft(
                [police],
                refused.body,
                case_refs=list(refused.case_refs),
                legal_basis=refused.legal_basis,
            )
        ]
