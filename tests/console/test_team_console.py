"""The team console in real headless Chromium (SPEC §15, STYLE.md): teams sign in with
their tokens, a message arrives live in the recipient's inbox with its delivery record,
the sender follows its trail in words, hostile text stays text, labels switch to
Russian, and no page complains."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid5

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from tests.console.browser import Watched, chromium
from tests.console.forms import fill_envelope, fill_field
from trafsim.serve_cmd import ServeOptions, create_app, prepare
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.live.exercise import LiveExercise

EXAMPLES = Path(__file__).parents[2] / "examples" / "messages"
POLICE, SHELTER = "kz-mia-sh", "kz-ngo-sh"
HOSTILE = "<script>alert('x')</script> and <img src=x onerror=\"alert('y')\">"


class Served:
    """SILK THREAD served live on a manual clock, on a real port."""

    def __init__(self, exercise: LiveExercise, server: TestServer, clock: ManualClock) -> None:
        self.exercise = exercise
        self.server = server
        self.clock = clock

    def url(self, path: str) -> str:
        """The address of a path on the server."""
        return str(self.server.make_url(path))

    def token(self, who: str) -> str:
        """A team's token (or `controller`'s)."""
        held = self.exercise.tokens.held
        return held.agencies.get(who) or str(getattr(held, who))

    async def act(self, action: str, **fields: Any) -> None:
        """A controller's action through the control API."""
        async with self.server_session() as session:
            response = await session.post(
                self.url(f"/api/v1/control/{action}"),
                json=fields,
                headers={"Authorization": f"Bearer {self.token('controller')}"},
            )
            assert response.status == 200, await response.text()

    def server_session(self) -> aiohttp.ClientSession:
        """A plain HTTP client."""
        return aiohttp.ClientSession()

    async def wait(self, seconds: float) -> None:
        """Let wall time pass and the driver catch up."""
        self.clock.advance(seconds)
        await self.exercise.driver.sync()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """SILK THREAD with its Kazakh agencies played by teams, not started yet."""
    clock = ManualClock()
    exercise = prepare(ServeOptions(scenario="silk-thread", db=tmp_path / "live.db"), clock)
    server = TestServer(create_app(exercise), host="127.0.0.1", port=0)
    await server.start_server()
    await exercise.start()
    await exercise.driver.sync()
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


def hostile_referral(served: Served) -> dict[str, Any]:
    """The police's referral of SILK THREAD's example, to the shelter only, with hostile
    markup in its text fields."""
    document = json.loads((EXAMPLES / "referral-2.json").read_text("utf-8"))
    bus = served.exercise.bus
    document["id"] = str(uuid5(bus.exercise_id, "console:referral"))
    document["exercise_id"] = str(bus.exercise_id)
    document["recipients"] = [SHELTER]
    document.pop("channel", None)
    body = document["body"]
    body["referred_organisation"] = [SHELTER]
    body["outgoing_referral_details"]["meeting_point"] = HOSTILE
    body["risk_flags"][0] = HOSTILE
    return dict(document)


def unread_of(served: Served, agency: str) -> int:
    """How many messages delivered to an agency its team has not read (from the core)."""
    registry = served.exercise.bus.state.registry
    return sum(1 for k in registry.delivered if k.recipient == agency and k not in registry.reads)


async def sign_in(watched: Watched, served: Served, who: str) -> None:
    """Open the console and sign in with a token."""
    page = watched.page
    await page.goto(served.url("/console/"))
    await page.fill("#token", served.token(who))
    await page.click("#sign-in")
    await expect(page.locator("#me")).to_contain_text(who)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("locale", "inbox", "delivered_word", "trail_word"),
    [
        ("en-GB", "Inbox", "delivered 1 Jun", "channel chosen"),
        ("ru-RU", "Входящие", "доставлено 1 июн", "выбран канал"),
    ],
)
async def test_a_referral_arrives_live_and_its_trail_shows_each_stage(
    served: Served,
    browser: Browser,
    locale: str,
    inbox: str,
    delivered_word: str,
    trail_word: str,
) -> None:
    """The police's team composes a referral to the shelter in the form and sends it; the
    shelter's team sees it arrive live, with its delivery record; the police's team sees each stage of its trail; hostile markup in the text
    is shown as text; labels come in the browser's language; no page complains."""
    shelter, police = await Watched.open(browser, locale), await Watched.open(browser, locale)
    await sign_in(shelter, served, SHELTER)
    await sign_in(police, served, POLICE)
    await expect(shelter.page.locator("#tab-inbox")).to_contain_text(inbox)
    await expect(shelter.page.locator("#inbox-empty")).to_be_visible()

    await served.act("start")
    await served.act("speed", factor=60)
    referral = hostile_referral(served)
    await police.page.goto(served.url(f"/console/{POLICE}/compose?type=referral"))
    await fill_envelope(
        police.page,
        {key: referral[key] for key in ("recipients", "case_refs", "priority", "risk_to_life")},
    )
    await fill_field(police.page, "$.body", referral["body"])
    await police.page.click("#send")
    await police.page.wait_for_url("**/messages/*")
    envelope_id = str(await police.page.locator("body").get_attribute("data-envelope"))
    # The form gives each message a new id, hence a new latency draw, and a lognormal
    # latency has a long tail: wait up to two weeks of play, hour by hour.
    for _ in range(24 * 14):
        if served.exercise.deliveries.get((envelope_id, SHELTER)):
            break
        await served.wait(60)
    assert served.exercise.deliveries.get((envelope_id, SHELTER)), "not delivered"

    row = shelter.page.locator(f'#inbox tr[data-envelope="{envelope_id}"]')
    await expect(row).to_be_visible()
    unread = shelter.page.locator("#unread-count")
    await expect(unread).to_have_text(str(unread_of(served, SHELTER)))
    before = unread_of(served, SHELTER)
    await row.locator("a").click()
    record = shelter.page.locator(f'section.delivery[data-recipient="{SHELTER}"]')
    await expect(record.locator(".words")).to_contain_text(delivered_word)
    await expect(record.locator("dl.record")).to_contain_text("nat-referral")
    body = shelter.page.locator("#body")
    await expect(body).to_contain_text("<script>alert('x')</script>")
    await expect(body).to_contain_text("<img src=x onerror=")
    assert await shelter.page.locator("#body script, #body img").count() == 0

    await police.page.goto(served.url(f"/console/{POLICE}/messages/{envelope_id}"))
    trail = police.page.locator(f'section.delivery[data-recipient="{SHELTER}"] table.trail')
    await expect(trail).to_contain_text(trail_word)
    words = police.page.locator(f"#words-{SHELTER}")
    await expect(words).to_contain_text(delivered_word)
    steps = await trail.locator("tbody tr").count()
    assert steps == len(served.exercise.trails[envelope_id][SHELTER])

    month = delivered_word.rsplit(maxsplit=1)[-1]
    await expect(shelter.page.locator("#clock-now")).to_contain_text(f"1 {month} ")
    await shelter.page.wait_for_timeout(1200)  # the clock ticks: still in the page's language
    await expect(shelter.page.locator("#clock-now")).to_contain_text(f"1 {month} ")
    await shelter.page.goto(served.url(f"/console/{SHELTER}/"))
    assert unread_of(served, SHELTER) == before - 1
    if before > 1:
        await expect(unread).to_have_text(str(before - 1))
    else:
        await expect(unread).to_have_count(0)
    assert shelter.problems == []
    assert police.problems == []
