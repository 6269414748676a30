"""The shapes the APIs answer with, as msgspec types: each response is converted through
its type before it is sent, and the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Any

import msgspec

from protocols.delivery import Delivery


class SubmissionResult(msgspec.Struct):
    """A submission committed to the log (202; 200 for the same envelope again)."""

    id: str
    outcome: str
    seq: int


class ReadResult(msgspec.Struct):
    """A read logged (`first`: this call logged it)."""

    seq: int
    first: bool


class ControlResult(msgspec.Struct):
    """A control action logged, and where the clock stands after it."""

    seq: int
    action: str
    clock: dict[str, Any]


class ClockView(msgspec.Struct):
    """Where the exercise stands: exercise time, as people read it, and the live clock."""

    started: bool
    paused: bool
    ended: bool
    speed: float
    now_us: int
    now: str
    now_at: str
    """The exercise's calendar moment now (RFC 3339, STARTEX's offset): `created_at`."""
    play_us: int
    endex_us: int
    endex: str


class InboxItem(msgspec.Struct):
    """A message delivered to the agency."""

    seq: int
    envelope_id: str
    kind: str
    sender: str
    priority: str
    case_refs: list[str]
    read: bool
    risk_to_life: bool
    delivered_us: int | None
    delivered: str | None


class Inbox(msgspec.Struct):
    """An agency's inbox, a page at a time (`next_since_seq`: the next page's cursor)."""

    messages: list[InboxItem]
    unread: int
    next_since_seq: int | None


class Step(msgspec.Struct):
    """One step of a delivery's trail."""

    seq: int
    t_us: int
    when: str
    kind: str
    stage: str | None
    outcome: str | None
    reason: str | None
    added_us: int
    detail: str
    hint: str
    disruption_id: str | None
    pool_id: str | None


class Whereabouts(msgspec.Struct, omit_defaults=True):
    """Where a pending delivery stands: its stage; in transit its due time; at a
    translation pool its place in the queue and an ETA (an estimate), or when its
    translator is done; held, by which disruption since when; waiting for a closed office,
    when it opens (or, for an emergency, when the duty officer passes it on)."""

    stage: str
    due_us: int | None = None
    due: str | None = None
    pool: str | None = None
    pool_name: str | None = None
    position: int | None = None
    waiting: int | None = None
    eta_us: int | None = None
    eta: str | None = None
    held_by: str | None = None
    held_since: str | None = None
    description: str | None = None
    duty_officer: bool | None = None


class RecipientView(msgspec.Struct):
    """A delivery: its status, its trail, (pending) where it stands now, and (delivered)
    its delivery record."""

    status: str
    trail: list[Step]
    now: Whereabouts | None
    read: bool
    delivery: Delivery | None = None


class MessageView(msgspec.Struct):
    """A message: the envelope as submitted, and each recipient's delivery."""

    envelope: dict[str, Any]
    recipients: dict[str, RecipientView]


class Route(msgspec.Struct):
    """A channel an agency may use for a type, and to whom."""

    channel: str
    to: list[str]


class Directory(msgspec.Struct):
    """For each message type, the channels the agency may use and to whom."""

    agency: str
    types: dict[str, list[Route]]


class CaseMessage(msgspec.Struct):
    """A message of a case."""

    envelope_id: str
    kind: str
    sender: str
    recipients: list[str]
    sent: bool


class Cases(msgspec.Struct):
    """The agency's cases and their messages."""

    cases: dict[str, list[CaseMessage]]


class ControlStatus(msgspec.Struct):
    """The exercise as the controller sees it."""

    clock: ClockView
    injects: list[dict[str, Any]]
    disruptions: list[dict[str, Any]]
    queues: dict[str, dict[str, int]]
