"""The metrics document (SPEC §12), computed from the event log and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, get_args

import msgspec

from protocols.vocab import BusReason, RefusalReason
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record
from trafsim_bus.timebase import SECOND

METRICS_VERSION: Final = 1
ENVELOPE_REASONS: Final[tuple[str, ...]] = get_args(RefusalReason)
DELIVERY_REASONS: Final[tuple[str, ...]] = get_args(BusReason)
DELAY_PARTS: Final = (
    "channel_latency",
    "translation_wait",
    "translation_service",
    "outage_hold",
    "other",
)
_TERMINAL: Final = ("delivered", "rejected", "dropped")


def summary(values: list[float]) -> dict[str, float | int | None]:
    """`{count, mean, p50, p90, max}`; percentiles by linear interpolation at (n-1)*p."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "mean": sum(ordered) / len(ordered),
        "p50": _percentile(ordered, 0.5),
        "p90": _percentile(ordered, 0.9),
        "max": ordered[-1],
    }


def _percentile(ordered: list[float], p: float) -> float:
    position = (len(ordered) - 1) * p
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _counters() -> dict[str, int]:
    return {
        "submitted": 0,
        "deliveries": 0,
        "delivered": 0,
        "rejected": 0,
        "dropped": 0,
        "pending": 0,
    }


class _Accumulator:
    """One pass over the records."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.messages = _counters()
        self.refused = dict.fromkeys(ENVELOPE_REASONS, 0)
        self.rejected_by_reason = dict.fromkeys(DELIVERY_REASONS, 0)
        self.by_type: dict[str, dict[str, int]] = {}
        self.by_origin: dict[str, dict[str, int]] = {}
        self.delays: dict[str, list[float]] = {part: [] for part in ("total", *DELAY_PARTS)}
        self.pools: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.envelope_type: dict[str, tuple[str, str]] = {}
        self.delivery_state: dict[str, str] = {}
        self.waiting: dict[str, dict[str, int]] = {}
        self.end_us = 0

    def count(self, envelope_id: str, field: str) -> None:
        kind, origin = self.envelope_type[envelope_id]
        self.messages[field] += 1
        self.by_type.setdefault(kind, _counters())[field] += 1
        self.by_origin.setdefault(origin, _counters())[field] += 1

    def channel(self, channel_id: str) -> dict[str, Any]:
        return self.channels.setdefault(channel_id, {"delivered": 0, "rejected": 0, "latency": []})

    def pool(self, pool_id: str) -> dict[str, Any]:
        return self.pools.setdefault(
            pool_id, {"servers": 0, "served": 0, "wait": [], "service": [], "max_queue": 0}
        )

    def note_queues(self) -> None:
        """The queues as they stood at the end of an instant (a job that starts at once
        never waited)."""
        for pool_id, waiting in self.waiting.items():
            pool = self.pool(pool_id)
            pool["max_queue"] = max(pool["max_queue"], len(waiting))

    def apply(self, record: Record) -> None:
        kind = record.kind
        if record.t_us != self.end_us:
            self.note_queues()
        self.end_us = record.t_us
        if kind == "exercise_started":
            self.head = record.data
            canonical = record.data["scenario"]["canonical"]
            for pool in canonical.get("translation_pool", []):
                self.pool(pool["id"])["servers"] = pool["servers"]
                self.waiting[pool["id"]] = {}
        elif kind == "envelope_submitted":
            envelope = record.data["envelope"]
            self.envelope_type[str(record.envelope_id)] = (envelope["body"]["kind"], record.origin)
            self.count(str(record.envelope_id), "submitted")
        elif kind == "envelope_refused":
            reason = record.data["reason"]
            if reason not in self.refused:
                raise LogError(
                    f"seq {record.seq}: {reason!r} is not an envelope-level reason "
                    f"({', '.join(ENVELOPE_REASONS)})"
                )
            self.refused[reason] += 1
        elif kind == "delivery_created":
            self.count(str(record.envelope_id), "deliveries")
            self.delivery_state[f"{record.envelope_id}:{record.recipient}"] = "pending"
        elif kind in _TERMINAL:
            self.terminal(record)
        elif kind == "translation_queued":
            waiting = self.waiting.setdefault(str(record.pool_id), {})
            waiting[f"{record.envelope_id}:{record.recipient}"] = record.t_us
        elif kind == "translation_started":
            self.waiting.setdefault(str(record.pool_id), {}).pop(
                f"{record.envelope_id}:{record.recipient}", None
            )
            pool = self.pool(str(record.pool_id))
            pool["served"] += 1
            pool["wait"].append(record.data["wait_us"] / SECOND)
            pool["service"].append(record.data["service_us"] / SECOND)

    def terminal(self, record: Record) -> None:
        key = f"{record.envelope_id}:{record.recipient}"
        self.delivery_state[key] = record.kind
        self.count(str(record.envelope_id), record.kind)
        if record.kind == "rejected":
            reason = record.data["reason"]
            if reason not in self.rejected_by_reason:
                raise LogError(
                    f"seq {record.seq}: {reason!r} is not a delivery-level reason "
                    f"({', '.join(DELIVERY_REASONS)})"
                )
            self.rejected_by_reason[reason] += 1
            channel = record.data.get("channel")
            if channel:
                self.channel(channel)["rejected"] += 1
        elif record.kind == "delivered":
            delivery = record.data["delivery"]
            delays = delivery["delay_us"]
            self.delays["total"].append(
                (delivery["delivered_us"] - delivery["submitted_us"]) / SECOND
            )
            for part in DELAY_PARTS:
                self.delays[part].append(delays[part] / SECOND)
            if delivery["channel"] is not None:
                channel = self.channel(delivery["channel"])
                channel["delivered"] += 1
                channel["latency"].append(delays["channel_latency"] / SECOND)

    def document(self) -> dict[str, Any]:
        self.note_queues()
        pending = [key for key, state in self.delivery_state.items() if state == "pending"]
        for key in pending:
            envelope_id = key.split(":", 1)[0]
            self.count(envelope_id, "pending")
        scenario = self.head.get("scenario", {})
        pools = {}
        for pool_id, pool in self.pools.items():
            waiting = self.waiting.get(pool_id, {})
            pools[pool_id] = {
                "servers": pool["servers"],
                "served": pool["served"],
                "wait_s": summary(pool["wait"]),
                "service_s": summary(pool["service"]),
                "max_queue": pool["max_queue"],
                "queued_at_end": len(waiting),
                "oldest_queued_s": (self.end_us - min(waiting.values())) / SECOND
                if waiting
                else None,
            }
        messages: dict[str, Any] = dict(self.messages)
        messages["refused"] = sum(self.refused.values())
        messages["refused_by_reason"] = self.refused
        messages["rejected_by_reason"] = self.rejected_by_reason
        messages["by_type"] = self.by_type
        messages["by_origin"] = self.by_origin
        return {
            "metrics_version": METRICS_VERSION,
            "exercise_id": self.head.get("exercise_id"),
            "scenario": {"name": scenario.get("name"), "sha256": scenario.get("sha256")},
            "seed": self.head.get("seed"),
            "exercise_end_s": self.end_us / SECOND,
            "messages": messages,
            "delay_s": {part: summary(values) for part, values in self.delays.items()},
            "translation_pools": pools,
            "channels": {
                channel_id: {
                    "delivered": channel["delivered"],
                    "rejected": channel["rejected"],
                    "latency_s": summary(channel["latency"]),
                }
                for channel_id, channel in self.channels.items()
            },
        }


def compute_metrics(records: Iterable[Record], head: tuple[int, str]) -> dict[str, Any]:
    """The metrics document of a log's records; `head` is the (seq, sha256) of the log."""
    accumulator = _Accumulator()
    for record in records:
        accumulator.apply(record)
    document = accumulator.document()
    document["log_head"] = {"seq": head[0], "sha256": head[1]}
    return document


def encode_metrics(document: dict[str, Any]) -> bytes:
    """The JSON bytes `--json` prints: keys sorted, indented, a trailing newline."""
    return msgspec.json.format(msgspec.json.encode(document, order="sorted"), indent=2) + b"\n"
