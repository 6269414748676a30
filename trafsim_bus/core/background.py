"""Background traffic: Poisson streams of routine messages between agencies (SPEC §9)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from protocols import Envelope
from trafsim_bus.core.agenda import BackgroundDue, Entry, Key
from trafsim_bus.core.composer import compose, exercise_datetime
from trafsim_bus.core.ids import derived_uuid
from trafsim_bus.core.pipeline import Pipeline
from trafsim_bus.core.rng import exponential, uniform
from trafsim_bus.core.state import BackgroundNext, BusState
from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import HOUR


class BackgroundTraffic:
    """Submits each stream's messages at their times of play, one after the other."""

    def __init__(
        self,
        scenario: Scenario,
        state: BusState,
        pipeline: Pipeline,
        *,
        seed: int,
        exercise_id: UUID,
    ) -> None:
        self.scenario = scenario
        self.state = state
        self.pipeline = pipeline
        self.seed = seed
        self.exercise_id = exercise_id
        self._composed: dict[int, Envelope] = {}
        """Each stream's first envelope: the others differ from it only in id and time."""

    def on_due(self, due: BackgroundDue, entry: Entry) -> None:
        """A stream's next message is due: submit it and schedule the one after."""
        stream = self.scenario.background[due.stream]
        play_us = entry.play_us or 0
        envelope_id = derived_uuid(self.exercise_id, f"background:{stream.id}:{due.i}")
        created_at = exercise_datetime(self.scenario, self.state.clock.now)
        first = self._composed.get(due.stream)
        if first is None:
            envelope = self._composed[due.stream] = compose(
                self.exercise_id,
                envelope_id,
                sender=stream.sender,
                recipients=stream.recipients,
                channel=stream.channel,
                body=stream.body,
                fields=dict(stream.envelope),
                created_at=created_at,
            )
        else:
            # What compose would make (checked once per stream; the body is shared
            # as compose shares it; issue 12).
            envelope = msgspec.structs.replace(first, id=envelope_id, created_at=created_at)
        result = self.pipeline.submit(
            envelope,
            origin="background",
            as_agency=stream.sender,
            extra={"background": {"stream": stream.id, "i": due.i, "play_us": play_us}},
        )
        self.schedule(due.stream, due.i + 1, play_us, (result.seq, 0))

    def schedule(self, index: int, i: int, after_play_us: int, key: Key) -> None:
        """Put stream `index`'s i-th message on the agenda (none at or after the end of play)."""
        upcoming = next_background(self.scenario, self.seed, index, i, after_play_us, key)
        if upcoming is None:
            self.state.background.pop(index, None)
            return
        self.state.background[index] = upcoming
        self.state.agenda.push(
            self.state.clock.play_to_exercise(upcoming.play_us),
            upcoming.key,
            BackgroundDue(index, i),
            play_us=upcoming.play_us,
        )


def next_background(
    scenario: Scenario, seed: int, index: int, i: int, after_play_us: int, key: Key
) -> BackgroundNext | None:
    """The i-th message of a background stream (Poisson arrivals, counter-based draws),
    or None when it would fall at or after the end of play."""
    stream = scenario.background[index]
    u = uniform(seed, f"background:{stream.id}", str(i))
    gap = round(exponential(u, stream.rate_per_hour) * HOUR)
    play_us = after_play_us + max(gap, 1)
    if play_us >= scenario.play_us:
        return None
    return BackgroundNext(i, play_us, key)
