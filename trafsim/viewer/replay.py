"""One log as the viewer holds it: the timeline of its records, the folded states and the
metrics of its prefixes. Read from a log file once, or fed record by record by a live
exercise's evaluator API (`trafsim.viewer.live`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from trafsim.viewer.metrics_panel import MetricsCache
from trafsim.viewer.states import EVERY, States
from trafsim.viewer.timeline import Timeline
from trafsim_bus.core.bus import Bus
from trafsim_bus.errors import LogError
from trafsim_bus.log.reader import reading, rows
from trafsim_bus.log.records import Record


class Replay:
    """A log to play back: its records so far and their states at any seq."""

    def __init__(
        self, records: Iterable[tuple[Record, str | None]], *, source: str, live: bool = False
    ) -> None:
        stream = iter(records)
        first = next(stream, None)
        if first is None:
            raise LogError(f"{source}: the log is empty: there is nothing to replay")
        self.source = source
        self.live = live
        self.timeline = Timeline.of(first[0])
        if first[1] is not None:
            self.timeline.hashes[0] = first[1]
        for record, digest in stream:
            self.timeline.append(record, digest)
        self.states = States(self.timeline.records, EVERY)
        self.metrics = MetricsCache(self.timeline)
        self.state_at(self.timeline.head)  # folds the whole log once: a bad record shows now

    @classmethod
    def of_file(cls, path: Path) -> Replay:
        """The log in a file (read-only; a live one as far as it is committed)."""
        with reading(path) as conn:
            found = list(rows(conn))
        return cls(found, source=str(path))

    def extend(self, records: Iterable[Record]) -> int:
        """Take a live log's new records (those already held are skipped); how many were
        new. A record out of order is a `LogError`."""
        added = 0
        for record in records:
            if record.seq <= self.timeline.head:
                continue
            if record.seq != self.timeline.head + 1:
                raise LogError(
                    f"seq {self.timeline.head + 1}: missing (the next record is seq {record.seq})"
                )
            self.timeline.append(record)
            added += 1
        if added:
            self.state_at(self.timeline.head)
        return added

    def state_at(self, seq: int) -> Bus:
        """The core just after record `seq` (read it before asking for another)."""
        return self.states.at(seq)

    @property
    def sealed(self) -> bool:
        """Whether the exercise has ended (its log is sealed)."""
        return self.timeline.sealed
