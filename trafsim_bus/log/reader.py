"""Reading a log: open it read-only and stream its records in order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec

from trafsim_bus.errors import LogError
from trafsim_bus.log.records import COLUMNS, Record

_SELECT = f"SELECT {', '.join(COLUMNS)}, hash FROM events ORDER BY seq"


def open_log(path: Path) -> sqlite3.Connection:
    """Open an existing log read-only; a clear error when it is missing or not a log."""
    if not path.is_file():
        raise LogError(f"{path}: no such log file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT seq FROM events LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise LogError(f"{path}: not a trafsim event log ({exc})") from None
    return conn


def rows(conn: sqlite3.Connection) -> Iterator[tuple[Record, str]]:
    """(record, stored hash) in seq order."""
    for row in conn.execute(_SELECT):
        data = msgspec.json.decode(row[9]) if row[9] else {}
        record = Record(
            seq=row[0],
            t_us=row[1],
            kind=row[2],
            cause_seq=row[3],
            origin=row[4],
            envelope_id=row[5],
            recipient=row[6],
            disruption_id=row[7],
            pool_id=row[8],
            data=data,
        )
        yield record, row[10]


def read_records(path: Path) -> list[Record]:
    """Every record of a log, in order."""
    conn = open_log(path)
    try:
        return [record for record, _ in rows(conn)]
    finally:
        conn.close()
