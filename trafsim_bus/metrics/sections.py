"""Sections of the metrics document, each folded from the records it needs: translation
pools, channels, disruptions, interpretation, and what is still pending at the end."""

from __future__ import annotations

from array import array
from datetime import datetime, timedelta
from typing import Any, ClassVar

from trafsim_bus.log.records import Record
from trafsim_bus.metrics.summary import summary
from trafsim_bus.timebase import SECOND

Key = tuple[str | None, str | None]


def delivery_key(record: Record) -> Key:
    """The delivery a record is about."""
    return (record.envelope_id, record.recipient)


class Pools:
    """`translation_pools.<id>`: translators, jobs served, waits, queues."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("translation_queued", "translation_started"))

    def __init__(self) -> None:
        self.pools: dict[str, dict[str, Any]] = {}
        self.waiting: dict[str, dict[Key, int]] = {}
        self.grown: set[str] = set()
        self.end_us = 0

    def pool(self, pool_id: str) -> dict[str, Any]:
        """A pool's running figures."""
        return self.pools.setdefault(
            pool_id,
            {
                "servers": 0,
                "served": 0,
                "wait": array("d"),
                "service": array("d"),
                "max_queue": 0,
            },
        )

    def start(self, canonical: dict[str, Any]) -> None:
        """The scenario's pools, with their translators."""
        for pool in canonical.get("translation_pool", []):
            self.pool(pool["id"])["servers"] = pool["servers"]
            self.waiting[pool["id"]] = {}

    def note_queues(self) -> None:
        """The queues as they stood at the end of an instant (a job that starts at once
        never waited); only a queue that grew in it can have reached a new longest."""
        for pool_id in self.grown:
            pool = self.pool(pool_id)
            pool["max_queue"] = max(pool["max_queue"], len(self.waiting[pool_id]))
        self.grown.clear()

    def apply(self, record: Record) -> None:
        """Fold one record."""
        if record.t_us != self.end_us:
            if self.grown:
                self.note_queues()
            self.end_us = record.t_us
        if record.kind == "translation_queued":
            pool_id = str(record.pool_id)
            self.waiting.setdefault(pool_id, {})[delivery_key(record)] = record.t_us
            self.grown.add(pool_id)
        elif record.kind == "translation_started":
            self.waiting.setdefault(str(record.pool_id), {}).pop(delivery_key(record), None)
            pool = self.pool(str(record.pool_id))
            pool["served"] += 1
            pool["wait"].append(record.data["wait_us"] / SECOND)
            pool["service"].append(record.data["service_us"] / SECOND)

    def document(self, end_us: int) -> dict[str, Any]:
        """The section, at the log's last time `end_us`."""
        self.note_queues()
        self.end_us = end_us
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
        return pools


class Channels:
    """`channels.<id>`: deliveries made and refused, and the channel's latency."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("rejected", "delivered"))

    def __init__(self) -> None:
        self.channels: dict[str, dict[str, Any]] = {}

    def channel(self, channel_id: str) -> dict[str, Any]:
        """A channel's running figures."""
        return self.channels.setdefault(
            channel_id, {"delivered": 0, "rejected": 0, "latency": array("d")}
        )

    def apply(self, record: Record) -> None:
        """Fold one record."""
        if record.kind == "rejected" and record.data.get("channel"):
            self.channel(record.data["channel"])["rejected"] += 1
        elif record.kind == "delivered":
            delivery = record.data["delivery"]
            if delivery["channel"] is not None:
                channel = self.channel(delivery["channel"])
                channel["delivered"] += 1
                channel["latency"].append(delivery["delay_us"]["channel_latency"] / SECOND)

    def document(self) -> dict[str, Any]:
        """The section."""
        return {
            channel_id: {
                "delivered": channel["delivered"],
                "rejected": channel["rejected"],
                "latency_s": summary(channel["latency"]),
            }
            for channel_id, channel in self.channels.items()
        }


class Disruptions:
    """`disruptions.<id>`: when each was in force and what it did to deliveries."""

    KINDS: ClassVar[frozenset[str]] = frozenset(
        (
            "barrier_decision",
            "disruption_started",
            "disruption_healed",
            "disruption_effect",
            "delivery_held",
            "delivery_released",
            "rejected",
            "dropped",
        )
    )

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def item(self, disruption_id: str) -> dict[str, Any]:
        """A disruption's running figures."""
        return self.items.setdefault(
            disruption_id,
            {
                "type": None,
                "started_s": None,
                "healed_s": None,
                "hit": set(),
                "held": 0,
                "released": 0,
                "rejected": 0,
                "dropped": 0,
                "added_us": 0,
            },
        )

    def apply(self, record: Record) -> None:
        """Fold one record."""
        kind = record.kind
        if kind == "barrier_decision":
            if record.data["stage"] == "latency" and record.data.get("factors"):
                self._multiplied(record)
            return
        if record.disruption_id is None:
            return
        item = self.item(record.disruption_id)
        if kind == "disruption_started":
            item["started_s"] = record.t_us / SECOND
            item["type"] = record.data["type"]
        elif kind == "disruption_healed":
            item["healed_s"] = record.t_us / SECOND
        elif kind in ("disruption_effect", "delivery_held", "rejected", "dropped"):
            if record.envelope_id is not None:
                item["hit"].add(delivery_key(record))
            if kind != "disruption_effect":
                item[kind.removeprefix("delivery_")] += 1
        elif kind == "delivery_released":
            item["released"] += 1
            item["added_us"] += record.data["held_us"]

    def _multiplied(self, record: Record) -> None:
        """A latency drawn under multipliers: each adds what its factor added, in turn."""
        latency = record.data["base_us"]
        for disruption_id, factor in record.data["factors"]:
            multiplied = round(latency * factor)
            item = self.item(disruption_id)
            item["added_us"] += multiplied - latency
            item["hit"].add(delivery_key(record))
            latency = multiplied

    def document(self) -> dict[str, Any]:
        """The section."""
        return {
            disruption_id: {
                "type": item["type"],
                "started_s": item["started_s"],
                "healed_s": item["healed_s"],
                "deliveries_hit": len(item["hit"]),
                "held": item["held"],
                "released": item["released"],
                "rejected": item["rejected"],
                "dropped": item["dropped"],
                "added_delay_s": item["added_us"] / SECOND,
            }
            for disruption_id, item in self.items.items()
        }


class Interpretation:
    """`interpretation.<service agency>`: requests for interpreters and how long each
    waited: the answer's `available_from` minus the request's submission."""

    KINDS: ClassVar[frozenset[str]] = frozenset(("envelope_submitted",))

    def __init__(self) -> None:
        self.startex: datetime | None = None
        self.services: set[str] = set()
        self.requests: dict[str, int] = {}
        self.asked: dict[tuple[str, str], int] = {}
        self.answered: dict[str, int] = {}
        self.waits: dict[str, list[float]] = {}

    def start(self, startex: str, canonical: dict[str, Any]) -> None:
        """STARTEX and the interpretation services of the scenario."""
        self.startex = datetime.fromisoformat(startex)
        for agency in canonical.get("agency", []):
            if agency["kind"] == "interpretation_service":
                self.services.add(agency["id"])
                self.requests[agency["id"]] = 0

    def apply(self, record: Record) -> None:
        """Fold one `envelope_submitted`."""
        if record.kind != "envelope_submitted" or self.startex is None:
            return
        envelope = record.data["envelope"]
        body = envelope["body"]
        if body["kind"] == "translation_request":
            for recipient in envelope["recipients"]:
                if recipient in self.services:
                    self.requests[recipient] += 1
                    self.asked[(envelope["id"], recipient)] = record.t_us
        elif body["kind"] == "translation_delivery":
            question = (envelope.get("in_reply_to"), envelope["sender"])
            asked = self.asked.pop(question, None)
            if asked is None:
                return
            service = envelope["sender"]
            self.answered[service] = self.answered.get(service, 0) + 1
            if body.get("available_from"):
                available = datetime.fromisoformat(body["available_from"])
                requested = self.startex + timedelta(microseconds=asked)
                self.waits.setdefault(service, []).append((available - requested).total_seconds())

    def document(self) -> dict[str, Any]:
        """The section."""
        return {
            service: {
                "requests": requests,
                "answered": self.answered.get(service, 0),
                "wait_s": summary(self.waits.get(service, [])),
            }
            for service, requests in sorted(self.requests.items())
        }


STAGES = ("in_transit", "queued", "in_service", "held", "office_closed")


class Pending:
    """`pending_at_end`: where the deliveries still under way stand at the log's end."""

    KINDS: ClassVar[frozenset[str]] = frozenset(
        (
            "delivery_created",
            "delivered",
            "rejected",
            "dropped",
            "translation_queued",
            "translation_started",
            "translation_finished",
            "delivery_released",
            "delivery_held",
            "barrier_decision",
        )
    )

    def __init__(self) -> None:
        self.stage: dict[Key, str] = {}

    def apply(self, record: Record) -> None:
        """Fold one record."""
        kind = record.kind
        key = delivery_key(record)
        if kind == "delivery_created":
            self.stage[key] = "in_transit"
        elif kind in ("delivered", "rejected", "dropped"):
            self.stage.pop(key, None)
        elif kind == "translation_queued":
            self.stage[key] = "queued"
        elif kind == "translation_started":
            self.stage[key] = "in_service"
        elif kind in ("translation_finished", "delivery_released"):
            self.stage[key] = "in_transit"
        elif kind == "delivery_held":
            self.stage[key] = "held"
        elif (
            kind == "barrier_decision"
            and record.data["stage"] == "office_hours"
            and record.data["outcome"] != "open"
        ):
            self.stage[key] = "office_closed"

    def document(self) -> dict[str, int]:
        """The section."""
        counts = dict.fromkeys(STAGES, 0)
        for stage in self.stage.values():
            counts[stage] += 1
        return counts
