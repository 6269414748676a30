"""Replay: re-simulate a log from its inputs with the virtual driver (SPEC §14).

The exercise is rebuilt from the log's first record (scenario text, seed, exercise id,
version, live clock, SIMCELL agencies); the inputs are handed over at their exercise
times, in log order; a sealed log is played to its end, an unsealed one to its last
record's time. The records must come out the same, and so must the head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trafsim_bus.core.bus import Bus
from trafsim_bus.core.restore import PlayersFor, inputs_of, new_bus, read_header
from trafsim_bus.drivers.virtual import Result, VirtualDriver
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record


@dataclass(frozen=True)
class Replay:
    """A re-simulated log: the bus at the end, its records, and what became of each input."""

    bus: Bus
    records: list[Record]
    results: list[Result]

    def first_difference(self, logged: Sequence[Record]) -> str | None:
        """Where the re-simulation departs from `logged`, in a sentence; None when equal."""
        for mine, theirs in zip(self.records, logged, strict=False):
            if mine != theirs:
                return (
                    f"seq {theirs.seq}: the log has {theirs.kind} at {theirs.t_us}, "
                    f"the replay {mine.kind} at {mine.t_us}"
                )
        if len(self.records) != len(logged):
            return f"the log has {len(logged)} records, the replay {len(self.records)}"
        return None


def replay(logged: Sequence[Record], players_for: PlayersFor | None = None) -> Replay:
    """Re-simulate a log (or a committed prefix of one) from its inputs."""
    if not logged:
        raise LogError("the log is empty: there is nothing to replay")
    bus = new_bus(read_header(logged[0]), players_for)
    records: list[Record] = []
    driver = VirtualDriver(bus, observer=lambda live: records.extend(live.take_records()))
    sealed = logged[-1].kind == "exercise_ended"
    until = None if sealed else logged[-1].t_us
    results = driver.run(inputs=inputs_of(logged), until_us=until)
    records.extend(bus.take_records())
    return Replay(bus, records, results)
