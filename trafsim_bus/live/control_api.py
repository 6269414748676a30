"""The control API (SPEC §15, `/api/v1/control`, the controller's token): every action of
SPEC §14, checked whole (422 with the path, nothing logged), and the exercise's status."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from trafsim_bus.core.actions import ControlAction, decode_action
from trafsim_bus.errors import ControlError, ExerciseClosedError
from trafsim_bus.live.http import EXERCISE, ApiError, body_of, caller, json_response, stream_feed
from trafsim_bus.live.routes import ApiRoute
from trafsim_bus.live.schemas import ControlResult, ControlStatus
from trafsim_bus.live.views import clock_view, disruptions_view, queues_view

ACTIONS = (
    "start", "pause", "resume", "speed", "skip", "jump", "end", "fire", "hold", "release",
    "retime", "add", "cancel", "disrupt", "patch", "heal", "heal_all", "assign",
)  # fmt: skip


async def act(request: web.Request) -> web.Response:
    """POST /control/{action}: the action's fields as a JSON object (none: `{}`)."""
    who = caller(request)
    if who.role != "controller":
        raise ApiError(403, "forbidden", "only the controller may steer the exercise")
    name = request.match_info["action"]
    if name not in ACTIONS:
        raise ApiError(404, "unknown_action", f"no control action {name!r} ({', '.join(ACTIONS)})")
    data = await body_of(request)
    try:
        fields = msgspec.json.decode(data) if data.strip() else {}
    except msgspec.DecodeError as exc:
        raise ApiError(400, "not_json", f"the body is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise ApiError(422, "bad_action", "expected a JSON object of the action's fields", "$")
    document: dict[str, Any] = {**fields, "action": name}
    exercise = request.config_dict[EXERCISE]
    try:
        action: ControlAction = decode_action(document)
        receipt = await exercise.control(action, "controller", document)
    except ControlError as exc:
        raise ApiError(422, "refused", exc.message, exc.path) from None
    except ExerciseClosedError as exc:
        raise ApiError(409, exc.code, str(exc)) from None
    return json_response(ControlResult(receipt.seq, receipt.action, clock_view(exercise.bus)))


async def status(request: web.Request) -> web.Response:
    """GET /control/status: the clock, every inject with its status, the disruptions in
    force, the translation queues."""
    who = caller(request)
    if who.role not in ("controller", "evaluator"):
        raise ApiError(403, "forbidden", "only the controller and the evaluator see this")
    bus = request.config_dict[EXERCISE].bus
    injects = [
        {
            **bus.msel.status(inject_id),
            "title": state.inject.title,
            "expected": [action.text for action in state.inject.expected_actions],
        }
        for inject_id, state in bus.state.msel.injects.items()
    ]
    view = {
        "clock": clock_view(bus),
        "injects": injects,
        "disruptions": disruptions_view(bus),
        "queues": {
            pool_id: {key: queue[key] for key in ("servers", "serving", "waiting")}
            for pool_id, queue in queues_view(bus).items()
        },
    }
    return json_response(msgspec.convert(view, ControlStatus))


async def events(request: web.Request) -> web.StreamResponse:
    """GET /control/events: Server-Sent Events of the whole exercise: every step of every
    message (`status`), deliveries, the clock, the end."""
    who = caller(request)
    if who.role not in ("controller", "evaluator"):
        raise ApiError(403, "forbidden", "only the controller and the evaluator see this")
    return await stream_feed(request, None)


ROUTES = (
    ApiRoute("POST", "/api/v1/control/{action}", "Take a control action (SPEC §14)", act,
             ("controller",), response=ControlResult, errors=(400, 401, 403, 404, 409, 413, 422)),
    ApiRoute("GET", "/api/v1/control/status", "The clock, the MSEL, the disruptions, the queues",
             status, ("controller", "evaluator"), response=ControlStatus, errors=(401, 403)),
    ApiRoute("GET", "/api/v1/control/events", "Live events of the whole exercise (SSE)", events,
             ("controller", "evaluator"), stream=True, errors=(401, 403)),
)  # fmt: skip
"""The control API's routes."""
