"""The evaluator API during a served exercise (SPEC §15): the evaluator reads the metrics
so far, a seq range of records and the feed of records as they are committed, and gets
403 on every route that changes state."""

from __future__ import annotations

import asyncio
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
from trafsim_bus.live import eval_api
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.metrics import compute_metrics


@pytest.fixture
async def evaluated(
    tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[tuple[LiveExercise, TestClient, ManualClock]]:
    """The mini exercise started at speed 60 for an hour of play; a client without a token."""
    clock = ManualClock()
    options = ServeOptions(
        scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police", "kz-ngo")
    )
    exercise = prepare(options, clock)
    client = await aiohttp_client(create_app(exercise))
    await exercise.start()
    controller = {"Authorization": f"Bearer {exercise.tokens.held.controller}"}
    for action, fields in (("start", {}), ("speed", {"factor": 60})):
        response = await client.post(f"/api/v1/control/{action}", json=fields, headers=controller)
        assert response.status == 200
    clock.advance(60)
    await exercise.driver.sync()
    yield exercise, client, clock
    await exercise.stop()


def evaluator(exercise: LiveExercise) -> dict[str, str]:
    """The evaluator's header."""
    return {"Authorization": f"Bearer {exercise.tokens.held.evaluator}"}


async def test_the_metrics_so_far_are_the_logs(
    evaluated: tuple[LiveExercise, TestClient, ManualClock],
) -> None:
    """`GET /eval/metrics` is the metrics document of the log as committed: unsealed,
    and equal to computing it from the log file."""
    exercise, client, _ = evaluated
    response = await client.get("/api/v1/eval/metrics", headers=evaluator(exercise))
    assert response.status == 200
    document = await response.json()
    assert document["sealed"] is False
    logged = read_records(exercise.db)
    assert document["log_head"]["seq"] == logged[-1].seq
    expected = compute_metrics(logged, (logged[-1].seq, document["log_head"]["sha256"]))
    assert document == json.loads(msgspec.json.encode(expected))


async def test_records_by_seq_range(
    evaluated: tuple[LiveExercise, TestClient, ManualClock],
) -> None:
    """A range gives exactly those records, as logged; a range past the end gives what
    there is; a bad bound is 422 naming it."""
    exercise, client, _ = evaluated
    logged = read_records(exercise.db)
    response = await client.get(
        "/api/v1/eval/records?from_seq=2&to_seq=5", headers=evaluator(exercise)
    )
    page = await response.json()
    assert [r["seq"] for r in page["records"]] == [2, 3, 4, 5]
    by_seq = {record.seq: record for record in logged}
    assert page["records"][0] == json.loads(msgspec.json.encode(by_seq[2]))
    assert page["next_from_seq"] is None
    tail = await (
        await client.get(
            f"/api/v1/eval/records?from_seq={logged[-1].seq}", headers=evaluator(exercise)
        )
    ).json()
    assert [r["seq"] for r in tail["records"]] == [logged[-1].seq]
    bad = await client.get("/api/v1/eval/records?from_seq=zero", headers=evaluator(exercise))
    assert bad.status == 422
    assert (await bad.json())["error"]["path"] == "query.from_seq"


async def test_pages_follow_one_another_to_the_end(
    evaluated: tuple[LiveExercise, TestClient, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of at most PAGE_LIMIT records, each naming where the next starts, give the
    whole log once, in order; a range's last page names none."""
    exercise, client, _ = evaluated
    monkeypatch.setattr(eval_api, "PAGE_LIMIT", 3)
    logged = read_records(exercise.db)
    seen: list[int] = []
    start: int | None = 0
    while start is not None:
        page = await (
            await client.get(f"/api/v1/eval/records?from_seq={start}", headers=evaluator(exercise))
        ).json()
        assert len(page["records"]) <= 3
        seen += [r["seq"] for r in page["records"]]
        start = page["next_from_seq"]
    assert seen == [record.seq for record in logged]
    ranged = await (
        await client.get("/api/v1/eval/records?from_seq=1&to_seq=4", headers=evaluator(exercise))
    ).json()
    assert ([r["seq"] for r in ranged["records"]], ranged["next_from_seq"]) == ([1, 2, 3], 4)


async def test_the_feed_streams_records_as_they_are_committed(
    evaluated: tuple[LiveExercise, TestClient, ManualClock],
) -> None:
    """After subscribing, the next hour's records arrive over SSE, in seq order, equal to
    the log's."""
    exercise, client, clock = evaluated
    stream = await client.get("/api/v1/eval/events", headers=evaluator(exercise))
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    before = read_records(exercise.db)[-1].seq
    clock.advance(60)
    await exercise.driver.sync()
    logged = {r.seq: r for r in read_records(exercise.db)}
    assert max(logged) > before
    seen: list[int] = []
    while len(seen) < max(logged) - before:
        line = (await asyncio.wait_for(stream.content.readline(), 5)).decode()
        if line.startswith("data: "):
            record = json.loads(line.removeprefix("data: "))
            assert record == json.loads(msgspec.json.encode(logged[record["seq"]]))
            seen.append(record["seq"])
    assert seen == list(range(before + 1, max(logged) + 1))
    stream.close()


async def test_the_evaluator_changes_nothing(
    evaluated: tuple[LiveExercise, TestClient, ManualClock],
) -> None:
    """Every route that changes state answers the evaluator 403, and the log is unchanged;
    a team cannot read the evaluator API."""
    exercise, client, _ = evaluated
    envelope = {
        "schema_version": "1",
        "id": str(uuid5(exercise.bus.exercise_id, "eval")),
        "exercise_id": str(exercise.bus.exercise_id),
        "sender": "kz-police",
        "recipients": ["kz-ngo"],
        "created_at": "2026-06-01T09:00:00+05:00",
        "language": "rus",
        "script": "Cyrl",
        "body": {"kind": "alert", "alert_source": "patrol", "summary": "x"},
    }
    before = read_records(exercise.db)
    changes = [
        ("/api/v1/agencies/kz-police/messages", envelope),
        (f"/api/v1/agencies/kz-ngo/messages/{envelope['id']}/read", None),
        *[(f"/api/v1/control/{action}", {}) for action in ("pause", "resume", "end", "heal_all")],
        ("/api/v1/control/speed", {"factor": 2}),
    ]
    for path, body in changes:
        response = await client.post(path, json=body, headers=evaluator(exercise))
        assert response.status == 403, path
    assert read_records(exercise.db) == before
    team = {"Authorization": f"Bearer {exercise.tokens.held.agencies['kz-police']}"}
    for path in ("/api/v1/eval/metrics", "/api/v1/eval/records", "/api/v1/eval/events"):
        assert (await client.get(path, headers=team)).status == 403, path
