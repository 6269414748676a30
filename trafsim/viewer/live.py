"""A served exercise as the viewer's source: its records read through the evaluator API
(`GET /api/v1/eval/records`, page by page), then followed as they are committed: each
`record` event of `GET /api/v1/eval/events` (Server-Sent Events) wakes the follower,
which reads what is new; without events it looks every few seconds all the same."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any, Final

import aiohttp
import msgspec
import structlog

from trafsim.viewer.replay import Replay
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record

log = structlog.get_logger(__name__)

PAGE: Final = 5000
"""Records the evaluator API gives at most per request."""
POLL_S: Final = 2.0
"""How long the follower waits for an event before it looks anyway."""
RETRY_S: Final = 5.0
"""How long it waits after a failed read."""


class LiveError(Exception):
    """The served exercise cannot be read: `message` says why, for the person running it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class LiveSource:
    """One served exercise's evaluator API, read with the evaluator's (or controller's)
    token, which goes in a header only."""

    def __init__(self, url: str, token: str, session: aiohttp.ClientSession) -> None:
        self.base = url.rstrip("/")
        self.session = session
        self._headers = {"Authorization": f"Bearer {token}"}

    async def records(self, from_seq: int) -> list[Record]:
        """Every record from `from_seq` on, as committed now."""
        found: list[Record] = []
        following: int | None = from_seq
        while following is not None:
            page = await self._page(following)
            items: list[dict[str, Any]] = page.get("records", [])
            try:
                found += [msgspec.convert(item, Record) for item in items]
            except msgspec.ValidationError as exc:
                raise LiveError(f"{self.base}: a record that does not decode ({exc})") from None
            given = page.get("next_from_seq")
            if isinstance(given, int):
                following = given
            elif len(items) >= PAGE:
                following += len(items)
            else:
                following = None
        return found

    async def _page(self, from_seq: int) -> dict[str, Any]:
        url = f"{self.base}/api/v1/eval/records"
        try:
            async with self.session.get(
                url, params={"from_seq": str(from_seq)}, headers=self._headers
            ) as response:
                if response.status in (401, 403):
                    raise LiveError(
                        f"{self.base}: the token was refused ({response.status}); use the "
                        "evaluator's token from the exercise's tokens file"
                    )
                if response.status != 200:
                    raise LiveError(
                        f"{url}: answered {response.status}, not the evaluator API of trafsim serve"
                    )
                page: dict[str, Any] = await response.json()
                return page
        except (aiohttp.ClientError, ValueError) as exc:
            raise LiveError(f"{self.base}: cannot read the exercise ({exc})") from None

    async def open(self) -> Replay:
        """The exercise's log as committed now."""
        records = await self.records(0)
        try:
            return Replay(((record, None) for record in records), source=self.base, live=True)
        except LogError as exc:
            raise LiveError(f"{self.base}: {exc}") from None

    async def follow(self, replay: Replay) -> None:
        """Take the exercise's new records into `replay` until it is sealed."""
        wake = asyncio.Event()
        listener = asyncio.create_task(self._listen(wake))
        try:
            while not replay.sealed:
                with suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_S)
                wake.clear()
                try:
                    added = replay.extend(await self.records(replay.timeline.head + 1))
                except (LiveError, LogError) as exc:
                    log.warning("replay_follow_failed", error=str(exc))
                    await asyncio.sleep(RETRY_S)
                    continue
                if added:
                    log.debug("replay_followed", added=added, head=replay.timeline.head)
        finally:
            listener.cancel()
            with suppress(asyncio.CancelledError):
                await listener
        log.info("replay_live_ended", head=replay.timeline.head)

    async def _listen(self, wake: asyncio.Event) -> None:
        """Set `wake` at each record event; reconnect when the stream drops."""
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        while True:
            try:
                async with self.session.get(
                    f"{self.base}/api/v1/eval/events", headers=self._headers, timeout=timeout
                ) as response:
                    if response.status != 200:
                        return  # polling alone, then
                    async for line in response.content:
                        if line.startswith(b"event: record"):
                            wake.set()
            except aiohttp.ClientError as exc:
                log.debug("replay_events_dropped", error=str(exc))
            wake.set()
            await asyncio.sleep(RETRY_S)
