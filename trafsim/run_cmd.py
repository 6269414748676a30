"""`trafsim run`: play a scenario headless in virtual time, then report."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import structlog

from agencies import build_playbooks
from trafsim.errors import CliError
from trafsim.progress import ProgressBar
from trafsim_bus import Bus, EventLogWriter, VirtualDriver, load_scenario
from trafsim_bus.errors import BusError
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
    """Where the log went and what its head is."""

    db: Path
    exercise_id: str
    head: tuple[int, str]


def default_db(scenario: Scenario, seed: int, runs: Path = Path("runs")) -> Path:
    """`runs/<scenario>-seed<N>-<k>.db` with the first free k."""
    k = 1
    while (path := runs / f"{scenario.name}-seed{seed}-{k}.db").exists():
        k += 1
    return path


def run_exercise(
    scenario_name: str, *, seed: int | None, db: Path | None, overwrite: bool
) -> RunOutcome:
    """Load, check, play to ENDEX and seal the log; raise `CliError` on bad input."""
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
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{path.parent}: cannot create the directory: {exc.strerror}") from None
    bus = Bus(scenario, seed=seed, version=VERSION)
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, seed))
    try:
        writer = EventLogWriter(path)
    except BusError as exc:
        raise CliError(str(exc)) from None
    log.info(
        "run_started",
        scenario=scenario.name,
        seed=seed,
        db=str(path),
        exercise=str(bus.exercise_id),
    )
    try:
        VirtualDriver(bus, writer, progress=ProgressBar(scenario)).run()
        writer.close()
    except BusError as exc:
        raise CliError(f"{exc} (the log at {path} is incomplete)") from None
    head = writer.head()
    log.info("run_finished", records=head[0] + 1, head=head[1])
    return RunOutcome(path, str(bus.exercise_id), head)
