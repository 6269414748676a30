"""The virtual-time driver: jump the clock from event to event, inputs at their times.

Playbooks settle inside the core after every event and input, so a run here and a live
run fed the same inputs make the same records. No sockets, no waiting."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import structlog

from trafsim_bus.core.bus import Bus
from trafsim_bus.core.inputs import Input
from trafsim_bus.core.outputs import ControlReceipt, ReadReceipt, Submission
from trafsim_bus.errors import BusError
from trafsim_bus.log.writer import EventLogWriter

log = structlog.get_logger(__name__)

COMMIT_EVERY = 4096
"""Records per transaction in virtual time (and a last commit at the end)."""

RUN_GC_THRESHOLD = (100_000, 50, 100)
"""The cyclic garbage collector's thresholds while a run plays (issue 12): the core makes
many small objects and keeps most (records, pending deliveries, the registry) but makes
almost no reference cycles, so the default thresholds (700, 10, 10) spend a third of a
long run traversing live objects for nothing. Raised for the run, restored after it."""

Progress = Callable[[int, int], None]
"""Called with (exercise time now, ENDEX) as the run advances."""
Result = Submission | ReadReceipt | ControlReceipt | BusError
"""What became of an input: the core's answer, or the error it refused it with."""
TimedInput = tuple[int, Input]
"""An input and the exercise time it arrives at."""


class VirtualDriver:
    """Runs a bus in virtual time: events as they fall due, inputs at their times."""

    def __init__(
        self,
        bus: Bus,
        writer: EventLogWriter | None = None,
        *,
        progress: Progress | None = None,
        observer: Callable[[Bus], None] | None = None,
    ) -> None:
        self.bus = bus
        self.writer = writer
        self.progress = progress
        self.observer = observer
        self.inputs_done = 0
        """How many inputs the core has been handed so far (observers read it)."""

    def run(
        self, *, inputs: Iterable[TimedInput] = (), until_us: int | None = None
    ) -> list[Result]:
        """Play from STARTEX (or where the bus stands) to ENDEX, handing over each input at
        its exercise time after everything due by then; stop unsealed at `until_us` if
        given. Returns what became of each input handed over."""
        with _collector_tuned():
            return self._run(inputs, until_us)

    def _run(self, inputs: Iterable[TimedInput], until_us: int | None) -> list[Result]:
        bus = self.bus
        if bus.state.phase == "new":
            bus.begin()
            self._step_done()
        log.debug("run_started", exercise=str(bus.exercise_id), endex_us=bus.clock.endex_us)
        results: list[Result] = []
        for t_us, item in inputs:
            if bus.ended or (until_us is not None and t_us > until_us):
                break
            self._advance(t_us)
            try:
                results.append(bus.apply_input(item))
            except BusError as exc:
                results.append(exc)
            self.inputs_done += 1
            self._step_done()
        self._advance(bus.clock.endex_us if until_us is None else until_us)
        self._flush(commit=True)
        if self.progress is not None and bus.ended:
            self.progress(bus.clock.endex_us, bus.clock.endex_us)
        return results

    def _advance(self, t_us: int) -> None:
        """Run event by event up to `t_us` (ENDEX seals)."""
        bus = self.bus
        if not bus.clock.started:
            return
        while not bus.ended and (t := bus.next_time()) is not None and t <= t_us:
            bus.advance_to(t)
            self._step_done()
            if self.progress is not None:
                self.progress(t, bus.clock.endex_us)
        if not bus.ended and t_us > bus.now:
            bus.advance_to(t_us)
            self._step_done()

    def _step_done(self) -> None:
        self.bus.take_outputs()
        if self.observer is not None:
            self.observer(self.bus)
        self._flush(commit=len(self.bus.recorder.records) >= COMMIT_EVERY)

    def _flush(self, *, commit: bool) -> None:
        if self.writer is None or not commit:
            return
        self.writer.append(self.bus.take_records())
        self.writer.commit()


@contextmanager
def _collector_tuned() -> Iterator[None]:
    """Run with the collector's thresholds at least `RUN_GC_THRESHOLD` (a caller's higher
    ones, or 0 for automatic collection off, are kept), then put them back as they were."""
    previous = gc.get_threshold()
    if previous[0] != 0:
        gc.set_threshold(
            *(max(ours, theirs) for ours, theirs in zip(RUN_GC_THRESHOLD, previous, strict=True))
        )
    try:
        yield
    finally:
        gc.set_threshold(*previous)
