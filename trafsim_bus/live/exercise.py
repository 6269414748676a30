"""A live exercise: the bus on the real-time driver, its log, its tokens, the trail of
every message, and the live feeds teams and controllers watch (SPEC §14-15)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import structlog

from trafsim_bus.core.actions import ControlAction
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.inputs import ControlInput, TeamRead, TeamSubmission
from trafsim_bus.core.outputs import ControlReceipt, ReadReceipt, Submission
from trafsim_bus.drivers.realtime import RealtimeDriver, WallClock
from trafsim_bus.errors import BusError
from trafsim_bus.live.tokens import Tokens
from trafsim_bus.live.views import calendar_of
from trafsim_bus.log.records import TRAIL_KINDS, Record
from trafsim_bus.log.trail import Step, step_of
from trafsim_bus.log.writer import EventLogWriter

log = structlog.get_logger(__name__)

FEED_DEPTH = 1000
"""Events a slow subscriber may fall behind by before it is let go."""


@dataclass(eq=False)
class Feed:
    """One subscriber's events: an agency's (its deliveries, its messages' steps, the
    clock), or everything (controller, evaluator)."""

    agency: str | None
    records: bool = False
    """A feed of the log's records themselves (the evaluator's), not of events."""
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(FEED_DEPTH)
    )


def record_json(record: Record) -> dict[str, Any]:
    """A record as the evaluator API gives it: its columns, `data` as logged."""
    document: dict[str, Any] = msgspec.to_builtins(record)
    return document


class LiveExercise:
    """One exercise played live: inputs go through the driver; views read the core."""

    def __init__(
        self,
        bus: Bus,
        writer: EventLogWriter,
        tokens: Tokens,
        *,
        clock: WallClock,
        db: Path,
    ) -> None:
        self.bus = bus
        self.writer = writer
        self.tokens = tokens
        self.db = db
        self.trails: dict[str, dict[str, list[Step]]] = {}
        self.deliveries: dict[tuple[str, str], dict[str, Any]] = {}
        """The delivery record of each (envelope id, recipient) delivered."""
        self.feeds: set[Feed] = set()
        self.driver = RealtimeDriver(bus, writer, clock=clock, on_records=self._records)
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def index(self, records: list[Record]) -> None:
        """Index the trails of a restored log's records (telling nobody)."""
        self._records(records, quiet=True)

    # -- running ------------------------------------------------------------------------

    async def start(self) -> None:
        """Run the driver in the background."""
        self._task = asyncio.create_task(self.driver.run())

    async def stop(self) -> None:
        """Stop (unsealed unless ENDEX came), commit, and close the log; once."""
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None and not self._task.done():
            self.driver.stop()
        if self._task is not None:
            with suppress(asyncio.CancelledError):
                await self._task
        for feed in list(self.feeds):
            with suppress(asyncio.QueueFull):
                feed.queue.put_nowait(None)
        self.writer.close()

    async def finished(self) -> None:
        """Wait until the driver stops (ENDEX, or `stop`)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def now_us(self) -> int:
        """The exercise time the wall clock says now (the core runs events as they fall
        due, so between them it stands at the last one)."""
        clock = self.bus.clock
        if not clock.started or clock.paused or clock.ended:
            return clock.now
        play = self.driver.play_at(self.driver.clock.now())
        if play >= clock.play_end_us:
            return clock.endex_us
        return max(clock.now, clock.play_to_exercise(play))

    @property
    def running(self) -> bool:
        """Whether the driver still runs."""
        return self._task is not None and not self._task.done()

    # -- inputs -------------------------------------------------------------------------

    async def submit(self, agency: str, data: bytes) -> Submission:
        """A team's submission, answered once its records are committed."""
        answer = await self.driver.handle(TeamSubmission(agency, data))
        if not isinstance(answer, Submission):
            raise BusError("the driver answered a submission with something else")
        return answer

    async def read(self, agency: str, envelope_id: UUID) -> ReadReceipt:
        """A team read a message."""
        answer = await self.driver.handle(TeamRead(agency, envelope_id))
        if not isinstance(answer, ReadReceipt):
            raise BusError("the driver answered a read with something else")
        return answer

    async def control(
        self, action: ControlAction, actor: str, document: Mapping[str, Any]
    ) -> ControlReceipt:
        """A controller's action, logged as the document it came as."""
        answer = await self.driver.handle(ControlInput(action, actor, dict(document)))
        if not isinstance(answer, ControlReceipt):
            raise BusError("the driver answered a control action with something else")
        return answer

    # -- feeds --------------------------------------------------------------------------

    def subscribe(self, agency: str | None, *, records: bool = False) -> Feed:
        """A new feed for an agency (None: everything); `records`: every record as it is
        committed."""
        feed = Feed(agency, records)
        self.feeds.add(feed)
        return feed

    def unsubscribe(self, feed: Feed) -> None:
        """The subscriber went away."""
        self.feeds.discard(feed)

    def _publish(self, agency: str | None, event: dict[str, Any], *, record: bool = False) -> None:
        for feed in list(self.feeds):
            if feed.records != record:
                continue
            if feed.agency is None or agency is None or feed.agency == agency:
                try:
                    feed.queue.put_nowait(event)
                except asyncio.QueueFull:
                    log.warning("feed_dropped", agency=feed.agency)
                    self.feeds.discard(feed)

    def _records(self, records: list[Record], *, quiet: bool = False) -> None:
        """Index each delivery's trail; tell each agency what concerns it (events are
        made only for the feeds there are: nobody listening costs nothing)."""
        registry = self.bus.state.registry
        recording = not quiet and any(feed.records for feed in self.feeds)
        telling = not quiet and any(not feed.records for feed in self.feeds)
        label = calendar_of(self.bus).label if telling else None
        for record in records:
            if record.kind in TRAIL_KINDS and record.envelope_id and record.recipient:
                self.trails.setdefault(record.envelope_id, {}).setdefault(
                    record.recipient, []
                ).append(step_of(record))
                if record.kind == "delivered":
                    self.deliveries[record.envelope_id, record.recipient] = record.data["delivery"]
            if recording:
                self._publish(None, {"event": "record", "data": record_json(record)}, record=True)
            if not telling:
                continue
            if record.kind == "clock_changed":
                self._publish(None, {"event": "clock", "data": record.data})
            elif record.kind in TRAIL_KINDS and record.envelope_id and record.recipient:
                envelope = registry.envelopes.get(UUID(record.envelope_id))
                step = {
                    "envelope_id": record.envelope_id,
                    "recipient": record.recipient,
                    "seq": record.seq,
                    "t_us": record.t_us,
                    "when": label(record.t_us) if label else "",
                    "kind": record.kind,
                    "stage": record.data.get("stage"),
                    "outcome": record.data.get("outcome"),
                    "reason": record.data.get("reason"),
                }
                if envelope is not None:
                    self._publish(envelope.sender, {"event": "status", "data": step})
                if record.kind == "delivered":
                    self._publish(record.recipient, {"event": "delivered", "data": step})
            elif record.kind == "exercise_ended":
                self._publish(None, {"event": "ended", "data": {"seq": record.seq}})
