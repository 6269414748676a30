"""The after-action report in a real browser with the network closed: one file that draws
every chart from what it holds, fetches nothing and logs no error."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Route

from tests.console.browser import chromium
from trafsim.cli import main
from trafsim.run_cmd import run_exercise

CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => ({
  id: plot.id,
  height: plot.getBoundingClientRect().height,
  points: plot.data.map(trace =>
    Math.max((trace.x || []).length, (trace.y || []).length, (trace.z || []).length)),
  marks: plot.querySelectorAll(
    '.scatterlayer .js-line, .scatterlayer .point, .barlayer .point, .heatmaplayer image'
  ).length,
}))"""
"""Per chart: its size on the page, each trace's data points, the SVG marks drawn."""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HTML reports of one silk-thread run (seed 1), in English and in Russian."""
    db = tmp_path_factory.mktemp("report-browser") / "silk.db"
    run_exercise("silk-thread", seed=1, db=db, overwrite=False)
    made = {}
    for language in ("en", "ru"):
        made[language] = db.with_name(f"silk.{language}.html")
        assert main(["report", str(db), "--lang", language, "-o", str(made[language])]) == 0
    return made


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with chromium() as launched:
        yield launched


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_report_draws_every_chart_offline(
    browser: Browser, reports: dict[str, Path], language: str
) -> None:
    """Opened from disk with networking disabled and every non-file request aborted: no
    request is attempted, every chart is drawn on the page with data points and SVG marks,
    and the console stays clean (in either language)."""
    report = reports[language]
    context = await browser.new_context(offline=True)
    attempts: list[str] = []

    async def refuse(route: Route) -> None:
        if route.request.url.startswith("file:"):
            await route.continue_()
        else:
            attempts.append(route.request.url)
            await route.abort()

    await context.route("**/*", refuse)
    page = await context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    await page.goto(report.as_uri())
    expected = len(re.findall(r'<div id="chart-', report.read_text("utf-8")))
    # Locators wait without evaluating strings (the page's policy forbids eval).
    await page.locator(".js-plotly-plot").nth(expected - 1).locator(".main-svg").first.wait_for()
    charts = await page.evaluate(CHARTS)
    assert len(charts) == expected >= 5
    for chart in charts:
        assert chart["height"] > 100, chart["id"]
        assert chart["points"], f"{chart['id']} has no traces"
        assert all(points > 0 for points in chart["points"]), chart["id"]
        assert chart["marks"] > 0, f"{chart['id']} draws nothing"
    sections = {re.sub(r"-\d+$", "", chart["id"]) for chart in charts}
    assert sections == {
        "chart-timelines",
        "chart-delays",
        "chart-pairs",
        "chart-queues",
        "chart-msel",
    }
    heading = await page.text_content("h1")
    assert heading is not None
    assert "SILK THREAD" in heading
    assert await page.get_attribute("html", "lang") == language
    findings = await page.locator("ol.findings li").count()
    assert findings > 0
    assert attempts == []
    assert problems == []
    await context.close()
