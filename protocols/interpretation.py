"""Interpretation for interviews: `translation_request` and `translation_delivery`.

These ask an `interpretation_service` agency for a spoken interpreter. Written translation
of messages is the bus's own translation pools, never these messages."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from msgspec import Meta

from protocols.fields import (
    AwareDatetime,
    Count,
    Fraction,
    Language,
    PersonId,
    ShortText,
    described,
)
from protocols.message import Message
from protocols.vocab import InterpreterProvider

InterviewPurpose = Literal[
    "screening", "investigative_interview", "medical", "legal_consultation", "counselling"
]


class TranslationRequest(Message, tag="translation_request", frozen=True, kw_only=True):
    """A request for an interpreter for an interview."""

    mode: Literal["interpretation"] = "interpretation"
    from_language: Language
    to_language: Language
    purpose: InterviewPurpose
    person_id: PersonId | None = None
    persons_count: Annotated[Count, described("How many people will be interviewed.")] = 1
    location: Annotated[ShortText | None, described("Where the interpreter is needed.")] = None
    duration_hours: Annotated[float, Meta(gt=0, le=240)] | None = None
    needed_by: AwareDatetime | None = None
    provider_type: Annotated[
        InterpreterProvider, described("Investigative interviews need an official interpreter.")
    ] = "official"
    source_message: UUID | None = None


class TranslationDelivery(Message, tag="translation_delivery", frozen=True, kw_only=True):
    """An interpretation service's answer: who comes, when, and how good the match is."""

    mode: Literal["interpretation"] = "interpretation"
    from_language: Language
    to_language: Language
    outcome: Literal["assigned", "partial", "unavailable"]
    provider_type: InterpreterProvider = "official"
    available_from: AwareDatetime | None = None
    interpreter_ref: Annotated[
        ShortText | None, described("Register number of the interpreter assigned.")
    ] = None
    quality: Annotated[
        Fraction | None, described("0-1: 1 a native interpreter, lower a partial cover.")
    ] = None
    note: ShortText | None = None
