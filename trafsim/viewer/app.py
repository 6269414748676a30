"""The replay viewer's web application: the page of a moment, rendered by the server
(`/?at=D2+12:00`, `/?seq=N`, with filters), the fragments its script fetches while it
plays (`/moment`, `/metrics`), the metrics document of a moment (`/metrics.json`), and
the language switch. It reads the log and never writes to it; every answer carries the
consoles' Content-Security-Policy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import suppress
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
import msgspec
from aiohttp import web

from agencies.node.console import security_headers
from agencies.node.console import static_folder as console_static
from agencies.node.console.i18n import LANGUAGE_COOKIE, LANGUAGES, chosen_language
from trafsim.viewer import metrics_panel, moment
from trafsim.viewer.filters import choices
from trafsim.viewer.labels import Labels
from trafsim.viewer.query import SPEEDS, Query, QueryError, parse_query
from trafsim.viewer.replay import Replay
from trafsim.viewer.timeline import Position, Timeline

REPLAY: Final = web.AppKey("replay", Replay)


def static_folder() -> Path:
    """The viewer's script and styles (package data)."""
    return Path(str(resources.files(__package__).joinpath("static")))


def create_app(
    replay: Replay, follow: Callable[[], Coroutine[Any, Any, None]] | None = None
) -> web.Application:
    """The viewer of one log; `follow`, when given, runs alongside (a live exercise's
    new records)."""
    app = web.Application(middlewares=[security_headers])
    app[REPLAY] = replay
    if follow is not None:
        app.cleanup_ctx.append(_following(follow))
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    router = app.router
    router.add_get("/", page)
    router.add_get("/moment", moment_part)
    router.add_get("/metrics", metrics_part)
    router.add_get("/moment.json", moment_json)
    router.add_get("/metrics.json", metrics_json)
    router.add_get("/language/{lang}", language)
    router.add_static("/static/", static_folder(), append_version=False)
    router.add_static("/console/static/", console_static(), append_version=False)
    return app


def _following(
    follow: Callable[[], Coroutine[Any, Any, None]],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def running(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(follow())
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    return running


def _labels(request: web.Request) -> Labels:
    return Labels(
        chosen_language(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language", "")
        )
    )


def _query(request: web.Request) -> Query:
    replay = request.app[REPLAY]
    return parse_query(request.query, replay.timeline, at_end=replay.live)


def _refused(request: web.Request, error: QueryError) -> web.Response:
    """400, naming the parameter, in a page (a fragment's script shows its sentence)."""
    t = _labels(request)
    response = aiohttp_jinja2.render_template(
        "error.html",
        request,
        {
            "t": t,
            "parameter": error.parameter,
            "message": t(error.key, **error.params),
            "here": "/",
        },
        status=400,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _url(path: str, params: Mapping[str, object]) -> str:
    query = urlencode({key: str(value) for key, value in params.items()})
    return f"{path}?{query}" if query else path


def _where(request: web.Request, position: Position) -> dict[str, object]:
    """The moment as the address gives it: by seq when the request named one, else by
    time of play."""
    timeline = request.app[REPLAY].timeline
    if request.query.get("seq", "").strip():
        return {"seq": position.seq}
    return {"at": timeline.day_time(position.play_us)}


def _moment_context(request: web.Request, query: Query) -> dict[str, Any]:
    replay = request.app[REPLAY]
    timeline = replay.timeline
    position = query.position
    filters = query.filters
    where = _where(request, position)
    state = {**filters.query(), "speed": f"{query.speed:g}"}
    bus = replay.state_at(position.seq)
    return {
        "t": _labels(request),
        "replay": replay,
        "position": position,
        "head": timeline.head,
        "end_play_us": timeline.end_play_us,
        "shown": timeline.label(position.play_us),
        "day_time": timeline.day_time(position.play_us),
        "record": moment.describe(timeline, timeline.records[position.seq]),
        "where": where,
        "filters": filters,
        "filters_json": msgspec.json.encode(filters.query()).decode(),
        "speed": query.speed,
        "url": _url("/", {**where, **state}),
        "steps": _steps(timeline, query, state),
        "board": moment.board(timeline, bus, position, filters),
        "inboxes": moment.inboxes(timeline, bus, position, filters),
        "inbox": None
        if filters.agency is None
        else moment.inbox(timeline, bus, filters.agency, filters),
        "feed": moment.feed(timeline, position, filters),
        "agency_url": lambda agency: _url("/", {**where, **state, "agency": agency}),
    }


def _steps(timeline: Timeline, query: Query, state: dict[str, str]) -> dict[str, str | None]:
    """The addresses of the records a step goes to (None: there is none that way)."""
    seq = query.position.seq
    keep = partial(query.filters.record, timeline)
    targets = {
        "previous_event": timeline.previous_seq(seq, moment.MESSAGE_EVENTS, keep),
        "previous": seq - 1 if seq > 0 else None,
        "next": seq + 1 if seq < timeline.head else None,
        "next_event": timeline.next_seq(seq, moment.MESSAGE_EVENTS, keep),
        "last": timeline.head if seq < timeline.head else None,
    }
    return {
        name: None if target is None else _url("/", {"seq": target, **state})
        for name, target in targets.items()
    }


def _metrics_context(request: web.Request, query: Query) -> dict[str, Any]:
    replay = request.app[REPLAY]
    document = replay.metrics.at(query.position.seq)
    return {
        "t": _labels(request),
        "metrics": metrics_panel.panel(replay.timeline, document, query.filters),
        "metrics_url": _url("/metrics.json", {"seq": query.position.seq}),
    }


async def page(request: web.Request) -> web.StreamResponse:
    """GET /: the viewer at a moment (`at`, `seq`), speed and filters from the query."""
    try:
        query = _query(request)
    except QueryError as error:
        return _refused(request, error)
    replay = request.app[REPLAY]
    context = _moment_context(request, query)
    context |= _metrics_context(request, query)
    context |= {
        "choices": choices(replay.timeline),
        "speeds": sorted({*SPEEDS, query.speed}),
        "languages": LANGUAGES,
        "here": str(request.rel_url),
    }
    return aiohttp_jinja2.render_template("viewer.html", request, context)


async def moment_part(request: web.Request) -> web.StreamResponse:
    """GET /moment: the moment's part of the page (board, inboxes, events), for the
    script."""
    try:
        query = _query(request)
    except QueryError as error:
        return _refused(request, error)
    return aiohttp_jinja2.render_template("moment.html", request, _moment_context(request, query))


async def metrics_part(request: web.Request) -> web.StreamResponse:
    """GET /metrics: the metrics part of the page at a moment, for the script."""
    try:
        query = _query(request)
    except QueryError as error:
        return _refused(request, error)
    return aiohttp_jinja2.render_template("metrics.html", request, _metrics_context(request, query))


def _json(document: object, status: int = 200) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(document, order="sorted"),
        status=status,
        content_type="application/json",
    )


def _json_refused(request: web.Request, error: QueryError) -> web.Response:
    """400 as the API's errors are: the sentence and the parameter's path."""
    message = _labels(request)(error.key, **error.params)
    body = {"status": 400, "code": "bad_query", "message": message,
            "path": f"query.{error.parameter}"}  # fmt: skip
    return _json({"error": body}, 400)


async def metrics_json(request: web.Request) -> web.Response:
    """GET /metrics.json: the metrics document of the log up to the moment."""
    try:
        query = _query(request)
    except QueryError as error:
        return _json_refused(request, error)
    return _json(request.app[REPLAY].metrics.at(query.position.seq))


async def moment_json(request: web.Request) -> web.Response:
    """GET /moment.json: what the page shows of the moment, as data (the board, the
    inboxes, the chosen agency's inbox, the latest events)."""
    try:
        query = _query(request)
    except QueryError as error:
        return _json_refused(request, error)
    context = _moment_context(request, query)
    position = query.position
    return _json(
        {
            "seq": position.seq,
            "head": context["head"],
            "play_us": position.play_us,
            "at": context["day_time"],
            "shown": context["shown"],
            "sealed": request.app[REPLAY].sealed,
            "filters": query.filters.query(),
            **{key: context[key] for key in ("board", "inboxes", "inbox", "feed")},
        }
    )


async def language(request: web.Request) -> web.StreamResponse:
    """GET /language/{lang}?next=: switch the language and go back."""
    lang = request.match_info["lang"]
    if lang not in LANGUAGES:
        raise web.HTTPNotFound()
    target = request.query.get("next", "/")
    if target != "/" and not target.startswith("/?"):
        target = "/"  # the viewer's one page, at some moment: nowhere else
    response = web.HTTPSeeOther(target)
    response.set_cookie(LANGUAGE_COOKIE, lang, samesite="Strict", httponly=True, path="/")
    raise response
