"""The work the benchmarks measure: SILK THREAD with its background traffic scaled, played
headless, and the log of that play."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from agencies import build_playbooks
from trafsim_bus import Bus, EventLogWriter, Scenario, VirtualDriver, load_scenario
from trafsim_bus.log.records import Record
from trafsim_bus.metrics.document import MetricsAccumulator
from trafsim_bus.scenario import parse_scenario

RATE = re.compile(r"^rate_per_hour = ([0-9.]+)", re.MULTILINE)


@cache
def scaled(factor: float) -> Scenario:
    """SILK THREAD with every background stream's rate multiplied by `factor`."""
    text = load_scenario("silk-thread").text
    scaled_text = RATE.sub(lambda m: f"rate_per_hour = {float(m[1]) * factor:g}", text)
    return parse_scenario(scaled_text, f"silk-thread-x{factor:g}.toml")


def scaled_file(factor: float, folder: Path) -> Path:
    """`scaled(factor)` as a scenario file in `folder` (for `trafsim run` as a process)."""
    path = folder / f"silk-thread-x{factor:g}.toml"
    path.write_text(scaled(factor).text, encoding="utf-8")
    return path


def play(scenario: Scenario, seed: int = 1) -> list[Record]:
    """Every record of a headless run, in memory (the engine with the log off)."""
    bus = Bus(scenario, seed=seed)
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, bus.seed))
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run()
    records.extend(bus.take_records())
    return records


@cache
def records_of(factor: float) -> tuple[Record, ...]:
    """The records of the scaled exercise, seed 1 (played once per process)."""
    return tuple(play(scaled(factor)))


@dataclass(frozen=True, slots=True)
class Headless:
    """What a headless run left: its record count, head and metrics document."""

    records: int
    head: tuple[int, str]
    metrics: dict[str, Any]


def play_headless(
    scenario: Scenario, path: Path, *, before_close: Callable[[], None] | None = None
) -> Headless:
    """Play to ENDEX as `trafsim run` does (seed 1): the log written to `path` with no
    readers, the metrics folded as the records are written. `before_close` is called once
    the run has ended, before the log is closed."""
    bus = Bus(scenario, seed=1)
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, bus.seed))
    accumulator = MetricsAccumulator()
    writer = EventLogWriter(path, listener=accumulator.apply, readers=False)
    VirtualDriver(bus, writer).run()
    if before_close is not None:
        before_close()
    writer.close()
    head = writer.head()
    return Headless(head[0] + 1, head, accumulator.document(head))


def write_log(records: tuple[Record, ...], path: Path) -> None:
    """The records as a sealed trafsim log at `path` (through the real writer)."""
    writer = EventLogWriter(path, readers=False)
    writer.append(records)
    writer.commit()
    writer.close()
