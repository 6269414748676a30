"""The team and control APIs of a live exercise (SPEC §15): statuses and the error shape,
what is logged and what is not, live events, the OpenAPI document, and tokens that leak
nowhere."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid5

import msgspec
import pytest
from aiohttp.test_utils import TestClient

from tests.bus.helpers import MINI
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import read_records
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

TEAMS = ("kz-police", "kz-ngo")


class Live:
    """A live mini exercise on a manual clock, and a client of its API."""

    def __init__(self, exercise: LiveExercise, client: TestClient, clock: ManualClock) -> None:
        self.exercise = exercise
        self.client = client
        self.clock = clock
        self.tokens = exercise.tokens.held

    def auth(self, who: str) -> dict[str, str]:
        """The header of an agency's team, or of `controller` / `evaluator`."""
        token = self.tokens.agencies.get(who) or getattr(self.tokens, who)
        return {"Authorization": f"Bearer {token}"}

    async def control(self, action: str, **fields: Any) -> Any:
        """A controller's action; its answer."""
        response = await self.client.post(
            f"/api/v1/control/{action}", json=fields, headers=self.auth("controller")
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def submit(self, agency: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """POST an envelope's bytes as an agency's team."""
        response = await self.client.post(
            f"/api/v1/agencies/{agency}/messages", data=body, headers=self.auth(agency)
        )
        return response.status, await response.json()

    async def wait(self, seconds: float) -> None:
        """Let wall time pass and the driver catch up."""
        self.clock.advance(seconds)
        await self.exercise.driver.sync()

    def envelope(self, n: int, sender: str = "kz-police", **changes: Any) -> bytes:
        """An alert from `sender` to the shelter, as JSON bytes."""
        document = {
            "schema_version": "1",
            "id": str(uuid5(self.exercise.bus.exercise_id, f"api:{n}")),
            "exercise_id": str(self.exercise.bus.exercise_id),
            "sender": sender,
            "recipients": ["kz-ngo"],
            "created_at": "2026-06-01T09:00:00+05:00",
            "language": "rus",
            "script": "Cyrl",
            "case_refs": ["KZ-2026-1"],
            "body": {"kind": "alert", "alert_source": "patrol", "summary": "Men locked in."},
            **changes,
        }
        return msgspec.json.encode(document)

    def logged(self) -> list[Any]:
        """The records in the log file."""
        return read_records(self.exercise.db)


@pytest.fixture
async def live(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Live]:
    """A mini exercise whose police and shelter are played by teams, not started yet."""
    clock = ManualClock()
    options = ServeOptions(scenario=str(MINI), db=tmp_path / "live.db", play=TEAMS)
    exercise = prepare(options, clock)
    client = await aiohttp_client(create_app(exercise))
    await exercise.start()
    await exercise.driver.sync()
    yield Live(exercise, client, clock)
    await exercise.stop()


async def started(live: Live) -> Live:
    """The exercise with its clock started, at speed 60."""
    await live.control("start")
    await live.control("speed", factor=60)
    return live


async def test_a_submission_is_committed_then_accepted_and_delivered(live: Live) -> None:
    """202 once the record is committed; the shelter finds it in its inbox; its trail
    shows each stage to the sender."""
    await started(live)
    status, answer = await live.submit("kz-police", live.envelope(1))
    assert status == 202, answer
    assert answer["outcome"] == "submitted"
    assert any(r.seq == answer["seq"] and r.kind == "envelope_submitted" for r in live.logged())
    await live.wait(3600)
    inbox = await (
        await live.client.get("/api/v1/agencies/kz-ngo/inbox", headers=live.auth("kz-ngo"))
    ).json()
    assert answer["id"] in [m["envelope_id"] for m in inbox["messages"]]
    view = await (
        await live.client.get(f"/api/v1/messages/{answer['id']}", headers=live.auth("kz-police"))
    ).json()
    assert view["recipients"]["kz-ngo"]["status"] == "delivered"
    stages = [step["stage"] for step in view["recipients"]["kz-ngo"]["trail"] if step["stage"]]
    assert stages[:2] == ["language", "latency"]
    assert stages[-1] == "delivery"


async def test_the_same_envelope_twice_gives_the_first_result_and_one_delivery(live: Live) -> None:
    """Submitted again with the same bytes: 200 with the first result; one delivery."""
    await started(live)
    first_status, first = await live.submit("kz-police", live.envelope(1))
    again_status, again = await live.submit("kz-police", live.envelope(1))
    assert (first_status, again_status) == (202, 200)
    assert again == first
    created = [
        r for r in live.logged() if r.kind == "delivery_created" and r.envelope_id == first["id"]
    ]
    assert len(created) == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "path"),
    [
        (b"{not json", 400, "invalid_message", None),
        (b'{"schema_version": "1", "id": 5}', 422, "invalid_message", "$.id"),
    ],
)
async def test_bad_bodies_are_refused_and_logged(
    live: Live, body: bytes, status: int, code: str, path: str | None
) -> None:
    """Not JSON: 400; not an envelope: 422 naming the path; both logged `invalid_message`
    with the bytes, as inputs."""
    await started(live)
    got, answer = await live.submit("kz-police", body)
    assert got == status
    error = answer["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error.get("path") == path
    refused = [r for r in live.logged() if r.kind == "envelope_refused"]
    assert refused[-1].data["input"] == body.decode()


async def test_another_sender_than_the_token_is_403_and_logged(live: Live) -> None:
    """The envelope says another sender than the token's agency: 403, logged
    `sender_not_authorised`."""
    await started(live)
    status, answer = await live.submit("kz-police", live.envelope(1, sender="kz-ngo"))
    assert (status, answer["error"]["code"]) == (403, "sender_not_authorised")
    assert live.logged()[-1].data["reason"] == "sender_not_authorised"


async def test_what_never_reaches_the_bus_logs_nothing(live: Live) -> None:
    """No token or a wrong one 401, an unknown agency 404, another agency's inbox 403, a
    body over the limit 413, a submission before `start` 409: each answered with the
    error shape, and the log keeps what it had."""
    client = live.client
    before = live.logged()
    answers = [
        await client.post("/api/v1/agencies/kz-police/messages", data=live.envelope(1)),
        await client.post(
            "/api/v1/agencies/kz-police/messages",
            data=live.envelope(1),
            headers={"Authorization": "Bearer not-a-token"},
        ),
        await client.get("/api/v1/agencies/kz-nobody/inbox", headers=live.auth("kz-police")),
        await client.get("/api/v1/agencies/kz-ngo/inbox", headers=live.auth("kz-police")),
        await client.post(
            "/api/v1/agencies/kz-police/messages",
            data=io.BytesIO(b"{" + b" " * (1024 * 1024 + 10) + b"}"),
            headers=live.auth("kz-police"),
        ),
        await client.post(
            "/api/v1/agencies/kz-police/messages",
            data=live.envelope(1),
            headers=live.auth("kz-police"),
        ),
    ]
    statuses = [answer.status for answer in answers]
    assert statuses == [401, 401, 404, 403, 413, 409]
    for answer in answers:
        error = (await answer.json())["error"]
        assert error["status"] == answer.status
        assert error["message"]
    assert live.logged() == before


async def test_a_message_one_may_not_see_is_404(live: Live) -> None:
    """Neither sender nor recipient: 404, as for a message that does not exist."""
    await started(live)
    _, answer = await live.submit("kz-police", live.envelope(1))
    response = await live.client.get(
        f"/api/v1/messages/{answer['id']}", headers=live.auth("kz-pgo")
    )
    assert response.status == 404
    missing = await live.client.get(
        "/api/v1/messages/00000000-0000-0000-0000-000000000000", headers=live.auth("kz-police")
    )
    assert missing.status == 404


async def test_after_endex_submissions_are_409(live: Live) -> None:
    """Once the controller ends the exercise, a submission is 409 `exercise_ended`."""
    await started(live)
    await live.control("end")
    response = await live.client.post(
        "/api/v1/agencies/kz-police/messages", data=live.envelope(1), headers=live.auth("kz-police")
    )
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "exercise_ended"


async def test_a_bad_control_action_is_422_with_the_path(live: Live) -> None:
    """A speed of 0: 422 naming `$.factor`; nothing logged."""
    before = live.logged()
    response = await live.client.post(
        "/api/v1/control/speed", json={"factor": 0}, headers=live.auth("controller")
    )
    assert response.status == 422
    assert (await response.json())["error"]["path"] == "$.factor"
    assert live.logged() == before


async def test_events_stream_the_delivery_to_the_recipient(live: Live) -> None:
    """The shelter's event stream shows the alert arrive; the police's shows its steps."""
    await started(live)
    shelter = await live.client.get("/api/v1/agencies/kz-ngo/events", headers=live.auth("kz-ngo"))
    police = await live.client.get(
        "/api/v1/agencies/kz-police/events", headers=live.auth("kz-police")
    )
    assert shelter.headers["Content-Type"].startswith("text/event-stream")
    _, answer = await live.submit("kz-police", live.envelope(1))
    await live.wait(3600)

    async def events(response: Any, event: str, kind: str) -> list[dict[str, Any]]:
        found = []
        while True:
            line = (await asyncio.wait_for(response.content.readline(), 5)).decode()
            assert line, f"the stream ended before {event} {kind}: {found}"
            if line.startswith("event: "):
                name = line.removeprefix("event: ").strip()
                data = json.loads(
                    (await response.content.readline()).decode().removeprefix("data: ")
                )
                if data.get("envelope_id") == answer["id"]:
                    found.append({"event": name, **data})
                    if name == event and data["kind"] == kind:
                        return found

    arrived = await events(shelter, "delivered", "delivered")
    assert [step["recipient"] for step in arrived] == ["kz-ngo"]
    steps = await events(police, "status", "delivered")
    assert steps[0]["kind"] == "delivery_created"
    assert {step["event"] for step in steps} == {"status"}
    shelter.close()
    police.close()


async def test_the_openapi_document_is_valid_and_lists_every_route(live: Live) -> None:
    """`GET /api/v1/openapi.json` validates as OpenAPI 3.1 and lists every API route (the
    console's pages under `/console/` are web pages, not API)."""
    from openapi_spec_validator import validate

    response = await live.client.get("/api/v1/openapi.json")
    document = await response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    app = live.client.app
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and route.resource.canonical.startswith("/api/")
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert served == documented


async def test_tokens_leak_nowhere(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    """No token in any log record, structlog line or URL the API gives out."""
    await started(live)
    await live.submit("kz-police", live.envelope(1))
    await live.wait(3600)
    await live.client.get("/api/v1/agencies/kz-ngo/inbox", headers=live.auth("kz-ngo"))
    openapi = await (await live.client.get("/api/v1/openapi.json")).text()
    logged = live.exercise.db.read_bytes() + Path(f"{live.exercise.db}-wal").read_bytes()
    printed = capsys.readouterr()
    for token in live.exercise.tokens.secrets():
        assert token.encode() not in logged
        assert token not in printed.out + printed.err
        assert token not in openapi
    mode = (live.exercise.db.parent / "live.db.tokens.json").stat().st_mode & 0o777
    assert mode == 0o600


async def test_a_recipient_sees_a_message_once_it_arrives(live: Live) -> None:
    """Before its delivery a message is not the recipient's to see (404, as for one that
    does not exist); once delivered it is; its sender sees it all along."""
    await started(live)
    _, answer = await live.submit("kz-police", live.envelope(1))
    path = f"/api/v1/messages/{answer['id']}"
    before = await live.client.get(path, headers=live.auth("kz-ngo"))
    assert before.status == 404
    sender = await live.client.get(path, headers=live.auth("kz-police"))
    assert sender.status == 200
    await live.wait(3600)
    after = await live.client.get(path, headers=live.auth("kz-ngo"))
    assert after.status == 200
    assert (await after.json())["recipients"]["kz-ngo"]["status"] == "delivered"


def test_tokens_never_start_with_a_dash() -> None:
    """A token is safe after `--token` on a command line: it never starts with `-`
    (base64url would, once in 64 draws); it is 43 characters of the URL-safe alphabet."""
    import re

    from trafsim_bus.live.tokens import new_token

    tokens = [new_token() for _ in range(2000)]
    assert not [token for token in tokens if token.startswith("-")]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)
    assert len(set(tokens)) == len(tokens)
