"""The event heap: what is due next, ordered by (exercise time, sequence number)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any


@dataclass(order=True, slots=True)
class Scheduled:
    """One scheduled event. Ties in time break on the order of scheduling."""

    t_us: int
    sequence: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False)


class EventHeap:
    """A min-heap of scheduled events; the sequence counter makes ties deterministic."""

    __slots__ = ("_heap", "_sequence")

    def __init__(self) -> None:
        self._heap: list[Scheduled] = []
        self._sequence = 0

    def push(self, t_us: int, kind: str, payload: Any = None) -> Scheduled:
        """Schedule an event at `t_us`."""
        item = Scheduled(t_us, self._sequence, kind, payload)
        self._sequence += 1
        heapq.heappush(self._heap, item)
        return item

    def peek_time(self) -> int | None:
        """The time of the next event, or None when nothing is scheduled."""
        return self._heap[0].t_us if self._heap else None

    def pop(self) -> Scheduled:
        """Remove and return the next event."""
        return heapq.heappop(self._heap)

    def __len__(self) -> int:
        return len(self._heap)
