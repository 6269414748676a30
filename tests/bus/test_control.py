"""Control operations: each one's effect, each bad one refused whole with the path and a
sentence (the log file unchanged), and nothing taken after ENDEX."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest

from agencies import build_playbooks
from tests.bus.helpers import MINI
from trafsim_bus import EventLogWriter, read_records
from trafsim_bus.core import Bus, decode_action
from trafsim_bus.errors import ControlError, ExerciseClosedError, UnknownMessageError
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR

SCENARIO = parse_scenario(MINI.read_text(encoding="utf-8"), "mini.toml")


class Exercise:
    """A live mini exercise with its log on disk, committed after every input."""

    def __init__(self, db: Path, *, playbooks: bool = False) -> None:
        self.bus = Bus(SCENARIO, live=True)
        if playbooks:
            self.bus.players = dict(build_playbooks(SCENARIO, self.bus.exercise_id, self.bus.seed))
        self.db = db
        self.writer = EventLogWriter(db)
        self.bus.begin()
        self.flush()

    def flush(self) -> None:
        """Write and commit what the core recorded."""
        self.writer.append(self.bus.take_records())
        self.writer.commit()

    def act(self, **document: Any) -> int:
        """A controller's action; its `control_action` seq."""
        try:
            return self.bus.control(decode_action(document), actor="excon-1", document=document).seq
        finally:
            self.flush()

    def at(self, hours: float) -> None:
        """Advance to `hours` of exercise time."""
        self.bus.advance_to(round(hours * HOUR))
        self.flush()

    def records(self) -> list[Record]:
        """The log as the file holds it."""
        return read_records(self.db)

    def kinds(self, kind: str) -> list[Record]:
        """The file's records of one kind."""
        return [r for r in self.records() if r.kind == kind]


@pytest.fixture
def exercise(tmp_path: Path) -> Iterator[Exercise]:
    """The mini exercise, started, no playbooks."""
    live = Exercise(tmp_path / "mini.db")
    live.act(action="start")
    yield live
    live.writer.close()


BAD = [
    ({"action": "fire", "inject": "m99"}, "$.inject", "expected an inject id"),
    ({"action": "retime", "inject": "m03", "at": "D1 09:30"}, "$.at", "is in the past"),
    ({"action": "fire", "inject": "m02"}, "$.inject", "m02 is cancelled"),
    (
        {
            "action": "disrupt",
            "disruption": {"id": "x", "type": "outage", "target": {"agencies": ["kz-nobody"]}},
        },
        "$.disruption.target.agencies[0]",
        "expected an agency id",
    ),
    ({"action": "speed", "factor": 0}, "$.factor", "above 0 and at most 10000"),
    ({"action": "speed", "factor": -1}, "$.factor", "above 0 and at most 10000"),
    ({"action": "jump", "by": "tomorrow"}, "$.by", 'expected a duration like "7d"'),
    ({"action": "jump", "by": "-1d"}, "$.by", "a jump goes forward"),
    ({"action": "jump", "by": "1000000w"}, "$.by", "more than 520w (ten years)"),
    ({"action": "retime", "inject": "m01", "at": "D1 20:00"}, "$.inject", "m01 is fired"),
    ({"action": "patch", "id": "d-slow", "probability": 0.5}, "$.id", "d-slow has ended"),
    ({"action": "skip", "to": "D1 10:00"}, "$.to", "is not later than the time of play now"),
    ({"action": "skip", "to": "D9 10:00"}, "$.to", "is after ENDEX"),
    ({"action": "hold", "inject": "m01"}, "$.inject", "m01 is fired"),
    ({"action": "release", "inject": "m03"}, "$.inject", "m03 is pending, not held"),
    ({"action": "cancel", "inject": "m01"}, "$.inject", "nothing to cancel"),
    ({"action": "start"}, "$.action", "already started"),
    ({"action": "resume"}, "$.action", "not paused"),
    ({"action": "heal", "id": "nope"}, "$.id", "expected a disruption"),
    ({"action": "assign", "agency": "kz-nobody", "played_by": "team"}, "$.agency", "agency id"),
    ({"action": "assign", "agency": "kz-pgo", "played_by": "simcell"}, "$.played_by", "already"),
    ({"action": "explode"}, "$.action", "invalid value 'explode'"),
    ({"action": "speed"}, "$", "missing required field `factor`"),
    (
        {"action": "add", "inject": {"id": "m01", "at": "D1 20:00", "from": "excon", "to": ["kz-ngo"], "body": {"kind": "excon_note", "title": "t", "text": "x"}}},
        "$.inject.id",
        "exists already",
    ),
    (
        {"action": "add", "inject": {"id": "n1", "at": "D1 20:00", "from": "excon", "to": ["kz-ngo"], "body": {"kind": "alert", "alert_source": "hotline", "summary": 5}}},
        "$.inject.body.summary",
        "expected `str`, got `int`",
    ),
    (
        {"action": "add", "inject": {"id": "n2", "at": "tomorrow", "from": "excon", "to": ["kz-ngo"], "body": {"kind": "excon_note", "title": "t", "text": "x"}}},
        "$.inject.at",
        'expected a scenario time like "D2 14:00"',
    ),
    (
        {"action": "add", "inject": {"id": "n3", "at": "D1 09:10", "from": "excon", "to": ["kz-ngo"], "body": {"kind": "excon_note", "title": "t", "text": "x"}}},
        "$.inject.at",
        "is in the past",
    ),
    (
        {"action": "disrupt", "disruption": {"id": "d-slow", "type": "loss"}},
        "$.disruption.id",
        "exists already",
    ),
    (
        {"action": "disrupt", "disruption": {"id": "d9", "type": "latency_multiplier", "attributes": {"factor": "big"}}},
        "$.disruption.attributes.factor",
        "above 0 and at most 1000",
    ),
    (
        {"action": "patch", "id": "d-outage", "attributes": {"factor": 2}},
        "$.attributes.factor",
        "an outage takes mode",
    ),
    (
        {"action": "patch", "id": "d-outage", "end": "D1 10:00"},
        "$.end",
        "is not after",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("document", "path", "sentence"), BAD)
def test_bad_control_input_is_refused_whole(
    exercise: Exercise, document: dict[str, Any], path: str, sentence: str
) -> None:
    """A bad action is refused with the path of the bad value and a sentence; the log
    file's records are identical before and after."""
    exercise.at(1.5)
    exercise.act(action="cancel", inject="m02")
    exercise.act(action="heal", id="d-slow")
    exercise.at(3)
    before = exercise.records()
    with pytest.raises(ControlError) as refused:
        exercise.act(**document)
    assert refused.value.path == path
    assert sentence in refused.value.message
    assert exercise.records() == before
    assert exercise.bus.take_records() == []


def test_nothing_is_taken_after_endex(exercise: Exercise) -> None:
    """After `end` (or ENDEX), submissions, reads and control actions are refused
    (`exercise_ended`) and the log gets nothing more."""
    exercise.at(5)
    delivered = exercise.kinds("delivered")[0]
    exercise.act(action="end")
    sealed = exercise.records()
    assert sealed[-1].kind == "exercise_ended"
    envelope = msgspec.json.encode({"schema_version": "1"})
    for attempt in (
        lambda: exercise.bus.submit(envelope, agency="kz-police"),
        lambda: exercise.bus.read(str(delivered.recipient), UUID(str(delivered.envelope_id))),
        lambda: exercise.act(action="pause"),
        lambda: exercise.act(action="fire", inject="m03"),
    ):
        with pytest.raises(ExerciseClosedError) as refused:
            attempt()
        assert refused.value.code == "exercise_ended"
    exercise.bus.advance_to(exercise.bus.clock.endex_us)
    exercise.flush()
    assert exercise.records() == sealed


def test_clock_actions_are_logged_with_the_clock_they_leave(exercise: Exercise) -> None:
    """Each clock action is a control_action, then a clock_changed with the time of play,
    speed, pause and ENDEX it leaves."""
    exercise.act(action="speed", factor=120)
    exercise.act(action="pause")
    exercise.act(action="resume")
    exercise.act(action="jump", by="2d")
    changes = exercise.kinds("clock_changed")
    assert [c.data["action"] for c in changes] == ["start", "speed", "pause", "resume", "jump"]
    assert changes[1].data["speed"] == 120
    assert changes[2].data["paused"]
    assert not changes[3].data["paused"]
    assert changes[-1].data["endex_us"] == SCENARIO.endex_us + 48 * HOUR
    actions = exercise.kinds("control_action")
    assert all(a.origin == "controller" and a.cause_seq is None for a in actions)
    assert all(c.cause_seq in {a.seq for a in actions} for c in changes)
    assert actions[1].data == {
        "action": "speed",
        "actor": "excon-1",
        "input": {"action": "speed", "factor": 120},
    }
    exercise.act(action="end")
    (end,) = [c for c in exercise.kinds("clock_changed") if c.data["action"] == "end"]
    assert end.data["endex_us"] == end.t_us == exercise.kinds("exercise_ended")[0].t_us


def fired(exercise: Exercise, inject: str) -> list[Record]:
    """The `inject_fired` records of one inject."""
    return [r for r in exercise.kinds("inject_fired") if r.data["inject_id"] == inject]


def test_fire_hold_release_retime_add_and_cancel(exercise: Exercise) -> None:
    """The MSEL under control: fire again (a new id), hold past the time and release (fires
    at once), retime, add, cancel."""
    exercise.act(action="hold", inject="m01")
    exercise.at(1.5)
    assert fired(exercise, "m01") == []
    exercise.act(action="release", inject="m01")
    (m01,) = fired(exercise, "m01")
    assert (m01.origin, m01.t_us) == ("controller", round(1.5 * HOUR))
    exercise.act(action="fire", inject="m01")
    again = fired(exercise, "m01")[1]
    assert again.data["k"] == 1
    assert again.envelope_id == str(uuid5(exercise.bus.exercise_id, "inject:m01:1"))
    exercise.act(action="retime", inject="m02", at="D1 15:00")
    exercise.act(action="add", inject={
        "id": "n1", "at": "D1 12:00", "from": "excon", "to": ["kz-ngo"],
        "body": {"kind": "excon_note", "title": "Note", "text": "A new line."},
    })  # fmt: skip
    exercise.act(action="cancel", inject="m03")
    exercise.at(30)
    assert [r.t_us for r in fired(exercise, "m02")] == [6 * HOUR]
    (n1,) = fired(exercise, "n1")
    assert (n1.origin, n1.t_us) == ("controller", 3 * HOUR)
    assert fired(exercise, "m03") == []
    statuses = {i: exercise.bus.msel.status(i)["status"] for i in ("m01", "m02", "m03", "n1")}
    assert statuses == {"m01": "fired", "m02": "fired", "m03": "cancelled", "n1": "fired"}


def test_disrupt_patch_heal_and_heal_all(exercise: Exercise) -> None:
    """A controller's outage holds what falls due, a patch moves its end, a heal releases
    what it held; heal_all ends everything in force."""
    exercise.act(
        action="disrupt",
        disruption={
            "id": "ngo-down",
            "type": "outage",
            "target": {"agencies": ["kz-ngo"]},
            "schedule": {"duration": "2d"},
        },
    )
    (started,) = [r for r in exercise.kinds("disruption_started") if r.disruption_id == "ngo-down"]
    assert started.origin == "controller"
    assert started.data["end_us"] == 2 * 24 * HOUR
    exercise.act(action="patch", id="ngo-down", end="D1 14:00")
    exercise.at(4.5)
    held = [r for r in exercise.kinds("delivery_held") if r.disruption_id == "ngo-down"]
    assert held
    exercise.at(5.5)
    (healed,) = [r for r in exercise.kinds("disruption_healed") if r.disruption_id == "ngo-down"]
    assert healed.t_us == 5 * HOUR
    assert healed.data["released"] == len(held)
    exercise.act(
        action="disrupt",
        disruption={"id": "slow-2", "type": "latency_multiplier", "attributes": {"factor": 3}},
    )
    exercise.act(action="heal_all")
    ended = {
        r.disruption_id for r in exercise.kinds("disruption_healed") if r.origin == "controller"
    }
    assert {"slow-2", "d-slow"} <= ended
    assert not exercise.bus.state.disruptions.active


def test_a_disruption_id_is_taken_once_and_a_scheduled_one_can_be_called_off(
    exercise: Exercise,
) -> None:
    """SPEC §8, §14: a controller's disruption id may not be reused, whether the first is
    scheduled, in force or healed; healing one that has not started yet calls it off: it is
    logged healed (not started, nothing released) and never comes into force."""
    outage = {"type": "outage", "target": {"agencies": ["kz-ngo"]}}
    exercise.act(
        action="disrupt",
        disruption={"id": "later", **outage, "schedule": {"start": "D1 20:00", "duration": "1h"}},
    )
    exercise.act(action="disrupt", disruption={"id": "now", **outage})
    exercise.act(action="disrupt", disruption={"id": "over", **outage})
    exercise.act(action="heal", id="over")
    for taken in ("later", "now", "over"):
        with pytest.raises(ControlError) as refused:
            exercise.act(action="disrupt", disruption={"id": taken, "type": "loss"})
        assert (refused.value.path, refused.value.message) == (
            "$.disruption.id",
            f"a disruption '{taken}' exists already",
        )
    exercise.at(0.5)
    called_off = exercise.act(action="heal", id="later")
    exercise.at(12)
    (healed,) = [r for r in exercise.kinds("disruption_healed") if r.disruption_id == "later"]
    assert (healed.t_us, healed.origin, healed.cause_seq) == (HOUR // 2, "controller", called_off)
    assert healed.data == {"at_endex": False, "released": 0, "started": False}
    assert [r for r in exercise.kinds("disruption_started") if r.disruption_id == "later"] == []


def test_assign_hands_an_agency_to_a_team_and_back(tmp_path: Path) -> None:
    """Assigned to a team, an agency's deliveries wait for the team (its playbook stays
    silent); handed back, its playbook answers again."""
    live = Exercise(tmp_path / "assign.db", playbooks=True)
    live.act(action="assign", agency="kz-ngo", played_by="team")
    live.act(action="start")
    live.at(6)
    outputs = live.bus.take_outputs()
    assert outputs
    assert {getattr(o, "recipient", None) for o in outputs} == {"kz-ngo"}
    assert not [
        r for r in live.kinds("envelope_submitted") if r.data["envelope"]["sender"] == "kz-ngo"
    ]
    live.act(action="assign", agency="kz-ngo", played_by="simcell")
    live.at(200)
    assert live.kinds("exercise_started")[0].data["simcell"] == [
        "kz-ngo", "kz-pgo", "kz-police", "uz-pgo", "uz-police",
    ]  # fmt: skip
    assert live.bus.state.simcell >= {"kz-ngo"}
    live.writer.close()


def test_reads_are_logged_once_and_only_for_what_was_delivered(exercise: Exercise) -> None:
    """A read of a message delivered to the agency is logged once (again: the same seq); a
    read of anything else is refused and logs nothing."""
    exercise.at(5)
    delivered = exercise.kinds("delivered")[0]
    agency, envelope_id = str(delivered.recipient), delivered.envelope_id
    first = exercise.bus.read(agency, UUID(str(envelope_id)))
    exercise.flush()
    second = exercise.bus.read(agency, UUID(str(envelope_id)))
    assert (first.first, second.first, second.seq) == (True, False, first.seq)
    (read,) = exercise.kinds("message_read")
    assert (read.origin, read.recipient, read.cause_seq) == ("team", agency, None)
    before = exercise.records()
    with pytest.raises(UnknownMessageError):
        exercise.bus.read("uz-pgo", UUID(str(envelope_id)))
    exercise.flush()
    assert exercise.records() == before


def test_absurdly_nested_actions_are_refused(exercise: Exercise) -> None:
    """An action nested thousands deep, as bytes or as a document, is refused with a
    sentence, not a traceback."""
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ControlError) as refused:
        decode_action(
            b'{"action": "patch", "id": "x", "attributes": {"factor": '
            + b"[" * 3000
            + b"]" * 3000
            + b"}}"
        )
    assert refused.value.path == "$"
    before = exercise.records()
    with pytest.raises(ControlError):
        exercise.act(action="patch", id="d-slow", attributes={"factor": deep})
    assert exercise.records() == before


def test_a_team_taking_over_cancels_what_the_playbook_had_scheduled(tmp_path: Path) -> None:
    """Handed to a team, an agency's scheduled sends and wakes are cancelled, each logged
    with what it cancels; nothing more goes out in the playbook's name."""
    live = Exercise(tmp_path / "takeover.db", playbooks=True)
    live.act(action="start")
    hour = 1
    while not live.bus.state.sends:
        hour += 1
        live.at(hour)
    agency = min(send.agency for send in live.bus.state.sends.values())
    scheduled = {r.seq: r for r in live.kinds("send_scheduled") if r.data["agency"] == agency}
    pending = {seq for seq, send in live.bus.state.sends.items() if send.agency == agency}
    live.act(action="assign", agency=agency, played_by="team")
    cancelled = live.kinds("send_cancelled")
    assert {r.data["scheduled_seq"] for r in cancelled} == pending
    assert all(r.envelope_id == scheduled[r.data["scheduled_seq"]].envelope_id for r in cancelled)
    handed_over = max(r.seq for r in cancelled)
    live.at(100)
    assert not [
        r
        for r in live.records()
        if r.seq > handed_over
        and r.kind == "envelope_submitted"
        and r.origin == "playbook"
        and r.data["envelope"]["sender"] == agency
    ]
    live.writer.close()
