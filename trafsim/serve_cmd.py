"""`trafsim serve`: one process that plays an exercise live: the bus on the real-time
driver, the team API of every agency, the control API (SPEC §15). Stopped by SIGTERM or
Ctrl-C, it commits and leaves the log unsealed; `--resume` continues it, paused."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import structlog
from aiohttp import web

from agencies import build_playbooks
from agencies.node import ROUTES as TEAM_ROUTES
from agencies.node.console import setup_console
from trafsim.errors import CliError
from trafsim.run_cmd import VERSION, default_db, is_event_log
from trafsim_bus import Bus, load_scenario, verify_log
from trafsim_bus.core.actions import decode_action
from trafsim_bus.core.restore import restore
from trafsim_bus.drivers.realtime import MonotonicClock, WallClock
from trafsim_bus.errors import BusError
from trafsim_bus.live.control_api import ROUTES as CONTROL_ROUTES
from trafsim_bus.live.eval_api import ROUTES as EVAL_ROUTES
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.live.http import BODY_LIMIT, EXERCISE, errors, json_response
from trafsim_bus.live.routes import ApiRoute, openapi, register
from trafsim_bus.live.tokens import Tokens
from trafsim_bus.log.writer import EventLogWriter
from trafsim_bus.scenario.model import EXCON

log = structlog.get_logger(__name__)

OPENAPI_DOCUMENT: Final = web.AppKey("openapi", dict)


@dataclass(frozen=True)
class ServeOptions:
    """What `trafsim serve` was asked for."""

    scenario: str
    speed: float = 1.0
    host: str = "127.0.0.1"
    port: int = 8080
    db: Path | None = None
    tokens: Path | None = None
    play: tuple[str, ...] | None = None
    resume: bool = False


def create_app(exercise: LiveExercise) -> web.Application:
    """The application of a live exercise: the team and control APIs and their OpenAPI
    document under `/api/v1`, and the consoles under `/console/`."""
    app = web.Application(middlewares=[errors], client_max_size=BODY_LIMIT + 1)
    app[EXERCISE] = exercise
    routes = [*TEAM_ROUTES, *CONTROL_ROUTES, *EVAL_ROUTES, OPENAPI_ROUTE]
    register(app, routes)
    app[OPENAPI_DOCUMENT] = openapi(routes, title="trafsim live exercise", version=VERSION)
    setup_console(app)
    return app


async def _openapi(request: web.Request) -> web.Response:
    """GET /openapi.json: this document."""
    document: dict[str, Any] = request.app[OPENAPI_DOCUMENT]
    return json_response(document)


OPENAPI_ROUTE = ApiRoute(
    "GET", "/api/v1/openapi.json", "The OpenAPI 3.1 document of this API", _openapi, ("anyone",),
    errors=(),
)  # fmt: skip


def prepare(options: ServeOptions, clock: WallClock | None = None) -> LiveExercise:
    """A new live exercise, or one restored from its log (`resume`)."""
    clock = clock or MonotonicClock()
    if options.resume:
        return _resumed(options, clock)
    try:
        scenario = load_scenario(options.scenario)
    except BusError as exc:
        raise CliError(str(exc)) from None
    agencies = [agency for agency in scenario.agencies if agency != EXCON]
    played = (
        options.play
        if options.play is not None
        else tuple(agency for agency in agencies if scenario.agencies[agency].played_by == "team")
    )
    unknown = [agency for agency in played if agency not in agencies]
    if unknown:
        raise CliError(f"--play: no agency {', '.join(unknown)} in {scenario.name}")
    db = options.db or default_db(scenario, scenario.seed)
    if db.exists():
        raise CliError(
            f"{db}: the log exists; pass --resume to continue it, or choose another --db"
        )
    db.parent.mkdir(parents=True, exist_ok=True)
    bus = Bus(
        scenario,
        version=VERSION,
        live=True,
        simcell=[agency for agency in agencies if agency not in played],
    )
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, bus.seed))
    tokens = Tokens.new(agencies)
    tokens.save(options.tokens or _tokens_path(db))
    return LiveExercise(bus, EventLogWriter(db), tokens, clock=clock, db=db)


def _resumed(options: ServeOptions, clock: WallClock) -> LiveExercise:
    db = options.db
    if db is None or not db.exists() or not is_event_log(db):
        raise CliError("--resume needs --db PATH: the log of the exercise to continue")
    verdict = verify_log(db, keep=True)
    if verdict.problems:
        raise CliError(f"{db}: the log does not verify: {verdict.problems[0]}")
    if verdict.sealed:
        raise CliError(f"{db}: the exercise has ended (sealed): it cannot be resumed")
    try:
        bus = restore(verdict.kept, build_playbooks)
        tokens = Tokens.load(options.tokens or _tokens_path(db))
    except BusError as exc:
        raise CliError(f"{db}: {exc}") from None
    exercise = LiveExercise(
        bus, EventLogWriter(db, following=verdict.kept), tokens, clock=clock, db=db
    )
    exercise.index(verdict.kept)
    return exercise


def _tokens_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.tokens.json")


async def serve(options: ServeOptions) -> None:
    """Play the exercise until SIGTERM or Ctrl-C (or ENDEX), answering on host:port (port 0:
    one the system picks, printed)."""
    exercise = prepare(options)
    # From here on a signal stops the exercise cleanly (committed, unsealed), even while
    # the server is still starting or the URLs are being printed.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    app = create_app(exercise)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port)
    await site.start()
    await exercise.start()
    if options.resume:
        await exercise.driver.pause_on_resume()
    elif options.speed != exercise.bus.clock.speed:
        # The speed is an input like any other, logged, so that a replay of the log has
        # the same clock (a restored exercise keeps the speed its log ends with).
        speed = {"action": "speed", "factor": options.speed}
        await exercise.control(decode_action(speed), "trafsim", speed)
    ports = [address[1] for address in runner.addresses if isinstance(address, tuple)]
    host = f"[{options.host}]" if ":" in options.host else options.host
    base = f"http://{host}:{ports[0] if ports else options.port}/api/v1"
    tokens = options.tokens or _tokens_path(exercise.db)
    print(f"exercise {exercise.bus.exercise_id} · log {exercise.db}", flush=True)
    print(f"team API     {base}/agencies/<agency>/... (tokens in {tokens})", flush=True)
    print(f"control API  {base}/control/...", flush=True)
    print(f"OpenAPI      {base}/openapi.json", flush=True)
    console = base.removesuffix("/api/v1") + "/console/"
    print(f"consoles     {console} (sign in with a token)", flush=True)
    teams = [a for a in exercise.bus.scenario.agencies if a not in exercise.bus.state.simcell]
    for agency in (a for a in teams if a != EXCON):
        print(f"  {agency:<14} {console}{agency}/", flush=True)
    ended = asyncio.create_task(exercise.finished())
    waiting = asyncio.create_task(stop.wait())
    await asyncio.wait({ended, waiting}, return_when=asyncio.FIRST_COMPLETED)
    for task in (ended, waiting):
        task.cancel()
    await exercise.stop()
    await runner.cleanup()
    log.info("serve_stopped", sealed=exercise.bus.ended, db=str(exercise.db))
