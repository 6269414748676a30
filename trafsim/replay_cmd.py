"""`trafsim replay`: the replay viewer of a log (`trafsim replay DB`), or of a served
exercise followed live through its evaluator API (`trafsim replay --url URL --token T`).
It prints the viewer's address and serves it until Ctrl-C or SIGTERM; it never writes
to the log."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import structlog

from trafsim.errors import CliError
from trafsim_bus.errors import LogError

if TYPE_CHECKING:
    from aiohttp import web

    from trafsim.viewer import Replay

log = structlog.get_logger(__name__)

DEFAULT_PORT: Final = 8081
"""Next to `trafsim serve`'s 8080, so that both run on one machine."""
TOKEN_VARIABLE: Final = "TRAFSIM_TOKEN"


def add_replay(commands: Any) -> None:
    """Register `trafsim replay`."""
    parser = commands.add_parser(
        "replay",
        help="play a log back in a web viewer (board, inboxes, metrics at any moment)",
        description="Serve a web viewer that plays the log DB back on time of play at any "
        "speed, pauses, steps, seeks by time of play (D2 12:00) or seq, filters by agency, "
        "case, country or message type, and shows the board, the inboxes and the metrics as "
        "they were then. With --url instead of DB it follows a served exercise live through "
        "its evaluator API (the evaluator's token: --token or $TRAFSIM_TOKEN). It prints "
        "the viewer's address; --port 0 picks a free port.",
    )
    parser.add_argument("db", nargs="?", type=Path, metavar="DB", help="the event log to play")
    parser.add_argument(
        "--url", metavar="URL", help="a served exercise (http://HOST:PORT) to follow instead"
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help=f"the evaluator's token for --url (default: ${TOKEN_VARIABLE})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT})"
    )
    parser.set_defaults(handler=_replay)


def _replay(args: argparse.Namespace) -> int:
    from trafsim.viewer import Replay, create_app  # noqa: PLC0415 (the viewer loads on use)

    if (args.db is None) == (args.url is None):
        raise CliError("replay: give the log DB, or --url of a served exercise (not both)")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port: expected 0 to 65535, got {args.port}")
    if args.url is not None:
        if not args.url.startswith(("http://", "https://")):
            raise CliError(f"--url: expected http://HOST:PORT, got {args.url!r}")
        token = args.token or os.environ.get(TOKEN_VARIABLE, "")
        if not token:
            raise CliError(
                f"--token: the evaluator's token is needed with --url (or ${TOKEN_VARIABLE})"
            )
        asyncio.run(_serve_live(args.url, token, args.host, args.port))
        return 0
    try:
        replay = Replay.of_file(args.db)
    except LogError as exc:
        raise CliError(str(exc)) from None
    asyncio.run(serve_viewer(create_app(replay), replay, args.host, args.port))
    return 0


async def _serve_live(url: str, token: str, host: str, port: int) -> None:
    import aiohttp  # noqa: PLC0415 (loaded on use)

    from trafsim.viewer import LiveError, LiveSource, create_app  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        source = LiveSource(url, token, session)
        try:
            replay = await source.open()
        except LiveError as exc:
            raise CliError(f"--url: {exc.message}") from None

        def follow() -> Coroutine[Any, Any, None]:
            return source.follow(replay)

        await serve_viewer(create_app(replay, follow), replay, host, port)


async def serve_viewer(
    app: web.Application,
    replay: Replay,
    host: str,
    port: int,
) -> None:
    """Serve the viewer on host:port (0: a free one) until SIGTERM or Ctrl-C, having
    printed its address."""
    from aiohttp import web  # noqa: PLC0415 (loaded on use)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise CliError(f"--port: cannot listen on {host}:{port} ({exc.strerror})") from None
        ports = [address[1] for address in runner.addresses if isinstance(address, tuple)]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{ports[0] if ports else port}/"
        timeline = replay.timeline
        state = "sealed" if replay.sealed else "followed live" if replay.live else "unsealed"
        print(f"replay viewer {url}", flush=True)
        print(f"  {replay.source}: {timeline.head + 1} records, {state}", flush=True)
        log.info("replay_serving", url=url, records=timeline.head + 1)
        await stop.wait()
    finally:
        await runner.cleanup()
