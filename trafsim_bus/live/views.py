"""What the API shows of a live exercise, read from the core's state and the trails:
an agency's inbox, one message with each recipient's status and trail, the directory of
legal routes, the cases, the clock. Plain data, ready for JSON."""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec

from trafsim_bus.core.bus import Bus
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.log.trail import Step
from trafsim_bus.scenario.model import EXCON
from trafsim_bus.timebase import Calendar


def calendar_of(bus: Bus) -> Calendar:
    """The exercise's calendar: every jump of the table (taken, or to come)."""
    clock = bus.clock
    jumps = [(clock.jump_start_us(jump.at_play_us), jump.by_us) for jump in clock.jumps]
    return Calendar(bus.scenario.startex, tuple(jumps))


def clock_view(bus: Bus, now_us: int | None = None) -> dict[str, Any]:
    """`GET /clock`: where the exercise stands (`now_us`: the exercise time the wall clock
    says, when it is ahead of the last event the core ran)."""
    clock = bus.clock
    calendar = calendar_of(bus)
    now = max(clock.now, now_us if now_us is not None else clock.now)
    return {
        "started": clock.started,
        "paused": clock.paused,
        "ended": clock.ended,
        "speed": clock.speed,
        "now_us": now,
        "now": calendar.label(now),
        "now_at": (bus.scenario.startex + timedelta(microseconds=now)).isoformat(),
        "play_us": clock.play_now,
        "endex_us": clock.endex_us,
        "endex": calendar.label(clock.endex_us),
    }


def inbox_view(
    bus: Bus,
    agency: str,
    trails: dict[str, dict[str, list[Step]]],
    *,
    kind: str | None = None,
    case: str | None = None,
    unread: bool = False,
    since_seq: int = -1,
    limit: int = 50,
) -> dict[str, Any]:
    """`GET /agencies/{a}/inbox`: what was delivered to the agency, oldest first, from
    `since_seq` on (the cursor), `limit` at a time."""
    registry = bus.state.registry
    calendar = calendar_of(bus)
    rows = []
    for key, seq in sorted(registry.delivered.items(), key=lambda item: item[1]):
        if key.recipient != agency or seq <= since_seq:
            continue
        envelope = registry.envelopes[key.envelope_id]
        read = key in registry.reads
        steps = trails.get(str(envelope.id), {}).get(agency, [])
        delivered_us = steps[-1].t_us if steps else None
        if kind is not None and envelope.body.kind() != kind:
            continue
        if case is not None and case not in envelope.case_refs:
            continue
        if unread and read:
            continue
        rows.append(
            {
                "seq": seq,
                "envelope_id": str(envelope.id),
                "kind": envelope.body.kind(),
                "sender": envelope.sender,
                "priority": envelope.priority.level,
                "case_refs": list(envelope.case_refs),
                "read": read,
                "risk_to_life": envelope.risk_to_life,
                "delivered_us": delivered_us,
                "delivered": None if delivered_us is None else calendar.label(delivered_us),
            }
        )
        if len(rows) == limit:
            break
    return {
        "messages": rows,
        "unread": unread_count(bus, agency),
        "next_since_seq": rows[-1]["seq"] if len(rows) == limit else None,
    }


def unread_count(bus: Bus, agency: str) -> int:
    """How many messages delivered to the agency its team has not read."""
    registry = bus.state.registry
    return sum(
        1 for key in registry.delivered if key.recipient == agency and key not in registry.reads
    )


def disruptions_view(bus: Bus) -> list[dict[str, Any]]:
    """The disruptions in force: since and until as people read them, how many they hold."""
    calendar = calendar_of(bus)
    return [
        {
            "id": disruption_id,
            "type": state.disruption.type,
            "description": state.disruption.description,
            "since": calendar.label(state.start_us or 0),
            "until": None if state.end_us is None else calendar.label(state.end_us),
            "holding": len(state.held),
        }
        for disruption_id, state in bus.state.disruptions.active.items()
    ]


def queues_view(bus: Bus) -> dict[str, dict[str, Any]]:
    """Each translation pool: its name, translators now, how many they serve, who waits."""
    return {
        pool_id: {
            "name": pool.pool.name,
            "servers": pool.servers,
            "serving": len(pool.serving),
            "waiting": len(pool.waiting),
        }
        for pool_id, pool in sorted(bus.state.pools.items())
    }


def message_view(
    bus: Bus,
    envelope_id: UUID,
    trails: dict[str, dict[str, list[Step]]],
    deliveries: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """`GET /messages/{id}`: the envelope, and per recipient its status and trail; while
    pending, where it stands (its due time, its place in a translation queue, its hold)."""
    registry = bus.state.registry
    envelope = registry.envelopes.get(envelope_id)
    if envelope is None:
        return None
    calendar = calendar_of(bus)
    recipients = {}
    steps_by_recipient = trails.get(str(envelope_id), {})
    for recipient in envelope.recipients:
        steps = steps_by_recipient.get(recipient, [])
        recipients[recipient] = {
            "status": _status(steps),
            "trail": [_step(step, calendar) for step in steps],
            "now": _where(bus, DeliveryKey(envelope_id, recipient), calendar),
            "read": DeliveryKey(envelope_id, recipient) in registry.reads,
            "delivery": (deliveries or {}).get((str(envelope_id), recipient)),
        }
    return {"envelope": msgspec.to_builtins(envelope), "recipients": recipients}


def _status(steps: list[Step]) -> str:
    ends = [step.kind for step in steps if step.kind in ("delivered", "rejected", "dropped")]
    return ends[-1] if ends else "pending"


def _step(step: Step, calendar: Calendar) -> dict[str, Any]:
    return {
        "seq": step.seq,
        "t_us": step.t_us,
        "when": calendar.label(step.t_us),
        "kind": step.kind,
        "stage": step.stage,
        "outcome": step.outcome,
        "reason": step.reason,
        "added_us": step.added_us,
        "detail": step.detail,
        "hint": step.hint,
        "disruption_id": step.disruption_id,
        "pool_id": step.pool_id,
    }


def _where(bus: Bus, key: DeliveryKey, calendar: Calendar) -> dict[str, Any] | None:
    """Where a pending delivery stands now (None when it has ended)."""
    pending = bus.state.pending.get(key)
    if pending is None:
        return None
    place: dict[str, Any] = {"stage": pending.stage}
    if pending.stage in ("transit", "to_translation"):
        place["due_us"] = pending.due_us
        place["due"] = calendar.label(pending.due_us)
    if pending.stage == "office_closed":
        place["due_us"] = pending.opens_us
        place["due"] = calendar.label(pending.opens_us)
        place["duty_officer"] = pending.envelope.priority.level == "emergency"
    translation = pending.translation
    if translation is not None and pending.stage in ("translation_wait", "translation_service"):
        pool = bus.state.pools[translation.pool.id]
        place["pool"] = translation.pool.id
        place["pool_name"] = translation.pool.name
        if pending.stage == "translation_wait":
            place["position"] = list(pool.waiting).index(key) + 1
            place["waiting"] = len(pool.waiting)
            eta_us = queue_eta(bus, key)
            place["eta_us"] = eta_us
            place["eta"] = None if eta_us is None else calendar.label(eta_us)
        else:
            place["due_us"] = pool.serving[key]
            place["due"] = calendar.label(pool.serving[key])
    if pending.stage == "held":
        for disruption_id, state in bus.state.disruptions.active.items():
            if key in state.held:
                place["held_by"] = disruption_id
                place["held_since"] = calendar.label(pending.held_since)
                place["description"] = state.disruption.description
    return place


def queue_eta(bus: Bus, key: DeliveryKey) -> int | None:
    """When a delivery waiting for a translator should arrive, estimated: the pool's
    translators free up as their jobs are due, every job ahead of it and its own take the
    median service time, in queue order; a sender-side translation then takes its transit.
    An estimate (services are drawn when they start), shown as an ETA; None while the
    pool has no translator at all."""
    pending = bus.state.pending[key]
    translation = pending.translation
    if translation is None:
        raise ValueError(f"{key} is not waiting for a translator")
    state = bus.state.pools[translation.pool.id]
    if state.servers == 0:
        return None
    now = bus.clock.now
    free = sorted(state.serving.values())
    free += [now] * max(0, state.servers - len(free))
    heapq.heapify(free)
    finished = now
    for waiting in state.waiting:
        model = bus.state.pending[waiting]
        pool = translation.pool
        service = pool.certified if model.certified and pool.certified is not None else pool.service
        start = max(heapq.heappop(free), now)
        finished = start + service.median_us
        heapq.heappush(free, finished)
        if waiting == key:
            break
    return finished + (pending.latency_us if translation.side == "sender" else 0)


def directory_view(bus: Bus, agency: str) -> dict[str, Any]:
    """`GET /agencies/{a}/directory`: for each message type, the channels the agency may
    use and to whom (competence and jurisdiction applied)."""
    scenario = bus.scenario
    me = scenario.agencies[agency]
    routes: dict[str, list[dict[str, Any]]] = {}
    for channel in scenario.channels:
        for kind in sorted(channel.types):
            if not scenario.jurisdiction.may_use(channel.id, me.kind, kind):
                continue
            to = [
                other.id
                for other in scenario.agencies.values()
                if other.id != EXCON
                and channel.connects(me, other)
                and scenario.jurisdiction.competent(other.kind, kind)
            ]
            if to:
                routes.setdefault(kind, []).append({"channel": channel.id, "to": to})
    return {"agency": agency, "types": dict(sorted(routes.items()))}


def cases_view(bus: Bus, agency: str) -> dict[str, Any]:
    """`GET /agencies/{a}/cases`: the cases of the messages the agency sent or received,
    each with its messages and their latest step."""
    registry = bus.state.registry
    received = {key.envelope_id for key in registry.delivered if key.recipient == agency}
    cases: dict[str, list[dict[str, Any]]] = {}
    for envelope in registry.envelopes.values():
        if envelope.sender != agency and envelope.id not in received:
            continue
        for case in envelope.case_refs:
            cases.setdefault(case, []).append(
                {
                    "envelope_id": str(envelope.id),
                    "kind": envelope.body.kind(),
                    "sender": envelope.sender,
                    "recipients": list(envelope.recipients),
                    "sent": envelope.sender == agency,
                }
            )
    return {"cases": dict(sorted(cases.items()))}


EDGE_STATES: Final = ("delivered", "pending", "held", "rejected", "dropped")
"""Where a delivery stands, as the message flow per agency pair counts it."""


def edge_rows(counts: dict[tuple[str, str], Counter[str]]) -> list[dict[str, Any]]:
    """The message flow per (sender, recipient) pair from each pair's counts per state:
    the troubled pairs (held, rejected, dropped) first, then the busiest."""
    rows = [
        {"sender": sender, "recipient": recipient, **{s: c[s] for s in EDGE_STATES}}
        for (sender, recipient), c in counts.items()
    ]
    return sorted(
        rows,
        key=lambda r: (
            -(r["held"] + r["rejected"] + r["dropped"]),
            -sum(r[s] for s in EDGE_STATES),
            r["sender"],
            r["recipient"],
        ),
    )
