"""The event log writer: one object, buffered appends, one transaction per commit."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import sqlite_utils

from trafsim_bus.errors import LogError
from trafsim_bus.log.projections import CASE_COLUMNS, DELIVERY_COLUMNS, ENVELOPE_COLUMNS, Projector
from trafsim_bus.log.records import Record, canonical

GENESIS = bytes(32)
"""The `prev_hash` of the first record."""

_INSERT_EVENT = (
    "INSERT INTO events (seq, t_us, kind, cause_seq, origin, envelope_id, recipient, "
    "disruption_id, pool_id, data, wall_time, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def wall_clock() -> str:
    """Wall time for people reading the log (outside the hash chain)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def create_tables(db: sqlite_utils.Database) -> None:
    """The events table with its append-only triggers, the projections, indexes and views."""
    db["events"].create(  # type: ignore[union-attr]
        {
            "seq": int,
            "t_us": int,
            "kind": str,
            "cause_seq": int,
            "origin": str,
            "envelope_id": str,
            "recipient": str,
            "disruption_id": str,
            "pool_id": str,
            "data": str,
            "wall_time": str,
            "hash": str,
        },
        pk="seq",
        not_null={"t_us", "kind", "origin", "data", "hash"},
    )
    db["envelopes"].create(  # type: ignore[union-attr]
        {name: (int if name in ("seq", "t_us") else str) for name in ENVELOPE_COLUMNS},
        pk="envelope_id",
    )
    db["case_refs"].create(dict.fromkeys(CASE_COLUMNS, str), pk=CASE_COLUMNS)  # type: ignore[union-attr]
    db["deliveries"].create(  # type: ignore[union-attr]
        {
            name: (
                int if name in ("created_seq", "created_us", "final_seq", "delivered_us") else str
            )
            for name in DELIVERY_COLUMNS
        },
        pk=("envelope_id", "recipient"),
    )
    db["events"].create_index(["kind"])  # type: ignore[union-attr]
    db["events"].create_index(["envelope_id"])  # type: ignore[union-attr]
    db["events"].create_index(["disruption_id"])  # type: ignore[union-attr]
    db["case_refs"].create_index(["case_ref"])  # type: ignore[union-attr]
    db["deliveries"].create_index(["status"])  # type: ignore[union-attr]
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
            "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
        )
    db.create_view(
        "barrier_trail",
        "SELECT seq, t_us, envelope_id, recipient, json_extract(data, '$.stage') AS stage, "
        "json_extract(data, '$.outcome') AS outcome, json_extract(data, '$.reason') AS reason, "
        "json_extract(data, '$.added_us') AS added_us FROM events WHERE kind = 'barrier_decision'",
    )


def event_row(record: Record, wall: str, digest: bytes) -> tuple[object, ...]:
    """The `events` row of a record: its columns, its wall time and its chain hash."""
    return (
        record.seq,
        record.t_us,
        record.kind,
        record.cause_seq,
        record.origin,
        record.envelope_id,
        record.recipient,
        record.disruption_id,
        record.pool_id,
        msgspec.json.encode(record.data, order="sorted").decode(),
        wall,
        digest.hex(),
    )


class EventLogWriter:
    """Appends records to a new log: hash chain, wall time, projections, WAL."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], str] = wall_clock,
        following: list[Record] | None = None,
        listener: Callable[[Record], None] | None = None,
    ) -> None:
        """A new log at `path`; with `following` (the records of an existing, unsealed log
        at `path`, as verified), the same log, to be continued where it stops. `listener`
        is handed every record appended, in order (a run's metrics are folded so)."""
        self.path = path
        self._clock = clock
        self._listener = listener
        try:
            self._conn = sqlite3.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise LogError(f"{path}: cannot create the log: {exc}") from None
        self._db = sqlite_utils.Database(self._conn)
        self._db.enable_wal()
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._buffer: list[tuple[object, ...]] = []
        self._prev = GENESIS
        self._head_seq = -1
        self._projector = Projector()
        if following is None:
            create_tables(self._db)
            return
        for record in following:
            self._prev = hashlib.sha256(self._prev + canonical(record)).digest()
            self._head_seq = record.seq
            self._projector.apply(record)
        self._projector.committed()

    def append(self, records: Iterable[Record]) -> None:
        """Buffer records in order; they reach the file at the next `commit`."""
        wall = self._clock()
        for record in records:
            if record.seq != self._head_seq + 1:
                raise LogError(
                    f"record seq {record.seq} follows {self._head_seq}: the log is gap-free"
                )
            digest = hashlib.sha256(self._prev + canonical(record)).digest()
            self._buffer.append(event_row(record, wall, digest))
            self._projector.apply(record)
            self._prev = digest
            self._head_seq = record.seq
            if self._listener is not None:
                self._listener(record)

    def commit(self) -> None:
        """Write everything buffered, projections included, in one transaction."""
        if not self._buffer:
            return
        envelopes, cases, deliveries = self._projector.changes()
        conn = self._conn
        conn.execute("BEGIN")
        try:
            conn.executemany(_INSERT_EVENT, self._buffer)
            if envelopes:
                conn.executemany(
                    f"INSERT INTO envelopes VALUES ({', '.join('?' * len(ENVELOPE_COLUMNS))})",
                    envelopes,
                )
            if cases:
                conn.executemany("INSERT OR IGNORE INTO case_refs VALUES (?, ?)", cases)
            if deliveries:
                conn.executemany(
                    f"INSERT OR REPLACE INTO deliveries VALUES ({', '.join('?' * len(DELIVERY_COLUMNS))})",
                    deliveries,
                )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise LogError(f"{self.path}: cannot write to the log: {exc}") from None
        self._buffer.clear()
        self._projector.committed()

    def head(self) -> tuple[int, str]:
        """(seq, sha256 hex) of the last record appended."""
        return self._head_seq, self._prev.hex()

    def close(self) -> None:
        """Commit what is left and close the file."""
        self.commit()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
