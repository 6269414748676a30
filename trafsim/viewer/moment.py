"""What the viewer shows of one moment, as plain data for the templates: the board
(disruptions in force, translation queues, the message flow per agency pair, the MSEL),
the inboxes (per agency: what had reached it, what was on its way to it and where it
stood), and the latest events. Read from the core's state folded to that moment and from
the timeline's index of deliveries; narrowed by the filters."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final
from uuid import UUID

from trafsim.viewer.filters import Filters
from trafsim.viewer.timeline import Position, Timeline
from trafsim_bus.core.bus import Bus
from trafsim_bus.core.deliveries import DeliveryKey, PendingDelivery
from trafsim_bus.live.views import disruptions_view, edge_rows, queue_eta, queues_view
from trafsim_bus.log.records import Record

MESSAGE_EVENTS: Final = frozenset(
    {
        "envelope_submitted",
        "envelope_refused",
        "delivery_held",
        "delivery_released",
        "delivered",
        "rejected",
        "dropped",
    }
)
"""What "next message event" steps to."""
FEED_KINDS: Final = MESSAGE_EVENTS | {
    "translation_queued",
    "disruption_started",
    "disruption_healed",
    "inject_fired",
    "clock_jump",
    "control_action",
}
"""The records the latest events list."""
FEED_LENGTH: Final = 15
INBOX_LENGTH: Final = 200


def board(timeline: Timeline, bus: Bus, position: Position, filters: Filters) -> dict[str, Any]:
    """The board at a moment."""
    return {
        "disruptions": disruptions_view(bus),
        "queues": [{"id": pool_id, **queue} for pool_id, queue in queues_view(bus).items()],
        "edges": edges(timeline, bus, position, filters),
        "injects": injects(timeline, bus, filters),
    }


def delivery_state(timeline: Timeline, bus: Bus, key: tuple[str, str], seq: int) -> str | None:
    """Where a delivery stood after record `seq`: one of `EDGE_STATES`, None before it."""
    life = timeline.deliveries[key]
    if life.created_seq > seq:
        return None
    if life.end_seq is not None and life.end_seq <= seq:
        return str(life.end_kind)
    pending = bus.state.pending.get(DeliveryKey(UUID(key[0]), key[1]))
    return "held" if pending is not None and pending.stage == "held" else "pending"


def edges(
    timeline: Timeline, bus: Bus, position: Position, filters: Filters
) -> list[dict[str, Any]]:
    """Each sender → recipient pair with deliveries by then, and how many are in each
    state; the troubled pairs first."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for key, life in timeline.deliveries.items():
        if life.created_seq > position.seq:
            break  # in the order they were created
        facts = timeline.envelopes[key[0]]
        if not filters.delivery(timeline, facts, key[1]):
            continue
        state = delivery_state(timeline, bus, key, position.seq)
        counts.setdefault((facts.sender, key[1]), Counter())[str(state)] += 1
    return edge_rows(counts)


def injects(timeline: Timeline, bus: Bus, filters: Filters) -> list[dict[str, Any]]:
    """The MSEL in order of time of play, each inject with its status then."""
    calendar = timeline.calendar
    rows = []
    for inject_id, state in bus.state.msel.injects.items():
        inject = state.inject
        cases = tuple(inject.envelope.get("case_refs", ()))
        if filters.type is not None and inject.body.kind() != filters.type:
            continue
        if filters.case is not None and filters.case not in cases:
            continue
        if not any(filters.pair(timeline, inject.sender, to) for to in inject.recipients):
            continue
        due = state.due_play_us
        rows.append(
            {
                "id": inject_id,
                "title": inject.title,
                "due_play_us": due,
                "due": "" if due is None else timeline.day_time(due),
                "status": state.status,
                "fired": [calendar.label(t) for t in state.fired_us],
                "from": inject.sender,
                "to": list(inject.recipients),
                "kind": inject.body.kind(),
            }
        )
    return sorted(rows, key=lambda r: (r["due_play_us"] is None, r["due_play_us"] or 0, r["id"]))


def inboxes(
    timeline: Timeline, bus: Bus, position: Position, filters: Filters
) -> list[dict[str, Any]]:
    """Per agency shown: how many messages had reached it, were on their way to it (held
    among them) and were rejected or lost on the way to it."""
    totals: dict[str, Counter[str]] = {
        agency: Counter()
        for agency in timeline.scenario.agencies
        if filters.agency_shown(timeline, agency)
    }
    for key, life in timeline.deliveries.items():
        if life.created_seq > position.seq:
            break
        if key[1] not in totals or not filters.envelope(timeline.envelopes[key[0]]):
            continue
        facts = timeline.envelopes[key[0]]
        if filters.country is not None and not filters.pair(timeline, facts.sender, key[1]):
            continue
        state = delivery_state(timeline, bus, key, position.seq)
        totals[key[1]][str(state)] += 1
    return [
        {
            "agency": agency,
            "name": timeline.scenario.agencies[agency].name,
            "delivered": c["delivered"],
            "on_the_way": c["pending"] + c["held"],
            "held": c["held"],
            "failed": c["rejected"] + c["dropped"],
        }
        for agency, c in totals.items()
    ]


def inbox(timeline: Timeline, bus: Bus, agency: str, filters: Filters) -> dict[str, Any]:
    """One agency's inbox at a moment: what had reached it (newest first) and what was on
    its way to it, with where each stood."""
    registry = bus.state.registry
    calendar = timeline.calendar
    reached = []
    for key, seq in sorted(registry.delivered.items(), key=lambda item: -item[1]):
        facts = timeline.envelopes.get(str(key.envelope_id))
        if key.recipient != agency or facts is None or not filters.envelope(facts):
            continue
        if not filters.pair(timeline, facts.sender, agency):
            continue
        reached.append(
            {
                "seq": seq,
                "envelope_id": facts.envelope_id,
                "when": calendar.label(timeline.records[seq].t_us),
                "sender": facts.sender,
                "kind": facts.kind,
                "priority": facts.priority,
                "case_refs": list(facts.case_refs),
                "read": key in registry.reads,
            }
        )
    on_the_way = []
    for key, pending in bus.state.pending.items():
        facts = timeline.envelopes.get(str(key.envelope_id))
        if key.recipient != agency or facts is None or not filters.envelope(facts):
            continue
        if not filters.pair(timeline, facts.sender, agency):
            continue
        on_the_way.append(
            {
                "envelope_id": facts.envelope_id,
                "sender": facts.sender,
                "kind": facts.kind,
                "priority": facts.priority,
                "case_refs": list(facts.case_refs),
                "sent": calendar.label(pending.submitted_us),
                **where(timeline, bus, pending),
            }
        )
    return {
        "agency": agency,
        "name": timeline.scenario.agencies[agency].name,
        "reached": reached[:INBOX_LENGTH],
        "more": max(0, len(reached) - INBOX_LENGTH),
        "on_the_way": on_the_way,
    }


def where(timeline: Timeline, bus: Bus, pending: PendingDelivery) -> dict[str, Any]:
    """Where a delivery on its way stood: its stage and what the stage's words need (due
    time; pool, place in the queue and ETA; the disruption holding it and since when)."""
    calendar = timeline.calendar
    place: dict[str, Any] = {"stage": pending.stage}
    if pending.stage in ("transit", "to_translation"):
        place["due"] = calendar.label(pending.due_us)
    translation = pending.translation
    if translation is not None and pending.stage in ("translation_wait", "translation_service"):
        pool = bus.state.pools[translation.pool.id]
        place["pool"] = translation.pool.name
        if pending.stage == "translation_wait":
            place["position"] = list(pool.waiting).index(pending.key) + 1
            place["waiting"] = len(pool.waiting)
            eta = queue_eta(bus, pending.key)
            place["eta"] = "?" if eta is None else calendar.label(eta)
        else:
            place["due"] = calendar.label(pool.serving[pending.key])
    if pending.stage == "held":
        place["since"] = calendar.label(pending.held_since)
        for disruption_id, state in bus.state.disruptions.active.items():
            if pending.key in state.held:
                place["held_by"] = disruption_id
                place["what"] = state.disruption.description or disruption_id
    return place


def feed(timeline: Timeline, position: Position, filters: Filters) -> list[dict[str, Any]]:
    """The latest events up to the moment, newest first."""
    rows: list[dict[str, Any]] = []
    for seq in range(position.seq, -1, -1):
        if len(rows) == FEED_LENGTH:
            break
        record = timeline.records[seq]
        if record.kind in FEED_KINDS and filters.record(timeline, record):
            rows.append(describe(timeline, record))
    return rows


def describe(timeline: Timeline, record: Record) -> dict[str, Any]:
    """A record in a line: when, what, which message, from whom to whom, why."""
    facts = timeline.envelopes.get(str(record.envelope_id))
    data = record.data
    return {
        "seq": record.seq,
        "when": timeline.calendar.label(record.t_us),
        "kind": record.kind,
        "type": facts.kind if facts else None,
        "sender": facts.sender if facts else data.get("sender"),
        "recipient": record.recipient or (", ".join(facts.recipients) if facts else None),
        "reason": data.get("reason"),
        "about": record.disruption_id or data.get("inject_id") or data.get("action"),
    }
