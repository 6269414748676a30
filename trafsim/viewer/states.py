"""The core's state after any record of a log: the fold of the prefix (SPEC §14's restore
rules, without the agenda or the playbooks, which a viewer never runs). A checkpoint is
kept every `every` records, so that reaching any seq costs one checkpoint's load and at
most `every` folds; a cursor moves forward in place, so that playback costs one fold per
new record."""

from __future__ import annotations

import bisect
import pickle
from typing import Final

from trafsim_bus.core.bus import Bus
from trafsim_bus.core.fold import Fold
from trafsim_bus.core.restore import new_bus, read_header
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record

EVERY: Final = 512
"""Records between checkpoints: loading one costs about as much as folding ~1000."""


class States:
    """Folded states of one log, by seq; the log may grow (`Timeline.append`) and the
    states follow it."""

    def __init__(self, records: list[Record], every: int = EVERY) -> None:
        if not records:
            raise LogError("the log is empty: there is nothing to replay")
        self.records = records
        self.every = every
        bus = new_bus(read_header(records[0]), None)
        bus.schedule_scenario()
        scheduled = bus.take_records()
        if records[: len(scheduled)] != scheduled:
            raise LogError("the log's first records differ from what this trafsim schedules")
        self.first = len(scheduled) - 1
        """The first seq a state exists for: the scenario's schedule is made at once."""
        self._cursor = Fold(bus)
        self._cursor_seq = self.first
        self._checkpoints: dict[int, bytes] = {}
        self._keep()

    def at(self, seq: int) -> Bus:
        """The core as it stood just after record `seq` (the schedule's records all give
        the state after the schedule). The bus returned is the viewer's own cursor: read
        it before asking for another seq."""
        seq = max(seq, self.first)
        if seq >= len(self.records):
            raise LogError(f"seq {seq}: the log has no such record yet")
        if self._cursor_seq > seq or seq - self._cursor_seq > self.every:
            marks = sorted(self._checkpoints)
            mark = marks[bisect.bisect_right(marks, seq) - 1]
            if self._cursor_seq > seq or mark > self._cursor_seq:
                self._cursor = pickle.loads(self._checkpoints[mark])
                self._cursor_seq = mark
        while self._cursor_seq < seq:
            self._cursor_seq += 1
            self._cursor.apply(self.records[self._cursor_seq])
            if self._cursor_seq % self.every == 0:
                self._keep()
        return self._cursor.bus

    def _keep(self) -> None:
        if self._cursor_seq not in self._checkpoints:
            self._checkpoints[self._cursor_seq] = pickle.dumps(
                self._cursor, protocol=pickle.HIGHEST_PROTOCOL
            )

    @property
    def checkpoints(self) -> int:
        """How many checkpoints are kept."""
        return len(self._checkpoints)
