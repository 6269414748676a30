"""The team console's pages (SPEC §15, STYLE.md): server-rendered, escaped by the
template engine, in English or Russian. A console signs in with its token once and holds
a session cookie; the pages read the same views as the team API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import aiohttp_jinja2
import msgspec
from aiohttp import web

from agencies.node.console.forms import body_form, compose_envelope_form
from agencies.node.console.i18n import LANGUAGE_COOKIE, LANGUAGES, Labels, chosen_language
from agencies.node.console.words import status_words
from protocols import MESSAGE_TYPES, Envelope
from protocols.fields import USUAL_SCRIPT
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.live.exercise import LiveExercise
from trafsim_bus.live.http import EXERCISE, SESSIONS
from trafsim_bus.live.schemas import MessageView
from trafsim_bus.live.sessions import COOKIE, Session
from trafsim_bus.live.views import (
    calendar_of,
    cases_view,
    clock_view,
    directory_view,
    inbox_view,
    message_view,
    unread_count,
)
from trafsim_bus.metrics.requests import ANSWERS
from trafsim_bus.scenario.model import EXCON
from trafsim_bus.timebase import format_duration

YEAR_S = 365 * 24 * 3600


def labels_of(request: web.Request) -> Labels:
    """The labels in the language the console is read in."""
    return Labels(
        chosen_language(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language", "")
        )
    )


def _session(request: web.Request) -> Session | None:
    key = request.cookies.get(COOKIE)
    return None if key is None else request.app[SESSIONS].get(key)


def _signed_in(request: web.Request) -> Session:
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/console/")
    return session


def _render(
    request: web.Request, template: str, session: Session | None, **context: Any
) -> web.Response:
    exercise: LiveExercise = request.app[EXERCISE]
    clock = clock_view(exercise.bus, exercise.now_us())
    state = (
        "ended"
        if clock["ended"]
        else "not_started"
        if not clock["started"]
        else "paused"
        if clock["paused"]
        else "running"
    )
    agency = context.get("agency")
    base = {
        "agency": None,
        "envelope_id": None,
        "role": session.caller.role if session else "",
        "t": labels_of(request),
        "csrf": session.csrf if session else None,
        "clock": clock if session else None,
        "clock_state": state,
        "here": request.path_qs,
        "page": template.removesuffix(".html"),
        "agency_name": exercise.bus.scenario.agencies[agency].name if agency else "",
        "others": session is not None and session.caller.role != "team",
        "unread": unread_count(exercise.bus, agency) if agency else 0,
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context})
    response.headers["Cache-Control"] = "no-store"
    return response


def _agency(request: web.Request, session: Session) -> str:
    """The agency in the path, if the session may look at it (its own team; the
    controller and the evaluator look at every agency)."""
    agency = request.match_info["agency"]
    agencies = request.app[EXERCISE].bus.scenario.agencies
    if agency not in agencies or agency == EXCON:
        raise web.HTTPNotFound(text=f"no agency {agency!r} in this exercise")
    if session.caller.role == "team" and session.caller.agency != agency:
        raise web.HTTPSeeOther(f"/console/{session.caller.agency}/")
    return agency


# -- signing in and out, language ----------------------------------------------------------


async def home(request: web.Request) -> web.StreamResponse:
    """GET /console/: the sign-in form, or the console of the signed-in agency."""
    session = _session(request)
    if session is None:
        return _render(request, "sign_in.html", None, error=False)
    if session.caller.role == "team":
        raise web.HTTPSeeOther(f"/console/{session.caller.agency}/")
    raise web.HTTPSeeOther("/console/control")


async def sign_in(request: web.Request) -> web.StreamResponse:
    """POST /console/sign-in: a token in, a session cookie out."""
    form = await request.post()
    token = str(form.get("token", "")).strip()
    caller = request.app[EXERCISE].tokens.caller(token) if token else None
    if caller is None:
        response = _render(request, "sign_in.html", None, error=True)
        response.set_status(401)
        return response
    session = request.app[SESSIONS].open(caller)
    target = f"/console/{caller.agency}/" if caller.role == "team" else "/console/control"
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        COOKIE, session.key, httponly=True, samesite="Strict", path="/", secure=request.secure
    )
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """POST /console/sign-out (the form carries the session's CSRF token)."""
    session = _session(request)
    form = await request.post()
    if session is not None and form.get("csrf") == session.csrf:
        request.app[SESSIONS].close(session.key)
    response = web.HTTPSeeOther("/console/")
    response.del_cookie(COOKIE, path="/")
    raise response


async def language(request: web.Request) -> web.StreamResponse:
    """GET /console/language/{lang}?next=...: read the console in another language."""
    chosen = request.match_info["lang"]
    if chosen not in LANGUAGES:
        raise web.HTTPNotFound(text=f"no language {chosen!r}")
    target = request.query.get("next", "/console/")
    if not target.startswith("/console") or target.startswith("//"):
        target = "/console/"
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=YEAR_S, samesite="Strict", path="/", httponly=True
    )
    raise response


async def agencies(request: web.Request) -> web.StreamResponse:
    """GET /console/agencies: the controller's and the evaluator's way in to each agency."""
    session = _signed_in(request)
    if session.caller.role == "team":
        raise web.HTTPSeeOther(f"/console/{session.caller.agency}/")
    scenario = request.app[EXERCISE].bus.scenario
    by_country: dict[str, list[Any]] = {}
    for agency in scenario.agencies.values():
        if agency.id != EXCON:
            by_country.setdefault(agency.country, []).append(agency)
    return _render(request, "agencies.html", session, by_country=sorted(by_country.items()))


# -- the agency's pages --------------------------------------------------------------------


async def inbox(request: web.Request) -> web.StreamResponse:
    """GET /console/{agency}/: what arrived, newest first, with filters."""
    session = _signed_in(request)
    agency = _agency(request, session)
    exercise: LiveExercise = request.app[EXERCISE]
    kind = request.query.get("type") or None
    case = request.query.get("case") or None
    unread = request.query.get("unread") == "true"
    chosen = {"type": kind, "case": case, "unread": unread}
    everything = inbox_view(exercise.bus, agency, exercise.trails, limit=10**9)["messages"]
    rows = inbox_view(
        exercise.bus,
        agency,
        exercise.trails,
        kind=kind,
        case=case,
        unread=unread,
        limit=10**9,
    )["messages"]
    return _render(
        request,
        "inbox.html",
        session,
        agency=agency,
        rows=list(reversed(rows)),
        chosen=chosen,
        kinds=sorted({row["kind"] for row in everything} | _chosen_set(kind)),
        case_refs=sorted({c for row in everything for c in row["case_refs"]}),
    )


def _chosen_set(value: Any) -> set[str]:
    return {value} if isinstance(value, str) and value in MESSAGE_TYPES else set()


def _recipients(
    exercise: LiveExercise, envelope_id: UUID, labels: Labels
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The message view (checked by its schema) and each recipient's delivery in words."""
    raw = message_view(exercise.bus, envelope_id, exercise.trails, exercise.deliveries)
    if raw is None:
        raise web.HTTPNotFound(text="no such message")
    view = msgspec.to_builtins(msgspec.convert(raw, MessageView))
    recipients = []
    for recipient, delivery in view["recipients"].items():
        recipients.append({"id": recipient, **delivery, "words": status_words(delivery, labels)})
    return view, recipients


async def sent(request: web.Request) -> web.StreamResponse:
    """GET /console/{agency}/sent: every message the agency sent, each recipient's status
    in words, newest first."""
    session = _signed_in(request)
    agency = _agency(request, session)
    exercise: LiveExercise = request.app[EXERCISE]
    labels = labels_of(request)
    registry = exercise.bus.state.registry
    rows = []
    for envelope in reversed(list(registry.envelopes.values())):
        if envelope.sender != agency:
            continue
        _, recipients = _recipients(exercise, envelope.id, labels)
        steps = exercise.trails.get(str(envelope.id), {})
        first = min((s[0].t_us for s in steps.values() if s), default=None)
        rows.append(
            {
                "envelope_id": str(envelope.id),
                "kind": envelope.body.kind(),
                "case_refs": envelope.case_refs,
                "submitted": "" if first is None else calendar_of(exercise.bus).label(first),
                "recipients": recipients,
            }
        )
    return _render(request, "sent.html", session, agency=agency, rows=rows)


async def cases(request: web.Request) -> web.StreamResponse:
    """GET /console/{agency}/cases: the case board, messages grouped by case ref."""
    session = _signed_in(request)
    agency = _agency(request, session)
    exercise: LiveExercise = request.app[EXERCISE]
    labels = labels_of(request)
    board = []
    for case, messages in cases_view(exercise.bus, agency)["cases"].items():
        shown = []
        for message in messages:
            _, recipients = _recipients(exercise, UUID(message["envelope_id"]), labels)
            states = {recipient["status"] for recipient in recipients}
            state = next(
                (s for s in ("rejected", "dropped", "pending") if s in states), "delivered"
            )
            words = "; ".join(f"{r['id']}: {r['words']}" for r in recipients)
            shown.append({**message, "state": state, "words": words})
        board.append((case, shown))
    return _render(request, "cases.html", session, agency=agency, cases=board)


async def message(request: web.Request) -> web.StreamResponse:
    """GET /console/{agency}/messages/{id}: the envelope, its content as written, and each
    recipient's delivery: status in words, delivery record, trail."""
    session = _signed_in(request)
    agency = _agency(request, session)
    exercise: LiveExercise = request.app[EXERCISE]
    labels = labels_of(request)
    try:
        envelope_id = UUID(request.match_info["envelope_id"])
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None
    envelope = _original(exercise, agency, str(envelope_id))
    if envelope is None:
        raise web.HTTPNotFound(text="no such message")
    view, recipients = _recipients(exercise, envelope_id, labels)
    sender_view = agency == envelope.sender
    if not sender_view:
        recipients = [r for r in recipients if r["id"] == agency]
    for recipient in recipients:
        recipient["translation"] = _translation(recipient.get("delivery"), labels)
        recipient["delays"] = _delays(recipient.get("delivery"))
        for step in recipient["trail"]:
            step["added"] = format_duration(step["added_us"]) if step["added_us"] else ""
    body = view["envelope"]["body"]
    return _render(
        request,
        "message.html",
        session,
        agency=agency,
        envelope_id=str(envelope_id),
        envelope=view["envelope"],
        kind=body["kind"],
        body={key: value for key, value in body.items() if key != "kind"},
        persons=[
            {"person_id": p.person_id, "is_minor": p.is_minor, "consent_ref": p.consent_ref}
            for p in envelope.personal_data()
        ],
        recipients=recipients,
        sender_view=sender_view,
    )


def _translation(delivery: dict[str, Any] | None, labels: Labels) -> str:
    if not delivery or not delivery.get("translated_from"):
        return labels("translation.none")
    source = delivery["translated_from"]
    if delivery.get("machine_translated_unverified"):
        return labels("translation.machine", source=source)
    if delivery.get("certified_translation"):
        return labels("translation.certified", source=source)
    return labels("translation.translated", source=source)


def _delays(delivery: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not delivery:
        return []
    parts = delivery.get("delay_us") or {}
    return [(part, format_duration(int(us))) for part, us in parts.items() if us]


async def compose(request: web.Request) -> web.StreamResponse:
    """GET /console/{agency}/compose?type=...[&reply_to=ID|&forward=ID]: the form of a
    message type, generated from its schema; a reply keeps the thread and the cases and
    goes to the sender; a forward keeps them too and passes the content on."""
    session = _signed_in(request)
    agency = _agency(request, session)
    if session.caller.role != "team":
        raise web.HTTPSeeOther(f"/console/{agency}/")
    exercise: LiveExercise = request.app[EXERCISE]
    bus = exercise.bus
    labels = labels_of(request)
    me = bus.scenario.agencies[agency]
    language = me.languages[0]
    initial: dict[str, Any] = {"language": language, "script": USUAL_SCRIPT.get(language, "")}
    original = _original(exercise, agency, request.query.get("reply_to") or None)
    forwarded = _original(exercise, agency, request.query.get("forward") or None)
    kind = request.query.get("type") or None
    if original is not None:
        kind = kind or ANSWERS.get(original.body.kind(), "case_update")
        initial |= {
            "recipients": [original.sender],
            "case_refs": list(original.case_refs),
            "thread_id": str(original.thread_id or original.id),
            "in_reply_to": str(original.id),
        }
    if forwarded is not None:
        kind = kind or forwarded.body.kind()
        initial |= {
            "case_refs": list(forwarded.case_refs),
            "thread_id": str(forwarded.thread_id or forwarded.id),
            "derived_from": [str(forwarded.id)],
        }
        if forwarded.handling is not None:
            initial["handling"] = msgspec.to_builtins(forwarded.handling)
        if kind == forwarded.body.kind():
            initial["body"] = msgspec.to_builtins(forwarded.body)
    if kind not in MESSAGE_TYPES:
        kind = None
    routes = directory_view(bus, agency)["types"]
    legal = labels("compose.legal_route")
    hints = {
        "recipients": {to: legal for route in routes.get(kind or "", []) for to in route["to"]},
        "channel": {route["channel"]: legal for route in routes.get(kind or "", [])},
    }
    agencies = [a for a in bus.scenario.agencies if a != EXCON]
    usual, more = compose_envelope_form(agencies, [c.id for c in bus.scenario.channels])
    return _render(
        request,
        "compose.html",
        session,
        agency=agency,
        kind=kind,
        kinds=sorted(MESSAGE_TYPES, key=lambda k: (k not in routes, labels.of("kind", k))),
        routes=routes,
        hints=hints,
        envelope_usual=usual,
        envelope_more=more,
        body=body_form(kind) if kind else None,
        initial=initial,
        exercise_id=str(bus.exercise_id),
        reply_to=request.query.get("reply_to", ""),
        forward=request.query.get("forward", ""),
    )


def _original(exercise: LiveExercise, agency: str, wanted: str | None) -> Envelope | None:
    """A message the agency may see: one it sent, or one that reached it (a reply or
    forward starts from it)."""
    if wanted is None:
        return None
    try:
        envelope_id = UUID(wanted)
    except ValueError:
        raise web.HTTPNotFound(text="no such message") from None
    envelope = exercise.bus.state.registry.envelopes.get(envelope_id)
    received = envelope is not None and (
        DeliveryKey(envelope_id, agency) in exercise.bus.state.registry.delivered
    )
    if envelope is None or (envelope.sender != agency and not received):
        raise web.HTTPNotFound(text="no such message")
    return envelope


async def redirect_root(_: web.Request) -> web.StreamResponse:
    """GET /: the console."""
    raise web.HTTPSeeOther("/console/")
