"""A re-simulation against its log: the first record where they part (divergence), and
the team inputs left orphaned (answering or reading a message not yet received)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from trafsim_bus.log.records import COLUMNS, Record, canonical

ABSENT: Any = None
"""How a field or record missing on one side is shown (JSON null)."""


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first difference: the seq, the field inside the record (`kind`,
    `data.delay_us`, `data.envelope.recipients.0`), and the log's and the
    re-simulation's values there (`ABSENT` where one side has none)."""

    seq: int
    field: str
    expected: Any
    actual: Any

    def document(self) -> dict[str, Any]:
        """As `--json` shows it."""
        return {
            "seq": self.seq,
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True, slots=True)
class Orphan:
    """A recorded team input whose message its agency had received in the log but had
    not, at that exercise time, in the re-simulation."""

    seq: int
    t_us: int
    agency: str
    action: str
    """`reply` (its `in_reply_to` names the message) or `read`."""
    message: str
    received_us: int | None
    """When the re-simulation delivered the message to the agency (None: never)."""


def first_divergence(
    logged: Sequence[Record], again: Sequence[Record], *, from_seq: int = 1
) -> Divergence | None:
    """Where `again` first differs from `logged`, from `from_seq` on (seq 0 holds the
    scenario itself, which a what-if changes on purpose); None when they are the same.
    Records are compared as the hash chain sees them (their canonical bytes)."""
    for theirs, mine in zip(logged, again, strict=False):
        if theirs.seq < from_seq:
            continue
        if canonical(theirs) != canonical(mine):
            return _field_difference(theirs, mine)
    if len(logged) != len(again):
        shorter = min(len(logged), len(again))
        extra = logged[shorter] if len(logged) > shorter else again[shorter]
        return Divergence(
            extra.seq,
            "kind",
            logged[shorter].kind if len(logged) > shorter else ABSENT,
            again[shorter].kind if len(again) > shorter else ABSENT,
        )
    return None


def _field_difference(theirs: Record, mine: Record) -> Divergence:
    """The first field, in column order and then by sorted key, where two records differ."""
    expected = msgspec.to_builtins(theirs)
    actual = msgspec.to_builtins(mine)
    for column in COLUMNS:
        found = next(
            _differences(expected.get(column, ABSENT), actual.get(column, ABSENT), column), None
        )
        if found is not None:
            return Divergence(theirs.seq, *found)
    raise ValueError(f"seq {theirs.seq}: the records differ in no column")


def _differences(expected: Any, actual: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, expected, actual) for each leaf where two values differ, in order."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            yield from _differences(
                expected.get(key, ABSENT), actual.get(key, ABSENT), f"{path}.{key}"
            )
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            yield from _differences(one, other, f"{path}.{index}")
    elif expected != actual or type(expected) is not type(actual):
        yield (path, expected, actual)


def orphaned_inputs(logged: Sequence[Record], again: Sequence[Record]) -> list[Orphan]:
    """The team inputs of `logged` (replies by `in_reply_to`, and reads) whose message
    their agency had received by then in the log, but not in the re-simulation `again`."""
    before = _deliveries(logged)
    after = _deliveries(again)
    orphans: list[Orphan] = []
    for record in logged:
        if record.origin != "team" or record.cause_seq is not None:
            continue
        if record.kind == "envelope_submitted":
            envelope = record.data.get("envelope", {})
            message = envelope.get("in_reply_to")
            agency = record.data.get("agency")
            action = "reply"
        elif record.kind == "message_read":
            message, agency, action = record.envelope_id, record.recipient, "read"
        else:
            continue
        if not isinstance(message, str) or not isinstance(agency, str):
            continue
        received = before.get((message, agency))
        if received is None or received > record.t_us:
            continue
        now = after.get((message, agency))
        if now is None or now > record.t_us:
            orphans.append(Orphan(record.seq, record.t_us, agency, action, message, now))
    return orphans


def _deliveries(records: Sequence[Record]) -> dict[tuple[str, str], int]:
    """(envelope id, recipient) → when it was delivered."""
    found: dict[tuple[str, str], int] = {}
    for record in records:
        if record.kind == "delivered" and record.envelope_id and record.recipient:
            found.setdefault((record.envelope_id, record.recipient), record.t_us)
    return found
