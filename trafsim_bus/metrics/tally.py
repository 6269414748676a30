"""Message counters and delays over a set of envelopes: the `messages` and `delay_s` parts
of the metrics document (all traffic, and case traffic alone)."""

from __future__ import annotations

from array import array
from typing import Any, Final, get_args

from protocols.vocab import BusReason, RefusalReason
from trafsim_bus.metrics.summary import summary
from trafsim_bus.timebase import SECOND

ENVELOPE_REASONS: Final[tuple[str, ...]] = get_args(RefusalReason)
DELIVERY_REASONS: Final[tuple[str, ...]] = get_args(BusReason)
DELAY_PARTS: Final = (
    "channel_latency",
    "translation_wait",
    "translation_service",
    "outage_hold",
    "office_hours_wait",
    "other",
)
COUNTERS: Final = ("submitted", "deliveries", "delivered", "rejected", "dropped", "pending")


def counters() -> dict[str, int]:
    """A fresh set of counters."""
    return dict.fromkeys(COUNTERS, 0)


class Tally:
    """Counters (by type and origin too), rejections by reason and delay parts."""

    def __init__(self) -> None:
        self.messages = counters()
        self.refused = dict.fromkeys(ENVELOPE_REASONS, 0)
        self.rejected_by_reason = dict.fromkeys(DELIVERY_REASONS, 0)
        self.by_type: dict[str, dict[str, int]] = {}
        self.by_origin: dict[str, dict[str, int]] = {}
        self.delays: dict[str, array[float]] = {
            part: array("d") for part in ("total", *DELAY_PARTS)
        }

    def count(self, kind: str, origin: str, field: str) -> None:
        """One more envelope, delivery or ending of `kind` and `origin`."""
        self.messages[field] += 1
        by_type = self.by_type.get(kind)
        if by_type is None:
            by_type = self.by_type[kind] = counters()
        by_type[field] += 1
        by_origin = self.by_origin.get(origin)
        if by_origin is None:
            by_origin = self.by_origin[origin] = counters()
        by_origin[field] += 1

    def delivered(self, delivery: dict[str, Any]) -> None:
        """The delay parts of a delivery made (every part, zeros included)."""
        delays = delivery["delay_us"]
        self.delays["total"].append((delivery["delivered_us"] - delivery["submitted_us"]) / SECOND)
        for part in DELAY_PARTS:
            self.delays[part].append(delays[part] / SECOND)

    def messages_document(self, *, with_refused: bool) -> dict[str, Any]:
        """The `messages` part (`refused` only where refusals belong to the set)."""
        messages: dict[str, Any] = dict(self.messages)
        if with_refused:
            messages["refused"] = sum(self.refused.values())
            messages["refused_by_reason"] = self.refused
        messages["rejected_by_reason"] = self.rejected_by_reason
        messages["by_type"] = self.by_type
        messages["by_origin"] = self.by_origin
        return messages

    def delays_document(self) -> dict[str, Any]:
        """The `delay_s` part."""
        return {part: summary(values) for part, values in self.delays.items()}
