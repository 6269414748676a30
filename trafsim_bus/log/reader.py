"""Reading a log: open it read-only (a live one too, or one on read-only media) and stream
its records in order, inside one read transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import msgspec

from trafsim_bus.errors import LogError
from trafsim_bus.log.records import COLUMNS, ORIGINS, Record

_SELECT = f"SELECT {', '.join(COLUMNS)}, hash FROM events ORDER BY seq"
_RANGE = f"SELECT {', '.join(COLUMNS)}, hash FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq"
_DATA = msgspec.json.Decoder(dict[str, object])


def open_log(path: Path) -> sqlite3.Connection:
    """Open an existing log read-only; a clear error when it is missing, unreadable or not
    a log. On a read-only folder (where SQLite cannot make its shared-memory file) a log
    whose write-ahead file is empty is read as immutable."""
    if not path.exists():
        raise LogError(f"{path}: no such log file")
    if not path.is_file():
        raise LogError(f"{path}: not a file")
    try:
        return _checked(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc) and "readonly" not in str(exc):
            raise LogError(f"{path}: not a trafsim event log ({exc})") from None
    except sqlite3.Error as exc:
        raise LogError(f"{path}: not a trafsim event log ({exc})") from None
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise LogError(
            f"{path}: its latest records are still in {wal.name}, and SQLite cannot read "
            "them in a read-only folder; copy the log and its -wal file somewhere writable"
        )
    try:
        immutable = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None
        )
        return _checked(immutable)
    except sqlite3.Error as exc:
        raise LogError(f"{path}: cannot read the log ({exc})") from None


def _checked(conn: sqlite3.Connection) -> sqlite3.Connection:
    """The connection, once it proves to hold an events table."""
    try:
        conn.execute("SELECT seq FROM events LIMIT 1").fetchall()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection holding one read transaction: what it reads is one moment
    of the log, however much a live writer appends meanwhile."""
    conn = open_log(path)
    try:
        conn.execute("BEGIN")
        yield conn
    except sqlite3.DatabaseError as exc:
        raise LogError(f"{path}: the log cannot be read ({exc})") from None
    finally:
        with suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        conn.close()


def rows(
    conn: sqlite3.Connection, first_seq: int = 0, last_seq: int | None = None
) -> Iterator[tuple[Record, str]]:
    """(record, stored hash) in seq order, from `first_seq` to `last_seq` (inclusive; the
    end when None); a record whose columns do not decode is a `LogError` naming its seq."""
    if first_seq == 0 and last_seq is None:
        found = conn.execute(_SELECT)
    else:
        found = conn.execute(_RANGE, (first_seq, 2**63 - 1 if last_seq is None else last_seq))
    for row in found:
        yield _record(row), row[10]


def _record(row: tuple[Any, ...]) -> Record:
    seq, t_us, kind, cause_seq, origin, envelope_id, recipient, disruption_id, pool_id = row[:9]
    try:
        data = _DATA.decode(row[9]) if row[9] else {}
    except (msgspec.DecodeError, msgspec.ValidationError, TypeError) as exc:
        raise LogError(f"seq {seq}: the record does not decode ({exc})") from None
    if not (
        type(seq) is int
        and type(t_us) is int
        and type(kind) is str
        and (cause_seq is None or type(cause_seq) is int)
        and origin in ORIGINS
        and (envelope_id is None or type(envelope_id) is str)
        and (recipient is None or type(recipient) is str)
        and (disruption_id is None or type(disruption_id) is str)
        and (pool_id is None or type(pool_id) is str)
    ):
        raise LogError(f"seq {seq}: the record does not decode (a column of the wrong type)")
    return Record(
        seq=seq,
        t_us=t_us,
        kind=kind,
        cause_seq=cause_seq,
        origin=origin,
        envelope_id=envelope_id,
        recipient=recipient,
        disruption_id=disruption_id,
        pool_id=pool_id,
        data=data,
    )


def read_records(path: Path) -> list[Record]:
    """Every record of a log, in order, as one moment of it."""
    with reading(path) as conn:
        return [record for record, _ in rows(conn)]
