"""A progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import MINUTE

WIDTH = 32


class ProgressBar:
    """Shows how far play has got (days of play, not exercise time, so jumps don't hide it)."""

    def __init__(self, scenario: Scenario, stream: TextIO | None = None) -> None:
        self.scenario = scenario
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = -1

    def __call__(self, t_us: int, endex_us: int) -> None:
        if not self.enabled:
            return
        play = min(self.scenario.exercise_to_play(t_us), self.scenario.play_us)
        filled = int(WIDTH * play / self.scenario.play_us) if self.scenario.play_us else WIDTH
        if filled == self._last and t_us < endex_us:
            return
        self._last = filled
        local = self.scenario.startex.hour * 60 + self.scenario.startex.minute + play // MINUTE
        day, minute = divmod(local, 24 * 60)
        bar = "█" * filled + "░" * (WIDTH - filled)
        self.stream.write(f"\r{bar} D{day + 1} {minute // 60:02d}:{minute % 60:02d} of play ")
        if t_us >= endex_us:
            self.stream.write("\n")
        self.stream.flush()
