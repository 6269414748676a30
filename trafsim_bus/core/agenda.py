"""The agenda: what is due next, as typed entries ordered by (exercise time, key).

An entry's key is `(seq, n)`: the seq of the log record that decided it, and its place
among the entries that record decided. The order of simultaneous events therefore follows
the log, and restore rebuilds the very same agenda from the records alone.

Entries anchored to a time of play (what the scenario or a controller schedules: injects,
disruption starts, background arrivals, scenario jumps) move when a controller jumps the
calendar; entries anchored to exercise time (deliveries, translations, wakes, sends) do
not: whatever falls due inside a jump happens at its own time."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from trafsim_bus.core.deliveries import DeliveryKey


@dataclass(frozen=True, slots=True)
class DeliveryDue:
    """A delivery's transit ends: disruptions, then delivery."""

    key: DeliveryKey


@dataclass(frozen=True, slots=True)
class OfficeOpens:
    """A delivery that waits for its closed recipient: the office opens (or, for an
    emergency, the duty officer takes it)."""

    key: DeliveryKey


@dataclass(frozen=True, slots=True)
class TranslationArrival:
    """A delivery reaches the recipient-side translators."""

    key: DeliveryKey


@dataclass(frozen=True, slots=True)
class TranslationDone:
    """A translator finishes a delivery."""

    key: DeliveryKey


@dataclass(frozen=True, slots=True)
class WakeDue:
    """A participant's wake (the seq of its `wake_scheduled`)."""

    seq: int


@dataclass(frozen=True, slots=True)
class SendDue:
    """A participant's scheduled send (the seq of its `send_scheduled`)."""

    seq: int


@dataclass(frozen=True, slots=True)
class JumpDue:
    """A calendar jump of the scenario, at its time of play."""

    at_play_us: int
    by_us: int


@dataclass(frozen=True, slots=True)
class InjectDue:
    """An inject's time of play: it fires, or (conditional) it is armed."""

    inject_id: str


@dataclass(frozen=True, slots=True)
class InjectFire:
    """An armed conditional inject whose event came: it fires."""

    inject_id: str


@dataclass(frozen=True, slots=True)
class DisruptionStart:
    """A disruption comes into force."""

    disruption_id: str


@dataclass(frozen=True, slots=True)
class DisruptionEnd:
    """A disruption's time is up."""

    disruption_id: str


@dataclass(frozen=True, slots=True)
class BackgroundDue:
    """The next message of a background stream."""

    stream: int
    i: int


Payload = (
    DeliveryDue
    | OfficeOpens
    | TranslationArrival
    | TranslationDone
    | WakeDue
    | SendDue
    | JumpDue
    | InjectDue
    | InjectFire
    | DisruptionStart
    | DisruptionEnd
    | BackgroundDue
)
Key = tuple[int, int]


@dataclass(order=True, slots=True)
class Entry:
    """One scheduled event; `play_us` is set for entries anchored to a time of play."""

    t_us: int
    key: Key
    payload: Payload = field(compare=False)
    play_us: int | None = field(default=None, compare=False)


class Agenda:
    """A min-heap of entries by (time, key).

    The heap holds `(t_us, key, entry)` tuples, which compare in C where entries would
    compare through their dataclass `__lt__` (issue 12); the order is the same, since a
    tuple compares by (t_us, key) first and falls back on the entry only where an
    entry's own comparison would find the two equal."""

    __slots__ = ("_heap",)

    def __init__(self, entries: list[Entry] | None = None) -> None:
        self._heap: list[tuple[int, Key, Entry]] = []
        self.reset(entries or [])

    def push(self, t_us: int, key: Key, payload: Payload, *, play_us: int | None = None) -> None:
        """Schedule `payload` at exercise time `t_us` (anchored to `play_us` if given)."""
        heapq.heappush(self._heap, (t_us, key, Entry(t_us, key, payload, play_us)))

    def peek(self) -> Entry | None:
        """The next entry, or None."""
        return self._heap[0][2] if self._heap else None

    def pop(self) -> Entry:
        """Remove and return the next entry."""
        return heapq.heappop(self._heap)[2]

    def shift_play_anchored(self, by_us: int) -> None:
        """A controller's calendar jump: every entry anchored to play moves by `by_us`."""
        entries = [entry for _, _, entry in self._heap]
        for entry in entries:
            if entry.play_us is not None:
                entry.t_us += by_us
        self.reset(entries)

    def reset(self, entries: list[Entry]) -> None:
        """Hold exactly `entries` (a restored core's agenda, derived from its state)."""
        self._heap = [(entry.t_us, entry.key, entry) for entry in entries]
        heapq.heapify(self._heap)

    def entries(self) -> list[Entry]:
        """Every entry, in order (for snapshots and tests)."""
        return [entry for _, _, entry in sorted(self._heap)]

    def __len__(self) -> int:
        return len(self._heap)
