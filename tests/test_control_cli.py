"""`trafsim control` against a real server (SPEC §14-15): every verb reaches the control
API, is logged as a `control_action` by the controller with its effects, and prints what
it did; a refused action names the field and exits 1; the token may come from the
environment."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.bus.helpers import MINI
from trafsim.cli import main
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import read_records
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.log.records import Record


class Served:
    """The mini exercise served on a real port, and `trafsim control` pointed at it."""

    def __init__(self, exercise: LiveExercise, server: TestServer) -> None:
        self.exercise = exercise
        self.url = str(server.make_url("")).rstrip("/")
        self.token = exercise.tokens.held.controller

    async def control(self, *verb: str, token: bool = True) -> int:
        """Run `trafsim control` (in a thread: it makes blocking requests)."""
        given = [f"--token={self.token}"] if token else []
        return await asyncio.to_thread(main, ["control", "--url", self.url, *given, *verb])

    def actions(self) -> list[Record]:
        """The control actions in the log so far."""
        return [r for r in read_records(self.exercise.db) if r.kind == "control_action"]

    def after(self, record: Record) -> list[str]:
        """The kinds of the records the action caused."""
        return [r.kind for r in read_records(self.exercise.db) if r.cause_seq == record.seq]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """The mini exercise, its police and shelter played by teams, not started."""
    options = ServeOptions(
        scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police", "kz-ngo")
    )
    exercise = prepare(options, ManualClock())
    server = TestServer(create_app(exercise), host="127.0.0.1", port=0)
    await server.start_server()
    await exercise.start()
    try:
        yield Served(exercise, server)
    finally:
        await exercise.stop()
        await server.close()


async def test_every_verb_is_logged_with_the_controller_and_its_effects(
    served: Served, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Each verb: exit 0, one `control_action` record by `controller` with the action and
    the input as sent, the effects it had, and a line saying what was logged."""
    added = tmp_path / "inject.toml"
    added.write_text(
        'id = "m99"\nat = "D1 16:00"\nfrom = "excon"\nto = ["kz-police"]\n'
        'body = { kind = "excon_note", title = "Late news", text = "The employer fled." }\n',
        encoding="utf-8",
    )
    verbs: list[tuple[tuple[str, ...], str, dict[str, Any], set[str]]] = [
        (("start",), "start", {}, {"clock_changed"}),
        (("speed", "60"), "speed", {"factor": 60.0}, {"clock_changed"}),
        (("pause",), "pause", {}, {"clock_changed"}),
        (("resume",), "resume", {}, {"clock_changed"}),
        (("inject", "hold", "m03"), "hold", {"inject": "m03"}, set()),
        (("inject", "release", "m03"), "release", {"inject": "m03"}, set()),
        (("inject", "retime", "m03", "D1 15:00"), "retime", {"inject": "m03", "at": "D1 15:00"}, set()),
        (("inject", "fire", "m02"), "fire", {"inject": "m02"}, {"inject_fired"}),
        (("inject", "add", str(added)), "add", {}, set()),
        (("inject", "cancel", "m99"), "cancel", {"inject": "m99"}, set()),
        (
            ("disrupt", "link_cut", "--target", "countries=KZ,UZ", "--for", "6h", "--set", "mode=reject"),
            "disrupt",
            {},
            {"disruption_started"},
        ),
        (("patch", "link-cut-1", "--probability", "0.5"), "patch", {"id": "link-cut-1", "probability": 0.5}, set()),
        (("heal", "link-cut-1"), "heal", {"id": "link-cut-1"}, {"disruption_healed"}),
        (("disrupt", "outage", "--id", "down", "--target", "agencies=uz-police"), "disrupt", {}, {"disruption_started"}),
        (("heal", "--all"), "heal_all", {}, {"disruption_healed"}),
        (("assign", "kz-ngo", "simcell"), "assign", {"agency": "kz-ngo", "played_by": "simcell"}, set()),
        (("skip", "D1 12:00"), "skip", {"to": "D1 12:00"}, {"clock_changed"}),
        (("jump", "2d"), "jump", {"by": "2d"}, {"clock_changed"}),
        (("end",), "end", {}, {"exercise_ended"}),
    ]  # fmt: skip
    for verb, action, fields, effects in verbs:
        now = served.exercise.bus.now
        assert await served.control(*verb) == 0, (verb, capsys.readouterr().err)
        record = served.actions()[-1]
        assert record.t_us == now, verb
        assert record.data["action"] == action, verb
        assert record.data["actor"] == "controller"
        assert record.data["input"] == {**record.data["input"], **fields, "action": action}
        assert effects <= set(served.after(record)), (verb, served.after(record))
        said = capsys.readouterr().out
        assert said.startswith(f"{action}: logged as seq {record.seq} · "), said
    disrupted = [
        r.data["input"]["disruption"] for r in served.actions() if r.data["action"] == "disrupt"
    ]
    assert disrupted[0] == {
        "id": "link-cut-1",
        "type": "link_cut",
        "target": {"countries": ["KZ", "UZ"]},
        "attributes": {"mode": "reject"},
        "schedule": {"duration": "6h"},
    }
    assert [
        r.data["input"]["inject"]["id"] for r in served.actions() if r.data["action"] == "add"
    ] == ["m99"]


async def test_status_and_the_inject_list(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` shows the clock, the injects to come, disruptions and queues; `--json`
    gives the API's document; `inject list` every inject with its status."""
    assert await served.control("status") == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "1 Jun 09:00 (D1) · not started ×1 · ENDEX 10 Jun 09:00 (D3)"
    assert "injects to come (3 of 3)" in text
    assert "m01" in text
    assert await served.control("--json", "status") == 0
    document = json.loads(capsys.readouterr().out)
    assert {i["id"] for i in document["injects"]} == {"m01", "m02", "m03"}
    first = next(i for i in document["injects"] if i["id"] == "m01")
    assert first["title"] == "The sister calls the hotline"
    assert first["status"] == "pending"
    assert await served.control("inject", "list") == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [
        "m01",
        "m02",
        "m03",
    ]


async def test_a_refused_action_names_the_field_and_logs_nothing(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad value: exit 1 and one line naming the path; no token: exit 2 telling where
    it comes from; `TRAFSIM_TOKEN` serves as the token; a wrong token is refused."""
    assert await served.control("start") == 0
    before = len(read_records(served.exercise.db))
    assert await served.control("inject", "fire", "m77") == 1
    error = capsys.readouterr().err
    assert error.startswith("trafsim: control fire: $.inject: ")
    assert "m77" in error
    assert await served.control("speed", "0") == 1
    assert "$.factor" in capsys.readouterr().err
    assert len(read_records(served.exercise.db)) == before
    monkeypatch.delenv("TRAFSIM_TOKEN", raising=False)
    assert await served.control("pause", token=False) == 2
    assert "TRAFSIM_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("TRAFSIM_TOKEN", served.token)
    assert await served.control("pause", token=False) == 0
    monkeypatch.setenv("TRAFSIM_TOKEN", "wrong")
    assert await served.control("resume", token=False) == 1
    assert "401" in capsys.readouterr().err


async def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Nobody listening: exit 1, one line naming the address."""
    status = await asyncio.to_thread(
        main, ["control", "--url", "http://127.0.0.1:9", "--token", "t", "start"]
    )
    assert status == 1
    assert capsys.readouterr().err.startswith("trafsim: control: cannot reach http://127.0.0.1:9")


async def test_a_short_exercise_steered_from_the_command_line_verifies(
    served: Served, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Start, speed, a disruption for two hours, an ad hoc inject, status as JSON, heal,
    ENDEX: then `trafsim verify` finds the log intact and sealed (exit 0)."""
    note = tmp_path / "note.json"
    note.write_text(
        json.dumps(
            {
                "id": "m50",
                "at": "D1 12:00",
                "from": "excon",
                "to": ["kz-police"],
                "body": {"kind": "excon_note", "title": "Press", "text": "A journalist calls."},
            }
        ),
        encoding="utf-8",
    )
    clock = served.exercise.driver.clock
    assert isinstance(clock, ManualClock)
    for verb in (
        ("start",),
        ("speed", "600"),
        ("disrupt", "outage", "--target", "agencies=uz-police", "--for", "2h"),
        ("inject", "add", str(note)),
    ):
        assert await served.control(*verb) == 0, capsys.readouterr().err
    clock.advance(6)  # an hour of play: the two-hour outage is still in force
    await served.exercise.driver.sync()
    capsys.readouterr()
    assert await served.control("--json", "status") == 0
    status = json.loads(capsys.readouterr().out)
    assert "outage-1" in [d["id"] for d in status["disruptions"]]
    assert {"id": "m50", "status": "pending"}.items() <= next(
        i for i in status["injects"] if i["id"] == "m50"
    ).items()
    for verb in (("heal", "outage-1"), ("end",)):
        assert await served.control(*verb) == 0, capsys.readouterr().err
    await served.exercise.stop()
    assert await asyncio.to_thread(main, ["verify", str(served.exercise.db)]) == 0
