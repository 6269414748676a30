"""Whole records of one delivery, for tests that pin every field of a trail: its time, kind,
cause, disruption, pool and data (docs/log-schema.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple
from uuid import UUID, uuid5

from protocols import Envelope
from trafsim_bus import Bus
from trafsim_bus.log.records import Record

STARTEX = datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=5)))
"""STARTEX of the rules scenario (tests/bus/test_rules.py)."""

CREATED = "delivery_created"
"""The cause of every record of a delivery after its `delivery_created`."""
SUBMITTED = "envelope_submitted"
"""The cause of a `delivery_created`."""


class Line(NamedTuple):
    """One record of a trail, its cause named by the kind of the record that caused it (for
    a record of another delivery or of a disruption: that kind and whose it is)."""

    t_us: int
    kind: str
    cause: str | None
    disruption_id: str | None
    pool_id: str | None
    data: dict[str, Any]


def cause_of(record: Record, by_seq: dict[int, Record]) -> str | None:
    """The kind of the record that caused `record`; `healed d1`-style for a disruption's
    record, `rejected <envelope id>`-style for another envelope's."""
    if record.cause_seq is None:
        return None
    cause = by_seq[record.cause_seq]
    if cause.envelope_id == record.envelope_id and cause.recipient in (record.recipient, None):
        return cause.kind
    return f"{cause.kind} {cause.disruption_id or cause.envelope_id}"


def lines(bus: Bus, envelope_id: UUID | str, recipient: str) -> list[Line]:
    """Every record about one delivery so far, in log order (every one of them the bus's)."""
    records = bus.recorder.records
    by_seq = {record.seq: record for record in records}
    found = [r for r in records if r.envelope_id == str(envelope_id) and r.recipient == recipient]
    assert {r.origin for r in found} <= {"bus"}
    return [
        Line(r.t_us, r.kind, cause_of(r, by_seq), r.disruption_id, r.pool_id, r.data) for r in found
    ]


def trail_of(bus: Bus, envelope: Envelope, recipient: str) -> list[Line]:
    """Every record about one delivery, after ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    return lines(bus, envelope.id, recipient)


def decision(
    t_us: int,
    stage: str,
    outcome: str,
    *,
    cause: str = CREATED,
    reason: str | None = None,
    added_us: int = 0,
    due_us: int | None = None,
    disruption_id: str | None = None,
    **details: Any,
) -> Line:
    """The `barrier_decision` line a stage writes (docs/log-schema.md: `stage`, `outcome`,
    `reason`, `added_us`, `due_us`, and the stage's details)."""
    data = {
        "stage": stage,
        "outcome": outcome,
        "reason": reason,
        "added_us": added_us,
        "due_us": due_us,
        **details,
    }
    return Line(t_us, "barrier_decision", cause, disruption_id, None, data)


def created(t_us: int, kind: str, sender: str) -> Line:
    """The `delivery_created` line of a delivery."""
    return Line(t_us, "delivery_created", SUBMITTED, None, None, {"kind": kind, "sender": sender})


def delays(
    *,
    channel_latency: int = 0,
    translation_wait: int = 0,
    translation_service: int = 0,
    outage_hold: int = 0,
    office_hours_wait: int = 0,
    other: int = 0,
) -> dict[str, int]:
    """A delivery's delay by component (SPEC §3 `Delivery`)."""
    return {
        "channel_latency": channel_latency,
        "translation_wait": translation_wait,
        "translation_service": translation_service,
        "outage_hold": outage_hold,
        "office_hours_wait": office_hours_wait,
        "other": other,
    }


def delivery(
    envelope: Envelope,
    recipient: str,
    *,
    channel: str | None,
    submitted_us: int,
    due_us: int,
    delivered_us: int,
    delay_us: dict[str, int],
    language: str | None = None,
    certified: bool = False,
    machine: bool = False,
) -> dict[str, Any]:
    """The `delivery` of a `delivered` record: no evidence, no intelligence channel; in
    `language` when translated into it."""
    return {
        "envelope_id": str(envelope.id),
        "recipient": recipient,
        "channel": channel,
        "status": "delivered",
        "evidentiary_status": "not_applicable",
        "intelligence_only": False,
        "inadmissible": False,
        "machine_translated_unverified": machine,
        "certified_translation": certified,
        "language": language or envelope.language,
        "translated_from": envelope.language if language else None,
        "delay_us": delay_us,
        "submitted_us": submitted_us,
        "due_us": due_us,
        "delivered_us": delivered_us,
        "reason": None,
    }


def delivered(t_us: int, envelope: Envelope, record: dict[str, Any]) -> Line:
    """The `delivered` line that ends a delivery."""
    data = {"delivery": record, "kind": envelope.body.kind(), "sender": envelope.sender}
    return Line(t_us, "delivered", CREATED, None, None, data)


def nack_id(bus: Bus, refused: Envelope, recipient: str) -> UUID:
    """The id of the bus's nack of a refused delivery (SPEC §1)."""
    return uuid5(bus.exercise_id, f"nack:{refused.id}:{recipient}")


def nack_envelope(
    bus: Bus,
    refused: Envelope,
    recipient: str,
    t_us: int,
    reason: str,
    detail: str,
    *,
    redirect_to: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    """The whole nack the bus sends back for a refused delivery, as SPEC §5 composes it:
    from `bus` to the sender, no channel, in reply to (and in the thread of) the refused
    envelope, in its language and script, dated when it was refused."""
    return {
        "schema_version": "1",
        "id": str(nack_id(bus, refused, recipient)),
        "exercise_id": str(bus.exercise_id),
        "sender": "bus",
        "recipients": [refused.sender],
        "channel": None,
        "created_at": (STARTEX + timedelta(microseconds=t_us)).isoformat(),
        "case_refs": [str(ref) for ref in refused.case_refs],
        "thread_id": str(refused.thread_id or refused.id),
        "in_reply_to": str(refused.id),
        "derived_from": [],
        "priority": {"level": "normal", "respond_by": None},
        "language": refused.language,
        "script": refused.script,
        "translation_of": None,
        "handling": None,
        "evaluation": None,
        "legal_basis": None,
        "evidentiary_status": "not_applicable",
        "requires_ack": False,
        "attachments": [],
        "risk_to_life": False,
        "body": {
            "kind": "nack",
            "ack_of": str(refused.id),
            "reason": reason,
            "detail": detail,
            "redirect_to": redirect_to,
            "hint": hint,
        },
    }
