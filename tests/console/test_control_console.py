"""The control console in real headless Chromium (SPEC §14-15): the controller cuts the
KZ-UZ link from the disruption form, a Kazakh team's message to Uzbekistan shows as held
by the cut in the team's console, the controller heals it from the board and the message
arrives; the MSEL timeline fires and retimes injects; no page complains."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid5

import msgspec
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from tests.console.browser import Watched, chromium
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus import read_records
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

EXAMPLES = Path(__file__).parents[2] / "examples" / "messages"
POLICE = "kz-mia-sh"


class Served:
    """SILK THREAD served on a manual clock, on a real port."""

    def __init__(self, exercise: LiveExercise, server: TestServer, clock: ManualClock) -> None:
        self.exercise = exercise
        self.server = server
        self.clock = clock

    def url(self, path: str) -> str:
        """The address of a path on the server."""
        return str(self.server.make_url(path))

    async def wait(self, seconds: float) -> None:
        """Let wall time pass and the driver catch up."""
        self.clock.advance(seconds)
        await self.exercise.driver.sync()

    def actions(self) -> list[dict[str, Any]]:
        """The control actions in the log, as logged."""
        return [r.data for r in read_records(self.exercise.db) if r.kind == "control_action"]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """SILK THREAD with its Kazakh agencies played by teams, not started yet."""
    clock = ManualClock()
    exercise = prepare(ServeOptions(scenario="silk-thread", db=tmp_path / "live.db"), clock)
    server = TestServer(create_app(exercise), host="127.0.0.1", port=0)
    await server.start_server()
    await exercise.start()
    try:
        yield Served(exercise, server, clock)
    finally:
        await exercise.stop()
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with chromium() as launched:
        yield launched


async def signed_in(browser: Browser, served: Served, token: str) -> Watched:
    """A console signed in with a token."""
    watched = await Watched.open(browser)
    await watched.page.goto(served.url("/console/"))
    await watched.page.fill("#token", token)
    await watched.page.click("#sign-in")
    return watched


def question_to_uzbekistan(served: Served) -> dict[str, Any]:
    """The police's request to their Uzbek counterparts (SILK THREAD's example, re-addressed)."""
    document: dict[str, Any] = json.loads((EXAMPLES / "info_request-2.json").read_text("utf-8"))
    bus = served.exercise.bus
    document |= {
        "id": str(uuid5(bus.exercise_id, "control-console:question")),
        "exercise_id": str(bus.exercise_id),
        "sender": POLICE,
        "recipients": ["uz-mia"],
        "channel": None,
        "created_at": "2026-06-01T09:30:00+05:00",
    }
    return document


@pytest.mark.slow
async def test_the_controller_cuts_a_link_heals_it_and_steers_the_msel(
    served: Served, browser: Browser
) -> None:
    """Cut from the form, held in the team's console (and in the controller's feed of
    events), healed from the board, delivered; an inject fired and another retimed from
    the timeline; every click logged as the controller's action."""
    tokens = served.exercise.tokens.held
    control = await signed_in(browser, served, tokens.controller)
    police = await signed_in(browser, served, tokens.agencies[POLICE])
    page = control.page
    await expect(page.locator("h1")).to_have_text("Exercise control")

    await page.click("#do-start")
    await expect(page.locator("#clock-state")).to_have_text("running")
    await page.select_option("#disruption-type", "link_cut")
    await page.fill("#disruption-id", "kz-uz-cut")
    await page.fill('#disrupt-form input[name="description"]', "KZ-UZ link cut")
    await page.select_option("#target-countries", ["KZ", "UZ"])
    await page.click("#disrupt")
    row = page.locator('#disruptions tr[data-disruption="kz-uz-cut"]')
    await expect(row).to_be_visible()

    question = question_to_uzbekistan(served)
    answer = await served.exercise.submit(POLICE, msgspec.json.encode(question))
    assert answer.outcome == "submitted"
    await served.wait(1)
    await police.page.goto(served.url(f"/console/{POLICE}/messages/{question['id']}"))
    words = police.page.locator("#words-uz-mia")
    await expect(words).to_contain_text("held: KZ-UZ link cut since 1 Jun")
    await expect(row.locator("td").nth(4)).to_have_text("1")
    held = page.locator("#feed li.feed-delivery_held")
    await expect(held).to_contain_text(f"{question['id'][:8]} → uz-mia")

    await row.locator("button.heal").click()
    await expect(page.locator('#disruptions tr[data-disruption="kz-uz-cut"]')).to_have_count(0)
    await page.fill('form[data-action="speed"] input[name="factor"]', "60")
    await page.click('form[data-action="speed"] button')
    await expect(page.locator("#clock-speed")).to_have_text("speed ×60")
    for _ in range(200):
        if (question["id"], "uz-mia") in served.exercise.deliveries:
            break
        await served.wait(60)
    await expect(words).to_contain_text("delivered")

    first = page.locator("#msel tbody tr.inject-pending").first
    fired = await first.get_attribute("data-inject")
    await first.locator('button[data-action="fire"]').click()
    await expect(page.locator(f'#msel tr[data-inject="{fired}"] td.status')).to_contain_text(
        "fired"
    )
    later = page.locator("#msel tbody tr.inject-pending").last
    retimed = await later.get_attribute("data-inject")
    await later.locator('input[name="at"]').fill("D4 16:00")
    await later.locator('form[data-action="retime"] button').click()
    await expect(page.locator(f'#msel tr[data-inject="{retimed}"] td').first).to_have_text(
        "D4 16:00"
    )

    done = [(a["action"], a["actor"]) for a in served.actions()]
    assert done == [
        ("start", "controller"),
        ("disrupt", "controller"),
        ("heal", "controller"),
        ("speed", "controller"),
        ("fire", "controller"),
        ("retime", "controller"),
    ]
    disrupted = served.actions()[1]["input"]["disruption"]
    assert disrupted == {
        "type": "link_cut",
        "id": "kz-uz-cut",
        "description": "KZ-UZ link cut",
        "target": {"countries": ["KZ", "UZ"]},
    }
    assert control.problems == []
    assert police.problems == []


@pytest.mark.slow
async def test_a_refused_action_shows_its_path_and_changes_nothing(
    served: Served, browser: Browser
) -> None:
    """A disruption without a target that the scenario knows is refused with its path,
    on the page, and nothing is logged."""
    control = await signed_in(browser, served, served.exercise.tokens.held.controller)
    page = control.page
    await page.fill("#disruption-id", "Bad Id")
    await page.click("#disrupt")
    error = page.locator("#control-error")
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("$.disruption.id")
    assert served.actions() == []


@pytest.mark.slow
async def test_an_inject_added_in_toml_joins_the_timeline(served: Served, browser: Browser) -> None:
    """TOML that is not TOML, and an inject the loader refuses, are shown with their path;
    a good one is logged as the controller's `add` and appears in the MSEL timeline."""
    control = await signed_in(browser, served, served.exercise.tokens.held.controller)
    page = control.page
    await page.click("#do-start")
    await page.fill("#inject-toml", 'id = "m99"\nat = ')
    await page.click("#add-inject-button")
    await expect(page.locator("#control-error")).to_contain_text("$.inject: not valid TOML")
    await page.fill(
        "#inject-toml",
        'id = "m99"\nat = "D2 14:00"\nfrom = "excon"\nto = ["kz-nobody"]\n'
        'body = { kind = "excon_note", title = "News", text = "The employer fled." }',
    )
    await page.click("#add-inject-button")
    await expect(page.locator("#control-error")).to_contain_text("$.inject.to")
    await page.fill(
        "#inject-toml",
        'id = "m99"\nat = "D2 14:00"\ntitle = "The employer fled"\nfrom = "excon"\n'
        'to = ["kz-mia-sh"]\nbody = { kind = "excon_note", title = "News", text = "He fled." }',
    )
    await page.click("#add-inject-button")
    row = page.locator('#msel tr[data-inject="m99"]')
    await expect(row).to_contain_text("The employer fled")
    await expect(row.locator("td").first).to_have_text("D2 14:00")
    assert [a["action"] for a in served.actions()] == ["start", "add"]
    # Chromium reports each refused request (422) as a failed resource; nothing else.
    assert [p for p in control.problems if "status of 422" not in p] == []
    assert len(control.problems) == 2
