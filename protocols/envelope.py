"""The envelope the bus routes: addressing, priority, language, handling, and the body."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from msgspec import Meta, Struct

from protocols.catalogue import Body
from protocols.fields import (
    AgencyId,
    AwareDatetime,
    CaseRef,
    ChannelId,
    ItemId,
    Language,
    MediaType,
    Script,
    Sha256Hex,
    ShortText,
    described,
)
from protocols.message import field_error
from protocols.persons import Person
from protocols.vocab import (
    AttachmentKind,
    EvaluationScheme,
    EvidentiaryStatus,
    HandlingCode,
    InformationReliability,
    LegalBasis,
    PriorityLevel,
    SourceReliability,
)

SCHEMA_VERSION: Literal["1"] = "1"


class Priority(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How fast the sender needs it: emergency (24 h), urgent (72 h), normal (2 weeks)."""

    level: PriorityLevel = "normal"
    respond_by: AwareDatetime | None = None


class Handling(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Handling codes set by the owner of the information, and any conditions."""

    codes: Annotated[
        list[HandlingCode],
        described("One or more of H0-H3, each once.", uniqueItems=True),
        Meta(min_length=1, max_length=4),
    ]
    conditions: ShortText | None = None

    def __post_init__(self) -> None:
        if len(set(self.codes)) != len(self.codes):
            raise field_error("codes", "each handling code may appear once")


class Evaluation(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Europol 4x4 evaluation: source A/B/C/X and information 1-4."""

    scheme: EvaluationScheme = "europol_4x4"
    source: SourceReliability
    information: InformationReliability


class Attachment(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A file that travels with the message, identified by its digest."""

    id: ItemId
    kind: AttachmentKind
    sha256: Sha256Hex
    title: ShortText | None = None
    media_type: MediaType | None = None
    size_bytes: Annotated[int, Meta(ge=0, le=2**40)] | None = None
    evidence_item_id: ItemId | None = None


class Envelope(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One message between agencies: what the bus routes. The bus never alters it."""

    schema_version: Literal["1"]
    id: Annotated[UUID, described("Chosen by the sender; stable across resubmission.")]
    exercise_id: Annotated[UUID, described("The exercise this message belongs to.")]
    sender: AgencyId
    recipients: Annotated[
        list[AgencyId],
        described("Each recipient gets its own delivery.", uniqueItems=True),
        Meta(min_length=1, max_length=64),
    ]
    channel: Annotated[
        ChannelId | None, described("Channel asked for; null lets the bus choose.")
    ] = None
    created_at: Annotated[
        AwareDatetime, described("Sender's clock; the bus logs its own submission time.")
    ]
    case_refs: Annotated[
        list[CaseRef], described("Cases the message concerns."), Meta(max_length=20)
    ] = []
    thread_id: Annotated[UUID | None, described("Conversation this message belongs to.")] = None
    in_reply_to: Annotated[UUID | None, described("The message this one answers.")] = None
    derived_from: Annotated[
        list[UUID],
        described("Messages whose content this one passes on (for handling codes)."),
        Meta(max_length=100),
    ] = []
    priority: Annotated[Priority, described("How fast an answer is needed.")] = Priority()
    language: Annotated[Language, described("Language the message is written in (ISO 639-3).")]
    script: Annotated[Script, described("Script it is written in (ISO 15924).")]
    translation_of: Annotated[
        UUID | None, described("The message this one is a translation of.")
    ] = None
    handling: Annotated[
        Handling | None, described("Handling codes: how the information may be used.")
    ] = None
    evaluation: Annotated[
        Evaluation | None, described("Reliability of source and information.")
    ] = None
    legal_basis: Annotated[
        LegalBasis | None, described("Instrument under which the message is sent.")
    ] = None
    evidentiary_status: Annotated[
        EvidentiaryStatus, described("What the sender means it to be.")
    ] = "not_applicable"
    requires_ack: Annotated[bool, described("The recipient should acknowledge it.")] = False
    attachments: Annotated[
        list[Attachment], described("Files sent with it."), Meta(max_length=100)
    ] = []
    risk_to_life: Annotated[
        bool, described("Risk to life or well-being: shared even without consent.")
    ] = False
    body: Annotated[Body, described("The message itself, tagged by `kind`.")]

    schema_rules: ClassVar[tuple[dict[str, Any], ...]] = (
        {
            "if": {
                "properties": {"body": {"properties": {"kind": {"const": "info_response"}}}},
                "required": ["body"],
            },
            "then": {
                "required": ["evaluation", "handling"],
                "properties": {"evaluation": {"type": "object"}, "handling": {"type": "object"}},
            },
        },
    )

    def __post_init__(self) -> None:
        if len(set(self.recipients)) != len(self.recipients):
            raise field_error("recipients", "each recipient may appear once")
        if self.body.kind() == "info_response":
            if self.evaluation is None:
                raise field_error("evaluation", "an info_response needs an evaluation")
            if self.handling is None:
                raise field_error("handling", "an info_response needs handling codes")

    def personal_data(self) -> tuple[Person, ...]:
        """The personal data this envelope carries."""
        return self.body.personal_data()
