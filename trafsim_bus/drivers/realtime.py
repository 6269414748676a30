"""The real-time driver: the core on a scaled wall clock, with inputs from an asyncio queue.

While the clock runs, time of play = play at the last anchor + wall time since × speed; a
start, resume, speed change, skip or jump re-anchors it; paused, it stands. Each input is
handed to the core after everything due by the wall time now, and the records it made
are committed before its answer is given (a submission acknowledged is in the log).
Inputs that wait together are handed over one by one and committed together, in one
transaction (group commit): the same records as one by one, fewer commits. The wall
clock is injected: `MonotonicClock` in service, `ManualClock` in tests. It measures
lateness (wall time handled minus wall time due) for the benchmarks."""

from __future__ import annotations

import asyncio
from array import array
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from trafsim_bus.core.actions import End, Jump, Pause, Resume, Skip, Speed, Start
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.inputs import ControlInput, Input
from trafsim_bus.core.outputs import ControlReceipt, Output, ReadReceipt, Submission
from trafsim_bus.errors import BusError, DriverStoppedError, ExerciseClosedError
from trafsim_bus.log.records import Record
from trafsim_bus.log.writer import EventLogWriter
from trafsim_bus.timebase import SECOND

log = structlog.get_logger(__name__)

Answer = Submission | ReadReceipt | ControlReceipt
RE_ANCHOR = (Start, Resume, Speed, Skip, Jump)
BATCH = 64
"""The most inputs committed in one transaction."""


class WallClock(Protocol):
    """Where the driver reads wall time (seconds, monotonic) and waits for it."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once `now()` has reached `deadline`."""
        ...


class MonotonicClock:
    """The event loop's monotonic clock."""

    def now(self) -> float:
        """Seconds on the loop's clock."""
        return asyncio.get_running_loop().time()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the loop's clock reaches `deadline`."""
        await asyncio.sleep(max(0.0, deadline - self.now()))


class ManualClock:
    """A wall clock that moves only when told to (tests and benchmarks): no real sleeps."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        """The time it was last moved to."""
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        """Wait until `advance` moves the clock to `deadline`."""
        if deadline <= self._now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        sleeper = (deadline, future)
        self._sleepers.append(sleeper)
        try:
            await future
        finally:
            if sleeper in self._sleepers:
                self._sleepers.remove(sleeper)

    @property
    def sleeping(self) -> int:
        """How many wait for a later time."""
        return len(self._sleepers)

    def advance(self, seconds: float) -> None:
        """Move the clock on, waking whoever sleeps until then."""
        self._now += seconds
        waiting = []
        for deadline, future in self._sleepers:
            if deadline <= self._now:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((deadline, future))
        self._sleepers = waiting


@dataclass
class _Queued:
    """An input waiting for the driver, and where its answer goes."""

    item: Input | None
    answer: asyncio.Future[Answer | None]


@dataclass
class Lateness:
    """How late the driver handled what fell due: wall seconds after its wall due time."""

    samples: array[float] = field(default_factory=lambda: array("d"))

    def add(self, seconds: float) -> None:
        """Note one event's lateness (never below zero)."""
        self.samples.append(max(0.0, seconds))

    def quantile(self, q: float) -> float | None:
        """The q-quantile of the samples (nearest rank), or None without samples."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class RealtimeDriver:
    """Runs one bus against the wall clock until ENDEX, or until stopped."""

    def __init__(
        self,
        bus: Bus,
        writer: EventLogWriter | None = None,
        *,
        clock: WallClock,
        on_outputs: Callable[[list[Output]], None] | None = None,
        on_records: Callable[[list[Record]], None] | None = None,
    ) -> None:
        self.bus = bus
        self.writer = writer
        self.clock = clock
        self.on_outputs = on_outputs
        self.on_records = on_records
        self.records: list[Record] = []
        """Records made so far, when there is no writer (tests)."""
        self.lateness = Lateness()
        self.commits = 0
        """Transactions committed (none without a writer)."""
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue()
        self._stopping = False
        self._done = False
        self._anchor_wall = 0.0
        self._anchor_play = 0

    # -- for the service around it ------------------------------------------------------

    async def handle(self, item: Input) -> Answer:
        """Hand an input over and wait for its answer, given once its records are
        committed; the core's refusals (`BusError`) are raised here."""
        answer = await self._enqueue(item)
        if answer is None:
            raise RuntimeError("the driver answered an input with nothing")
        return answer

    async def sync(self) -> None:
        """Wait until the driver has caught up with the wall clock now."""
        if not self._done:
            await self._enqueue(None)

    def stop(self) -> None:
        """Stop after the input in hand (the log stays unsealed, ready for `--resume`)."""
        self._stopping = True
        self._queue.put_nowait(_Queued(None, asyncio.get_running_loop().create_future()))

    def wall_eta(self, t_us: int) -> float | None:
        """The wall time at which exercise time `t_us` comes (None while paused or before
        the start): a speed change moves it, the exercise time stays."""
        clock = self.bus.clock
        if not clock.started or clock.paused or clock.ended:
            return None
        play = clock.exercise_to_play(t_us)
        return self._anchor_wall + (play - self._anchor_play) / (clock.speed * SECOND)

    def play_at(self, wall: float) -> int:
        """The time of play the wall clock says now (the clock's stand while paused)."""
        clock = self.bus.clock
        if not clock.started or clock.paused:
            return self._anchor_play
        return self._anchor_play + round((wall - self._anchor_wall) * clock.speed * SECOND)

    async def pause_on_resume(self, actor: str = "trafsim") -> None:
        """A restored exercise comes back paused: log a pause if its clock was running."""
        clock = self.bus.clock
        if clock.started and not clock.paused and not clock.ended:
            await self.handle(ControlInput(Pause(), actor))

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Play until ENDEX (the log sealed) or `stop()` (unsealed)."""
        bus = self.bus
        if bus.state.phase == "new":
            bus.begin()
        self._anchor()
        self._flush()
        log.info("live_run_started", exercise=str(bus.exercise_id), speed=bus.clock.speed)
        try:
            while not bus.ended and not self._stopping:
                queued = await self._next_input(self._deadline())
                batch = [] if queued is None else self._batch(queued)
                try:
                    if not batch:
                        self._catch_up()
                        self._flush()
                    else:
                        self._handle(batch)
                except Exception as exc:
                    for waiting in batch:
                        if not waiting.answer.done():
                            waiting.answer.set_exception(exc)
                    log.exception("live_run_failed", exercise=str(bus.exercise_id))
                    raise
        finally:
            self._done = True
            self._flush()
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if not pending.answer.done():
                    pending.answer.set_exception(
                        ExerciseClosedError("exercise_ended") if bus.ended else DriverStoppedError()
                    )
        log.info("live_run_stopped", sealed=bus.ended, records=bus.recorder.next_seq)

    async def _enqueue(self, item: Input | None) -> Answer | None:
        if self._done:
            if self.bus.ended:
                raise ExerciseClosedError("exercise_ended")
            raise DriverStoppedError()
        future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Queued(item, future))
        return await future

    def _deadline(self) -> float | None:
        """The wall time of the next event (None while the clock stands)."""
        bus = self.bus
        if not bus.clock.started or bus.clock.paused:
            return None
        t = bus.next_time()
        return self.wall_eta(bus.clock.endex_us if t is None else t)

    async def _next_input(self, deadline: float | None) -> _Queued | None:
        if not self._queue.empty():
            return self._queue.get_nowait()
        getter = asyncio.ensure_future(self._queue.get())
        waiters: set[asyncio.Future[object]] = {getter}  # type: ignore[arg-type]
        sleeper = None
        if deadline is not None:
            sleeper = asyncio.ensure_future(self.clock.sleep_until(deadline))
            waiters.add(sleeper)  # type: ignore[arg-type]
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if sleeper is not None and not sleeper.done():
            sleeper.cancel()
            with suppress(asyncio.CancelledError):
                await sleeper
        if getter in done:
            return getter.result()
        getter.cancel()
        with suppress(asyncio.CancelledError):
            await getter
        return None

    def _catch_up(self) -> None:
        """Run everything the wall clock says is due, noting how late each event is."""
        bus = self.bus
        clock = bus.clock
        if not clock.started or clock.paused or clock.ended:
            return
        wall = self.clock.now()
        play = self.play_at(wall)
        target = clock.endex_us if play >= clock.play_end_us else clock.play_to_exercise(play)
        while not bus.ended and (t := bus.next_time()) is not None and t <= target:
            due = self.wall_eta(t)
            if due is not None:
                self.lateness.add(wall - due)
            bus.advance_to(t)
        if not bus.ended and target > bus.now:
            bus.advance_to(target)

    def _batch(self, first: _Queued) -> list[_Queued]:
        """The input in hand and those waiting behind it (none once stopping)."""
        batch = [first]
        while not self._stopping and len(batch) < BATCH and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    def _handle(self, batch: list[_Queued]) -> None:
        """Hand each input over in turn, after what fell due before it; commit what they
        all recorded at once; then answer each (a failure answers them all with it)."""
        answers: list[tuple[_Queued, Answer | BusError | None]] = []
        for queued in batch:
            if self.bus.ended:
                answers.append((queued, ExerciseClosedError("exercise_ended")))
                continue
            self._catch_up()
            answers.append((queued, self._apply(queued.item)))
        self._flush()
        for queued, result in answers:
            if queued.answer.done():
                continue
            if isinstance(result, BusError):
                queued.answer.set_exception(result)
            else:
                queued.answer.set_result(result)

    def _apply(self, item: Input | None) -> Answer | BusError | None:
        """One input to the core: its answer, or the core's refusal (None: a sync)."""
        if item is None:
            return None
        try:
            result = self.bus.apply_input(item)
        except BusError as exc:
            return exc
        if isinstance(item, ControlInput) and isinstance(item.action, (*RE_ANCHOR, Pause, End)):
            self._anchor()
        return result

    def _anchor(self) -> None:
        """Tie the time of play now to the wall time now."""
        self._anchor_wall = self.clock.now()
        self._anchor_play = self.bus.clock.play_now

    def _flush(self) -> None:
        """Commit what the core recorded, then hand team outputs on."""
        records = self.bus.take_records()
        if records:
            if self.writer is None:
                self.records.extend(records)
            else:
                self.writer.append(records)
                self.writer.commit()
                self.commits += 1
            if self.on_records is not None:
                self.on_records(records)
        outputs = self.bus.take_outputs()
        if outputs and self.on_outputs is not None:
            self.on_outputs(outputs)
