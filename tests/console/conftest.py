"""Browser tests wait up to 20 s for what a page should come to show: the machines that
run them are shared, and a page that updates over SSE can be slow to under load (the
default 5 s made a test fail once while two other runs held both cores)."""

from __future__ import annotations

from playwright.async_api import expect

expect.set_options(timeout=20_000)
