"""A delivery on its way, its key, and the delivery record it becomes (SPEC §3 `Delivery`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, cast
from uuid import UUID

from protocols import DelayBreakdown, Delivery, Envelope
from protocols.fields import Language
from trafsim_bus.core.ids import uuid_text
from trafsim_bus.core.routing import Translation
from trafsim_bus.scenario.model import Agency, Channel

Stage = Literal[
    "transit", "to_translation", "translation_wait", "translation_service", "held", "office_closed"
]
"""Where a pending delivery stands: travelling to its due time, travelling to a recipient-
side translator, queued at a pool, with a translator, held by a disruption, or due but
waiting for its closed recipient to open (or for the duty officer)."""


class DeliveryKey(NamedTuple):
    """One delivery: an envelope to one of its recipients (SPEC §4)."""

    envelope_id: UUID
    recipient: str

    @property
    def draw_key(self) -> str:
        """The key of this delivery's draws (SPEC §1): `{envelope_id}:{recipient}`."""
        return f"{uuid_text(self.envelope_id)}:{self.recipient}"


@dataclass(slots=True)
class PendingDelivery:
    """A delivery that has not ended yet, and where it stands."""

    key: DeliveryKey
    envelope: Envelope
    sender: Agency
    recipient: Agency
    channel: Channel
    submitted_us: int
    created_seq: int
    latency_us: int
    translation: Translation | None
    certified: bool
    stage: Stage = "transit"
    due_us: int = 0
    queued_us: int = 0
    delays: dict[str, int] = field(default_factory=dict)
    machine: bool = False
    held_since: int = 0
    agenda_key: tuple[int, int] = (0, 0)
    """The key of its agenda entry (in transit, on the way to translation, in service)."""
    transit_after_hold: bool = False
    """Held from submission by a cut: its transit starts when the cut heals."""
    opens_us: int = 0
    """Waiting for its closed recipient: when it is delivered (the office opens, or the
    duty officer takes an emergency)."""


def delivered_record(pending: PendingDelivery, now_us: int) -> Delivery:
    """The record of a delivery made now: effective status, flags, language, delays."""
    envelope = pending.envelope
    channel = pending.channel
    inadmissible = envelope.evidentiary_status == "evidence" and not channel.evidence_grade
    effective = envelope.evidentiary_status
    if channel.intelligence_only or inadmissible:
        effective = "intelligence"
    parts = pending.delays
    total = now_us - pending.submitted_us
    translation = pending.translation
    return Delivery(
        envelope_id=envelope.id,
        recipient=pending.recipient.id,
        channel=channel.id,
        status="delivered",
        evidentiary_status=effective,
        intelligence_only=channel.intelligence_only,
        inadmissible=inadmissible,
        machine_translated_unverified=pending.machine,
        certified_translation=pending.certified and not pending.machine,
        language=cast(Language, translation.target) if translation else envelope.language,
        translated_from=envelope.language if translation else None,
        delay_us=DelayBreakdown(
            channel_latency=parts.get("channel_latency", 0),
            translation_wait=parts.get("translation_wait", 0),
            translation_service=parts.get("translation_service", 0),
            outage_hold=parts.get("outage_hold", 0),
            office_hours_wait=parts.get("office_hours_wait", 0),
            other=total - sum(parts.values()),
        ),
        submitted_us=pending.submitted_us,
        due_us=pending.due_us,
        delivered_us=now_us,
    )


def bus_message_record(envelope: Envelope, recipient: str, now_us: int) -> Delivery:
    """The record of a message the bus delivers itself (its nacks): no channel, no delay."""
    return Delivery(
        envelope_id=envelope.id,
        recipient=recipient,
        channel=None,
        status="delivered",
        evidentiary_status=envelope.evidentiary_status,
        language=envelope.language,
        submitted_us=now_us,
        due_us=now_us,
        delivered_us=now_us,
    )
