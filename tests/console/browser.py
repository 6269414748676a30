"""Real headless Chromium for console tests: Debian's `chromium`, driven by Playwright's
Python package. Without it a test skips with the reason, except in CI (`CI=true`),
where it must run."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Page,
    async_playwright,
)

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""As root, without the sandbox; no connections of Chromium's own (the network is closed)."""


def chromium_path() -> str:
    """Debian's Chromium, or skip (fail in CI)."""
    found = shutil.which("chromium")
    if found is None:
        reason = "Debian's chromium is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium for one test."""
    path = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=path, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Watched:
    """A page with everything it complained about: console errors, uncaught errors,
    dialogs (an `alert` from injected script would be one)."""

    page: Page
    problems: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, browser: Browser, locale: str = "en-GB") -> Watched:
        """A new page in its own context (its own cookies)."""
        context = await browser.new_context(locale=locale)
        page = await context.new_page()
        watched = cls(page)
        page.on("console", watched._console)
        page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
        page.on("dialog", watched._dialog)
        return watched

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    async def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        with suppress(Error):
            await dialog.dismiss()
