"""Timing a subject beside its reference: repeats, medians, the ratio, and a check that
both computed the same thing (a benchmark that measures a wrong answer measures nothing)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a benchmark: what it runs and what it computed."""

    label: str
    run: Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A subject and its reference over the same `units` of work; `same` says whether the
    two results agree (the model results of both sides)."""

    name: str
    units: int
    unit: str
    subject: Side
    reference: Side
    same: Callable[[Any, Any], bool]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Measured:
    """What a side that keeps its own time returns: the seconds that count (instead of
    the call's), what it computed, and named figures to report beside them."""

    seconds: float
    value: Any
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    """Medians of each side, the ratio (reference time / subject time: 1 is as fast as the
    reference, 0.5 twice as slow) and whether the results agreed."""

    name: str
    units: int
    unit: str
    subject: str
    reference: str
    subject_s: float
    reference_s: float
    agreed: bool
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per side, the median of each figure it reported (`Measured`)."""

    @property
    def ratio(self) -> float:
        return self.reference_s / self.subject_s if self.subject_s else float("inf")

    def document(self) -> dict[str, Any]:
        """The result as the `--json` document keeps it."""
        return {
            "name": self.name,
            "units": self.units,
            "unit": self.unit,
            "subject": self.subject,
            "reference": self.reference,
            "subject_s": self.subject_s,
            "reference_s": self.reference_s,
            "ratio": self.ratio,
            "agreed": self.agreed,
            "note": self.note,
            "samples": self.samples,
            "figures": self.figures,
        }


def timed(run: Callable[[], Any]) -> tuple[float, Any, dict[str, float]]:
    """Wall seconds of one call (or the seconds it measured itself), what it returned,
    and the figures it reported."""
    start = time.perf_counter()
    value = run()
    seconds = time.perf_counter() - start
    if isinstance(value, Measured):
        return value.seconds, value.value, value.figures
    return seconds, value, {}


def median_figures(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs that report it."""
    names = dict.fromkeys(name for figures in runs for name in figures)
    return {
        name: statistics.median(figures[name] for figures in runs if name in figures)
        for name in names
    }


def measure(benchmark: Benchmark, repeats: int, progress: Callable[[str], None]) -> Result:
    """Run both sides `repeats` times, alternating so that a noisy neighbour hits both."""
    subject: list[float] = []
    reference: list[float] = []
    figures: dict[str, list[dict[str, float]]] = {"subject": [], "reference": []}
    agreed = True
    for n in range(repeats):
        progress(f"{benchmark.name}: run {n + 1} of {repeats}")
        seconds, mine, reported = timed(benchmark.subject.run)
        subject.append(seconds)
        figures["subject"].append(reported)
        seconds, theirs, reported = timed(benchmark.reference.run)
        reference.append(seconds)
        figures["reference"].append(reported)
        agreed = agreed and benchmark.same(mine, theirs)
    return Result(
        name=benchmark.name,
        units=benchmark.units,
        unit=benchmark.unit,
        subject=benchmark.subject.label,
        reference=benchmark.reference.label,
        subject_s=statistics.median(subject),
        reference_s=statistics.median(reference),
        agreed=agreed,
        note=benchmark.note,
        samples={"subject": subject, "reference": reference},
        figures={side: median_figures(runs) for side, runs in figures.items() if any(runs)},
    )


def progress_line(message: str) -> None:
    """Show where the run is, on one rewritten line of a terminal's stderr."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{message}")
        sys.stderr.flush()
