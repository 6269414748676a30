"""The prosecutor: supervises investigations, sends and executes letters of request, keeps the chain of custody."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal, cast
from uuid import UUID

from agencies.playbooks.base import Draft, Playbook
from protocols import Delivery, Envelope, Subject
from protocols.fields import Language
from protocols.judicial import (
    CompensationClaim,
    CustodyTransfer,
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
    FinIntelRequest,
)
from protocols.receipts import Nack
from trafsim_bus.core.participants import Wake
from trafsim_bus.scenario.model import Agency, CaseFile, Scenario
from trafsim_bus.timebase import DAY

Reaction = list[Draft | Wake]

VAGUE_QUALIFICATION = "trafficking in persons"
"""What a hasty letter of request cites instead of the articles."""

GENERIC_QUESTIONS = ("When and how were you recruited?", "Who paid for the travel?")
"""A certified letter's questions when the case file gives none."""

GENERIC_FACTS = (
    "A case of trafficking in persons under pre-trial investigation; persons to be "
    "questioned and records to be obtained are in the requested state."
)
"""A letter's facts when neither the route nor the case file gives them."""

DONE: dict[str, str] = {
    "interrogate_witness": "witnesses questioned",
    "interrogate_accused": "the accused questioned",
    "search": "premises searched",
    "seizure": "items seized",
    "expert_exam": "an expert examination made",
    "send_exhibits": "exhibits sent",
    "obtain_records": "records obtained",
    "serve_documents": "documents served",
    "locate_person": "the persons named sought",
    "freeze_assets": "assets frozen",
}
"""What an executed MLA action yields, as an execution report says it."""


class Prosecutor(Playbook):
    """Supervises, sends MLA through the central channel, executes foreign requests."""

    def __init__(self, agency: Agency, scenario: Scenario, exercise_id: UUID, seed: int) -> None:
        super().__init__(agency, scenario, exercise_id, seed)
        self.requests: dict[str, Envelope] = {}
        self.channels: dict[str, str | None] = {}
        """Request key → the channel the request came by (the answer goes back by it)."""
        self.cases: set[str] = set()
        self.transfers = 0

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> Reaction:
        body = envelope.body
        sender = self.scenario.agency(envelope.sender)
        domestic = sender is not None and sender.country == self.me.country
        if isinstance(body, MlaRequest):
            if domestic:
                return self.forward_mla(envelope, body)
            return self.execute(envelope, body, delivery)
        if (
            isinstance(body, ProceduralDocument)
            and domestic
            and body.doc_type == "decision_open_criminal_case"
        ):
            return self.start_mla(envelope, body)
        if isinstance(body, ProceduralDocument) and body.doc_type == "motion":
            case = self.case_file(refs=[body.case_number, *envelope.case_refs])
            return [
                self.document(
                    envelope,
                    envelope.sender,
                    "motion",
                    body.case_number,
                    "Answer to the motion to exclude",
                    seizure_record(case),
                )
            ]
        if isinstance(body, EvidenceTransfer):
            return [self.receive_evidence(envelope, body)]
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
            return self.join_claim(envelope, body)
        return []

    def join_claim(self, envelope: Envelope, body: CompensationClaim) -> Reaction:
        """Join a civil claim to the case; to secure it, ask the FIU to freeze the case
        file's instruments (none named: nothing to freeze)."""
        drafts: Reaction = [self.ack(envelope, "Civil claim joined to the criminal case.")]
        refs = [body.case_number] if body.case_number else []
        case = self.case_file(refs=[*refs, *envelope.case_refs])
        fiu = self.first(kind="fiu", country=self.me.country)
        if fiu is not None and body.freeze_requested and case is not None and case.instruments:
            drafts.append(
                Draft(
                    [fiu],
                    FinIntelRequest(
                        instruments=list(case.instruments),
                        freeze_requested=True,
                        grounds=f"Secure the victims' compensation in case {case.ref}: "
                        "freeze the instruments named.",
                    ),
                    reply_to=envelope,
                    handling=["H0"],
                )
            )
        return drafts

    def receive_evidence(self, envelope: Envelope, body: EvidenceTransfer) -> Draft:
        """Check the chain of custody before taking the item as evidence: a whole chain is
        accepted; a gap is receipted and named, and the sender is asked to account for it.

        The item is not refused: it is in this office's hands now, and returning it would
        add a link; a gap goes to the court, which weighs it (domain §3.4). A refusal
        would only invite a chain rewritten after the fact."""
        gaps = custody_gaps(body, envelope.sender, self.agency)
        if gaps:
            status: Literal["received", "accepted"] = "received"
            note = "Custody gap: " + "; ".join(gaps) + ". Account for the gap."
        else:
            status = "accepted"
            checked = "hash verified" if body.sha256 else "seal checked"
            note = f"Chain of custody whole; {checked}."
        return self.ack(envelope, note, status=status)

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
        """A letter of request for `case_number`: facts, suspects and actions from the
        scenario's `mla` route where it gives them, else from the case file; a certified
        letter cites the case's articles and questions, in the requested authority's
        language; a hasty draft lacks the certified translation, the articles and the
        questions."""
        language = self.scenario.agencies[requested].languages[0]
        route = self.params.mla_route(case_number)
        case = self.case_file(refs=[case_number])
        actions: list[MlaAction] = (
            [cast(MlaAction, action) for action in route.actions]
            if route is not None and route.actions
            else ["interrogate_witness", "obtain_records"]
        )
        if route is not None and route.facts:
            facts = route.facts
        else:
            facts = case.summary if case is not None else GENERIC_FACTS
        if route is not None and route.suspects:
            suspects = [Subject(kind="person", value=name) for name in route.suspects]
        else:
            suspects = [s for s in (case.suspects if case else ()) if s.kind == "person"]
        qualification = list(case.qualification) if case is not None else []
        questions = list(case.questions) if case is not None else []
        mla = MlaRequest(
            requesting_authority=self.agency,
            requested_authority=requested,
            treaty="minsk_1993",
            case_number=case_number,
            facts_summary=facts,
            legal_qualification=qualification
            if certified and qualification
            else [VAGUE_QUALIFICATION],
            actions_requested=actions,
            questions=(questions or list(GENERIC_QUESTIONS)) if certified else [],
            suspects=suspects,
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

    def execute(self, envelope: Envelope, body: MlaRequest, delivery: Delivery) -> Reaction:
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
        self.channels[key] = delivery.channel
        execution = (
            self.params.execution.sample(self.draw(key, 5)) if self.params.execution else 30 * DAY
        )
        return [
            self.ack(envelope, "Registered and sent for execution.", delay_us=self.work_time(key)),
            Wake(f"execute:{key}", execution),
        ]

    def wake(self, token: str, now_us: int) -> list[Draft]:
        """An executed request: the report, and the evidence gathered handed to the
        requesting authority under a chain of custody, over the channel the request came by."""
        kind, _, key = token.partition(":")
        request = self.requests.pop(key, None) if kind == "execute" else None
        if request is None or not isinstance(request.body, MlaRequest):
            return []
        body = request.body
        done = "; ".join(DONE[action] for action in body.actions_requested)
        self.transfers += 1
        item = item_id(f"{body.case_number}-{self.agency}-mla-{self.transfers}")
        return [
            Draft(
                [request.sender],
                MlaExecutionReport(
                    case_number=body.case_number,
                    executed_actions=list(body.actions_requested),
                    partial=False,
                    evidence_items=[item],
                    summary=f"Executed under the law of the requested state: {done}. "
                    "Protocols attached; the evidence follows under a chain of custody.",
                ),
                reply_to=request,
                legal_basis="minsk_1993",
                evidentiary_status="evidence",
                delay_us=0,
            ),
            Draft(
                [request.sender],
                self.evidence_gathered(request, body, item, key, now_us),
                reply_to=request,
                channel=self.channels.pop(key, None),
                legal_basis="minsk_1993",
                evidentiary_status="evidence",
                delay_us=0,
                planted="custody_gap_share" if self.custody_gap(key) else None,
            ),
        ]

    def custody_gap(self, key: str) -> bool:
        """Whether this office's hand-off for `key` leaves a holder out (a planted error)."""
        return self.decide(key, "custody") < self.params.custody_gap_share

    def evidence_gathered(
        self, request: Envelope, body: MlaRequest, item: str, key: str, now_us: int
    ) -> EvidenceTransfer:
        """The protocols of an executed request, held by this office since now and handed to
        the requesting authority. A planted error (`custody_gap_share`): the chain leaves
        out the police unit that did the work, or, with none, dates the hand-off before
        the seizure."""
        now = self.at(now_us)
        handed = CustodyTransfer(
            from_agency=self.agency,
            to_agency=request.sender,
            at=now,
            purpose="transmission to the requesting authority",
            released_by=f"prosecutor, {self.agency}",
            signature=f"registry, {request.sender}",
        )
        custody = [handed]
        if self.custody_gap(key):
            police = self.first(kind="police", country=self.me.country)
            if police is not None:
                tasked = CustodyTransfer(
                    from_agency=self.agency,
                    to_agency=police,
                    at=now,
                    purpose="execution of the letter of request",
                    released_by=f"prosecutor, {self.agency}",
                    signature=f"investigator, {police}",
                )
                custody = [tasked, handed]
            else:
                custody = [
                    CustodyTransfer(
                        from_agency=handed.from_agency,
                        to_agency=handed.to_agency,
                        at=now - timedelta(days=1),
                        purpose=handed.purpose,
                        released_by=handed.released_by,
                        signature=handed.signature,
                    )
                ]
        country = self.scenario.countries.get(self.me.country)
        return EvidenceTransfer(
            evidence_item_id=item,
            description=f"Protocols of the letter of request in case {body.case_number}: "
            + "; ".join(DONE[action] for action in body.actions_requested),
            seized_by=self.agency,
            seized_at=now,
            seized_where=country.name if country is not None else self.me.name,
            custody=custody,
        )

    def fix(self, refused: Envelope, nack: Nack, recipient: str, now_us: int) -> list[Draft]:
        body = refused.body
        if nack.reason == "incomplete" and isinstance(body, MlaRequest):
            return [self.mla_draft(refused, recipient, body.case_number, certified=True)]
        return []


def custody_gaps(transfer: EvidenceTransfer, sender: str, recipient: str) -> list[str]:
    """Where a chain of custody skips a holder or a time: each link must start with the
    previous holder (the seizing agency first), no earlier than the step before, and the
    chain must end with the sender or the recipient."""
    gaps = []
    holder = transfer.seized_by
    since = transfer.seized_at
    for number, link in enumerate(transfer.custody, start=1):
        if link.from_agency != holder:
            gaps.append(f"link {number} is from {link.from_agency}, but {holder} held it")
        if link.at < since:
            gaps.append(f"link {number} is dated before the step it follows")
        holder, since = link.to_agency, link.at
    if holder not in (sender, recipient):
        gaps.append(f"the chain ends with {holder}, not {sender}")
    return gaps


def seizure_record(case: CaseFile | None) -> str:
    """What the case file's seizures show of their custody: seals, witnesses, digests."""
    items = []
    for item in case.evidence if case is not None else ():
        shown = [f"item {item.id}: seized at {item.seized_where}"]
        if item.seal_no:
            shown.append(f"seal {item.seal_no}")
        if item.witnesses:
            shown.append(f"{len(item.witnesses)} attesting witnesses")
        if item.sha256:
            shown.append("SHA-256 at seizure" + (", write-blocked" if item.write_blocked else ""))
        items.append(", ".join(shown))
    if not items:
        return "The seizure protocol is attached."
    return "The seizure protocols are attached: " + "; ".join(items) + "."


def item_id(text: str) -> str:
    """An evidence item id (lowercase words joined by hyphens, at most 64 characters)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:64].strip("-")
