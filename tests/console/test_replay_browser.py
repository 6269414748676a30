"""The replay viewer in real headless Chromium (`trafsim replay`, issue 10): sought to D2
12:00, the board and the prosecutor's inbox show what the log says held then; played at
100x the time shown advances, one request at a time; paused, it stands; stepping and
the language switch work; the real command serves it on a free port; no page complains
(console errors and CSP violations included)."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, Route, expect
from playwright.async_api import Error as PlaywrightError

from tests.bus.helpers import MINI
from tests.console.browser import Watched, chromium
from tests.test_replay_viewer import Oracle, play_time, seq_at
from trafsim.run_cmd import run_exercise
from trafsim.serve_cmd import ServeOptions, prepare
from trafsim.serve_cmd import create_app as create_served_app
from trafsim.viewer import LiveSource, Replay, create_app
from trafsim_bus import read_records
from trafsim_bus.core.actions import decode_action
from trafsim_bus.drivers.realtime import ManualClock
from trafsim_bus.log.records import Record

PROSECUTOR = "kz-pgo"


@pytest.fixture(scope="module")
def silk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SILK THREAD log (seed 1)."""
    db = tmp_path_factory.mktemp("replay-browser") / "silk.db"
    run_exercise("silk-thread", seed=1, db=db, overwrite=False)
    return db


@pytest.fixture
async def served(silk: Path) -> AsyncIterator[TestServer]:
    """The viewer of the log on a real port."""
    server = TestServer(create_app(Replay.of_file(silk)), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with chromium() as launched:
        yield launched


async def shown(page: Page) -> str:
    """The time the viewer shows."""
    return str(await page.text_content("#shown-time"))


async def rows(page: Page, selector: str, attribute: str) -> set[str]:
    """An attribute of every row a table shows."""
    found = await page.eval_on_selector_all(
        f"{selector} tbody tr", f"rows => rows.map(row => row.getAttribute('{attribute}'))"
    )
    return set(found)


async def settled(page: Page) -> None:
    """Wait until no moment is being fetched."""
    await expect(page.locator("body")).not_to_have_attribute("data-busy", "true")


@pytest.mark.slow
async def test_seek_shows_the_log_then_play_advances_and_pause_stops(
    served: TestServer, silk: Path, browser: Browser
) -> None:
    """Seek to D2 12:00 and open the prosecutor's inbox: the disruptions in force, what
    had reached the prosecutor and what was on its way are the log's. Play at 100x: the
    shown time moves on, with never more than one moment in flight; pause: it stands."""
    records: list[Record] = read_records(silk)
    oracle = Oracle(records, seq_at(records, play_time(records, "D2 12:00")))
    watched = await Watched.open(browser)
    page = watched.page
    await page.goto(str(served.make_url("/")))
    await expect(page.locator("#shown-time")).to_have_text("1 Jun 09:00 (D1)")

    await page.fill("#seek-at", "D2 12:00")
    await page.click("#seek-at-go")
    await expect(page.locator("#shown-time")).to_have_text("2 Jun 12:00 (D2)")
    assert await rows(page, "#disruptions", "data-disruption") == oracle.disruptions()
    await page.select_option("#filter-agency", PROSECUTOR)
    await page.click("#apply-filters")
    await expect(page.locator("#inbox")).to_have_attribute("data-agency", PROSECUTOR)
    await expect(page.locator("#shown-time")).to_have_text("2 Jun 12:00 (D2)")
    reached = await rows(page, "#reached", "data-envelope")
    on_the_way = await rows(page, "#on-the-way", "data-envelope")
    assert reached == oracle.delivered_to(PROSECUTOR)
    assert on_the_way == oracle.on_the_way_to(PROSECUTOR)
    assert on_the_way, "one message at least was on its way to the prosecutor"
    where = await page.locator("#on-the-way td.where").first.text_content()
    assert where
    assert re.search(r"due|ETA|held|ready", where)
    assert "agency=kz-pgo" in page.url

    # A slow server: each moment takes a quarter of a second, while the script ticks every
    # tenth. Requests that piled up would be seen waiting here side by side.
    waiting = 0
    most = 0

    async def slowly(route: Route) -> None:
        nonlocal waiting, most
        waiting += 1
        most = max(most, waiting)
        await asyncio.sleep(0.25)
        with suppress(PlaywrightError):  # a moment asked for and then abandoned (pause)
            response = await route.fetch()
            waiting -= 1  # before the page can have the answer and ask again
            await route.fulfill(response=response)
            return
        waiting -= 1

    moments = re.compile(r"/moment\?")
    await page.route(moments, slowly)
    await page.select_option("#speed", "100")
    await page.click("#play")
    await expect(page.locator("body")).to_have_attribute("data-playing", "true")
    await expect(page.locator("#shown-time")).not_to_have_text("2 Jun 12:00 (D2)")
    playing_most = most
    await page.unroute(moments, slowly)
    await page.click("#pause")
    await expect(page.locator("body")).to_have_attribute("data-playing", "false")
    await settled(page)
    stopped = await shown(page)
    noon = play_time(records, "D2 12:00")  # no jump before D4: time of play = exercise time
    assert int(str(await page.get_attribute("#moment", "data-play-us"))) > noon
    await asyncio.sleep(1)
    await settled(page)
    assert await shown(page) == stopped
    assert playing_most == 1
    assert "at=D2+12" in page.url
    assert watched.problems == []


@pytest.mark.slow
async def test_steps_filters_and_russian(served: TestServer, silk: Path, browser: Browser) -> None:
    """In Russian (the browser's language), stepping to the next record and the next
    message event moves the position; the switch goes back to English at the same
    moment; the metrics follow the moment."""
    records = read_records(silk)
    watched = await Watched.open(browser, locale="ru-RU")
    page = watched.page
    await page.goto(str(served.make_url("/?seq=100")))
    await expect(page.locator("#disruptions-card h2")).to_have_text("Действующие сбои")
    await expect(page.locator("#current-record")).to_contain_text("запись 100 из")
    await page.click("#step-next")
    await expect(page.locator("#current-record")).to_contain_text("запись 101 из")
    await expect(page.locator("#metrics")).to_have_attribute("data-seq", "101")
    await page.click("#step-next-event")
    events = ("envelope_submitted", "envelope_refused", "delivery_held", "delivery_released",
              "delivered", "rejected", "dropped")  # fmt: skip
    following = next(r.seq for r in records[102:] if r.kind in events)
    await expect(page.locator("#current-record")).to_contain_text(f"запись {following} из")
    delivered = sum(r.kind == "delivered" for r in records[: following + 1])
    await expect(page.locator('#metrics [data-metric="delivered"]')).to_have_text(str(delivered))
    await page.click("#language")
    await expect(page.locator("#disruptions-card h2")).to_have_text("Disruptions in force")
    await expect(page.locator("#current-record")).to_contain_text(f"record {following} of")
    await page.fill("#seek-at", "D2 25:00")
    await page.click("#seek-at-go")
    await expect(page.locator("#error")).to_contain_text("at: expected a time of play")
    assert [p for p in watched.problems if "400" not in p] == []


@pytest.mark.slow
async def test_an_evaluator_watches_a_live_exercise(tmp_path: Path, browser: Browser) -> None:
    """Opened on a served exercise with the evaluator's token, the viewer starts at its
    latest record; playing, it follows the records the exercise commits later."""
    clock = ManualClock()
    options = ServeOptions(scenario=str(MINI), db=tmp_path / "live.db", play=("kz-police",))
    exercise = prepare(options, clock)
    served = TestServer(create_served_app(exercise), host="127.0.0.1", port=0)
    await served.start_server()
    await exercise.start()
    try:
        for action in ({"action": "start"}, {"action": "speed", "factor": 60}):
            await exercise.control(decode_action(action), "excon", action)
        clock.advance(60)
        await exercise.driver.sync()
        async with aiohttp.ClientSession() as session:
            source = LiveSource(str(served.make_url("/")), exercise.tokens.held.evaluator, session)
            replay = await source.open()
            viewer = TestServer(
                create_app(replay, lambda: source.follow(replay)), host="127.0.0.1", port=0
            )
            await viewer.start_server()
            try:
                watched = await Watched.open(browser)
                page = watched.page
                await page.goto(str(viewer.make_url("/")))
                head = read_records(exercise.db)[-1].seq
                await expect(page.locator("#current-record")).to_contain_text(
                    f"record {head} of {head}"
                )
                await expect(page.locator("#at-end")).to_contain_text("still being played")
                clock.advance(60)
                await exercise.driver.sync()
                later = read_records(exercise.db)[-1].seq
                assert later > head
                for _ in range(200):  # until the viewer has followed (bounded; no timing)
                    if replay.timeline.head == later:
                        break
                    await asyncio.sleep(0.05)
                await page.reload()
                await expect(page.locator("#current-record")).to_contain_text(f"of {later}")
                await page.click("#step-last")
                await expect(page.locator("#current-record")).to_contain_text(
                    f"record {later} of {later}"
                )
                await page.select_option("#speed", "1000")
                await page.click("#play")
                clock.advance(60)  # an hour of play: under four seconds at x1000
                await exercise.driver.sync()
                latest = read_records(exercise.db)[-1].seq
                assert latest > later
                await expect(page.locator("#current-record")).to_contain_text(
                    f"record {latest} of {latest}", timeout=20_000
                )
                assert watched.problems == []
            finally:
                await viewer.close()
    finally:
        await exercise.stop()
        await served.close()


@pytest.mark.slow
async def test_the_command_serves_the_viewer_on_a_free_port(silk: Path, browser: Browser) -> None:
    """`trafsim replay DB --port 0` prints the viewer's address; the page opens there,
    with no complaint; SIGTERM stops it with status 0."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "trafsim", "replay", str(silk), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        match = re.fullmatch(r"replay viewer (http://127\.0\.0\.1:\d+/)\n", line)
        assert match, line
        watched = await Watched.open(browser)
        await watched.page.goto(f"{match[1]}?at=D2+12:00")
        await expect(watched.page.locator("#shown-time")).to_have_text("2 Jun 12:00 (D2)")
        assert watched.problems == []
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(process.wait(), 30)
    assert status == 0
