"""The exercise clock: exercise time, time of play, the jump table and the live clock's state.

Time of play counts µs of play since STARTEX (the scenario's `D<n> HH:MM` are times of
play); exercise time adds every calendar jump at or before that time of play, the
scenario's and the controller's alike (SPEC §14)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class CalendarJump:
    """A jump in the table: at `at_play_us` of play the calendar advances by `by_us`."""

    at_play_us: int
    by_us: int
    origin: Literal["scenario", "controller"]


@dataclass(slots=True)
class Clock:
    """Where the exercise stands. `started`, `paused` and `speed` are the live clock's
    (the virtual driver starts at once and never pauses); `ended` seals the exercise."""

    play_end_us: int
    jumps: list[CalendarJump]
    now: int = 0
    started: bool = True
    paused: bool = False
    speed: float = 1.0
    ended: bool = False
    _endex: tuple[int, int, int] = field(default=(-1, -1, 0), init=False, repr=False, compare=False)
    """(end of play, number of jumps, ENDEX) when ENDEX was last worked out: jumps are
    only ever added (`add_jump`), so a new one changes the count (issue 12)."""

    @property
    def endex_us(self) -> int:
        """ENDEX in exercise time: the end of play plus every jump."""
        play_end_us, count, endex_us = self._endex
        if play_end_us != self.play_end_us or count != len(self.jumps):
            endex_us = self.play_end_us + sum(jump.by_us for jump in self.jumps)
            self._endex = (self.play_end_us, len(self.jumps), endex_us)
        return endex_us

    @property
    def play_now(self) -> int:
        """The time of play now."""
        return self.exercise_to_play(self.now)

    def play_to_exercise(self, play_us: int) -> int:
        """Exercise time of a time of play: every jump at or before it is added."""
        return play_us + sum(jump.by_us for jump in self.jumps if jump.at_play_us <= play_us)

    def exercise_to_play(self, exercise_us: int) -> int:
        """Time of play of an exercise time; inside a jumped span, the jump's time of play."""
        jumped = 0
        for jump in self.jumps:
            at_us = jump.at_play_us + jumped
            if exercise_us >= at_us + jump.by_us:
                jumped += jump.by_us
            elif exercise_us > at_us:
                return jump.at_play_us
            else:
                break
        return exercise_us - jumped

    def jump_start_us(self, at_play_us: int) -> int:
        """The exercise time at which a jump at `at_play_us` is taken (earlier jumps only)."""
        return at_play_us + sum(jump.by_us for jump in self.jumps if jump.at_play_us < at_play_us)

    def add_jump(self, by_us: int) -> CalendarJump:
        """A controller's jump now: after every jump already at this time of play."""
        jump = CalendarJump(self.play_now, by_us, "controller")
        index = bisect.bisect_right([j.at_play_us for j in self.jumps], jump.at_play_us)
        self.jumps.insert(index, jump)
        return jump
