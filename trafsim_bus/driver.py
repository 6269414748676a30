"""The virtual-time driver: jump the clock from event to event, playbooks react at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from trafsim_bus.core import Bus
from trafsim_bus.log.writer import EventLogWriter
from trafsim_bus.outputs import Delivered
from trafsim_bus.participants import Participant

log = structlog.get_logger(__name__)

COMMIT_EVERY = 4096
"""Records per transaction in virtual time (and a last commit at ENDEX)."""

Progress = Callable[[int, int], None]
"""Called with (exercise time now, ENDEX) as the run advances."""


class VirtualDriver:
    """Runs a bus to ENDEX with every agency played in-process, no sockets, no waiting."""

    def __init__(
        self,
        bus: Bus,
        participants: Mapping[str, Participant],
        writer: EventLogWriter | None = None,
        *,
        progress: Progress | None = None,
        observer: Callable[[Bus], None] | None = None,
    ) -> None:
        self.bus = bus
        self.participants = participants
        self.writer = writer
        self.progress = progress
        self.observer = observer

    def run(self, *, until_us: int | None = None) -> None:
        """Play from STARTEX to ENDEX (or stop, unsealed, after `until_us`)."""
        bus = self.bus
        bus.start()
        self._settle()
        endex = bus.scenario.endex_us
        log.debug("run_started", exercise=str(bus.exercise_id), endex_us=endex)
        while (t := bus.next_time()) is not None:
            if until_us is not None and t > until_us:
                self._flush(commit=True)
                return
            bus.step()
            self._settle()
            if self.progress is not None:
                self.progress(t, endex)
        bus.finish()
        self._flush(commit=True)
        if self.progress is not None:
            self.progress(endex, endex)

    def _settle(self) -> None:
        """Hand outputs to participants until none are left, then maybe commit."""
        bus = self.bus
        while outputs := bus.take_outputs():
            for output in outputs:
                if isinstance(output, Delivered):
                    participant = self.participants.get(output.recipient)
                    if participant is None:
                        continue
                    actions = participant.on_delivery(output.delivery, output.envelope, bus.now)
                    bus.apply(output.recipient, actions, cause_seq=output.seq)
                else:
                    participant = self.participants.get(output.agency)
                    if participant is None:
                        continue
                    actions = participant.on_wake(output.token, bus.now)
                    bus.apply(output.agency, actions, cause_seq=output.seq)
        if self.observer is not None:
            self.observer(bus)
        self._flush(commit=len(bus.records) >= COMMIT_EVERY)

    def _flush(self, *, commit: bool) -> None:
        if self.writer is None or not commit:
            return
        self.writer.append(self.bus.take_records())
        self.writer.commit()
