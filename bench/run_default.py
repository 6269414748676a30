"""Benchmark: the headless default exercise against its time budget, with references.

Budget (issue 3): five days of play at 20,000 times real time, start-up included, i.e.
21.6 s of wall time on a 2-core machine. Timings are noisy on shared machines, so this
reports the median of several runs and ratios against references measured in the same
run: the interpreter's bare start-up, and raw SQLite inserting as many rows in one
transaction. Usage: python bench/run_default.py [--repeat N] [--scenario NAME]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 5 * 86_400 / 20_000


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def raw_sqlite(rows: int) -> float:
    """Insert `rows` rows shaped like log records in one transaction: the writer's floor."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, t_us, kind, data, hash)")
        payload = [
            (i, i * 1000, "barrier_decision", '{"stage":"latency"}' * 8, "0" * 64)
            for i in range(rows)
        ]
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", payload)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    return elapsed


def bar(value: float, largest: float, width: int = 40) -> str:
    return "█" * max(1, round(value / largest * width)) if largest else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", default="silk-thread")
    args = parser.parse_args()
    python = sys.executable
    runs, starts = [], []
    records = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            db = Path(tmp) / f"run{i}.db"
            runs.append(
                timed([python, "-m", "trafsim", "run", args.scenario, "--db", str(db), "--json"])
            )
            starts.append(timed([python, "-c", "import trafsim.cli"]))
            records = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    run_s = statistics.median(runs)
    start_s = statistics.median(starts)
    sqlite_s = statistics.median(raw_sqlite(records) for _ in range(args.repeat))
    rows = [
        ("budget (5 days at 20,000x)", BUDGET_S),
        (f"trafsim run {args.scenario}", run_s),
        ("python start-up + import", start_s),
        (f"raw SQLite, {records} rows", sqlite_s),
    ]
    largest = max(value for _, value in rows)
    print(f"median of {args.repeat} runs, {records} log records per run")
    for label, value in rows:
        print(f"  {label:<32} {value:8.3f} s  {bar(value, largest)}")
    print(f"run / budget            {run_s / BUDGET_S:8.3f}")
    print(f"run / start-up          {run_s / start_s:8.1f}")
    print(f"simulated speed         {5 * 86_400 / run_s:,.0f} x real time (target 20,000 x)")
    print("verdict: " + ("within budget" if run_s <= BUDGET_S else "OVER BUDGET"))
    return 0 if run_s <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
