"""What the after-action report draws on, read from the log's records: each delivery's
path with its waits, the translation queues over time, the disruption windows, the
calendar and who is who in the scenario."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trafsim_bus.log.records import Record
from trafsim_bus.timebase import Calendar

ENDED = ("delivered", "rejected", "dropped")


@dataclass(frozen=True)
class Span:
    """A stretch of a delivery's way spent waiting at a barrier, on one agency's lane."""

    part: str
    """`translation_wait`, `translation_service` or `outage_hold`."""
    lane: str
    start_us: int
    end_us: int | None
    """None: still waiting at the log's end."""
    cause: str
    """The pool or the disruption behind the wait."""


@dataclass
class Delivery:
    """One delivery (an envelope to one recipient) from submission to its end, or to now."""

    envelope_id: str
    recipient: str
    sender: str
    kind: str
    origin: str
    case_refs: tuple[str, ...]
    submitted_us: int
    status: str = "pending"
    end_us: int | None = None
    channel: str | None = None
    reason: str | None = None
    hint: str = ""
    delay_us: dict[str, int] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    pool: str | None = None
    """The translation pool that handled it, if any."""
    translation_side: str = "recipient"
    holders: list[str] = field(default_factory=list)
    """The disruptions that held it."""

    @property
    def total_us(self) -> int:
        """Delivered minus submitted (0 until delivered)."""
        return self.delay_us.get("total", 0)


@dataclass(frozen=True)
class Window:
    """A disruption in force, from its start to its heal (None: not healed)."""

    disruption_id: str
    type: str
    start_us: int
    end_us: int | None
    pools: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueuePoint:
    """A pool's jobs at the end of an instant."""

    t_us: int
    waiting: int
    in_service: int


@dataclass
class Timeline:
    """Everything the report reads from the records, once."""

    calendar: Calendar
    end_us: int
    """The exercise time of the last record."""
    sealed: bool
    scenario: dict[str, Any]
    """The scenario's canonical form, as `exercise_started` holds it."""
    paths: list[Delivery]
    windows: list[Window]
    queues: dict[str, list[QueuePoint]]
    jumps: list[tuple[int, int]]
    _countries: dict[str, str] | None = field(default=None, repr=False)

    def country(self, agency_id: str) -> str | None:
        """The agency's country; None for exercise control, the bus and unknown ids."""
        if self._countries is None:
            self._countries = {
                str(agency["id"]): str(agency["country"])
                for agency in self.scenario.get("agency", [])
            }
        return self._countries.get(agency_id)

    def pool(self, pool_id: str) -> dict[str, Any]:
        """The scenario's translation pool (empty when unknown)."""
        for pool in self.scenario.get("translation_pool", []):
            if pool["id"] == pool_id:
                return dict(pool)
        return {}

    def play_hours(self, t_us: int) -> float:
        """An exercise time as hours of play since STARTEX (jumps pass at once)."""
        return self.calendar.play_us(t_us) / 3_600_000_000


def timeline_of(records: Iterable[Record]) -> Timeline:
    """Read the records once, in order."""
    startex = ""
    scenario: dict[str, Any] = {}
    sealed = False
    end_us = 0
    jumps: list[tuple[int, int]] = []
    envelopes: dict[str, tuple[dict[str, Any], str, int]] = {}
    paths: dict[tuple[str, str], Delivery] = {}
    open_spans: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    windows: dict[str, Window] = {}
    queues: dict[str, list[QueuePoint]] = {}
    counts: dict[str, tuple[int, int]] = {}
    for record in records:
        end_us = record.t_us
        data = record.data
        key = (str(record.envelope_id), str(record.recipient))
        path = paths.get(key)
        if record.kind == "exercise_started":
            startex = str(data["startex"])
            scenario = dict(data["scenario"]["canonical"])
        elif record.kind == "exercise_ended":
            sealed = True
        elif record.kind == "clock_jump":
            jumps.append((int(data["at_us"]), int(data["by_us"])))
        elif record.kind == "envelope_submitted":
            envelopes[str(record.envelope_id)] = (data["envelope"], record.origin, record.t_us)
        elif record.kind == "delivery_created":
            envelope, origin, submitted_us = envelopes[key[0]]
            paths[key] = Delivery(
                envelope_id=key[0],
                recipient=key[1],
                sender=str(envelope["sender"]),
                kind=str(data["kind"]),
                origin=origin,
                case_refs=tuple(envelope.get("case_refs") or ()),
                submitted_us=submitted_us,
            )
        elif path is None:
            if record.kind == "disruption_started":
                windows[str(record.disruption_id)] = Window(
                    str(record.disruption_id), str(data["type"]), record.t_us, None
                )
            elif record.kind == "disruption_effect" and record.pool_id:
                _add_pool(windows, str(record.disruption_id), record.pool_id)
            elif record.kind == "disruption_healed" and record.disruption_id in windows:
                window = windows[str(record.disruption_id)]
                windows[window.disruption_id] = Window(
                    window.disruption_id, window.type, window.start_us, record.t_us, window.pools
                )
            continue
        else:
            _follow(record, path, open_spans)
        if record.pool_id and record.kind.startswith("translation_"):
            _count(record, counts, queues)
    for (envelope_id, recipient, part), (start_us, lane, cause) in open_spans.items():
        paths[(envelope_id, recipient)].spans.append(Span(part, lane, start_us, None, cause))
    return Timeline(
        calendar=Calendar.of(startex, jumps),
        end_us=end_us,
        sealed=sealed,
        scenario=scenario,
        paths=list(paths.values()),
        windows=sorted(windows.values(), key=lambda w: (w.start_us, w.disruption_id)),
        queues=queues,
        jumps=jumps,
    )


def _follow(
    record: Record,
    path: Delivery,
    open_spans: dict[tuple[str, str, str], tuple[int, str, str]],
) -> None:
    """One record about a delivery: note its channel, its waits and its end."""
    data = record.data
    key = (path.envelope_id, path.recipient)
    if record.kind == "channel_resolved":
        path.channel = str(data["channel"])
    elif record.kind == "barrier_decision" and data["outcome"] == "translate":
        path.translation_side = str(data.get("side") or "recipient")
    elif record.kind == "translation_queued":
        path.pool = str(record.pool_id)
        lane = path.sender if path.translation_side == "sender" else path.recipient
        open_spans[(*key, "translation_wait")] = (record.t_us, lane, path.pool)
    elif record.kind == "translation_started":
        _close(open_spans, path, "translation_wait", record.t_us)
        lane = path.sender if path.translation_side == "sender" else path.recipient
        open_spans[(*key, "translation_service")] = (record.t_us, lane, str(record.pool_id))
    elif record.kind == "translation_finished":
        _close(open_spans, path, "translation_service", record.t_us)
    elif record.kind == "delivery_held":
        path.holders.append(str(record.disruption_id))
        lane = path.sender if data.get("at") == "submission" else path.recipient
        open_spans[(*key, "outage_hold")] = (record.t_us, lane, str(record.disruption_id))
    elif record.kind == "delivery_released":
        _close(open_spans, path, "outage_hold", record.t_us)
    elif record.kind in ENDED:
        path.status = record.kind
        path.end_us = record.t_us
        if record.kind == "delivered":
            delivery = data["delivery"]
            path.channel = delivery.get("channel") or path.channel
            parts = {name: int(us) for name, us in delivery["delay_us"].items()}
            parts["total"] = int(delivery["delivered_us"]) - int(delivery["submitted_us"])
            path.delay_us = parts
        elif record.kind == "rejected":
            path.reason = str(data["reason"])
            path.hint = str(data.get("hint") or "")
        else:
            path.reason = str(data.get("stage") or "")


def _close(
    open_spans: dict[tuple[str, str, str], tuple[int, str, str]],
    path: Delivery,
    part: str,
    end_us: int,
) -> None:
    """End a wait that was under way."""
    opened = open_spans.pop((path.envelope_id, path.recipient, part), None)
    if opened is not None:
        start_us, lane, cause = opened
        path.spans.append(Span(part, lane, start_us, end_us, cause))


def _count(
    record: Record,
    counts: dict[str, tuple[int, int]],
    queues: dict[str, list[QueuePoint]],
) -> None:
    """A pool's waiting and in-service jobs after a translation record."""
    pool = str(record.pool_id)
    waiting, in_service = counts.get(pool, (0, 0))
    if record.kind == "translation_queued":
        waiting += 1
    elif record.kind == "translation_started":
        waiting, in_service = waiting - 1, in_service + 1
    elif record.kind == "translation_finished":
        in_service -= 1
    counts[pool] = (waiting, in_service)
    series = queues.setdefault(pool, [QueuePoint(0, 0, 0)])
    if series[-1].t_us == record.t_us:
        series.pop()
    series.append(QueuePoint(record.t_us, waiting, in_service))


def _add_pool(windows: dict[str, Window], disruption_id: str, pool: str) -> None:
    """Note that a disruption changed a pool."""
    window = windows.get(disruption_id)
    if window is not None and pool not in window.pools:
        windows[disruption_id] = Window(
            window.disruption_id,
            window.type,
            window.start_us,
            window.end_us,
            (*window.pools, pool),
        )
