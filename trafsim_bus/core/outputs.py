"""What the core hands back: deliveries and wakes for participants, answers to inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from protocols import Delivery, Envelope


@dataclass(frozen=True, slots=True)
class Delivered:
    """A delivery to hand to the recipient's participant."""

    recipient: str
    delivery: Delivery
    envelope: Envelope
    seq: int


@dataclass(frozen=True, slots=True)
class WakeFired:
    """A wake to hand back to the participant that asked for it."""

    agency: str
    token: str
    due_us: int
    seq: int


Output = Delivered | WakeFired


@dataclass(frozen=True, slots=True)
class Submission:
    """The synchronous answer to a submission: accepted, a duplicate, or refused (with the
    envelope-level reason and a sentence)."""

    outcome: Literal["submitted", "duplicate_ignored", "refused"]
    seq: int
    reason: str | None = None
    detail: str | None = None
    envelope_id: UUID | None = None

    @property
    def accepted(self) -> bool:
        """The envelope entered the bus (a duplicate counts as accepted once)."""
        return self.outcome in ("submitted", "duplicate_ignored")


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """The answer to a read: the seq of the `message_read` record (the first read's, when
    the message was read before)."""

    seq: int
    first: bool


@dataclass(frozen=True, slots=True)
class ControlReceipt:
    """The answer to a control action: the seq of its `control_action` record."""

    seq: int
    action: str
