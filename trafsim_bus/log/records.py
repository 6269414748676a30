"""Event log records: one append-only row per state change, chained by hash (SPEC §11)."""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

import msgspec

LOG_FORMAT_VERSION: Final = 1

Origin = Literal["team", "controller", "inject", "playbook", "background", "bus", "scenario"]
ORIGINS: Final = frozenset(get_args(Origin))

RECORD_KINDS: Final[tuple[str, ...]] = (
    "exercise_started",
    "exercise_ended",
    "clock_jump",
    "envelope_submitted",
    "envelope_refused",
    "duplicate_ignored",
    "delivery_created",
    "channel_resolved",
    "barrier_decision",
    "translation_queued",
    "translation_started",
    "translation_finished",
    "delivery_held",
    "delivery_released",
    "delivered",
    "rejected",
    "dropped",
    "disruption_started",
    "disruption_effect",
    "disruption_healed",
    "inject_armed",
    "inject_matched",
    "inject_fired",
    "inject_skipped",
    "wake_scheduled",
    "wake_fired",
    "wake_cancelled",
    "send_scheduled",
    "send_cancelled",
    "send_withheld",
    "message_read",
    "control_action",
    "clock_changed",
)
"""Every kind of record, in the order docs/log-schema.md explains them."""

TRAIL_KINDS: Final = frozenset(
    {
        "delivery_created",
        "channel_resolved",
        "barrier_decision",
        "translation_queued",
        "translation_started",
        "translation_finished",
        "delivery_held",
        "delivery_released",
        "disruption_effect",
        "delivered",
        "rejected",
        "dropped",
    }
)
"""The kinds that make up one delivery's trail (they name an envelope and a recipient)."""

BARRIER_STAGES: Final[tuple[str, ...]] = (
    "admission",
    "routing",
    "consent",
    "handling",
    "language",
    "loss",
    "latency",
    "translation",
    "disruption",
    "office_hours",
    "delivery",
)

COLUMNS: Final[tuple[str, ...]] = (
    "seq",
    "t_us",
    "kind",
    "cause_seq",
    "origin",
    "envelope_id",
    "recipient",
    "disruption_id",
    "pool_id",
    "data",
)
"""The columns that the hash chain covers (everything but `wall_time` and `hash`)."""


class Record(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    """One log record, as the core emits it and the writer chains it."""

    seq: int
    t_us: int
    kind: str
    cause_seq: int | None
    origin: Origin
    envelope_id: str | None = None
    recipient: str | None = None
    disruption_id: str | None = None
    pool_id: str | None = None
    data: dict[str, Any] = {}


def canonical(record: Record) -> bytes:
    """The bytes the hash chain covers: msgspec JSON with sorted keys."""
    return msgspec.json.encode(record, order="sorted")
