"""Disruptions coming into force and ending: their records, the capacity of the pools they
change, and the deliveries their end releases (SPEC §8)."""

from __future__ import annotations

from trafsim_bus.core.agenda import DisruptionEnd, DisruptionStart, Key
from trafsim_bus.core.disruptions import DisruptionState
from trafsim_bus.core.pipeline import Pipeline
from trafsim_bus.core.recorder import Recorder
from trafsim_bus.core.state import BusState
from trafsim_bus.log.records import Origin


class DisruptionEvents:
    """Schedules, starts and heals disruptions."""

    def __init__(self, state: BusState, recorder: Recorder, pipeline: Pipeline) -> None:
        self.state = state
        self.recorder = recorder
        self.pipeline = pipeline

    def schedule(self, state: DisruptionState, key: Key) -> None:
        """Put a disruption on the agenda at its time of play (it must have one)."""
        disruption = state.disruption
        self.state.disruptions.scheduled[disruption.id] = state
        state.start_key = key
        start = disruption.start_play_us
        if start is not None:
            self.state.agenda.push(
                self.state.clock.play_to_exercise(start),
                key,
                DisruptionStart(disruption.id),
                play_us=start,
            )

    def start(self, disruption_id: str, *, origin: Origin, cause: int | None) -> None:
        """A disruption comes into force now."""
        state = self.state.disruptions.start(disruption_id, self.state.clock.now)
        disruption = state.disruption
        seq = self.recorder.log(
            "disruption_started",
            origin,
            cause,
            disruption_id=disruption.id,
            data={
                "type": disruption.type,
                "attributes": dict(disruption.attributes),
                "probability": disruption.probability,
                "end_us": state.end_us,
            },
        )
        if state.end_us is not None:
            state.end_key = (seq, 0)
            self.state.agenda.push(state.end_us, state.end_key, DisruptionEnd(disruption.id))
        if disruption.type == "translator_capacity":
            self.set_capacity(state, seq)
        elif disruption.type in ("channel_open", "channel_close"):
            channels = sorted(disruption.target.channels or ())
            self.pipeline.trail.effect(
                disruption.id, None, disruption.type, channels=channels, cause=seq
            )

    def heal(
        self, disruption_id: str, *, origin: Origin, cause: int | None, at_endex: bool = False
    ) -> None:
        """A disruption ends now: what it held falls due again (not at ENDEX: then held
        deliveries stay pending)."""
        state = self.state.disruptions.heal(disruption_id)
        if at_endex:
            self.recorder.log(
                "disruption_healed",
                origin,
                cause,
                disruption_id=disruption_id,
                data={"at_endex": True, "released": 0, "still_held": len(state.held)},
            )
            return
        seq = self.recorder.log(
            "disruption_healed",
            origin,
            cause,
            disruption_id=disruption_id,
            data={
                "at_endex": False,
                "released": len(state.held),
                "started": state.start_us is not None,
            },
        )
        if state.start_us is None:
            return
        if state.disruption.type == "translator_capacity":
            self.set_capacity(state, seq)
        self.pipeline.release(state, seq)

    def set_capacity(self, state: DisruptionState, cause: int) -> None:
        """Give each pool the disruption targets the capacity now in force: that of the
        latest-started capacity disruption still active, else its own."""
        for pool_id in sorted(state.disruption.target.pools or ()):
            pool = self.state.pools[pool_id]
            forced = self.state.disruptions.servers_for(pool_id)
            pool.servers = pool.pool.servers if forced is None else forced
            self.pipeline.trail.effect(
                state.disruption.id,
                None,
                "capacity",
                pool_id=pool_id,
                servers=pool.servers,
                cause=cause,
            )
            self.pipeline.translator.start_jobs(pool)
