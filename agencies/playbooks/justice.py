"""Justice and agencies around the police: prosecutors, the NCB, FIUs, migration, inspectors."""

from __future__ import annotations

from datetime import timedelta
from typing import cast
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from protocols import Delivery, Envelope, Subject
from protocols.assistance import ReflectionPeriod
from protocols.fields import Language
from protocols.identification import (
    Alert,
    IdentificationDecision,
)
from protocols.judicial import (
    CompensationClaim,
    DocumentType,
    EvidenceTransfer,
    JitDecision,
    JitProposal,
    MlaAction,
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
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, Scenario
from trafsim_bus.timebase import DAY

Reaction = list[Draft | Wake]


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
        """A letter of request per requested state once a case is opened: the states the
        scenario's `mla` route names for the case, else one foreign prosecutor by draw."""
        if body.case_number in self.cases:
            return []
        self.cases.add(body.case_number)
        key = str(envelope.id)
        route = self.params.mla_route(body.case_number)
        if route is not None:
            requested = [
                prosecutor
                for country in route.countries
                if (prosecutor := self.first(kind="prosecutor", country=country)) is not None
            ]
        else:
            foreign = [
                a for a in self.agencies(kind="prosecutor") if self.country_of(a) != self.me.country
            ]
            requested = [foreign[int(self.draw(key, 4) * len(foreign))]] if foreign else []
        return [
            self.mla_draft(envelope, to, body.case_number, certified=self.draw(key, 5 + i) > 0.4)
            for i, to in enumerate(requested)
        ]

    def mla_draft(
        self, envelope: Envelope, requested: str, case_number: str, *, certified: bool
    ) -> Draft:
        """A letter of request for `case_number`: its facts, suspects and actions from the
        scenario's `mla` route where it gives them; a hasty draft lacks the certified
        translation, the articles and the questions."""
        language = self.scenario.agencies[requested].languages[0]
        route = self.params.mla_route(case_number)
        actions: list[MlaAction] = (
            [cast(MlaAction, action) for action in route.actions]
            if route is not None and route.actions
            else ["interrogate_witness", "obtain_records"]
        )
        mla = MlaRequest(
            requesting_authority=self.agency,
            requested_authority=requested,
            treaty="minsk_1993",
            case_number=case_number,
            facts_summary=route.facts
            if route is not None and route.facts
            else "Nationals of the requested state were recruited for work by an agent there; documents withheld, wages unpaid.",
            legal_qualification=["KZ CC 128(3)"] if certified else ["trafficking"],
            actions_requested=actions,
            questions=["When and how were you recruited?", "Who paid for the travel?"]
            if certified
            else [],
            suspects=[Subject(kind="person", value=name) for name in route.suspects]
            if route is not None
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
