"""What every API of a live exercise shares (SPEC §15): the error shape and statuses, who
the caller is (a bearer token), bodies within the limit, JSON out. Domain errors become
HTTP answers here and only here; bad input never gets a 5xx."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, Final

import msgspec
import structlog
from aiohttp import web

from protocols import MAX_MESSAGE_BYTES
from trafsim_bus.errors import DriverStoppedError
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.live.sessions import COOKIE, CSRF_HEADER, Session, Sessions
from trafsim_bus.live.tokens import Caller

log = structlog.get_logger(__name__)

EXERCISE: Final = web.AppKey("exercise", LiveExercise)
"""The live exercise an application serves."""
SESSIONS: Final = web.AppKey("sessions", Sessions)
"""The consoles signed in to the application."""
BODY_LIMIT: Final = MAX_MESSAGE_BYTES
"""Bodies over 1 MiB are refused unread (413)."""


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    """`{"status", "code", "message", "path"?}`."""

    status: int
    code: str
    message: str
    path: str | None = None


class ErrorBody(msgspec.Struct):
    """Every error: `{"error": {...}}`."""

    error: ErrorDetail


class ApiError(Exception):
    """An answer other than success: its status, a code, a sentence, and the path of the
    bad value where there is one."""

    def __init__(self, status: int, code: str, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.detail = ErrorDetail(status, code, message, path)


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON answer (msgspec-encoded)."""
    return web.Response(
        body=msgspec.json.encode(data), status=status, content_type="application/json"
    )


def error_response(detail: ErrorDetail) -> web.Response:
    """The error shape of SPEC §15."""
    return json_response(ErrorBody(detail), detail.status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the error shape; nothing escapes as a 5xx but a bug."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.detail)
    except DriverStoppedError as exc:
        return error_response(ErrorDetail(503, "stopping", str(exc)))
    except web.HTTPRequestEntityTooLarge:
        return error_response(
            ErrorDetail(413, "too_large", f"the body is over the limit of {BODY_LIMIT} bytes")
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = "not_found" if exc.status == 404 else "http_error"
        return error_response(ErrorDetail(exc.status, code, exc.reason))
    except Exception:
        log.exception("request_failed", path=request.path, method=request.method)
        return error_response(ErrorDetail(500, "internal", "the server failed; see its log"))


SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def caller(request: web.Request) -> Caller:
    """Who calls: a bearer token, or a console's session cookie (with its CSRF token on a
    request that changes state), or 401."""
    header = request.headers.get("Authorization", "")
    if not header and COOKIE in request.cookies:
        return session_of(request).caller
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorised", "send your token: Authorization: Bearer <token>")
    found = request.config_dict[EXERCISE].tokens.caller(token.strip())
    if found is None:
        raise ApiError(401, "unauthorised", "this token is not one of this exercise's")
    return found


def session_of(request: web.Request) -> Session:
    """The console session of the request's cookie, or 401; on a request that changes
    state, its CSRF token must come in `X-CSRF-Token` (403 if not)."""
    sessions = request.config_dict.get(SESSIONS)
    session = None if sessions is None else sessions.get(request.cookies.get(COOKIE, ""))
    if session is None:
        raise ApiError(401, "unauthorised", "sign in again: this session is not open")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), session.csrf.encode()):
            raise ApiError(403, "csrf", f"send the session's {CSRF_HEADER} header")
    return session


async def body_of(request: web.Request) -> bytes:
    """The request body, refused unread (413) when over the limit."""
    if request.content_length is not None and request.content_length > BODY_LIMIT:
        raise ApiError(413, "too_large", f"the body is over the limit of {BODY_LIMIT} bytes")
    data = await request.read()
    if len(data) > BODY_LIMIT:
        raise ApiError(413, "too_large", f"the body is over the limit of {BODY_LIMIT} bytes")
    return data


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high], or 422 naming it."""
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(
            422, "bad_query", f"expected a whole number, got {text!r}", f"query.{name}"
        ) from None
    if not low <= value <= high:
        raise ApiError(422, "bad_query", f"expected {low} to {high}, got {value}", f"query.{name}")
    return value


def path_and_sentence(detail: str) -> tuple[str | None, str]:
    """`"$.body.x: expected ..."` → (`"$.body.x"`, `"expected ..."`)."""
    head, separator, rest = detail.partition(": ")
    if separator and head.startswith("$"):
        return head, rest
    return None, detail


HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an idle event stream."""


async def stream_feed(
    request: web.Request, agency: str | None, *, records: bool = False
) -> web.StreamResponse:
    """Server-Sent Events of a feed: an agency's (None: everything; `records`: the log's
    records) until the end or the client leaves; a comment every `HEARTBEAT` seconds keeps
    idle streams open."""
    exercise = request.config_dict[EXERCISE]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    feed = exercise.subscribe(agency, records=records)
    try:
        await response.write(b": connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(feed.queue.get(), HEARTBEAT)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event is None:
                break
            await response.write(
                b"event: %s\ndata: %s\n\n"
                % (event["event"].encode(), msgspec.json.encode(event["data"]))
            )
            if event["event"] == "ended" or (
                event["event"] == "record" and event["data"]["kind"] == "exercise_ended"
            ):
                break
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        exercise.unsubscribe(feed)
    with suppress(ConnectionResetError):
        await response.write_eof()
    return response
