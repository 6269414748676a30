"""Group commit in the real-time driver: inputs that arrive together are committed in one
transaction, each answered only once its records are in the file, and the log is the one
that handling them one at a time makes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp.test_utils import TestClient

from tests.bus.helpers import MINI, envelope_document
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import read_records
from trafsim_bus.core import ControlInput, Input, TeamSubmission, decode_action
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.errors import BusError, ExerciseClosedError
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.log.records import Record

TEAMS = ("kz-police", "kz-ngo")
BURST = 40


def live(db: Path) -> tuple[LiveExercise, ManualClock]:
    """The mini exercise, police and shelter played by teams, on a manual clock."""
    clock = ManualClock()
    return prepare(ServeOptions(scenario=str(MINI), db=db, play=TEAMS), clock), clock


def envelope(exercise: LiveExercise, n: int, **changes: Any) -> bytes:
    """The n-th alert from the police to the shelter."""
    return msgspec.json.encode(
        envelope_document(
            exercise.bus.exercise_id,
            f"burst:{n}",
            "kz-police",
            ["kz-ngo"],
            {"kind": "alert", "alert_source": "patrol", "summary": f"Call {n}."},
            case_refs=["KZ-2026-1"],
            **changes,
        )
    )


def control(**document: Any) -> ControlInput:
    """A controller's action."""
    return ControlInput(decode_action(document), "excon-1", document)


def burst(exercise: LiveExercise) -> list[Input]:
    """Submissions with a duplicate, a bad body, another agency's envelope, a refused and
    an accepted control action between them, and the end with one more after it."""
    inputs: list[Input] = [TeamSubmission("kz-police", envelope(exercise, n)) for n in range(BURST)]
    inputs[5] = TeamSubmission("kz-police", envelope(exercise, 4))
    inputs[9] = TeamSubmission("kz-police", b'{"schema_version": "1", "id": 5}')
    inputs[13] = TeamSubmission("kz-ngo", envelope(exercise, 13))
    inputs[17] = control(action="release", inject="m02")
    inputs[21] = control(action="speed", factor=120)
    return [*inputs, control(action="end"), TeamSubmission("kz-police", envelope(exercise, 99))]


def outcome(answer: object) -> object:
    """An answer as both runs must give it: the result, or the refusal's type and text."""
    if isinstance(answer, BaseException):
        return type(answer).__name__, str(answer)
    return answer


async def played(db: Path, *, together: bool) -> tuple[list[object], int, tuple[int, str]]:
    """The burst, 90 wall seconds after the start at speed 60 (an inject fell due in
    between): every input at once, or each after the last was answered. Its answers, the
    transactions it took and the log's head."""
    exercise, clock = live(db)
    await exercise.start()
    await exercise.driver.handle(control(action="start"))
    await exercise.driver.handle(control(action="speed", factor=60))
    clock.advance(90)
    inputs = burst(exercise)
    before = exercise.driver.commits
    answers: list[object] = []
    if together:
        tasks = [asyncio.create_task(exercise.driver.handle(item)) for item in inputs]
        answers = list(await asyncio.gather(*tasks, return_exceptions=True))
    else:
        for item in inputs:
            try:
                answers.append(await exercise.driver.handle(item))
            except BusError as exc:
                answers.append(exc)
    commits = exercise.driver.commits - before
    await exercise.finished()
    head = exercise.writer.head()
    await exercise.stop()
    return [outcome(answer) for answer in answers], commits, head


async def test_a_burst_is_one_transaction_and_the_log_of_one_at_a_time(tmp_path: Path) -> None:
    """Inputs that wait together are committed at once; answers, records and head are
    those of the same inputs handled one by one (refusals and the end included)."""
    together, commits, head = await played(tmp_path / "together.db", together=True)
    alone, one_by_one, alone_head = await played(tmp_path / "alone.db", together=False)
    assert commits == 1
    assert one_by_one > BURST // 2
    assert together == alone
    assert together[-1] == outcome(ExerciseClosedError("exercise_ended"))
    assert any(isinstance(answer, tuple) for answer in together[:-2])
    assert head == alone_head
    records: list[Record] = read_records(tmp_path / "together.db")
    assert records == read_records(tmp_path / "alone.db")
    assert {"inject_fired", "envelope_submitted", "exercise_ended"} <= {r.kind for r in records}


@pytest.fixture
async def served(
    tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[tuple[LiveExercise, TestClient]]:
    """The mini exercise behind its API, started at speed 60."""
    exercise, _ = live(tmp_path / "live.db")
    client = await aiohttp_client(create_app(exercise))
    await exercise.start()
    await exercise.driver.handle(control(action="start"))
    await exercise.driver.handle(control(action="speed", factor=60))
    yield exercise, client
    await exercise.stop()


async def test_each_answer_of_a_burst_comes_after_its_record_is_in_the_file(
    served: tuple[LiveExercise, TestClient],
) -> None:
    """Submissions posted at once over HTTP: fewer commits than submissions, and when each
    202 arrives a separate reader already finds its record in the log file."""
    exercise, client = served
    token = exercise.tokens.held.agencies["kz-police"]
    headers = {"Authorization": f"Bearer {token}"}
    query = "SELECT seq FROM events WHERE kind = 'envelope_submitted' AND envelope_id = ?"
    before = exercise.driver.commits

    async def submit(n: int) -> tuple[int, int, list[tuple[int]]]:
        response = await client.post(
            "/api/v1/agencies/kz-police/messages", data=envelope(exercise, n), headers=headers
        )
        answer = await response.json()
        with closing(sqlite3.connect(f"file:{exercise.db}?mode=ro", uri=True)) as reader:
            found = reader.execute(query, (answer["id"],)).fetchall()
        return response.status, answer["seq"], found

    answers = await asyncio.gather(*(submit(n) for n in range(BURST)))
    assert [status for status, _, _ in answers] == [202] * BURST
    assert all(found == [(seq,)] for _, seq, found in answers)
    assert exercise.driver.commits - before < BURST
