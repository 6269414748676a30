"""The event log writer: one object, buffered appends, one transaction per commit."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import sqlite_utils

from trafsim_bus.errors import LogError
from trafsim_bus.log.projections import (
    CASE_COLUMNS,
    DELIVERY_COLUMNS,
    ENVELOPE_COLUMNS,
    Projector,
    Row,
)
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


def create_events(db: sqlite_utils.Database) -> None:
    """The events table with its append-only triggers, and the barrier-trail view."""
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


def create_projections(db: sqlite_utils.Database) -> None:
    """The query tables derived from the events (docs/log-schema.md)."""
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


def create_indexes(db: sqlite_utils.Database) -> None:
    """The secondary indexes of the events and the projections."""
    db["events"].create_index(["kind"])  # type: ignore[union-attr]
    db["events"].create_index(["envelope_id"])  # type: ignore[union-attr]
    db["events"].create_index(["disruption_id"])  # type: ignore[union-attr]
    db["case_refs"].create_index(["case_ref"])  # type: ignore[union-attr]
    db["deliveries"].create_index(["status"])  # type: ignore[union-attr]


_SORTED = msgspec.json.Encoder(order="sorted")
_DATA_STARTS = b',"data":'
_DATA_ENDS = b',"disruption_id":'


def encoded(record: Record) -> tuple[bytes, bytes]:
    """(the canonical bytes of a record, which the hash chain covers; its `data` column),
    from one encoding: keys sorted, `data` follows `cause_seq` (a number or null) and is
    followed by `disruption_id`, and no value after it can hold an unescaped quote, so
    the last `,"disruption_id":` ends it."""
    chained = _SORTED.encode(record)
    start = chained.index(_DATA_STARTS) + len(_DATA_STARTS)
    return chained, chained[start : chained.rindex(_DATA_ENDS)]


def event_row(
    record: Record, wall: str, digest: bytes, data: bytes | None = None
) -> tuple[object, ...]:
    """The `events` row of a record: its columns, its wall time and its chain hash
    (`data`: the record's data already encoded, as `encoded` gives it)."""
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
        (_SORTED.encode(record.data) if data is None else data).decode(),
        wall,
        digest.hex(),
    )


class EventLogWriter:
    """Appends records to a new log: hash chain, wall time, projections, WAL.

    The projections are written with every commit, and the writer forgets a row once it
    is final and committed. With `readers=False` (a headless run: nothing reads the log
    before it is closed) the secondary indexes are made once, at `close`, instead of kept
    up row by row."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], str] = wall_clock,
        following: list[Record] | None = None,
        listener: Callable[[Record], None] | None = None,
        readers: bool = True,
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
        self._projector = Projector(keep=False)
        self._indexes_at_close = not readers and following is None
        if following is None:
            create_events(self._db)
            create_projections(self._db)
            if not self._indexes_at_close:
                create_indexes(self._db)
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
            chained, data = encoded(record)
            digest = hashlib.sha256(self._prev + chained).digest()
            self._buffer.append(event_row(record, wall, digest, data))
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
        with self._transaction():
            self._conn.executemany(_INSERT_EVENT, self._buffer)
            self._write_projections(envelopes, cases, deliveries)
        self._buffer.clear()
        self._projector.committed()

    def _write_projections(
        self, envelopes: list[Row], cases: list[Row], deliveries: list[Row]
    ) -> None:
        """New envelope and case rows, new or changed delivery rows (in a transaction)."""
        conn = self._conn
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

    def _make_indexes(self) -> None:
        """The secondary indexes, made once over the whole log."""
        with self._transaction():
            create_indexes(self._db)
        self._indexes_at_close = False

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction: committed whole, or rolled back and a `LogError`."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            yield
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise LogError(f"{self.path}: cannot write to the log: {exc}") from None

    def head(self) -> tuple[int, str]:
        """(seq, sha256 hex) of the last record appended."""
        return self._head_seq, self._prev.hex()

    def close(self) -> None:
        """Commit what is left (and make a headless log's indexes) and close the file."""
        self.commit()
        if self._indexes_at_close:
            self._make_indexes()
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._conn.close()
