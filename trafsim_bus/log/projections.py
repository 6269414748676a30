"""Query tables derived from the events: envelopes, case references, deliveries.

The writer keeps them in the same transaction as the events; `verify` rebuilds them from
the events and compares."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from trafsim_bus.log.records import Record

ENVELOPE_COLUMNS: Final = (
    "envelope_id",
    "seq",
    "t_us",
    "origin",
    "sender",
    "kind",
    "language",
    "recipients",
)
CASE_COLUMNS: Final = ("envelope_id", "case_ref")
DELIVERY_COLUMNS: Final = (
    "envelope_id",
    "recipient",
    "created_seq",
    "created_us",
    "channel",
    "status",
    "reason",
    "final_seq",
    "delivered_us",
)

Row = tuple[Any, ...]
_PROJECTED: Final = frozenset(
    (
        "envelope_submitted",
        "delivery_created",
        "channel_resolved",
        "delivered",
        "rejected",
        "dropped",
    )
)
"""The kinds of record a projection row comes from."""


class Projector:
    """Folds records into the projection rows, remembering which rows changed."""

    __slots__ = (
        "cases",
        "deliveries",
        "dirty_deliveries",
        "envelopes",
        "new_cases",
        "new_envelopes",
    )

    def __init__(self) -> None:
        self.envelopes: dict[str, Row] = {}
        self.cases: list[Row] = []
        self.deliveries: dict[tuple[str, str], list[Any]] = {}
        self.new_envelopes: list[Row] = []
        self.new_cases: list[Row] = []
        self.dirty_deliveries: dict[tuple[str, str], None] = {}

    def apply(self, record: Record) -> None:
        """Update the rows a record touches."""
        kind = record.kind
        if kind not in _PROJECTED:
            return
        if kind == "envelope_submitted":
            envelope = record.data["envelope"]
            row = (
                record.envelope_id,
                record.seq,
                record.t_us,
                record.origin,
                envelope["sender"],
                envelope["body"]["kind"],
                envelope["language"],
                msgspec.json.encode(envelope["recipients"]).decode(),
            )
            self.envelopes[str(record.envelope_id)] = row
            self.new_envelopes.append(row)
            for case_ref in dict.fromkeys(envelope.get("case_refs", [])):
                case_row = (record.envelope_id, case_ref)
                self.cases.append(case_row)
                self.new_cases.append(case_row)
            return
        if record.envelope_id is None or record.recipient is None:
            return
        key = (record.envelope_id, record.recipient)
        if kind == "delivery_created":
            self.deliveries[key] = [
                *key,
                record.seq,
                record.t_us,
                None,
                "pending",
                None,
                None,
                None,
            ]
        elif kind == "channel_resolved":
            self.deliveries[key][4] = record.data["channel"]
        elif kind in ("delivered", "rejected", "dropped"):
            delivery = self.deliveries[key]
            delivery[5] = kind
            delivery[6] = record.data.get("reason")
            delivery[7] = record.seq
            if kind == "delivered":
                delivery[4] = record.data["delivery"]["channel"]
                delivery[8] = record.t_us
        else:
            return
        self.dirty_deliveries[key] = None

    def changes(self) -> tuple[list[Row], list[Row], list[Row]]:
        """(new envelope rows, new case rows, changed delivery rows) since the last
        `committed()`: a commit that fails keeps them for the next try."""
        deliveries = [tuple(self.deliveries[key]) for key in self.dirty_deliveries]
        return list(self.new_envelopes), list(self.new_cases), deliveries

    def committed(self) -> None:
        """The changes are in the file: start afresh."""
        self.new_envelopes = []
        self.new_cases = []
        self.dirty_deliveries = {}

    def tables(self) -> dict[str, dict[tuple[Any, ...], Row]]:
        """Every row of every projection by primary key, to compare with the stored tables."""
        return {
            "envelopes": {(row[0],): row for row in self.envelopes.values()},
            "case_refs": {row: row for row in self.cases},
            "deliveries": {key: tuple(row) for key, row in self.deliveries.items()},
        }

    def seq_of(self, table: str, key: tuple[Any, ...]) -> int | None:
        """The seq of the event behind a projection row, to name it in a report."""
        if table == "deliveries" and key in self.deliveries:
            return int(self.deliveries[key][2])
        envelope = self.envelopes.get(str(key[0]))
        return int(envelope[1]) if envelope else None


PRIMARY_KEYS: Final = {"envelopes": 1, "case_refs": 2, "deliveries": 2}
"""How many leading columns of each projection form its primary key."""
COLUMNS_OF: Final = {
    "envelopes": ENVELOPE_COLUMNS,
    "case_refs": CASE_COLUMNS,
    "deliveries": DELIVERY_COLUMNS,
}
