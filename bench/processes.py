"""A command run as its own process, with what it cost: wall seconds and peak memory (the
kernel's high-water mark of its resident set, from `wait4`)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

KIB_PER_MIB = 1024


@dataclass(frozen=True, slots=True)
class Finished:
    """How a process ended and what it took."""

    returncode: int
    seconds: float
    peak_mib: float
    stdout: bytes


def run_measured(command: list[str]) -> Finished:
    """Run `command` to its end, its output captured; its wall time and peak RSS."""
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        stdout = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        returncode=process.returncode,
        seconds=time.perf_counter() - start,
        peak_mib=usage.ru_maxrss / KIB_PER_MIB,
        stdout=stdout,
    )
