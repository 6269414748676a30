"""Query tables derived from the events: envelopes, case references, deliveries.

The writer keeps them in the same transaction as the events; `verify` rebuilds them from
the events and compares."""

from __future__ import annotations

from collections.abc import Callable
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
    """Folds records into the projection rows, remembering which rows changed.

    With `keep` it holds every row (to name the one that differs); without, only the
    deliveries still under way and what is not yet committed: a row that can no longer
    change is handed to `on_final` and forgotten once committed, so memory stays with
    the open deliveries however long the log."""

    __slots__ = (
        "cases",
        "changing",
        "deliveries",
        "dirty_deliveries",
        "envelopes",
        "finished",
        "keep",
        "late",
        "new_cases",
        "new_envelopes",
        "on_final",
    )

    def __init__(
        self,
        *,
        keep: bool = True,
        on_final: Callable[[str, Row], None] | None = None,
        changing: bool = True,
    ) -> None:
        """`changing`: remember what changed since the last commit (a writer does; a
        reader checking the rows does not)."""
        self.keep = keep
        self.on_final = on_final
        self.changing = changing
        self.envelopes: dict[str, Row] = {}
        self.cases: list[Row] = []
        self.deliveries: dict[tuple[str, str], list[Any]] = {}
        self.new_envelopes: list[Row] = []
        self.new_cases: list[Row] = []
        self.dirty_deliveries: dict[tuple[str, str], None] = {}
        self.finished: dict[tuple[str, str], Row] = {}
        self.late: int | None = None
        """The seq of the first record about a delivery never created (or, without
        `keep`, one that had ended): no valid log has one."""

    def apply(self, record: Record) -> None:
        """Update the rows a record touches."""
        kind = record.kind
        if kind not in _PROJECTED:
            return
        if kind == "envelope_submitted":
            self._submitted(record)
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
            self.dirty_deliveries[key] = None
            return
        delivery = self.deliveries.get(key)
        if delivery is None:
            if self.late is None:
                self.late = record.seq
            return
        if kind == "channel_resolved":
            delivery[4] = record.data["channel"]
        else:
            delivery[5] = kind
            delivery[6] = record.data.get("reason")
            delivery[7] = record.seq
            if kind == "delivered":
                delivery[4] = record.data["delivery"]["channel"]
                delivery[8] = record.t_us
            if not self.keep:
                row = tuple(self.deliveries.pop(key))
                if self.changing:
                    self.finished[key] = row
                    self.dirty_deliveries.pop(key, None)
                if self.on_final is not None:
                    self.on_final("deliveries", row)
                return
        if self.changing:
            self.dirty_deliveries[key] = None

    def _submitted(self, record: Record) -> None:
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
        if self.changing:
            self.new_envelopes.append(row)
        if self.keep:
            self.envelopes[str(record.envelope_id)] = row
        if self.on_final is not None:
            self.on_final("envelopes", row)
        for case_ref in dict.fromkeys(envelope.get("case_refs", [])):
            case_row = (record.envelope_id, case_ref)
            if self.changing:
                self.new_cases.append(case_row)
            if self.keep:
                self.cases.append(case_row)
            if self.on_final is not None:
                self.on_final("case_refs", case_row)

    def changes(self) -> tuple[list[Row], list[Row], list[Row]]:
        """(new envelope rows, new case rows, changed delivery rows) since the last
        `committed()`: a commit that fails keeps them for the next try."""
        deliveries = [tuple(self.deliveries[key]) for key in self.dirty_deliveries]
        deliveries.extend(self.finished.values())
        return list(self.new_envelopes), list(self.new_cases), deliveries

    def committed(self) -> None:
        """The changes are in the file: start afresh."""
        self.new_envelopes = []
        self.new_cases = []
        self.dirty_deliveries = {}
        self.finished = {}

    def finish(self) -> None:
        """The end of the records: the deliveries still under way are final as they are."""
        if self.on_final is not None:
            for delivery in self.deliveries.values():
                self.on_final("deliveries", tuple(delivery))

    def tables(self) -> dict[str, dict[tuple[Any, ...], Row]]:
        """Every row of every projection by primary key, to compare with the stored tables
        (with `keep`)."""
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
