"""The console's defences (SPEC §15, STYLE.md): a strict Content-Security-Policy with no
inline script or style anywhere, a session cookie that scripts cannot read and other
sites cannot send, and no change of state without the session's CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.bus.helpers import MINI
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

TEMPLATES = Path(__file__).parents[2] / "agencies" / "node" / "console" / "templates"


@pytest.fixture
async def console(
    tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[tuple[LiveExercise, TestClient]]:
    """A mini exercise's server, with a client that keeps cookies."""
    options = ServeOptions(
        scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police", "kz-ngo")
    )
    exercise = prepare(options, ManualClock())
    client = await aiohttp_client(create_app(exercise))
    await exercise.start()
    yield exercise, client
    await exercise.stop()


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    """Every script comes from a file; no `style=` or `on...=` attribute, no `<style>`."""
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", text), path.name


async def test_pages_carry_a_strict_policy(console: tuple[LiveExercise, TestClient]) -> None:
    """The sign-in page: CSP `default-src 'self'`, scripts from here only, nothing inline,
    no framing, no sniffing."""
    _, client = console
    response = await client.get("/console/")
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_sign_in_sets_a_strict_cookie_and_a_bad_token_is_told(
    console: tuple[LiveExercise, TestClient],
) -> None:
    """A wrong token: 401 and the page says so. The right one: an HttpOnly, SameSite=Strict
    cookie (not the token) and the agency's inbox."""
    exercise, client = console
    wrong = await client.post("/console/sign-in", data={"token": "nope"})
    assert wrong.status == 401
    assert "sign-in-error" in await wrong.text()
    token = exercise.tokens.held.agencies["kz-police"]
    right = await client.post("/console/sign-in", data={"token": token}, allow_redirects=False)
    assert right.status == 303
    assert right.headers["Location"] == "/console/kz-police/"
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert token not in cookie


async def test_a_change_without_the_csrf_token_is_refused(
    console: tuple[LiveExercise, TestClient],
) -> None:
    """With the session cookie, reading works; a POST without `X-CSRF-Token` is 403 and
    logs nothing; with it, the request goes through."""
    exercise, client = console
    token = exercise.tokens.held.agencies["kz-police"]
    await client.post("/console/sign-in", data={"token": token})
    page = await client.get("/console/kz-police/")
    assert page.status == 200
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', await page.text())
    assert csrf is not None
    clock = await client.get("/api/v1/clock")
    assert clock.status == 200
    before = exercise.bus.recorder.next_seq
    forged = await client.post("/api/v1/agencies/kz-police/messages", data=b"{}")
    assert forged.status == 403
    assert (await forged.json())["error"]["code"] == "csrf"
    assert exercise.bus.recorder.next_seq == before
    honest = await client.post(
        "/api/v1/agencies/kz-police/messages",
        data=b"{}",
        headers={"X-CSRF-Token": csrf.group(1), "Content-Type": "application/json"},
    )
    assert honest.status == 409  # it got through to the exercise, which has not started
