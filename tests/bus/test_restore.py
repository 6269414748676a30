"""Restore: a core rebuilt from any committed prefix of a log equals the live core, and
continued with the remaining inputs it writes exactly the records of the uninterrupted run."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies import build_playbooks
from tests.bus.helpers import mini, offices, played_bus, stress
from tests.bus.inputs import Inputs
from tests.bus.test_rules import MLA, REQUEST, exercise, send
from trafsim_bus import EventLogWriter, LogError, VirtualDriver, load_scenario, read_records
from trafsim_bus.core import Bus, ControlInput, Input, decode_action
from trafsim_bus.core.restore import agenda_entries, restore
from trafsim_bus.log.records import Record, canonical
from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import DAY, HOUR

SCENARIOS = {
    "mini": mini(),
    "stress": stress(),
    "offices": offices(),
    "silk-thread": load_scenario("silk-thread"),
}


def head(records: list[Record]) -> str:
    """The hash chain's head over `records` (as the writer computes it)."""
    digest = bytes(32)
    for record in records:
        digest = hashlib.sha256(digest + canonical(record)).digest()
    return digest.hex()


def uninterrupted(
    scenario: Scenario,
    seed: int,
    inputs: list[tuple[int, Input]],
    *,
    live: bool = True,
    snapshot_at: int | None = None,
) -> tuple[list[Record], list[tuple[int, int, dict[str, Any] | None]]]:
    """Every record of a run fed `inputs` (on a live clock: the inputs start it), and after
    each step of the driver: (records so far, inputs handed over so far, the core's
    snapshot: at every step, or at step `snapshot_at` only)."""
    bus = played_bus(scenario, seed, live=live)
    records: list[Record] = []
    commits: list[tuple[int, int, dict[str, Any] | None]] = []
    driver = VirtualDriver(bus)

    def commit(live: Bus) -> None:
        records.extend(live.take_records())
        wanted = snapshot_at is None or snapshot_at == len(commits)
        commits.append((len(records), driver.inputs_done, live.snapshot() if wanted else None))

    driver.observer = commit
    driver.run(inputs=inputs)
    records.extend(bus.take_records())
    return records, commits


def same_state(restored: Bus, live: dict[str, Any]) -> None:
    """The restored core, advanced to where the live core stood (it stands at its last
    record; the live one may have moved on without a record), equals the live core."""
    restored.advance_to(live["clock"]["now"])
    assert restored.take_records() == []
    mine = restored.snapshot()
    for part, value in live.items():
        assert mine[part] == value, part


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_restore_at_a_random_commit_then_continue_gives_the_same_log(
    name: str, data: st.DataObject
) -> None:
    """Random inputs of every kind at random times; cut at a random commit, restore from the
    prefix as a log file holds it, hand over the remaining inputs: the records and the head
    are those of the run that was never cut, and the restored core equals the live one."""
    scenario = SCENARIOS[name]
    seed = data.draw(st.integers(1, 1000), label="seed")
    inputs = data.draw(Inputs(scenario, seed).timed_inputs(max_size=25), label="inputs")
    records, commits = uninterrupted(scenario, seed, inputs, snapshot_at=-1)
    open_steps = [i for i, c in enumerate(commits) if records[c[0] - 1].kind != "exercise_ended"]
    step = data.draw(st.sampled_from(open_steps), label="step")
    _, again = uninterrupted(scenario, seed, inputs, snapshot_at=step)
    cut, handed, live_state = again[step]
    assert live_state is not None
    with tempfile.TemporaryDirectory() as folder:
        writer = EventLogWriter(Path(folder) / "log.db")
        writer.append(records[:cut])
        writer.commit()
        writer.close()
        prefix = read_records(Path(folder) / "log.db")
    assert prefix == records[:cut]
    bus = restore(prefix, build_playbooks)
    same_state(bus, live_state)
    rest: list[Record] = []
    VirtualDriver(bus, observer=lambda live: rest.extend(live.take_records())).run(
        inputs=inputs[handed:]
    )
    rest.extend(bus.take_records())
    assert records[:cut] + rest == records
    assert head(records[:cut] + rest) == head(records)


@pytest.mark.parametrize("name", ["mini", "stress", "offices"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_prefix_restores_to_the_live_core(name: str, seed: int) -> None:
    """Headless, after every step: the core restored from the records so far equals the
    live core (deliveries with every detail, queues, disruptions, consents, H2 parties,
    digests, the reply index, the MSEL, wakes, sends, the agenda; with office hours,
    deliveries waiting for an office to open)."""
    records, commits = uninterrupted(SCENARIOS[name], seed, [], live=False)
    checked = waiting = 0
    for cut, _, live_state in commits[:: max(1, len(commits) // 25)]:
        if live_state is None or records[cut - 1].kind == "exercise_ended":
            continue
        same_state(restore(records[:cut], build_playbooks), live_state)
        checked += 1
        waiting += sum(p["stage"] == "office_closed" for p in live_state["pending"].values())
    assert checked > 10
    assert (waiting > 0) == (name == "offices")


def test_the_agenda_is_what_the_state_says() -> None:
    """The live agenda's standing entries are exactly those derived from the state (what
    restore rebuilds), step after step."""
    bus = played_bus(SCENARIOS["stress"], 3)
    compared = 0

    def compare(live: Bus) -> None:
        nonlocal compared
        standing = [(e.t_us, e.key, repr(e.payload), e.play_us) for e in agenda_entries(live)]
        assert live.snapshot()["agenda"] == standing
        compared += 1

    VirtualDriver(bus, observer=compare).run()
    assert compared > 50


def test_a_log_file_restores_and_a_sealed_one_does_not(tmp_path: Path) -> None:
    """A log stopped before ENDEX restores from its file and plays on to the records of an
    uninterrupted run; a sealed log is refused."""
    scenario = SCENARIOS["mini"]
    db = tmp_path / "cut.db"
    bus = played_bus(scenario, 5)
    writer = EventLogWriter(db)
    VirtualDriver(bus, writer).run(until_us=scenario.endex_us // 3)
    writer.close()
    restored = restore(read_records(db), build_playbooks)
    rest: list[Record] = []
    VirtualDriver(restored, observer=lambda live: rest.extend(live.take_records())).run()
    rest.extend(restored.take_records())
    whole, _ = uninterrupted_headless(scenario, 5)
    assert read_records(db) + rest == whole
    with pytest.raises(LogError, match="sealed"):
        restore(whole, build_playbooks)


def uninterrupted_headless(scenario: Scenario, seed: int) -> tuple[list[Record], Bus]:
    """Every record of a headless run."""
    bus = played_bus(scenario, seed)
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run()
    records.extend(bus.take_records())
    return records, bus


def test_a_log_that_does_not_hold_together_is_refused() -> None:
    """Restore refuses, naming the seq, a first record that is not what the scenario makes,
    a gap, and a record that does not fit the state before it."""
    records, _ = uninterrupted_headless(SCENARIOS["mini"], 1)
    first = records[0]
    changed = msgspec.structs.replace(first, data={**first.data, "endex_us": 1})
    with pytest.raises(LogError, match="seq 0"):
        restore([changed, *records[1:50]], build_playbooks)
    with pytest.raises(LogError, match="missing"):
        restore([*records[:20], *records[21:50]], build_playbooks)
    started = next(i for i, r in enumerate(records) if r.kind == "translation_started")
    again = msgspec.structs.replace(records[started], seq=records[started].seq + 1)
    with pytest.raises(LogError, match=f"seq {again.seq}: translation_started does not fit"):
        restore([*records[: started + 1], again], build_playbooks)


@pytest.mark.parametrize(
    "moved", [{"action": "jump", "by": "1h"}, {"action": "skip", "to": "D1 09:40"}]
)
def test_restored_after_a_skip_or_jump_the_clock_stands_where_it_was_left(
    moved: dict[str, Any],
) -> None:
    """A skip or jump with nothing due in its span leaves no record at its end; a core
    restored right after it stands there all the same, and takes the next input (handed
    over with an earlier time) where the live core took it."""
    scenario = SCENARIOS["mini"]
    inputs: list[tuple[int, Input]] = [
        (0, ControlInput(decode_action({"action": "start"}), "excon")),
        (0, ControlInput(decode_action(moved), "excon")),
        (1, ControlInput(decode_action({"action": "pause"}), "excon")),
    ]
    records, commits = uninterrupted(scenario, 1, inputs, snapshot_at=-1)
    for cut, handed, _ in commits:
        if records[cut - 1].kind == "exercise_ended":
            continue
        assert records[:cut] + continued(records[:cut], inputs[handed:]) == records


def continued(prefix: list[Record], inputs: list[tuple[int, Input]]) -> list[Record]:
    """The records a core restored from `prefix` writes when handed `inputs`."""
    bus = restore(prefix, build_playbooks)
    rest: list[Record] = []
    VirtualDriver(bus, observer=lambda live: rest.extend(live.take_records())).run(inputs=inputs)
    rest.extend(bus.take_records())
    return rest


MID_FLIGHT = """
[[disruption]]
id = "cut"
type = "link_cut"
target = { countries = ["KZ", "UZ"] }
schedule = { start = "D1 09:00", duration = "10h" }

[[disruption]]
id = "uz-down"
type = "outage"
target = { agencies = ["uz-police"] }
schedule = { start = "D1 18:00", duration = "2h" }

[[disruption]]
id = "pgo-down"
type = "outage"
target = { agencies = ["kz-pgo"] }
schedule = { start = "D1 10:00", duration = "3h" }

[[channel]]
id = "local"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["info_request"]
latency = [{ family = "fixed", median = "2h" }]
"""


def test_a_core_restored_mid_flight_equals_the_live_one() -> None:
    """SPEC §11/§14: any prefix of the log folds into the pending state. The rules
    scenario with deliveries in every stage (held from submission by a cut, then in
    transit or with the translators of either side; held at their due time by an outage;
    in transit untranslated; refused and nacked), restored from its records at ten
    moments, equals the live core part by part (stages, agenda keys, pools, disruptions,
    registry)."""
    bus = exercise(MID_FLIGHT, days=6)
    send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    send(bus, 3, "kz-police", ["kz-pgo"], REQUEST)
    send(
        bus,
        4,
        "kz-ngo",
        ["uz-police"],
        {"kind": "alert", "alert_source": "hotline", "summary": "x"},
    )
    moments = [1, 3, 10, 11, 13, 14, 17, 21, 34, 48]
    for n, hours in enumerate(moments):
        bus.advance_to(hours * HOUR)
        if hours in (11, 21):
            send(bus, 10 + n, "kz-police", ["uz-police"], REQUEST)
            send(bus, 20 + n, "kz-pgo", ["uz-pgo"], MLA)
        same_state(restore(list(bus.recorder.records)), bus.snapshot())
    assert bus.clock.now == 2 * DAY
