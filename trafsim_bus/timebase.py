"""Exercise time: integer microseconds since STARTEX, durations and scenario times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

SECOND: Final = 1_000_000
MINUTE: Final = 60 * SECOND
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR
WEEK: Final = 7 * DAY
LONGEST_EXERCISE: Final = 520 * WEEK
"""ENDEX stays within ten years of STARTEX, jumps included (calendar dates stay sane)."""

_UNITS: Final = {"s": SECOND, "min": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|min|h|d|w)$")
_SCENARIO_TIME = re.compile(r"^D([1-9][0-9]*) ([01][0-9]|2[0-3]):([0-5][0-9])$")
_OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_duration(text: str) -> int | None:
    """`"36h"` → microseconds; None when the text is not a duration (units s, min, h, d, w)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    return round(float(match[1]) * _UNITS[match[2]])


def parse_day_time(text: str) -> tuple[int, int] | None:
    """`"D2 14:00"` → (day 2, 840 minutes after midnight); None when malformed."""
    match = _SCENARIO_TIME.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    return int(match[1]), int(match[2]) * 60 + int(match[3])


def format_day_time(play_us: int, startex_minute: int) -> str:
    """A time of play as scenarios write it (`D2 14:00`); `startex_minute` is STARTEX's
    minute of its day."""
    minutes = play_us // MINUTE + startex_minute
    day, minute = divmod(minutes, 24 * 60)
    return f"D{day + 1} {minute // 60:02d}:{minute % 60:02d}"


def parse_offset(text: str) -> int | None:
    """`"+05:00"` → offset in minutes; None when malformed (IANA names are not accepted)."""
    match = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    minutes = int(match[2]) * 60 + int(match[3])
    return minutes if match[1] == "+" else -minutes


def format_duration(us: int) -> str:
    """A short human form of a duration: `3d 4h`, `45min`, `12s`."""
    if us < MINUTE:
        return f"{us // SECOND}s"
    parts = []
    for unit, size in (("d", DAY), ("h", HOUR), ("min", MINUTE)):
        count, us = divmod(us, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts[:2])


@dataclass(frozen=True)
class Calendar:
    """Exercise times as people read them: STARTEX and the calendar jumps taken (each at an
    exercise time, by a duration), so that a time shows its calendar moment and its day of
    play: `2 Jun 14:00 (D2)` (SPEC §14)."""

    startex: datetime
    jumps: tuple[tuple[int, int], ...] = field(default=())
    """(exercise µs at which the jump was taken, µs it jumped), in order."""

    @classmethod
    def of(cls, startex: str, jumps: Iterable[tuple[int, int]]) -> Calendar:
        """From STARTEX's RFC 3339 text and the jumps."""
        return cls(datetime.fromisoformat(startex), tuple(sorted(jumps)))

    def play_us(self, t_us: int) -> int:
        """The time of play of an exercise time (inside a jumped span: the jump's)."""
        jumped = 0
        for at_us, by_us in self.jumps:
            if t_us >= at_us + by_us:
                jumped += by_us
            elif t_us > at_us:
                return at_us - jumped
            else:
                break
        return t_us - jumped

    def day_time(self, t_us: int) -> str:
        """The time of play as scenarios write it: `D2 14:00`."""
        return format_day_time(self.play_us(t_us), self.startex.hour * 60 + self.startex.minute)

    def label(self, t_us: int) -> str:
        """The calendar moment (STARTEX's offset) and the day of play: `2 Jun 14:00 (D2)`."""
        moment = self.startex + timedelta(microseconds=t_us)
        day = self.day_time(t_us).split(" ", 1)[0]
        return f"{moment.day} {moment:%b %H:%M} ({day})"
