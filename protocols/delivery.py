"""The delivery record: what the bus attaches to each delivered copy of an envelope."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from msgspec import Meta, Struct

from protocols.fields import AgencyId, ChannelId, Language, described
from protocols.vocab import DeliveryStatus, EvidentiaryStatus, NackReason

Microseconds = Annotated[int, Meta(ge=0, le=2**63 - 1)]


class DelayBreakdown(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the time went, in exercise microseconds; the parts add up to the total."""

    channel_latency: Microseconds = 0
    translation_wait: Microseconds = 0
    translation_service: Microseconds = 0
    outage_hold: Microseconds = 0
    office_hours_wait: Microseconds = 0
    other: Microseconds = 0

    def total(self) -> int:
        """The whole delay."""
        return (
            self.channel_latency
            + self.translation_wait
            + self.translation_service
            + self.outage_hold
            + self.office_hours_wait
            + self.other
        )


class Delivery(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One recipient's copy of an envelope, as the bus resolved and delivered it."""

    envelope_id: Annotated[UUID, described("The envelope delivered.")]
    recipient: AgencyId
    channel: Annotated[ChannelId | None, described("Channel the bus resolved.")]
    status: Annotated[DeliveryStatus, described("Where the delivery stands.")]
    evidentiary_status: Annotated[
        EvidentiaryStatus, described("Effective status: what the channel lets it be.")
    ]
    intelligence_only: Annotated[
        bool, described("Came over an intelligence channel: not usable in court.")
    ] = False
    inadmissible: Annotated[
        bool, described("Sent as evidence over a channel that is not evidence-grade.")
    ] = False
    machine_translated_unverified: Annotated[
        bool, described("Machine-translated: instant, but nobody checked it.")
    ] = False
    certified_translation: Annotated[
        bool, described("Translated by a certified translator (formal instruments).")
    ] = False
    language: Annotated[Language, described("Language the recipient reads it in.")]
    translated_from: Annotated[
        Language | None, described("Language it was written in, when translated.")
    ] = None
    delay_us: Annotated[DelayBreakdown, described("Where the time went, by component.")] = (
        DelayBreakdown()
    )
    submitted_us: Annotated[Microseconds, described("Exercise time of submission.")]
    due_us: Annotated[Microseconds, described("Exercise time it falls due.")]
    delivered_us: Annotated[Microseconds | None, described("Exercise time of delivery.")] = None
    reason: Annotated[NackReason | None, described("Why it was rejected or dropped.")] = None
