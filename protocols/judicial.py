"""Judicial co-operation and evidence: MLA, JITs, custody transfers, procedural documents."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from protocols.fields import (
    AgencyId,
    AwareDatetime,
    CaseRef,
    CurrencyCode,
    Days,
    ItemId,
    Language,
    Money,
    Name,
    PersonId,
    Sha256Hex,
    ShortText,
    Text,
    described,
)
from protocols.message import Message
from protocols.persons import Person, Subject

MlaAction = Literal[
    "interrogate_witness",
    "interrogate_accused",
    "search",
    "seizure",
    "expert_exam",
    "send_exhibits",
    "obtain_records",
    "serve_documents",
    "locate_person",
    "freeze_assets",
]


class TranslationNote(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The translation that goes with a formal request."""

    language: Language
    certified: bool


class MlaRequest(Message, tag="mla_request", frozen=True, kw_only=True):
    """A letter of request (поручение) for mutual legal assistance, to a central authority."""

    requesting_authority: AgencyId
    requested_authority: AgencyId
    authority_level: Literal["central", "territorial"] = "central"
    treaty: Literal["minsk_1993", "chisinau_2002", "bilateral"]
    case_number: CaseRef
    facts_summary: Text
    legal_qualification: Annotated[
        list[ShortText],
        described("Articles of the criminal code (`KZ CC 128(3)`)."),
        Meta(min_length=1, max_length=20),
    ]
    actions_requested: Annotated[list[MlaAction], Meta(min_length=1, max_length=10)]
    questions: Annotated[
        list[ShortText], described("The questions to put to each person."), Meta(max_length=100)
    ] = []
    persons: Annotated[
        list[Person], described("Victims and witnesses to question."), Meta(max_length=100)
    ] = []
    suspects: Annotated[list[Subject], Meta(max_length=50)] = []
    procedural_rights_notice: Annotated[
        bool, described("The rights of persons questioned are set out.")
    ] = False
    confidentiality: bool = False
    translation: TranslationNote | None = None
    deadline_requested: AwareDatetime | None = None
    urgency_reason: ShortText | None = None


class MlaExecutionReport(Message, tag="mla_execution_report", frozen=True, kw_only=True):
    """The requested state's report on what it executed, with the protocols as attachments."""

    case_number: CaseRef
    executed_actions: Annotated[list[MlaAction], Meta(max_length=10)]
    partial: bool = False
    reasons_not_executed: Text | None = None
    protocols: Annotated[
        list[ItemId], described("Attachment ids of the protocols."), Meta(max_length=200)
    ] = []
    evidence_items: Annotated[list[ItemId], Meta(max_length=200)] = []
    persons: Annotated[list[Person], Meta(max_length=100)] = []
    suspects: Annotated[list[Subject], Meta(max_length=50)] = []
    summary: Text


class JitMember(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One member agency of a joint investigation team."""

    agency: AgencyId
    role: Literal["leader", "member", "seconded", "observer"]
    officers: Annotated[list[Name], Meta(max_length=20)] = []


class JitProposal(Message, tag="jit_proposal", frozen=True, kw_only=True):
    """A proposal for a joint investigative-operational team (CIS agreement of 2015)."""

    parties: Annotated[list[AgencyId], Meta(min_length=2, max_length=10)]
    purpose: Text
    leader: AgencyId
    members: Annotated[list[JitMember], Meta(min_length=2, max_length=30)]
    duration_days: Days
    working_language: Language = "rus"
    approval_by: Annotated[
        list[AgencyId], described("Heads of central competent authorities who decide.")
    ] = []
    case_numbers: Annotated[list[CaseRef], Meta(max_length=10)] = []


class JitDecision(Message, tag="jit_decision", frozen=True, kw_only=True):
    """A central authority's decision on a JIT proposal."""

    decision: Literal["approved", "approved_with_changes", "declined"]
    reasons: Text | None = None
    leader: AgencyId | None = None
    established_from: AwareDatetime | None = None
    duration_days: Days | None = None


class CustodyTransfer(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One link in the chain of custody: who handed what to whom, when, why, signed."""

    from_agency: AgencyId
    to_agency: AgencyId
    at: AwareDatetime
    purpose: ShortText
    released_by: Annotated[Name | None, described("Who signed for the sender.")] = None
    signature: Annotated[Name, described("Who signed for the receiver.")]
    seal_intact: bool = True
    sha256: Annotated[Sha256Hex | None, described("Hash checked at this hand-off.")] = None


class EvidenceTransfer(Message, tag="evidence_transfer", frozen=True, kw_only=True):
    """An evidence item and its chain of custody, from seizure to this hand-off."""

    evidence_item_id: ItemId
    description: Text
    make: ShortText | None = None
    model: ShortText | None = None
    serial: ShortText | None = None
    seized_by: AgencyId
    seized_at: AwareDatetime
    seized_where: ShortText
    attesting_witnesses: Annotated[
        list[Name], described("Attesting witnesses (понятые) at the seizure."), Meta(max_length=5)
    ] = []
    video_ref: Annotated[ItemId | None, described("Attachment id of the seizure video.")] = None
    seal_no: ShortText | None = None
    sha256: Annotated[Sha256Hex | None, described("Digest of the digital item at seizure.")] = None
    write_blocked: bool | None = None
    custody: Annotated[list[CustodyTransfer], Meta(min_length=1, max_length=100)]
    storage_location: ShortText | None = None
    condition_notes: Text | None = None


DocumentType = Literal[
    "decision_open_criminal_case",
    "interrogation_protocol",
    "seizure_protocol",
    "expert_order",
    "indictment",
    "victim_status_decision",
    "civil_claim",
    "motion",
]


class ProceduralDocument(Message, tag="procedural_document", frozen=True, kw_only=True):
    """A procedural document: a decision, protocol, order, indictment or a party's motion."""

    doc_type: DocumentType
    author: Annotated[Name, described("Officer or party who signs it.")]
    case_number: CaseRef
    title: ShortText
    summary: Text
    document_language: Language
    persons: Annotated[list[Person], Meta(max_length=50)] = []
    person_ids: Annotated[list[PersonId], Meta(max_length=100)] = []


class Amount(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A sum of money."""

    value: Money
    currency: CurrencyCode


class CompensationClaim(Message, tag="compensation_claim", frozen=True, kw_only=True):
    """A claim for redress: a civil claim in the criminal case, the state fund, or wages."""

    claimants: Annotated[list[Person], Meta(min_length=1, max_length=50)]
    basis: Literal["civil_claim_in_criminal_case", "state_fund", "labour_wage_claim"]
    amount: Amount
    case_number: CaseRef | None = None
    heads_of_claim: Annotated[list[ShortText], Meta(min_length=1, max_length=20)]
    freeze_requested: bool = False
    assets_frozen_ref: ShortText | None = None
    representative: Annotated[Name | None, described("Lawyer or NGO acting for them.")] = None
