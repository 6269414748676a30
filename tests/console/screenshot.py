"""The README's screenshot of the console, from a real exercise: SILK THREAD served on a
manual clock, the Shymkent police send a referral, an Interpol notice request, a request
to the Kyrgyz police and an MLA request of their own; an hour of play later, their Sent
page shows each message's status in words.

    python -m tests.console.screenshot      # writes docs/images/console.png

`test_screenshot.py` fails when the console's templates, styles or English labels have
changed since the picture was taken (it keeps their digest beside it)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid5

import aiohttp
from aiohttp.test_utils import TestServer

from tests.console.browser import Watched, chromium
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

ROOT = Path(__file__).parents[2]
PICTURE = ROOT / "docs" / "images" / "console.png"
DIGEST = PICTURE.with_suffix(".png.sources")
CONSOLE = ROOT / "agencies" / "node" / "console"
POLICE = "kz-mia-sh"


def sources_digest() -> str:
    """The digest of what the picture shows: templates, styles, English labels."""
    digest = hashlib.sha256()
    for path in sorted(
        [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("static/*.css"),
         CONSOLE / "catalogue" / "en.toml"]
    ):  # fmt: skip
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _message(exercise: LiveExercise, name: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (ROOT / "examples" / "messages" / f"{name}.json").read_text("utf-8")
    )
    document |= {
        "id": str(uuid5(exercise.bus.exercise_id, f"screenshot:{name}")),
        "exercise_id": str(exercise.bus.exercise_id),
        "sender": POLICE,
        "created_at": "2026-06-01T09:30:00+05:00",
        **changes,
    }
    return document


async def take(picture: Path = PICTURE) -> None:
    """Play the scene and take the picture."""
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock()
        options = ServeOptions(scenario="silk-thread", db=Path(folder) / "live.db")
        exercise = prepare(options, clock)
        server = TestServer(create_app(exercise), host="127.0.0.1", port=0)
        await server.start_server()
        await exercise.start()
        tokens = exercise.tokens.held
        try:
            async with aiohttp.ClientSession() as session:

                async def post(path: str, token: str, body: Any) -> None:
                    response = await session.post(
                        str(server.make_url(path)),
                        data=json.dumps(body),
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    assert response.status in (200, 202), await response.text()

                await post("/api/v1/control/start", tokens.controller, {})
                await post("/api/v1/control/speed", tokens.controller, {"factor": 60})
                sent = [
                    _message(exercise, "referral-2", recipients=["kz-ngo-sh"]),
                    _message(exercise, "interpol_notice_request"),
                    _message(exercise, "info_request-2"),
                    _message(exercise, "mla_request", channel=None),
                ]
                sent[0]["body"]["referred_organisation"] = ["kz-ngo-sh"]
                sent[0].pop("channel", None)
                for document in sent:
                    await post(
                        f"/api/v1/agencies/{POLICE}/messages", tokens.agencies[POLICE], document
                    )
                    clock.advance(60)
                    await exercise.driver.sync()
            async with chromium() as browser:
                watched = await Watched.open(browser)
                page = watched.page
                await page.set_viewport_size({"width": 1180, "height": 560})
                await page.goto(str(server.make_url("/console/")))
                await page.fill("#token", tokens.agencies[POLICE])
                await page.click("#sign-in")
                await page.goto(str(server.make_url(f"/console/{POLICE}/sent")))
                await page.screenshot(path=str(picture))
                assert watched.problems == [], watched.problems
        finally:
            await exercise.stop()
            await server.close()
    DIGEST.write_text(sources_digest() + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(take())
