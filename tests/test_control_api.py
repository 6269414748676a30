"""The control API refuses bad input of every kind whole (SPEC §14-15): 422 with the path
of the bad value and a sentence, and the log exactly as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.bus.helpers import MINI
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import read_records
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise


@pytest.fixture
async def steered(
    tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[tuple[LiveExercise, TestClient]]:
    """The mini exercise, started, with m01 fired: a client with the controller's token."""
    options = ServeOptions(
        scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police", "kz-ngo")
    )
    exercise = prepare(options, ManualClock())
    client = await aiohttp_client(create_app(exercise))
    client.session.headers["Authorization"] = f"Bearer {exercise.tokens.held.controller}"
    await exercise.start()
    for action, fields in (("start", {}), ("fire", {"inject": "m01"})):
        response = await client.post(f"/api/v1/control/{action}", json=fields)
        assert response.status == 200, await response.text()
    yield exercise, client
    await exercise.stop()


BAD = [
    pytest.param(
        "disrupt",
        {"disruption": {"id": "x", "type": "outage", "target": {"agencies": [{"id": "kz-nobody"}]}}},
        "$.disruption.target.agencies[0]",
        id="unknown-agency-in-a-selector",
    ),
    pytest.param("speed", {"factor": -2}, "$.factor", id="negative-speed"),
    pytest.param(
        "disrupt",
        {"disruption": {"id": "x", "type": "outage", "target": {"agencies": ["kz-ngo"]},
                        "schedule": {"duration": "tomorrow"}}},
        "$.disruption.schedule.duration",
        id="duration-tomorrow",
    ),
    pytest.param("retime", {"inject": "m01", "at": "D2 10:00"}, "$.inject", id="retime-a-fired-inject"),
    pytest.param("heal", {"id": "d-nothing"}, "$.id", id="heal-an-unknown-disruption"),
    pytest.param(
        "add",
        {"inject": {"id": "m98", "at": "D1 15:00", "from": "excon", "to": ["kz-police"],
                    "body": {"kind": "alert", "alert_source": "rumour", "summary": "x"}}},
        "$.inject.body.alert_source",
        id="inject-body-the-protocol-refuses",
    ),
    pytest.param("jump", {"by": "-3d"}, "$.by", id="jump-backwards"),
    pytest.param("assign", {"agency": "kz-ngo", "played_by": "nobody"}, "$.played_by", id="assign-to-nobody"),
]  # fmt: skip


@pytest.mark.parametrize(("action", "fields", "path"), BAD)
async def test_bad_control_input_is_refused_whole(
    steered: tuple[LiveExercise, TestClient], action: str, fields: dict[str, Any], path: str
) -> None:
    """422 naming the path, a sentence, and not one record more in the log."""
    exercise, client = steered
    before = read_records(exercise.db)
    response = await client.post(f"/api/v1/control/{action}", json=fields)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["path"].startswith(path), error
    assert len(error["message"]) > 10
    assert read_records(exercise.db) == before
