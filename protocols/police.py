"""Police and financial intelligence: requests, responses, Interpol notices and diffusions."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta, Struct

from protocols.fields import (
    AwareDatetime,
    Count,
    CountryCode,
    CurrencyCode,
    Date,
    Money,
    ShortText,
    Text,
    described,
)
from protocols.message import Message, field_error
from protocols.persons import Person, Subject

IsicSection = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K",
    "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U",
]  # fmt: skip


class InfoRequest(Message, tag="info_request", frozen=True, kw_only=True):
    """A police-to-police, NCB or consular request for information."""

    subjects: Annotated[list[Subject], Meta(max_length=50)] = []
    persons: Annotated[
        list[Person],
        described("Victims or witnesses asked about (identity checks), under consent."),
        Meta(max_length=50),
    ] = []
    questions: Annotated[list[ShortText], Meta(min_length=1, max_length=30)]
    offence: Annotated[
        ShortText | None, described("Offence under investigation (`KZ CC 128`).")
    ] = None
    urgency_reason: ShortText | None = None


class InfoResponse(Message, tag="info_response", frozen=True, kw_only=True):
    """An answer with findings; its envelope must carry an evaluation and handling codes."""

    findings: Annotated[list[Text], Meta(min_length=1, max_length=50)]
    subjects: Annotated[list[Subject], Meta(max_length=50)] = []
    persons: Annotated[
        list[Person], described("Victims' or witnesses' data, under consent."), Meta(max_length=50)
    ] = []


_SUBJECT_OR_PERSONS: dict[str, Any] = {
    "anyOf": [
        {"required": ["subject"], "properties": {"subject": {"type": "object"}}},
        {"required": ["persons"], "properties": {"persons": {"minItems": 1}}},
    ]
}


def _require_subject_or_persons(subject: Subject | None, persons: list[Person]) -> None:
    if subject is None and not persons:
        raise field_error("subject", "name the subject, or the person in `persons`")


NoticeSubject = Annotated[Subject | None, described("The suspect or object concerned.")]
NoticePersons = Annotated[
    list[Person],
    described("A missing or unidentified victim: personal data under its own rules."),
    Meta(max_length=10),
]

NoticeColour = Literal["red", "yellow", "blue", "green", "black", "orange", "purple"]


class InterpolNoticeRequest(Message, tag="interpol_notice_request", frozen=True, kw_only=True):
    """A request to the General Secretariat to publish a notice (after its legal review)."""

    colour: NoticeColour
    subject: NoticeSubject = None
    persons: NoticePersons = []
    legal_basis_doc: Annotated[
        ShortText | None, described("Arrest warrant or court decision: required for red.")
    ] = None
    scope: Annotated[
        list[CountryCode],
        described("Countries asked; empty means all members."),
        Meta(max_length=200),
    ] = []
    reason: Text

    schema_rules: ClassVar[tuple[dict[str, Any], ...]] = (
        _SUBJECT_OR_PERSONS,
        {
            "if": {"properties": {"colour": {"const": "red"}}, "required": ["colour"]},
            "then": {
                "required": ["legal_basis_doc"],
                "properties": {"legal_basis_doc": {"type": "string"}},
            },
        },
    )

    def __post_init__(self) -> None:
        _require_subject_or_persons(self.subject, self.persons)
        if self.colour == "red" and self.legal_basis_doc is None:
            raise field_error(
                "legal_basis_doc", "a red notice needs an arrest warrant or court decision"
            )


class Diffusion(Message, tag="diffusion", frozen=True, kw_only=True):
    """A diffusion sent at once by an NCB through I-24/7 to some or all members."""

    purpose: Literal["locate", "arrest", "information", "warning"]
    subject: NoticeSubject = None
    persons: NoticePersons = []
    scope: Annotated[
        list[CountryCode],
        described("Countries addressed; empty means all members."),
        Meta(max_length=200),
    ] = []
    text: Text

    schema_rules: ClassVar[tuple[dict[str, Any], ...]] = (_SUBJECT_OR_PERSONS,)

    def __post_init__(self) -> None:
        _require_subject_or_persons(self.subject, self.persons)


class FinancialInstrument(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A financial instrument to trace: an account, a card or a remittance."""

    kind: Literal["bank_account", "bank_card", "remittance", "e_wallet"]
    identifier: ShortText
    institution: ShortText | None = None
    country: CountryCode | None = None


class Period(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A span of dates."""

    start: Date
    end: Date


class FinIntelRequest(Message, tag="fin_intel_request", frozen=True, kw_only=True):
    """A request to a financial intelligence unit or bank to trace money."""

    instruments: Annotated[list[FinancialInstrument], Meta(min_length=1, max_length=50)]
    period: Period | None = None
    counterparties: Annotated[list[Subject], Meta(max_length=50)] = []
    freeze_requested: bool = False
    grounds: Text


class Flow(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Aggregated transfers between two instruments or parties."""

    source: ShortText
    destination: ShortText
    transfers: Count
    total: Money
    currency: CurrencyCode
    first_at: AwareDatetime | None = None
    last_at: AwareDatetime | None = None


class FinIntelResponse(Message, tag="fin_intel_response", frozen=True, kw_only=True):
    """Financial intelligence: flows found, links, and whether a freeze is in place."""

    flows: Annotated[list[Flow], Meta(max_length=200)] = []
    findings: Annotated[list[Text], Meta(min_length=1, max_length=50)]
    freeze_status: Literal["not_requested", "requested", "in_place", "refused"] = "not_requested"


class LabourInspectionReport(Message, tag="labour_inspection_report", frozen=True, kw_only=True):
    """A labour inspectorate's findings at a work site."""

    site: ShortText
    isic_section: Annotated[
        Literal[
            "A",
            "B",
            "C",
            "D",
            "E",
            "F",
            "G",
            "H",
            "I",
            "J",
            "K",
            "L",
            "M",
            "N",
            "O",
            "P",
            "Q",
            "R",
            "S",
            "T",
            "U",
        ],
        described("ISIC v4 section of the site's activity."),
    ]
    inspected_at: AwareDatetime
    access_obstructed: bool = False
    workers_count: Count | None = None
    foreign_workers: Count | None = None
    contracts_present: bool | None = None
    wage_arrears_months: Annotated[int, Meta(ge=0, le=120)] | None = None
    documents_retained: bool | None = None
    living_conditions: Text | None = None
    indicators: Annotated[list[ShortText], Meta(max_length=50)] = []
    findings: Text
