"""The benchmarks, each beside its reference: the engine against a SimPy model, the log
writer against raw `executemany`, `trafsim metrics` and `trafsim verify` on a big log
against one streamed read and the hash-chain script of docs/log-schema.md, the cost per
record as exercises grow, and the start-up of `trafsim run` against the interpreter's."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import msgspec

from bench import queueing
from bench.harness import Benchmark, Measured, Side
from bench.processes import run_measured
from bench.realtime import loaded
from bench.scaling import scaling, trafsim_run
from bench.workloads import records_of, scaled_file, write_log
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
    log_factor: float
    scales: tuple[float, float, float]


QUICK = Settings(factor=1.0, messages=3000, repeats=1, log_factor=2.0, scales=(2.0, 4.0, 8.0))
FULL = Settings(
    factor=300.0, messages=30000, repeats=3, log_factor=735.0, scales=(30.0, 300.0, 1000.0)
)
"""The full run: the writer on SILK THREAD at 300x (about 390,000 records), metrics and
verify on a log of about a million records (735x), the cost per record at 300x and
1000x against 30x."""

READ_AND_DECODE = """
import sqlite3, sys, msgspec
decode = msgspec.json.Decoder(dict)
cols = "seq, t_us, kind, cause_seq, origin, envelope_id, recipient, disruption_id, pool_id, data"
count = 0
for row in sqlite3.connect(sys.argv[1]).execute(f"SELECT {cols} FROM events ORDER BY seq"):
    decode.decode(row[9])
    count += 1
print(count)
"""
"""One streamed pass over a log that reads and decodes every record, and counts them."""

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


@cache
def big_log(factor: float, folder: Path) -> tuple[Path, int]:
    """A log of SILK THREAD at `factor` written by `trafsim run` (once per process), and
    how many records it holds."""
    path = folder / f"big-x{factor:g}.db"
    records, _, _ = trafsim_run(scaled_file(factor, folder), path)
    return path, records


def metrics(settings: Settings, folder: Path) -> Benchmark:
    """`trafsim metrics DB --json` (verifying every record and folding it into the metrics)
    against one streamed pass that reads and decodes every record, both as processes;
    the same record count, and metrics' peak memory."""
    path, records = big_log(settings.log_factor, folder)

    def ours() -> Measured:
        finished = run_measured(["-m", "trafsim", "metrics", str(path), "--json"])
        document = msgspec.json.decode(finished.stdout) if finished.returncode == 0 else {}
        counted = int(document.get("log_head", {}).get("seq", -2)) + 1
        return Measured(finished.seconds, counted, {"peak_mib": finished.peak_mib})

    def streamed() -> Measured:
        finished = run_measured(["-c", READ_AND_DECODE, str(path)])
        return Measured(
            finished.seconds, int(finished.stdout or 0), {"peak_mib": finished.peak_mib}
        )

    return Benchmark(
        name="trafsim metrics",
        units=records,
        unit="records",
        subject=Side("trafsim metrics --json", ours),
        reference=Side("streamed read and decode", streamed),
        same=lambda mine, theirs: mine == theirs == records,
        note="whole processes",
    )


def verify(settings: Settings, folder: Path) -> Benchmark:
    """`trafsim verify` (every check, projections included) against the ten-line
    hash-chain script of docs/log-schema.md on the same big log."""
    path, records = big_log(settings.log_factor, folder)
    return Benchmark(
        name="trafsim verify",
        units=records,
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


def per_record(which: int) -> Callable[[Settings, Path], Benchmark]:
    """The cost per record at the run's middle (1) or top (2) scale against its lowest."""

    def build(settings: Settings, folder: Path) -> Benchmark:
        return scaling(settings.scales[which], settings.scales[0])(folder)

    return build


SUITE: dict[str, Callable[[Settings, Path], Benchmark]] = {
    "engine-log-off": engine(log=False),
    "engine-log-on": engine(log=True),
    "writer": writer,
    "metrics": metrics,
    "verify": verify,
    "per-record-mid": per_record(1),
    "per-record-top": per_record(2),
    "start-up": start_up,
    "serve-200": loaded(200),
    "serve-1000": loaded(1000),
}
"""Every benchmark by name, built for the run's settings and a scratch folder."""


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A scratch folder for the logs the benchmarks write."""
    return tempfile.TemporaryDirectory(prefix="trafsim-bench-")
