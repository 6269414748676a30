"""The real-time driver on a manual wall clock: speed, pause, skip, jump, ETAs, and a
scripted live session that the virtual driver replays to the same head."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest

from agencies import build_playbooks
from tests.bus.helpers import played_bus
from trafsim_bus import EventLogWriter, load_scenario, read_records, verify_log
from trafsim_bus.core import Bus, ControlInput, Output, TeamRead, TeamSubmission, decode_action
from trafsim_bus.core.restore import restore
from trafsim_bus.drivers.realtime import ManualClock, RealtimeDriver
from trafsim_bus.drivers.replay import replay
from trafsim_bus.errors import ExerciseClosedError
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR

TWO_OFFICES = """
[exercise]
name = "two-offices"
startex = "2026-06-01T09:00:00+05:00"
duration = "3d"
seed = 3

[[country]]
id = "KZ"
name = "Kazakhstan"
languages = ["rus"]
utc_offset = "+05:00"

[[agency]]
id = "kz-police"
name = "Police"
country = "KZ"
kind = "police"
languages = ["rus"]

[[agency]]
id = "kz-pgo"
name = "Prosecutor"
country = "KZ"
kind = "prosecutor"
languages = ["rus"]

[[channel]]
id = "slow"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["procedural_document"]
latency = [{ family = "fixed", median = "3h" }]

[[channel]]
id = "fast"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["info_request"]
latency = [{ family = "fixed", median = "1h" }]

[[inject]]
id = "evening"
at = "D1 18:00"
from = "excon"
to = ["kz-pgo"]
body = { kind = "excon_note", title = "Evening", text = "The day ends." }
"""
DOCUMENT = {
    "kind": "procedural_document",
    "doc_type": "seizure_protocol",
    "author": "investigator",
    "case_number": "KZ-1",
    "title": "Seizure",
    "summary": "Phones seized.",
    "document_language": "rus",
}
QUESTION = {"kind": "info_request", "questions": ["Who owns this card?"]}


def envelope_bytes(bus: Bus, n: int, body: dict[str, Any]) -> bytes:
    """A team envelope from kz-police to kz-pgo."""
    return msgspec.json.encode(
        {
            "schema_version": "1",
            "id": str(uuid5(bus.exercise_id, f"team:{n}")),
            "exercise_id": str(bus.exercise_id),
            "sender": "kz-police",
            "recipients": ["kz-pgo"],
            "created_at": "2026-06-01T09:00:00+05:00",
            "language": "rus",
            "script": "Cyrl",
            "body": body,
        }
    )


class Session:
    """A live exercise on a manual clock: a driver running in the background."""

    def __init__(self, bus: Bus, writer: EventLogWriter | None = None) -> None:
        self.bus = bus
        self.clock = ManualClock()
        self.delivered: list[tuple[float, Output]] = []
        self.driver = RealtimeDriver(bus, writer, clock=self.clock, on_outputs=self._outputs)
        self.task: asyncio.Task[None] | None = None

    def _outputs(self, outputs: list[Output]) -> None:
        self.delivered += [(self.clock.now(), output) for output in outputs]

    async def control(self, **document: Any) -> Any:
        """A controller's action."""
        return await self.driver.handle(ControlInput(decode_action(document), "excon-1"))

    async def submit(self, agency: str, data: bytes) -> Any:
        """A team's submission."""
        return await self.driver.handle(TeamSubmission(agency, data))

    async def wait(self, seconds: float) -> None:
        """Let wall time pass, and the driver catch up."""
        self.clock.advance(seconds)
        await self.driver.sync()

    def delivered_ids(self) -> list[UUID]:
        """Envelope ids handed to teams so far, in order."""
        return [output.envelope.id for _, output in self.delivered if hasattr(output, "envelope")]


@pytest.fixture
async def offices() -> AsyncIterator[Session]:
    """Two offices, nobody played by a playbook, the clock started at speed 60."""
    bus = Bus(parse_scenario(TWO_OFFICES, "two-offices.toml"), live=True, simcell=())
    session = Session(bus)
    session.task = asyncio.create_task(session.driver.run())
    await session.control(action="start")
    await session.control(action="speed", factor=60)
    yield session
    session.driver.stop()
    await session.task


async def test_at_speed_60_an_hour_ahead_is_a_wall_minute(offices: Session) -> None:
    """At speed 60, a delivery due one exercise hour ahead is handed over after one wall
    minute, not before."""
    data = envelope_bytes(offices.bus, 1, QUESTION)
    await offices.submit("kz-police", data)
    await offices.wait(59.9)
    assert offices.delivered == []
    await offices.wait(0.1)
    (wall, _output) = offices.delivered[0]
    assert wall == pytest.approx(60.0)
    assert offices.bus.now == HOUR


async def test_pause_holds_everything(offices: Session) -> None:
    """Paused, the clock stands: nothing falls due, a submission is logged at the paused
    time; after resume the rest of the wait follows."""
    await offices.submit("kz-police", envelope_bytes(offices.bus, 1, QUESTION))
    await offices.wait(30)
    await offices.control(action="pause")
    stood = offices.bus.now
    await offices.wait(3600)
    assert offices.delivered == []
    assert offices.bus.now == stood
    result = await offices.submit("kz-police", envelope_bytes(offices.bus, 2, QUESTION))
    assert result.outcome == "submitted"
    await offices.control(action="resume")
    await offices.wait(29.9)
    assert offices.delivered == []
    await offices.wait(0.1)
    assert len(offices.delivered) == 1
    await offices.wait(30)
    assert len(offices.delivered) == 2


async def test_skip_delivers_in_order_at_the_due_times(offices: Session) -> None:
    """A skip runs what falls due in the span in order of due time, each at its own time."""
    slow = envelope_bytes(offices.bus, 1, DOCUMENT)
    fast = envelope_bytes(offices.bus, 2, QUESTION)
    await offices.submit("kz-police", slow)
    await offices.submit("kz-police", fast)
    await offices.control(action="skip", to="D1 15:00")
    assert offices.delivered_ids() == [UUID(msgspec.json.decode(d)["id"]) for d in (fast, slow)]
    delivered = [r for r in offices.driver.records if r.kind == "delivered"]
    assert [r.t_us for r in delivered] == [HOUR, 3 * HOUR]
    assert offices.bus.now == 6 * HOUR


async def test_a_jump_runs_the_span_in_order_and_keeps_later_play_times(offices: Session) -> None:
    """A calendar jump: what falls due inside it happens at its own time, in order; what
    the scenario schedules later keeps its time of play (and ENDEX moves with the jump)."""
    await offices.submit("kz-police", envelope_bytes(offices.bus, 1, DOCUMENT))
    await offices.submit("kz-police", envelope_bytes(offices.bus, 2, QUESTION))
    endex = offices.bus.clock.endex_us
    await offices.control(action="jump", by="1d")
    records = offices.driver.records
    delivered = [r for r in records if r.kind == "delivered"]
    assert [r.t_us for r in delivered] == [HOUR, 3 * HOUR]
    jump = next(r for r in records if r.kind == "clock_jump")
    assert (jump.origin, jump.data["by_us"]) == ("controller", 24 * HOUR)
    assert offices.bus.clock.endex_us == endex + 24 * HOUR
    await offices.control(action="skip", to="D1 18:30")
    fired = next(r for r in offices.driver.records if r.kind == "inject_fired")
    assert fired.t_us == 24 * HOUR + 9 * HOUR


async def test_a_speed_change_moves_only_the_wall_eta(offices: Session) -> None:
    """Doubling the speed halfway keeps the exercise due time and brings the wall ETA
    forward: 30 s at speed 60, then 15 s at speed 120."""
    await offices.submit("kz-police", envelope_bytes(offices.bus, 1, QUESTION))
    latency = next(
        r for r in offices.driver.records if r.kind == "barrier_decision" and r.data["due_us"]
    )
    due = latency.data["due_us"]
    assert offices.driver.wall_eta(due) == pytest.approx(60.0)
    await offices.wait(30)
    await offices.control(action="speed", factor=120)
    assert offices.driver.wall_eta(due) == pytest.approx(45.0)
    await offices.wait(14.9)
    assert offices.delivered == []
    await offices.wait(0.1)
    assert offices.delivered[0][0] == pytest.approx(45.0)
    assert [r.t_us for r in offices.driver.records if r.kind == "delivered"] == [due]


async def test_before_start_nothing_plays_and_submissions_wait() -> None:
    """Before `start` the clock stands and a submission is refused (not_started), logging
    nothing; controllers may prepare (hold, speed) and then start."""
    bus = Bus(parse_scenario(TWO_OFFICES, "two-offices.toml"), live=True, simcell=())
    session = Session(bus)
    session.task = asyncio.create_task(session.driver.run())
    await session.wait(600)
    assert bus.now == 0
    before = len(session.driver.records)
    with pytest.raises(Exception, match="not started") as refused:
        await session.submit("kz-police", envelope_bytes(bus, 1, QUESTION))
    assert getattr(refused.value, "code", None) == "not_started"
    assert len(session.driver.records) == before
    await session.control(action="hold", inject="evening")
    await session.control(action="start")
    await session.wait(1)
    assert bus.now == 1_000_000
    session.driver.stop()
    await session.task


async def scripted_session(db: Path) -> list[Record]:
    """A live SILK THREAD session on the manual clock: two team-played agencies and every
    kind of control; the log goes to `db`."""
    scenario = load_scenario("silk-thread")
    bus = played_bus(scenario, live=True)
    writer = EventLogWriter(db)
    session = Session(bus, writer)
    session.task = asyncio.create_task(session.driver.run())
    await session.control(action="assign", agency="kz-mia-at", played_by="team")
    await session.control(action="assign", agency="kz-ngo-sh", played_by="team")
    await session.control(action="start")
    await session.control(action="speed", factor=60)
    await session.wait(90)
    alert = {
        "schema_version": "1",
        "id": "7d4b6f0e-4a51-4b6e-9d59-4f2b8a1c0001",
        "exercise_id": str(bus.exercise_id),
        "sender": "kz-mia-at",
        "recipients": ["kz-pgo"],
        "created_at": "2026-06-01T10:30:00+05:00",
        "language": "rus",
        "script": "Cyrl",
        "case_refs": ["KZ-AT-2026-0141"],
        "body": {"kind": "alert", "alert_source": "patrol", "summary": "Site inspected."},
    }
    await session.submit("kz-mia-at", msgspec.json.encode(alert))
    await session.submit("kz-mia-at", msgspec.json.encode(alert))
    await session.submit("kz-mia-at", b'{"schema_version": "1", "id": 5}')
    await session.submit("kz-ngo-sh", msgspec.json.encode({**alert, "sender": "kz-mia-at"}))
    await session.wait(120)
    for _, output in list(session.delivered):
        if hasattr(output, "envelope") and output.recipient == "kz-ngo-sh":
            await session.driver.handle(TeamRead("kz-ngo-sh", output.envelope.id))
            break
    await session.control(action="pause")
    await session.wait(300)
    await session.control(action="resume")
    await session.control(action="hold", inject="m03")
    await session.wait(240)
    await session.control(action="release", inject="m03")
    await session.control(action="retime", inject="m05", at="D1 20:00")
    await session.control(
        action="add",
        inject={
            "id": "x-press",
            "at": "D1 19:00",
            "from": "excon",
            "as": "media",
            "to": ["kz-mia-at"],
            "body": {"kind": "excon_note", "title": "Press", "text": "A journalist calls."},
        },
    )
    await session.control(action="fire", inject="m20")
    await session.control(
        action="disrupt",
        disruption={
            "id": "pgo-down",
            "type": "outage",
            "target": {"agencies": ["kz-pgo"]},
            "schedule": {"duration": "1d"},
        },
    )
    await session.control(action="patch", id="pgo-down", probability=0.5)
    await session.wait(60)
    await session.control(action="heal", id="pgo-down")
    await session.control(action="skip", to="D2 09:00")
    await session.control(action="jump", by="7d")
    await session.wait(600)
    await session.control(action="end")
    await session.task
    with pytest.raises(ExerciseClosedError):
        await session.control(action="pause")
    await session.wait(60)
    writer.close()
    return read_records(db)


async def test_a_scripted_live_session_replays_to_the_same_head(tmp_path: Path) -> None:
    """Every kind of input, live on the manual clock; the virtual driver fed the logged
    inputs makes the same records and the same head."""
    db = tmp_path / "live.db"
    logged = await scripted_session(db)
    kinds = {r.kind for r in logged}
    assert {"control_action", "clock_changed", "message_read", "inject_fired"} <= kinds
    assert {r.data["action"] for r in logged if r.kind == "control_action"} >= {
        "assign", "start", "speed", "pause", "resume", "hold", "release", "retime", "add",
        "fire", "disrupt", "patch", "heal", "skip", "jump", "end",
    }  # fmt: skip
    verdict = verify_log(db)
    assert verdict.sealed
    again = replay(logged, build_playbooks)
    assert again.first_difference(logged) is None
    assert again.records == logged


async def test_a_resumed_exercise_comes_back_paused(tmp_path: Path) -> None:
    """Stopped while running, restored from its log: the driver logs a pause first, and
    a controller's resume lets it run on."""
    scenario = parse_scenario(TWO_OFFICES, "two-offices.toml")
    db = tmp_path / "stopped.db"
    writer = EventLogWriter(db)
    session = Session(Bus(scenario, live=True, simcell=()), writer)
    session.task = asyncio.create_task(session.driver.run())
    await session.control(action="start")
    await session.submit("kz-police", envelope_bytes(session.bus, 1, DOCUMENT))
    await session.wait(3600)
    session.driver.stop()
    await session.task
    writer.close()
    assert verify_log(db).status() == 3
    logged = read_records(db)
    bus = restore(logged, None)
    resumed = RealtimeDriver(bus, clock=ManualClock(), on_outputs=None)
    task = asyncio.create_task(resumed.run())
    await resumed.pause_on_resume()
    assert bus.clock.paused
    (pause,) = [r for r in resumed.records if r.kind == "control_action"]
    assert (pause.data["action"], pause.data["actor"]) == ("pause", "trafsim")
    await resumed.handle(ControlInput(decode_action({"action": "resume"}), "excon-1"))
    resumed.stop()
    await task


class Broken:
    """A playbook with a bug: it raises on every delivery."""

    agency = "kz-pgo"

    def on_delivery(self, *_: object) -> list[Any]:
        """Fail."""
        raise RuntimeError("a playbook bug")

    def on_wake(self, *_: object) -> list[Any]:
        """Nothing."""
        return []


async def test_a_failure_inside_the_driver_is_answered_not_left_waiting() -> None:
    """An unexpected error while catching up reaches whoever waits on the input in hand
    (and ends the driver loudly) instead of leaving them waiting for ever."""
    scenario = parse_scenario(TWO_OFFICES, "two-offices.toml")
    bus = Bus(scenario, live=True, players={"kz-pgo": Broken()}, simcell=("kz-pgo",))
    session = Session(bus)
    session.task = asyncio.create_task(session.driver.run())
    await session.control(action="start")
    await session.control(action="speed", factor=60)
    await session.submit("kz-police", envelope_bytes(bus, 1, QUESTION))
    with pytest.raises(RuntimeError, match="a playbook bug"):
        await session.wait(60)
    with pytest.raises(RuntimeError, match="a playbook bug"):
        await session.task


async def test_the_manual_clock_forgets_sleepers_it_no_longer_needs(offices: Session) -> None:
    """Waits the driver gave up on leave nothing behind in the manual clock."""
    await offices.submit("kz-police", envelope_bytes(offices.bus, 1, DOCUMENT))
    for _ in range(50):
        await offices.driver.sync()
    assert offices.clock.sleeping <= 1
