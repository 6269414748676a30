"""A Python command run as its own process, with what it cost: wall seconds and peak
memory (the high-water mark of its resident set, `VmHWM` in /proc, which the process
reports as it exits: `wait4`'s figure would count the parent's pages the child was forked
with)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

KIB_PER_MIB = 1024
MARK = "bench-peak-kib"

REPORTING = f"""
import atexit, runpy, sys

def report():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("\\n{MARK} " + line.split()[1] + "\\n")

atexit.register(report)
how, what, *rest = sys.argv[1:]
if how == "-m":
    sys.argv = [what, *rest]
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(what, "<string>", "exec"), {{"__name__": "__main__"}})
"""
"""Runs `-m MODULE ARGS` or `-c CODE ARGS` as python would, then reports its peak."""


@dataclass(frozen=True, slots=True)
class Finished:
    """How a process ended and what it took."""

    returncode: int
    seconds: float
    peak_mib: float
    stdout: bytes


def run_measured(arguments: list[str]) -> Finished:
    """Run `python -m MODULE ...` or `python -c CODE ...` (`arguments` after the
    interpreter) to its end, its output captured; its wall time and peak RSS."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", REPORTING, *arguments], capture_output=True, check=False
    )
    seconds = time.perf_counter() - start
    peaks = [line for line in done.stderr.decode(errors="replace").splitlines() if MARK in line]
    peak_kib = int(peaks[-1].split()[-1]) if peaks else 0
    return Finished(done.returncode, seconds, peak_kib / KIB_PER_MIB, done.stdout)
