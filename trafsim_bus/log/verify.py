"""`trafsim verify`: recompute the hash chain and the projections of a log."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from trafsim_bus.errors import LogError
from trafsim_bus.log.projections import COLUMNS_OF, PRIMARY_KEYS, Projector
from trafsim_bus.log.reader import reading, rows
from trafsim_bus.log.records import RECORD_KINDS, Record, canonical
from trafsim_bus.log.writer import GENESIS

_KINDS = frozenset(RECORD_KINDS)
_ROW = msgspec.json.Encoder()
_MODULUS = 2**256
INTACT_SEALED = 0
BAD = 1
INTACT_UNSEALED = 3


@dataclass
class Verdict:
    """What verification found: problems (first bad seq first), the head, and the seal."""

    head_seq: int = -1
    head_sha256: str = GENESIS.hex()
    problems: list[str] = field(default_factory=list)
    sealed: bool = False
    records: int = 0
    kept: list[Record] = field(default_factory=list)

    def status(self, expect: str | None = None) -> int:
        """0 intact and sealed, 1 bad (or not the expected head), 3 intact but unsealed."""
        if self.problems or (expect is not None and expect.lower() != self.head_sha256):
            return BAD
        return INTACT_SEALED if self.sealed else INTACT_UNSEALED

    def lines(self, expect: str | None = None) -> list[str]:
        """The report, the head line last."""
        out = list(self.problems)
        if expect is not None and expect.lower() != self.head_sha256 and not self.problems:
            out.append(f"head differs from the expected sha256 {expect.lower()}")
        if not self.problems:
            out.append(
                f"{self.records} records intact; "
                + ("sealed by exercise_ended" if self.sealed else "not sealed (live, or cut short)")
            )
        out.append(f"head seq={self.head_seq} sha256={self.head_sha256}")
        return out


def verify_log(
    path: Path, *, keep: bool = False, each: Callable[[Record], None] | None = None
) -> Verdict:
    """Check every record's hash, the sequence, times, causes, kinds, the seal and the
    projections, all in one read transaction (a live log is read as one moment of it);
    with `keep`, the verdict keeps the records for the caller; `each` is handed every
    record found intact, as it is read (what it raises stops the reading)."""
    with reading(path) as conn:
        return _verify(conn, keep=keep, each=each)


def _verify(
    conn: sqlite3.Connection, *, keep: bool, each: Callable[[Record], None] | None
) -> Verdict:
    verdict = Verdict()
    expected = _Digests()
    projector = Projector(keep=False, on_final=expected.add, changing=False)
    head = _chain(conn, verdict, projector, keep=keep, each=each)
    verdict.head_sha256 = head.hex()
    if verdict.problems:
        return verdict
    if projector.late is not None:
        verdict.problems.append(
            f"seq {projector.late}: it is about a delivery that was never created, or had "
            "already ended"
        )
        return verdict
    projector.finish()
    _check_projections(conn, verdict, expected)
    return verdict


class _Digests:
    """Per projection: how many rows, and the sum of their digests (which does not depend
    on their order): the rows the events make, compared with the rows stored, without
    holding either."""

    def __init__(self) -> None:
        self.count = dict.fromkeys(PRIMARY_KEYS, 0)
        self.total = dict.fromkeys(PRIMARY_KEYS, 0)

    def add(self, table: str, row: tuple[object, ...]) -> None:
        """Fold one row of `table`."""
        self.count[table] += 1
        digest = int.from_bytes(hashlib.sha256(_ROW.encode(row)).digest(), "big")
        self.total[table] = (self.total[table] + digest) % _MODULUS

    def same(self, other: _Digests, table: str) -> bool:
        """Whether both hold the same rows of `table`."""
        return (self.count[table], self.total[table]) == (other.count[table], other.total[table])


def _chain(
    conn: sqlite3.Connection,
    verdict: Verdict,
    projector: Projector,
    *,
    keep: bool,
    each: Callable[[Record], None] | None,
) -> bytes:
    """Check the records in order up to the first bad one; the digest of the last good."""
    previous = GENESIS
    last: Record | None = None
    try:
        for record, stored_hash in rows(conn):
            problem = _out_of_place(record, last, verdict.head_seq + 1)
            if problem is None:
                digest = hashlib.sha256(previous + canonical(record)).digest()
                if digest.hex() != stored_hash:
                    problem = (
                        f"seq {record.seq}: the record does not match its hash "
                        "(changed after it was written)"
                    )
            if problem is not None:
                verdict.problems.append(problem)
                return previous
            projector.apply(record)
            previous = digest
            verdict.head_seq = record.seq
            verdict.records += 1
            if keep:
                verdict.kept.append(record)
            if each is not None:
                each(record)
            last = record
    except LogError as exc:
        verdict.problems.append(str(exc))
        return previous
    if last is not None and last.kind == "exercise_ended":
        if last.data.get("records") != verdict.records:
            verdict.problems.append(
                f"seq {last.seq}: exercise_ended counts {last.data.get('records')} records, "
                f"the log holds {verdict.records}"
            )
            return previous
        verdict.sealed = True
    return previous


def _check_projections(conn: sqlite3.Connection, verdict: Verdict, expected: _Digests) -> None:
    """Compare the stored projections with those the events make: digests first, and
    where they differ, every row (reading the events again) to name the first."""
    present = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    stored = _Digests()
    differ = []
    for table in PRIMARY_KEYS:
        if table not in present:
            verdict.problems.append(f"projection {table}: the table is missing")
            continue
        for row in conn.execute(f"SELECT * FROM {table}"):
            stored.add(table, row)
        if not expected.same(stored, table):
            differ.append(table)
    if not differ:
        return
    projector = Projector(changing=False)
    for record, _ in rows(conn):
        projector.apply(record)
    tables = projector.tables()
    for table in differ:
        width = PRIMARY_KEYS[table]
        rows_stored = {
            tuple(row[:width]): tuple(row) for row in conn.execute(f"SELECT * FROM {table}")
        }
        problem = _first_difference(table, rows_stored, tables[table], projector)
        if problem:
            verdict.problems.append(problem)


def _out_of_place(record: Record, last: Record | None, expected_seq: int) -> str | None:
    """What is wrong with a record where it stands, before its hash is looked at."""
    if record.seq != expected_seq:
        return f"seq {expected_seq}: missing (the next record is seq {record.seq})"
    if last is not None and last.kind == "exercise_ended":
        return f"seq {record.seq}: {record.kind} follows exercise_ended, which seals the log"
    if record.kind not in _KINDS:
        return f"seq {record.seq}: {record.kind!r} is not a kind of record (docs/log-schema.md)"
    if last is not None and record.t_us < last.t_us:
        return f"seq {record.seq}: its time {record.t_us} is before seq {last.seq}'s {last.t_us}"
    if record.cause_seq is not None and not 0 <= record.cause_seq < record.seq:
        return f"seq {record.seq}: its cause_seq {record.cause_seq} is not an earlier record"
    if record.seq == 0 and record.kind != "exercise_started":
        return "seq 0: a log starts with exercise_started"
    return None


def _first_difference(
    table: str,
    stored: dict[tuple[object, ...], tuple[object, ...]],
    expected: dict[tuple[object, ...], tuple[object, ...]],
    projector: Projector,
) -> str | None:
    """The differing row whose event came first, named by key, seq and columns."""
    keys = [key for key in stored.keys() | expected.keys() if stored.get(key) != expected.get(key)]
    if not keys:
        return None
    key = min(keys, key=lambda k: (projector.seq_of(table, k) or -1, repr(k)))
    seq = projector.seq_of(table, key)
    where = f"projection {table}: row {key}" + (f" (event seq {seq})" if seq is not None else "")
    if key not in stored:
        return f"{where}: missing, though the events produce it"
    if key not in expected:
        return f"{where}: stored, but no event produces it"
    columns = COLUMNS_OF[table]
    changed = [
        f"{name} stored {have!r}, events say {want!r}"
        for name, have, want in zip(columns, stored[key], expected[key], strict=True)
        if have != want
    ]
    return f"{where}: " + "; ".join(changed)
