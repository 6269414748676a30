"""`trafsim run`: play a scenario headless in virtual time, then report."""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import structlog

from agencies import build_playbooks
from trafsim.errors import CliError
from trafsim.progress import ProgressBar
from trafsim_bus import Bus, EventLogWriter, VirtualDriver, load_scenario
from trafsim_bus.errors import BusError, LogError
from trafsim_bus.log.reader import open_log
from trafsim_bus.metrics.document import MetricsAccumulator
from trafsim_bus.scenario.model import Scenario

log = structlog.get_logger(__name__)


def _version() -> str:
    try:
        return metadata.version("trafsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


VERSION = _version()
"""trafsim's version as installed: recorded in every log."""


@dataclass(frozen=True)
class RunOutcome:
    """Where the log went, what its head is, and its metrics document."""

    db: Path
    exercise_id: str
    head: tuple[int, str]
    metrics: dict[str, Any]


def default_db(scenario: Scenario, seed: int, runs: Path = Path("runs")) -> Path:
    """`runs/<scenario>-seed<N>-<k>.db` with the first free k."""
    k = 1
    while (path := runs / f"{scenario.name}-seed{seed}-{k}.db").exists():
        k += 1
    return path


def is_event_log(path: Path) -> bool:
    """Whether a file is a trafsim event log (an SQLite file with the events table)."""
    try:
        open_log(path).close()
    except LogError:
        return False
    return True


def run_exercise(
    scenario_name: str, *, seed: int | None, db: Path | None, overwrite: bool
) -> RunOutcome:
    """Load, check, play to ENDEX and seal the log, its metrics folded from the records as
    they are written; raise `CliError` on bad input.

    The log is written beside its place (`<db>.partial`) and moved there only once it is
    sealed: a run that stops leaves the previous log whole, and says where its partial is."""
    try:
        scenario = load_scenario(scenario_name)
    except BusError as exc:
        raise CliError(str(exc)) from None
    seed = scenario.seed if seed is None else seed
    path = db or default_db(scenario, seed)
    if path.is_dir():
        raise CliError(f"{path}: is a directory; --db takes the path of a log file")
    if path.exists():
        if not overwrite:
            raise CliError(
                f"{path}: the log exists; pass --overwrite to replace it, or choose another --db"
            )
        if not is_event_log(path):
            raise CliError(
                f"{path}: not a trafsim event log; --overwrite replaces a log, never another file"
            )
    partial = path.with_name(f"{path.name}.partial")
    folder = path.parent if path.parent.exists() else _existing(path.parent)
    if not os.access(folder, os.W_OK):
        raise CliError(f"{folder}: cannot write there (read-only); choose another --db")
    accumulator = MetricsAccumulator()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in _files_of(partial):
            leftover.unlink(missing_ok=True)
        writer = EventLogWriter(partial, listener=accumulator.apply, readers=False)
    except OSError as exc:
        raise CliError(
            f"{exc.filename or path.parent}: cannot write there: {exc.strerror}"
        ) from None
    except BusError as exc:
        raise CliError(str(exc)) from None
    bus = Bus(scenario, seed=seed, version=VERSION)
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, seed))
    log.info(
        "run_started",
        scenario=scenario.name,
        seed=seed,
        db=str(path),
        exercise=str(bus.exercise_id),
    )
    stopped = f"the run stopped: what it wrote is in {partial}; {path} is as it was"
    try:
        VirtualDriver(bus, writer, progress=ProgressBar(scenario)).run()
        writer.close()
    except KeyboardInterrupt:
        _close_quietly(writer)
        raise CliError(f"interrupted: {stopped}", status=130) from None
    except BusError as exc:
        _close_quietly(writer)
        raise CliError(f"{exc} ({stopped})") from None
    try:
        for stale in _files_of(path)[1:]:
            stale.unlink(missing_ok=True)
        os.replace(partial, path)
    except OSError as exc:
        raise CliError(
            f"{path}: cannot put the log in place ({exc.strerror}); it is in {partial}"
        ) from None
    head = writer.head()
    log.info("run_finished", records=head[0] + 1, head=head[1])
    return RunOutcome(path, str(bus.exercise_id), head, accumulator.document(head))


def _close_quietly(writer: EventLogWriter) -> None:
    """Close a stopped run's log with what it holds (projections too), if it still can."""
    with suppress(BusError, sqlite3.Error):
        writer.close()


def _existing(folder: Path) -> Path:
    """The nearest folder that exists (where a new one would be made)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _files_of(path: Path) -> list[Path]:
    """A log's file and SQLite's companions."""
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
