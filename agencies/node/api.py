"""The team API (SPEC §15, `/api/v1`): an agency's team submits, reads its inbox, follows
its messages (a trail per recipient, live over Server-Sent Events), and looks up the
legal routes. Bodies are decoded by the protocol's own types; errors carry the path."""

from __future__ import annotations

from uuid import UUID

import msgspec
from aiohttp import web

from protocols import Envelope, is_json
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.errors import ExerciseClosedError, UnknownMessageError
from trafsim_bus.live.http import (
    EXERCISE,
    ApiError,
    body_of,
    caller,
    json_response,
    path_and_sentence,
    query_int,
    stream_feed,
)
from trafsim_bus.live.routes import ApiRoute
from trafsim_bus.live.schemas import (
    Cases,
    ClockView,
    Directory,
    Inbox,
    MessageView,
    ReadResult,
    SubmissionResult,
)
from trafsim_bus.live.views import (
    cases_view,
    clock_view,
    directory_view,
    inbox_view,
    message_view,
)
from trafsim_bus.scenario.model import EXCON


def _agency(request: web.Request, *, writing: bool) -> str:
    """The agency in the path, if the caller may act on it: its own team writes; its team,
    the controller and the evaluator read."""
    agency = request.match_info["agency"]
    who = caller(request)
    scenario = request.config_dict[EXERCISE].bus.scenario
    if agency not in scenario.agencies or agency == EXCON:
        raise ApiError(404, "unknown_agency", f"no agency {agency!r} in this exercise")
    if who.role == "team" and who.agency != agency:
        raise ApiError(403, "forbidden", f"your token is {who.agency}'s, not {agency}'s")
    if writing and who.role != "team":
        raise ApiError(403, "forbidden", f"only the team of {agency} may do this")
    return agency


def _closed(exc: ExerciseClosedError) -> ApiError:
    return ApiError(409, exc.code, str(exc))


async def submit(request: web.Request) -> web.Response:
    """POST /agencies/{agency}/messages: submit an envelope (JSON, or MessagePack)."""
    agency = _agency(request, writing=True)
    data = await body_of(request)
    exercise = request.config_dict[EXERCISE]
    try:
        result = await exercise.submit(agency, data)
    except ExerciseClosedError as exc:
        raise _closed(exc) from None
    envelope_id = str(result.envelope_id) if result.envelope_id else ""
    if result.outcome == "submitted":
        return json_response(SubmissionResult(envelope_id, "submitted", result.seq), 202)
    if result.outcome == "duplicate_ignored" and result.envelope_id is not None:
        first = exercise.bus.state.registry.submitted[result.envelope_id]
        return json_response(SubmissionResult(envelope_id, "submitted", first), 200)
    reason, detail = result.reason or "invalid_message", result.detail or ""
    if reason == "sender_not_authorised":
        raise ApiError(403, reason, detail, "$.sender")
    if reason == "invalid_message":
        if is_json(data) or request.content_type == "application/json":
            try:
                msgspec.json.decode(data)
            except msgspec.DecodeError:
                raise ApiError(400, reason, f"the body is not JSON: {detail}") from None
        path, sentence = path_and_sentence(detail)
        raise ApiError(422, reason, sentence, path or "$")
    path = "$.exercise_id" if reason == "wrong_exercise" else "$.id"
    raise ApiError(422, reason, detail, path)


async def inbox(request: web.Request) -> web.Response:
    """GET /agencies/{agency}/inbox: what was delivered, filtered, a page at a time."""
    agency = _agency(request, writing=False)
    exercise = request.config_dict[EXERCISE]
    unread = request.query.get("unread", "false").lower()
    if unread not in ("true", "false"):
        raise ApiError(422, "bad_query", f"expected true or false, got {unread!r}", "query.unread")
    view = inbox_view(
        exercise.bus,
        agency,
        exercise.trails,
        kind=request.query.get("type"),
        case=request.query.get("case"),
        unread=unread == "true",
        since_seq=query_int(request, "since_seq", -1, -1, 2**62),
        limit=query_int(request, "limit", 50, 1, 500),
    )
    return json_response(msgspec.convert(view, Inbox))


def _envelope_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["envelope_id"])
    except ValueError:
        raise ApiError(404, "unknown_message", "no such message") from None


async def message(request: web.Request) -> web.Response:
    """GET /messages/{envelope_id}: the envelope and each recipient's status and trail;
    for its sender, its recipients once it reached them, the controller and the
    evaluator."""
    who = caller(request)
    exercise = request.config_dict[EXERCISE]
    envelope_id = _envelope_id(request)
    envelope: Envelope | None = exercise.bus.state.registry.envelopes.get(envelope_id)
    visible = envelope is not None and (
        who.role != "team"
        or who.agency == envelope.sender
        or DeliveryKey(envelope_id, who.agency or "") in exercise.bus.state.registry.delivered
    )
    view = (
        message_view(exercise.bus, envelope_id, exercise.trails, exercise.deliveries)
        if visible
        else None
    )
    if view is None:
        raise ApiError(404, "unknown_message", f"no message {envelope_id} that you may see")
    return json_response(msgspec.convert(view, MessageView))


async def read(request: web.Request) -> web.Response:
    """POST /agencies/{agency}/messages/{envelope_id}/read: the team read it."""
    agency = _agency(request, writing=True)
    exercise = request.config_dict[EXERCISE]
    try:
        receipt = await exercise.read(agency, _envelope_id(request))
    except UnknownMessageError as exc:
        raise ApiError(404, "unknown_message", str(exc)) from None
    except ExerciseClosedError as exc:
        raise _closed(exc) from None
    return json_response(ReadResult(receipt.seq, receipt.first))


async def directory(request: web.Request) -> web.Response:
    """GET /agencies/{agency}/directory: the legal routes, per message type."""
    agency = _agency(request, writing=False)
    view = directory_view(request.config_dict[EXERCISE].bus, agency)
    return json_response(msgspec.convert(view, Directory))


async def cases(request: web.Request) -> web.Response:
    """GET /agencies/{agency}/cases: the agency's cases and their messages."""
    agency = _agency(request, writing=False)
    view = cases_view(request.config_dict[EXERCISE].bus, agency)
    return json_response(msgspec.convert(view, Cases))


async def clock(request: web.Request) -> web.Response:
    """GET /clock: where the exercise stands."""
    caller(request)
    exercise = request.config_dict[EXERCISE]
    return json_response(msgspec.convert(clock_view(exercise.bus, exercise.now_us()), ClockView))


async def events(request: web.Request) -> web.StreamResponse:
    """GET /agencies/{agency}/events: Server-Sent Events: its deliveries (`delivered`),
    each step of its own messages (`status`), the clock (`clock`), the end (`ended`)."""
    agency = _agency(request, writing=False)
    return await stream_feed(request, agency)


TEAM = "team", "controller", "evaluator"
ROUTES = (
    ApiRoute("POST", "/api/v1/agencies/{agency}/messages", "Submit an envelope as the agency",
             submit, ("team",), request=Envelope, response=SubmissionResult, success=202,
             errors=(400, 401, 403, 404, 409, 413, 422)),
    ApiRoute("GET", "/api/v1/agencies/{agency}/inbox", "The agency's inbox", inbox, TEAM,
             response=Inbox, errors=(401, 403, 404, 422),
             query=(("type", "string", "only this message type"),
                    ("case", "string", "only this case reference"),
                    ("unread", "boolean", "only unread messages"),
                    ("since_seq", "integer", "the cursor: after this seq"),
                    ("limit", "integer", "at most this many (1-500)"))),
    ApiRoute("GET", "/api/v1/messages/{envelope_id}", "A message, its status and trail per recipient",
             message, TEAM, response=MessageView),
    ApiRoute("POST", "/api/v1/agencies/{agency}/messages/{envelope_id}/read",
             "The team read a message delivered to it", read, ("team",), response=ReadResult,
             errors=(401, 403, 404, 409)),
    ApiRoute("GET", "/api/v1/agencies/{agency}/directory",
             "The channels the agency may use, per type, and to whom", directory, TEAM,
             response=Directory, errors=(401, 403, 404)),
    ApiRoute("GET", "/api/v1/agencies/{agency}/cases", "The agency's cases", cases, TEAM,
             response=Cases, errors=(401, 403, 404)),
    ApiRoute("GET", "/api/v1/agencies/{agency}/events", "Live events (Server-Sent Events)",
             events, TEAM, stream=True, errors=(401, 403, 404)),
    ApiRoute("GET", "/api/v1/clock", "Where the exercise stands", clock, TEAM,
             response=ClockView, errors=(401,)),
)  # fmt: skip
"""The team API's routes."""
