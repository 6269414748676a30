"""The benchmarks, each beside its reference: the log writer against raw `executemany`,
`trafsim verify` against the hash-chain script of docs/log-schema.md, and the start-up of
`trafsim run` against the interpreter's own."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from bench import queueing
from bench.harness import Benchmark, Side
from bench.realtime import loaded
from bench.workloads import records_of, write_log
from trafsim_bus import verify_log
from trafsim_bus.log.records import Record, canonical
from trafsim_bus.log.writer import event_row


@dataclass(frozen=True, slots=True)
class Settings:
    """How big a run is: SILK THREAD's background traffic scaled by `factor`, the queue
    exercise's `messages`, and how often each benchmark is repeated."""

    factor: float
    messages: int
    repeats: int


QUICK = Settings(factor=1.0, messages=3000, repeats=1)
FULL = Settings(factor=300.0, messages=30000, repeats=3)

COLUMNS = (
    "seq, t_us, kind, cause_seq, origin, envelope_id, recipient, disruption_id, pool_id, "
    "data, wall_time, hash"
)


def rows_of(records: tuple[Record, ...]) -> list[tuple[object, ...]]:
    """The rows the writer puts in `events`, hashes included, made outside the timing."""
    rows: list[tuple[object, ...]] = []
    previous = bytes(32)
    for record in records:
        previous = hashlib.sha256(previous + canonical(record)).digest()
        rows.append(event_row(record, "2026-12-01T00:00:00+00:00", previous))
    return rows


def last_hash(path: Path) -> tuple[int, str]:
    """The number of rows of a log file and the hash of its last one."""
    with sqlite3.connect(path) as conn:
        count, last = conn.execute(
            "SELECT count(*), (SELECT hash FROM events ORDER BY seq DESC LIMIT 1) FROM events"
        ).fetchone()
    return int(count), str(last)


def writer(settings: Settings, folder: Path) -> Benchmark:
    """The event-log writer (hash chain, projections, indexes) against raw `executemany`
    of the same rows into a bare table, in one transaction."""
    records = records_of(settings.factor)
    rows = rows_of(records)
    runs = itertools.count()

    def ours() -> tuple[int, str]:
        path = folder / f"writer-{next(runs)}.db"
        write_log(records, path)
        return last_hash(path)

    def raw() -> tuple[int, str]:
        path = folder / f"raw-{next(runs)}.db"
        with sqlite3.connect(path) as conn:
            conn.execute(f"CREATE TABLE events ({COLUMNS})")
            conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES ({', '.join('?' * 12)})", rows)
        return last_hash(path)

    return Benchmark(
        name="log writer",
        units=len(records),
        unit="records",
        subject=Side("EventLogWriter append+commit", ours),
        reference=Side("sqlite3 executemany, one transaction", raw),
        same=lambda mine, theirs: bool(mine == theirs),
    )


def chain_head(path: Path) -> str:
    """The docs' hash-chain script (docs/log-schema.md), as a function: the head digest."""
    cols = (
        "seq, t_us, kind, cause_seq, origin, envelope_id, recipient, disruption_id, pool_id, data"
    )
    head = bytes(32)
    with sqlite3.connect(path) as conn:
        for row in conn.execute(f"SELECT {cols} FROM events ORDER BY seq"):
            record = dict(zip(cols.split(", "), row, strict=True))
            record["data"] = msgspec.json.decode(record["data"])
            head = hashlib.sha256(head + msgspec.json.encode(record, order="sorted")).digest()
    return head.hex()


def verify(settings: Settings, folder: Path) -> Benchmark:
    """`trafsim verify` (every check, projections included) against the ten-line
    hash-chain script of docs/log-schema.md on the same log."""
    records = records_of(settings.factor)
    path = folder / "verify.db"
    write_log(records, path)
    return Benchmark(
        name="trafsim verify",
        units=len(records),
        unit="records",
        subject=Side("verify_log", lambda: verify_log(path).head_sha256),
        reference=Side("hash-chain script", lambda: chain_head(path)),
        same=lambda mine, theirs: bool(mine == theirs),
    )


def start_up(settings: Settings, folder: Path) -> Benchmark:
    """`trafsim run` of the default scenario, the whole process, against the interpreter
    starting and importing nothing (the settings do not apply)."""
    del settings
    runs = itertools.count()

    def ours() -> int:
        db = folder / f"start-{next(runs)}.db"
        command = [sys.executable, "-m", "trafsim", "run", "--db", str(db)]
        return subprocess.run(command, capture_output=True, check=False).returncode

    def bare() -> int:
        return subprocess.run([sys.executable, "-c", "pass"], check=False).returncode

    return Benchmark(
        name="start-up",
        units=1,
        unit="run",
        subject=Side("python -m trafsim run", ours),
        reference=Side("python -c pass", bare),
        same=lambda mine, theirs: mine == 0 and theirs == 0,
        note="whole process, default scenario",
    )


def engine(log: bool) -> Callable[[Settings, Path], Benchmark]:
    """The engine (the log off, or written) against the SimPy model of the same queue,
    with the same number of messages; their mean translator waits must agree."""

    def build(settings: Settings, folder: Path) -> Benchmark:
        exercise = queueing.scenario(settings.messages)
        messages = len(queueing.engine_waits(queueing.engine_run(exercise, None)).seconds)
        runs = itertools.count()

        def ours() -> list[Record] | Path:
            return queueing.engine_run(exercise, folder / f"queue-{next(runs)}.db" if log else None)

        def model() -> queueing.Waits:
            return queueing.simpy_waits(messages, seed=next(runs))

        return Benchmark(
            name=f"engine, log {'on' if log else 'off'}",
            units=messages,
            unit="deliveries",
            subject=Side("trafsim core, virtual time", ours),
            reference=Side("SimPy model, same shape", model),
            same=lambda mine, theirs: queueing.agree(queueing.engine_waits(mine), theirs),
            note="mean translator wait agrees within sampling error",
        )

    return build


SUITE: dict[str, Callable[[Settings, Path], Benchmark]] = {
    "engine-log-off": engine(log=False),
    "engine-log-on": engine(log=True),
    "writer": writer,
    "verify": verify,
    "start-up": start_up,
    "serve-200": loaded(200),
    "serve-1000": loaded(1000),
}
"""Every benchmark by name, built for the run's settings and a scratch folder."""


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A scratch folder for the logs the benchmarks write."""
    return tempfile.TemporaryDirectory(prefix="trafsim-bench-")
