"""`trafsim verify` and `trafsim metrics`: read a log, check it, measure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trafsim.errors import CliError
from trafsim_bus import compute_metrics, verify_log
from trafsim_bus.errors import BusError


def verify(path: Path, expect: str | None) -> tuple[int, list[str]]:
    """(exit status, report lines) of verifying a log; a file that is no log is a CliError."""
    try:
        verdict = verify_log(path)
    except BusError as exc:
        raise CliError(str(exc)) from None
    return verdict.status(expect), verdict.lines(expect)


def metrics_of(path: Path) -> dict[str, Any]:
    """The metrics document of a log (the same function `run` uses), from one verified
    reading of it."""
    try:
        verdict = verify_log(path, keep=True)
    except BusError as exc:
        raise CliError(str(exc)) from None
    if verdict.problems:
        raise CliError(f"{path}: the log does not verify: {verdict.problems[0]}")
    if not verdict.kept:
        raise CliError(f"{path}: the log holds no records")
    try:
        return compute_metrics(verdict.kept, (verdict.head_seq, verdict.head_sha256))
    except BusError as exc:
        raise CliError(f"{path}: {exc}") from None
