"""The participant interface: how playbooks (and, later, team nodes) meet the bus.

A participant is synchronous and sans-I/O. It is handed each delivery addressed to its
agency and each wake it asked for, and answers with actions: messages to send (now or
after its work time) and wakes to be called back with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from protocols import Delivery, Envelope


@dataclass(frozen=True, slots=True)
class Send:
    """Submit `envelope` after `after_us` of the agency's work time; `planted` names the
    scenario parameter under which a playbook sends it wrong on purpose (a teaching error
    such as `wrong_route_share`), so that its refusal is logged as intended."""

    envelope: Envelope
    after_us: int = 0
    planted: str | None = None


@dataclass(frozen=True, slots=True)
class Wake:
    """Call the participant back with `token` after `after_us`."""

    token: str
    after_us: int


Action = Send | Wake


class Participant(Protocol):
    """What plays one agency: a SIMCELL playbook, or a team's node."""

    agency: str

    def on_delivery(self, delivery: Delivery, envelope: Envelope, now_us: int) -> list[Action]:
        """React to a message delivered to the agency."""
        ...

    def on_wake(self, token: str, now_us: int) -> list[Action]:
        """React to a wake the participant asked for."""
        ...
