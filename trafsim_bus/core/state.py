"""Everything restore must rebuild, as plain typed values (docs/architecture.md).

The core's components (pipeline, MSEL, disruptions, control) work on these values; the
log's records are enough to rebuild every one of them (`trafsim_bus.core.restore`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from protocols import Envelope
from trafsim_bus.core.agenda import Agenda
from trafsim_bus.core.clock import CalendarJump, Clock
from trafsim_bus.core.consent import ConsentBook
from trafsim_bus.core.deliveries import DeliveryKey, PendingDelivery
from trafsim_bus.core.disruptions import Disruptions
from trafsim_bus.core.msel import MselState
from trafsim_bus.core.translation import PoolState
from trafsim_bus.log.records import Origin
from trafsim_bus.scenario.model import EXCON, Scenario


@dataclass(slots=True)
class Registry:
    """What was submitted and delivered: idempotency digests, the reply index, the consent
    book, H2 parties, deliveries made and reads."""

    digests: dict[UUID, bytes] = field(default_factory=dict)
    submitted: dict[UUID, int] = field(default_factory=dict)
    """Seq of each `envelope_submitted` (a duplicate is answered with the first's)."""
    envelopes: dict[UUID, Envelope] = field(default_factory=dict)
    by_kind: dict[str, list[Envelope]] = field(default_factory=dict)
    consents: ConsentBook = field(default_factory=ConsentBook)
    restricted: dict[UUID, frozenset[str]] = field(default_factory=dict)
    delivered: dict[DeliveryKey, int] = field(default_factory=dict)
    """Seq of each `delivered` record."""
    reads: dict[DeliveryKey, int] = field(default_factory=dict)
    """Seq of each `message_read` record."""
    planted: dict[UUID, str] = field(default_factory=dict)
    """Envelopes a playbook sent wrong on purpose → the scenario parameter it drew under."""

    def register(
        self, envelope: Envelope, digest: bytes, seq: int, planted: str | None = None
    ) -> None:
        """Note a submitted envelope: its digest and seq, its kind, its consent, its H2
        parties, and the teaching error it was sent under."""
        if planted is not None:
            self.planted[envelope.id] = planted
        self.digests[envelope.id] = digest
        self.submitted[envelope.id] = seq
        self.envelopes[envelope.id] = envelope
        self.by_kind.setdefault(envelope.body.kind(), []).append(envelope)
        self.consents.record(envelope)
        if envelope.handling is not None and "H2" in envelope.handling.codes:
            self.restricted[envelope.id] = frozenset((envelope.sender, *envelope.recipients))

    def newest(self, kind: str, sender: str | None, case: str | None) -> Envelope | None:
        """The newest submitted envelope of `kind` (from `sender`, in `case`), if any."""
        for envelope in reversed(self.by_kind.get(kind, [])):
            if sender is not None and envelope.sender != sender:
                continue
            if case is not None and case not in envelope.case_refs:
                continue
            return envelope
        return None


@dataclass(frozen=True, slots=True)
class ScheduledWake:
    """A participant asked to be woken with `token` at `due_us`."""

    agency: str
    token: str
    due_us: int


@dataclass(frozen=True, slots=True)
class ScheduledSend:
    """A participant will submit `envelope` at `due_us`, after its work time."""

    agency: str
    origin: Origin
    envelope: Envelope
    due_us: int
    planted: str | None = None


@dataclass(frozen=True, slots=True)
class BackgroundNext:
    """The next message of a background stream: its number and time of play."""

    i: int
    play_us: int
    key: tuple[int, int]


@dataclass(slots=True)
class BusState:
    """The whole state of one exercise's core."""

    clock: Clock
    agenda: Agenda = field(default_factory=Agenda)
    next_seq: int = 0
    registry: Registry = field(default_factory=Registry)
    pending: dict[DeliveryKey, PendingDelivery] = field(default_factory=dict)
    pools: dict[str, PoolState] = field(default_factory=dict)
    disruptions: Disruptions = field(default_factory=lambda: Disruptions(0))
    msel: MselState = field(default_factory=MselState)
    wakes: dict[int, ScheduledWake] = field(default_factory=dict)
    """By the seq of their `wake_scheduled`."""
    sends: dict[int, ScheduledSend] = field(default_factory=dict)
    """By the seq of their `send_scheduled`."""
    background: dict[int, BackgroundNext] = field(default_factory=dict)
    """By stream index."""
    simcell: set[str] = field(default_factory=set)
    """Agencies played by their SIMCELL playbook now."""
    jumps_taken: int = 0
    """How many of the scenario's jumps the clock has passed."""
    phase: Literal["new", "begun"] = "new"

    @classmethod
    def initial(
        cls, scenario: Scenario, seed: int, *, live: bool, simcell: set[str] | None
    ) -> BusState:
        """The state before STARTEX: the scenario's pools and jumps, nothing sent."""
        clock = Clock(
            play_end_us=scenario.play_us,
            jumps=[CalendarJump(j.at_play_us, j.by_us, "scenario") for j in scenario.jumps],
            started=not live,
        )
        everyone = {agency for agency in scenario.agencies if agency != EXCON}
        return cls(
            clock=clock,
            pools={pool.id: PoolState.of(pool) for pool in scenario.pools},
            disruptions=Disruptions(seed),
            simcell=everyone if simcell is None else set(simcell) & everyone,
        )
