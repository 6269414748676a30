"""`trafsim verify` and `trafsim metrics`: read a log, check it, measure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trafsim.errors import CliError
from trafsim_bus import compute_metrics, verify_log
from trafsim_bus.errors import BusError
from trafsim_bus.log.records import Record
from trafsim_bus.metrics.document import MetricsAccumulator


def verify(path: Path, expect: str | None) -> tuple[int, list[str]]:
    """(exit status, report lines) of verifying a log; a file that is no log is a CliError."""
    try:
        verdict = verify_log(path)
    except BusError as exc:
        raise CliError(str(exc)) from None
    return verdict.status(expect), verdict.lines(expect)


def verified_records(path: Path) -> tuple[list[Record], tuple[int, str]]:
    """The records of a log that verifies, as one moment of it, and its head (seq,
    sha256); read-only. A log that does not verify, or holds nothing, is a CliError."""
    try:
        verdict = verify_log(path, keep=True)
    except BusError as exc:
        raise CliError(str(exc)) from None
    if verdict.problems:
        raise CliError(f"{path}: the log does not verify: {verdict.problems[0]}")
    if not verdict.kept:
        raise CliError(f"{path}: the log holds no records")
    return verdict.kept, (verdict.head_seq, verdict.head_sha256)


class _UnmeasurableError(Exception):
    """A record the metrics cannot read (carried out of the verifier's reading)."""


def metrics_of(path: Path) -> dict[str, Any]:
    """The metrics document of a log (the same accumulator `run` feeds), in one streamed
    pass that verifies each record and folds it in, holding no records."""
    accumulator = MetricsAccumulator()

    def fold(record: Record) -> None:
        try:
            accumulator.apply(record)
        except BusError as exc:
            raise _UnmeasurableError(str(exc)) from None

    try:
        verdict = verify_log(path, each=fold)
    except BusError as exc:
        raise CliError(str(exc)) from None
    except _UnmeasurableError as exc:
        raise CliError(f"{path}: {exc}") from None
    if verdict.problems:
        raise CliError(f"{path}: the log does not verify: {verdict.problems[0]}")
    if not verdict.records:
        raise CliError(f"{path}: the log holds no records")
    return accumulator.document((verdict.head_seq, verdict.head_sha256))


def metrics_of_records(path: Path, records: list[Record], head: tuple[int, str]) -> dict[str, Any]:
    """The metrics document of a log's verified records; a record the metrics cannot
    read is a CliError naming the log."""
    try:
        return compute_metrics(records, head)
    except BusError as exc:
        raise CliError(f"{path}: {exc}") from None
