"""How the cost of a record grows with the size of an exercise: `trafsim run` of SILK
THREAD with its background traffic scaled, as whole processes, the 1x run's cost (start-up,
the exercise's own traffic) taken out; and each run's peak memory."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.harness import Benchmark, Measured, Side
from bench.processes import run_measured
from bench.workloads import scaled_file

PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class Scaled:
    """A run at some factor and the 1x run beside it: records and seconds of each, the
    big run's peak memory."""

    records: int
    seconds: float
    base_records: int
    base_seconds: float
    peak_mib: float

    def per_million(self) -> float:
        """Seconds per million records beyond the 1x run's."""
        return (self.seconds - self.base_seconds) / (self.records - self.base_records) * PER_MILLION


def records_in(db: Path) -> int:
    """How many records a log holds."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def trafsim_run(scenario: Path, db: Path) -> tuple[int, float, float]:
    """`python -m trafsim run SCENARIO --db DB --overwrite` as a process: (records in its
    log, wall seconds, peak MiB); a run that fails raises."""
    finished = run_measured(["-m", "trafsim", "run", str(scenario), "--db", str(db), "--overwrite"])
    if finished.returncode != 0:
        raise RuntimeError(f"trafsim run {scenario} exited {finished.returncode}")
    return records_in(db), finished.seconds, finished.peak_mib


def scaling(factor: float, reference: float) -> Callable[[Path], Benchmark]:
    """The marginal cost per record at `factor` against that at `reference` (ratio:
    reference's seconds per million records over ours), with both runs' peak memory."""

    def build(folder: Path) -> Benchmark:
        files = {each: scaled_file(each, folder) for each in (1.0, reference, factor)}

        def side(at: float) -> Callable[[], Measured]:
            def run() -> Measured:
                base, base_seconds, _ = trafsim_run(files[1.0], folder / "x1.db")
                records, seconds, peak = trafsim_run(files[at], folder / f"x{at:g}.db")
                found = Scaled(records, seconds, base, base_seconds, peak)
                return Measured(found.per_million(), found, {"records": records, "peak_mib": peak})

            return run

        return Benchmark(
            name=f"per record, {factor:g}x",
            units=PER_MILLION,
            unit="records beyond 1x",
            subject=Side(f"trafsim run, {factor:g}x traffic", side(factor)),
            reference=Side(f"trafsim run, {reference:g}x traffic", side(reference)),
            same=lambda mine, theirs: mine.base_records == theirs.base_records,
            note="seconds per million records, the 1x run's taken out",
        )

    return build
