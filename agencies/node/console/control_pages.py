"""The control console (SPEC §14-15): the exercise as a controller steers it. A live board
(agencies by country and who plays them, the message flow on each edge with what is held
and rejected, translation queues, disruptions in force with their heal), the MSEL as a
timeline with its actions, a disruption form whose targets come from the scenario, the
clock, and the latest events. Every button is a control action sent to the control API;
the evaluator sees the same page without the buttons."""

from __future__ import annotations

import tomllib
from collections import Counter
from typing import Any

from aiohttp import web

from agencies.node.console.pages import _render, _session
from trafsim_bus.core.actions import decode_action
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.errors import ControlError, ExerciseClosedError
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.live.http import EXERCISE, ApiError, body_of, json_response, session_of
from trafsim_bus.live.views import (
    calendar_of,
    disruptions_view,
    edge_rows,
    queues_view,
)
from trafsim_bus.scenario.model import EXCON
from trafsim_bus.timebase import format_day_time

DISRUPTION_TYPES = (
    "outage", "link_cut", "partition", "latency_multiplier", "loss", "translator_capacity",
    "channel_open", "channel_close",
)  # fmt: skip
"""SPEC §8's types, in the order a controller reaches for them."""


async def control(request: web.Request) -> web.StreamResponse:
    """GET /console/control: the controller's (and the evaluator's) page."""
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/console/")
    if session.caller.role == "team":
        raise web.HTTPSeeOther(f"/console/{session.caller.agency}/")
    exercise: LiveExercise = request.app[EXERCISE]
    bus = exercise.bus
    scenario = bus.scenario
    by_country: dict[str, list[dict[str, Any]]] = {}
    for agency in scenario.agencies.values():
        if agency.id != EXCON:
            by_country.setdefault(agency.country, []).append(
                {
                    "id": agency.id,
                    "name": agency.name,
                    "team": agency.id not in bus.state.simcell,
                }
            )
    return _render(
        request,
        "control.html",
        session,
        steer=session.caller.role == "controller",
        by_country=sorted(by_country.items()),
        edges=_edges(exercise),
        queues=[{"id": pool_id, **queue} for pool_id, queue in queues_view(bus).items()],
        disruptions=disruptions_view(bus),
        injects=_injects(exercise),
        disruption_types=DISRUPTION_TYPES,
        choices={
            "agencies": [a for a in scenario.agencies if a != EXCON],
            "senders": [a for a in scenario.agencies if a != EXCON],
            "countries": list(scenario.countries),
            "channels": [c.id for c in scenario.channels],
            "types": sorted({t for c in scenario.channels for t in c.types}),
            "pools": [p.id for p in scenario.pools],
        },
    )


def _edges(exercise: LiveExercise) -> list[dict[str, Any]]:
    """Each (sender, recipient) pair with messages, and how many are in each state."""
    registry = exercise.bus.state.registry
    pending = exercise.bus.state.pending
    counts: dict[tuple[str, str], Counter[str]] = {}
    for envelope in registry.envelopes.values():
        steps = exercise.trails.get(str(envelope.id), {})
        for recipient in envelope.recipients:
            key = DeliveryKey(envelope.id, recipient)
            trail = steps.get(recipient, [])
            ended = [s.kind for s in trail if s.kind in ("delivered", "rejected", "dropped")]
            if ended:
                state = ended[-1]
            elif key in pending and pending[key].stage == "held":
                state = "held"
            else:
                state = "pending"
            counts.setdefault((envelope.sender, recipient), Counter())[state] += 1
    return edge_rows(counts)


def _injects(exercise: LiveExercise) -> list[dict[str, Any]]:
    """The MSEL in order of its times of play, each with its status and expected actions."""
    bus = exercise.bus
    calendar = calendar_of(bus)
    start_minute = bus.scenario.startex.hour * 60 + bus.scenario.startex.minute
    rows = []
    for inject_id, state in bus.state.msel.injects.items():
        inject = state.inject
        due = state.due_play_us
        rows.append(
            {
                "id": inject_id,
                "title": inject.title,
                "due_play_us": due,
                "due": "" if due is None else format_day_time(due, start_minute),
                "status": state.status,
                "fired": [calendar.label(t) for t in state.fired_us],
                "expected": [action.text for action in inject.expected_actions],
                "from": inject.sender,
                "to": list(inject.recipients),
                "origin": state.origin,
            }
        )
    return sorted(rows, key=lambda r: (r["due_play_us"] is None, r["due_play_us"] or 0, r["id"]))


async def add_inject(request: web.Request) -> web.StreamResponse:
    """POST /console/control/inject: an inject written in TOML as the scenario writes one
    (the session's CSRF token in `X-CSRF-Token`), added by the `add` action: checked by the
    loader's own code, refused with the path of the bad key."""
    session = session_of(request)
    if session.caller.role != "controller":
        raise ApiError(403, "forbidden", "only the controller may add injects")
    text = (await body_of(request)).decode("utf-8", errors="replace")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ApiError(422, "not_toml", f"not valid TOML: {exc}", "$.inject") from None
    inner = document.get("inject")
    fields = {"action": "add", "inject": inner if isinstance(inner, dict) else document}
    exercise: LiveExercise = request.app[EXERCISE]
    try:
        receipt = await exercise.control(decode_action(fields), "controller", fields)
    except ControlError as exc:
        raise ApiError(422, "refused", exc.message, exc.path) from None
    except ExerciseClosedError as exc:
        raise ApiError(409, exc.code, str(exc)) from None
    return json_response({"seq": receipt.seq, "action": receipt.action})
