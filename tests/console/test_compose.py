"""The compose form, generated from the protocol's schema, in real headless Chromium:
for every message type, filling its form with its example's values builds that example's
body; a field error comes back next to its field; a reply keeps thread and case."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid5

import msgspec
import pytest
from aiohttp.test_utils import TestServer
from msgspec import to_builtins
from playwright.async_api import expect

from protocols import MESSAGE_TYPES, ProtocolError, decode_envelope
from tests.console.browser import Watched, chromium
from tests.console.forms import fill_envelope, fill_field, preview
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus.core.actions import decode_action
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

EXAMPLES = Path(__file__).parents[2] / "examples" / "messages"
POLICE = "kz-mia-sh"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[LiveExercise, TestServer]]:
    """SILK THREAD served live on a manual clock, on a real port."""
    exercise = prepare(ServeOptions(scenario="silk-thread", db=tmp_path / "live.db"), ManualClock())
    server = TestServer(create_app(exercise), host="127.0.0.1", port=0)
    await server.start_server()
    await exercise.start()
    try:
        yield exercise, server
    finally:
        await exercise.stop()
        await server.close()


@pytest.fixture
async def police(
    served: tuple[LiveExercise, TestServer],
) -> AsyncIterator[Watched]:
    """The police's console, signed in."""
    exercise, server = served
    async with chromium() as browser:
        watched = await Watched.open(browser)
        await watched.page.goto(str(server.make_url("/console/")))
        await watched.page.fill("#token", exercise.tokens.held.agencies[POLICE])
        await watched.page.click("#sign-in")
        await expect(watched.page.locator("#me")).to_contain_text(POLICE)
        yield watched


def differences(built: Any, wanted: Any, path: str = "$.body") -> list[str]:
    """Where two bodies differ, path by path."""
    if isinstance(built, dict) and isinstance(wanted, dict):
        return [
            found
            for key in sorted(set(built) | set(wanted))
            for found in differences(built.get(key), wanted.get(key), f"{path}.{key}")
        ]
    if isinstance(built, list) and isinstance(wanted, list) and len(built) == len(wanted):
        return [
            found
            for index, (a, b) in enumerate(zip(built, wanted, strict=True))
            for found in differences(a, b, f"{path}[{index}]")
        ]
    return [] if built == wanted else [f"{path}: built {built!r}, wanted {wanted!r}"]


def example(kind: str) -> dict[str, Any]:
    """The first example envelope of a message type."""
    document: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text("utf-8"))
    return document


@pytest.mark.slow
async def test_every_form_builds_its_example(
    served: tuple[LiveExercise, TestServer], police: Watched
) -> None:
    """For every message type (one browser session), typing its example's values into
    its form builds a body equal to the example's, as the protocol decodes both."""
    _, server = served
    page = police.page
    built_wrong = []
    for kind in sorted(MESSAGE_TYPES):
        wanted = example(kind)
        await page.goto(str(server.make_url(f"/console/{POLICE}/compose?type={kind}")))
        await fill_field(page, "$.body", wanted["body"])
        built = await preview(page)
        try:
            as_sent = decode_envelope(msgspec.json.encode({**wanted, "body": built["body"]}))
        except ProtocolError as exc:
            built_wrong.append((kind, str(exc)))
            continue
        expected = decode_envelope(msgspec.json.encode(wanted)).body
        if as_sent.body != expected:
            built_wrong.append(
                (kind, differences(to_builtins(as_sent.body), to_builtins(expected)))
            )
    assert built_wrong == []
    assert police.problems == []


@pytest.mark.slow
async def test_a_field_error_sits_next_to_its_field(
    served: tuple[LiveExercise, TestServer], police: Watched
) -> None:
    """A value the schema refuses comes back with its path and shows next to that field;
    nothing is sent."""
    exercise, server = served
    await exercise.control(decode_action({"action": "start"}), "controller", {"action": "start"})
    page = police.page
    await page.goto(str(server.make_url(f"/console/{POLICE}/compose?type=alert")))
    await fill_envelope(page, {"recipients": ["kz-ngo-sh"]})
    body = example("alert")["body"]
    await fill_field(page, "$.body", {**body, "summary": ""})
    await page.click("#send")
    error = page.locator('[data-path="$.body.summary"] > .error')
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("length >= 1")
    await expect(page.locator("#compose-error")).to_contain_text("$.body.summary")
    assert exercise.bus.state.registry.by_kind.get("alert", []) == []


@pytest.mark.slow
async def test_reply_and_forward_keep_thread_and_cases(
    served: tuple[LiveExercise, TestServer], police: Watched
) -> None:
    """From a message the police received: Reply goes to its sender in its thread and
    cases, in reply to it; Forward keeps thread and cases, derives from it and passes its
    content on in the same type."""
    exercise, server = served
    await exercise.control(decode_action({"action": "start"}), "controller", {"action": "start"})
    alert = example("alert") | {
        "id": str(uuid5(exercise.bus.exercise_id, "reply-test")),
        "exercise_id": str(exercise.bus.exercise_id),
        "sender": "kz-ngo-sh",
        "recipients": [POLICE],
        "channel": None,
        "thread_id": None,
        "case_refs": ["KZ-SH-2026-0077"],
        "language": "rus",
        "script": "Cyrl",
        "risk_to_life": True,
    }
    result = await exercise.submit("kz-ngo-sh", msgspec.json.encode(alert))
    assert result.outcome == "submitted", result
    clock = exercise.driver.clock
    assert isinstance(clock, ManualClock)
    for _ in range(100):
        if (alert["id"], POLICE) in exercise.deliveries:
            break
        clock.advance(600)
        await exercise.driver.sync()
    assert (alert["id"], POLICE) in exercise.deliveries, exercise.trails[alert["id"]]
    page = police.page
    await page.goto(str(server.make_url(f"/console/{POLICE}/messages/{alert['id']}")))
    await page.click("#reply")
    reply = await preview(page)
    assert {
        key: reply.get(key) for key in ("recipients", "in_reply_to", "thread_id", "case_refs")
    } == {
        "recipients": ["kz-ngo-sh"],
        "in_reply_to": alert["id"],
        "thread_id": alert["id"],
        "case_refs": ["KZ-SH-2026-0077"],
    }
    assert reply["body"]["kind"] == "case_update"
    await page.goto(str(server.make_url(f"/console/{POLICE}/messages/{alert['id']}")))
    await page.click("#forward")
    forward = await preview(page)
    assert (forward["derived_from"], forward["thread_id"], forward["case_refs"]) == (
        [alert["id"]],
        alert["id"],
        ["KZ-SH-2026-0077"],
    )
    sent = decode_envelope(msgspec.json.encode({**alert, "body": forward["body"]}))
    assert sent.body == decode_envelope(msgspec.json.encode(alert)).body
    assert police.problems == []
