"""What the bus hands back: deliveries and wakes for participants, answers to submitters."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Submission:
    """The synchronous answer to a submission: accepted, a duplicate, or refused."""

    outcome: str
    seq: int
    reason: str | None = None
    detail: str | None = None

    @property
    def accepted(self) -> bool:
        """The envelope entered the bus (a duplicate counts as accepted once)."""
        return self.outcome in ("submitted", "duplicate_ignored")
