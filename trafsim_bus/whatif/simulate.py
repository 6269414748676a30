"""Re-simulate a logged exercise in virtual time: its recorded inputs at their exercise
times, the SIMCELL agencies played again, under its exercise id, with another scenario or
seed if asked. Nothing is written: the records stay in memory."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from trafsim_bus.core.restore import Header, PlayersFor, inputs_of, new_bus
from trafsim_bus.drivers.virtual import Progress, VirtualDriver
from trafsim_bus.log.records import Record, canonical
from trafsim_bus.log.writer import GENESIS
from trafsim_bus.scenario.model import Scenario


def resimulate(
    logged: Sequence[Record],
    header: Header,
    *,
    scenario: Scenario | None = None,
    seed: int | None = None,
    players_for: PlayersFor | None = None,
    progress: Progress | None = None,
) -> list[Record]:
    """The records of the exercise in `logged` played again from its inputs, with
    `scenario` and `seed` instead of the header's when given. An agency the changed
    scenario adds is played by its playbook (no team could play it). A sealed log is
    played to ENDEX, an unsealed one to its last record's time (as `replay` does)."""
    scenario = header.scenario if scenario is None else scenario
    added = set(scenario.agencies) - set(header.scenario.agencies)
    changed = dataclasses.replace(
        header,
        scenario=scenario,
        seed=header.seed if seed is None else seed,
        simcell=header.simcell | added,
    )
    bus = new_bus(changed, players_for)
    records: list[Record] = []
    driver = VirtualDriver(
        bus, progress=progress, observer=lambda live: records.extend(live.take_records())
    )
    sealed = logged[-1].kind == "exercise_ended"
    driver.run(inputs=inputs_of(logged), until_us=None if sealed else logged[-1].t_us)
    records.extend(bus.take_records())
    return records


def chain_head(records: Sequence[Record]) -> tuple[int, str]:
    """(seq, sha256 hex) of the hash chain's head over `records`, as a writer makes it."""
    digest = GENESIS
    for record in records:
        digest = hashlib.sha256(digest + canonical(record)).digest()
    return (records[-1].seq if records else -1, digest.hex())
