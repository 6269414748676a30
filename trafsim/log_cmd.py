"""`trafsim verify` and `trafsim metrics`: read a log, check it, measure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trafsim.errors import CliError
from trafsim_bus import compute_metrics, read_records, verify_log
from trafsim_bus.errors import BusError


def verify(path: Path, expect: str | None) -> tuple[int, list[str]]:
    """(exit status, report lines) of verifying a log; a file that is no log is a CliError."""
    try:
        verdict = verify_log(path)
    except BusError as exc:
        raise CliError(str(exc)) from None
    return verdict.status(expect), verdict.lines(expect)


def metrics_of(path: Path) -> dict[str, Any]:
    """The metrics document of a log (the same function `run` uses)."""
    try:
        records = read_records(path)
    except BusError as exc:
        raise CliError(str(exc)) from None
    if not records:
        raise CliError(f"{path}: the log holds no records")
    verdict_head = _head(path)
    return compute_metrics(records, verdict_head)


def _head(path: Path) -> tuple[int, str]:
    verdict = verify_log(path)
    if verdict.problems:
        raise CliError(f"{path}: the log does not verify: {verdict.problems[0]}")
    return verdict.head_seq, verdict.head_sha256
