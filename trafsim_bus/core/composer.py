"""Envelopes the bus composes itself: its nacks, and the MSEL's and background's messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid5

import msgspec

from protocols import Body, Envelope
from protocols.receipts import Nack
from protocols.vocab import NackReason
from trafsim_bus.core.routing import Refusal
from trafsim_bus.scenario.model import BUS, Scenario


def exercise_datetime(scenario: Scenario, t_us: int) -> datetime:
    """The calendar moment (in STARTEX's offset) of an exercise time."""
    return scenario.startex + timedelta(microseconds=t_us)


def nack_for(
    exercise_id: UUID, refused: Envelope, recipient: str, refusal: Refusal, created_at: datetime
) -> Envelope:
    """The bus's nack of a refused delivery (SPEC §5): to the sender, in its language."""
    return Envelope(
        schema_version="1",
        id=uuid5(exercise_id, f"nack:{refused.id}:{recipient}"),
        exercise_id=exercise_id,
        sender=BUS,
        recipients=[refused.sender],
        channel=None,
        created_at=created_at,
        case_refs=list(refused.case_refs),
        thread_id=refused.thread_id or refused.id,
        in_reply_to=refused.id,
        language=refused.language,
        script=refused.script,
        body=Nack(
            ack_of=refused.id,
            reason=cast(NackReason, refusal.reason),
            detail=refusal.detail[:500],
            redirect_to=refusal.redirect_to,
            hint=refusal.hint,
        ),
    )


def compose(
    exercise_id: UUID,
    envelope_id: UUID,
    *,
    sender: str,
    recipients: tuple[str, ...],
    channel: str | None,
    body: Body,
    fields: dict[str, Any],
    created_at: datetime,
) -> Envelope:
    """An envelope from scenario data (an inject, a background stream); `fields` are the
    envelope keys the scenario gives, language and script included, checked when the
    scenario loaded."""
    document = {
        "schema_version": "1",
        "id": envelope_id,
        "exercise_id": exercise_id,
        "sender": sender,
        "recipients": list(recipients),
        "channel": channel,
        "created_at": created_at,
        "body": body,
        **fields,
    }
    return msgspec.convert(document, Envelope, from_attributes=True)
