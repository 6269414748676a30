"""`python -m bench.profile [--quick] [--json PATH]`: where the time and the memory go, for
the figures that miss their targets (docs/performance.md shows the committed run's).

Time: cProfile over the engine (the queue exercise, log off and on), the log writer,
`trafsim metrics` and `trafsim verify`, as each function's share of the total own time.
Memory: tracemalloc over a `trafsim run`-like play (log written, metrics folded), what is
held at its end by source file, and the garbage collector's work. Growth: the functions
whose own time per record grows the most between a smaller and a larger run."""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import queueing
from bench.suite import FULL, QUICK, Settings
from bench.workloads import play_headless, records_of, scaled, write_log
from trafsim.log_cmd import metrics_of
from trafsim.logconfig import configure_logging
from trafsim_bus import verify_log

ROOT = Path(__file__).resolve().parent.parent
TOP = 8
MIB = 2**20


def where(filename: str, line: int, name: str) -> str:
    """A function as people find it: `trafsim_bus/core/pipeline.py:120 submit`, or the
    built-in's name."""
    if filename == "~":
        return name.strip("<>")
    path = Path(filename)
    try:
        shown = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        shown = "/".join(path.parts[-2:])
    return f"{shown}:{line} {name}"


def time_profile(run: Callable[[], object]) -> dict[str, Any]:
    """The functions with the most own time in one call of `run`, as shares of the whole."""
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values()) or 1.0
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    return {
        "total_s": total,
        "rows": [
            {"function": where(*key), "calls": row[1], "share": row[2] / total}
            for key, row in ranked
        ],
    }


def memory_profile(factor: float, folder: Path) -> dict[str, Any]:
    """What a headless run of SILK THREAD at `factor` holds at its end (before the log is
    closed), by source file, and how much the garbage collector did during it."""
    scenario = scaled(factor)
    collections: list[float] = []
    started: list[float] = []

    def timing(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            collections.append(time.perf_counter() - started.pop())

    snapshots: list[tracemalloc.Snapshot] = []
    gc.callbacks.append(timing)
    tracemalloc.start()
    try:
        played = play_headless(
            scenario,
            folder / f"memory-x{factor:g}.db",
            before_close=lambda: snapshots.append(tracemalloc.take_snapshot()),
        )
    finally:
        tracemalloc.stop()
        gc.callbacks.remove(timing)
    by_file = snapshots[0].statistics("filename")
    total = sum(stat.size for stat in by_file) or 1
    return {
        "factor": factor,
        "records": played.records,
        "held_mib": total / MIB,
        "full_collections": len(collections),
        "full_collection_s": sum(collections),
        "rows": [
            {
                "file": where(stat.traceback[0].filename, 0, "").removesuffix(":0 "),
                "mib": stat.size / MIB,
                "share": stat.size / total,
            }
            for stat in by_file[:TOP]
        ],
    }


def own_times(factor: float, path: Path) -> tuple[int, dict[str, float]]:
    """A headless run at `factor` under cProfile: its records, and each function's own
    seconds (the scenario parsed before the profiler starts)."""
    scaled(factor)
    profiler = cProfile.Profile()
    profiler.enable()
    records = play_headless(scaled(factor), path).records
    profiler.disable()
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return records, {where(*key): row[2] for key, row in table.items()}


def growth(small: float, large: float, folder: Path) -> dict[str, Any]:
    """Where the cost per record grows between a run at `small` and one at `large`: the
    functions whose own time per record grew the most, in microseconds per record."""
    few, before = own_times(small, folder / "growth-small.db")
    many, after = own_times(large, folder / "growth-large.db")
    total_before = sum(before.values()) / few * 1e6
    total_after = sum(after.values()) / many * 1e6

    def per_record(seconds: dict[str, float], records: int, name: str) -> float:
        return seconds.get(name, 0.0) / records * 1e6

    grown = sorted(
        after,
        key=lambda name: per_record(after, many, name) - per_record(before, few, name),
        reverse=True,
    )[:TOP]
    return {
        "small": small,
        "large": large,
        "us_per_record": [total_before, total_after],
        "rows": [
            {
                "function": name,
                "small_us": per_record(before, few, name),
                "large_us": per_record(after, many, name),
            }
            for name in grown
        ],
    }


def profiles(settings: Settings, memory_factor: float, folder: Path) -> dict[str, Any]:
    """Every profile of a run at these settings."""
    exercise = queueing.scenario(settings.messages)
    records = records_of(settings.factor)
    log = folder / "profiled.db"
    write_log(records, log)
    return {
        "settings": {"factor": settings.factor, "messages": settings.messages},
        "time": {
            "engine, log off": time_profile(lambda: queueing.engine_run(exercise, None)),
            "engine, log on": time_profile(
                lambda: queueing.engine_run(exercise, folder / "queue.db")
            ),
            "log writer": time_profile(lambda: write_log(records, folder / "written.db")),
            "trafsim metrics": time_profile(lambda: metrics_of(log)),
            "trafsim verify": time_profile(lambda: verify_log(log)),
        },
        "memory": memory_profile(memory_factor, folder),
        "growth": growth(settings.scales[0], settings.scales[1], folder),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small work (CI)")
    parser.add_argument("--json", type=Path, help="write the profiles here as JSON")
    args = parser.parse_args(argv)
    configure_logging()
    settings = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="trafsim-profile-") as folder:
        document = profiles(settings, 2.0 if args.quick else 100.0, Path(folder))
    text = json.dumps(document, indent=2) + "\n"
    if args.json is not None:
        args.json.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
