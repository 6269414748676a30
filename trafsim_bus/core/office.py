"""Office hours (SPEC §2): whether a recipient is open at an exercise time, and when it
next opens, read from the calendar in its own `utc_offset` (jumps move the calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from trafsim_bus.scenario.model import OfficeHours
from trafsim_bus.timebase import DAY, MINUTE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_THURSDAY = 3
"""1 January 1970 was a Thursday (Monday = 0)."""


def epoch_us(startex: datetime) -> int:
    """STARTEX as integer µs since 1970-01-01 UTC (no float on the way)."""
    return (startex - _EPOCH) // timedelta(microseconds=1)


def next_open(hours: OfficeHours, startex_epoch_us: int, t_us: int) -> int:
    """The exercise time at or after `t_us` when the office is open: `t_us` itself when it
    is open then, else the next opening (the next working day that is no holiday)."""
    local = startex_epoch_us + t_us + hours.utc_offset_min * MINUTE
    day, into_day = divmod(local, DAY)
    opens, closes = hours.opens_min * MINUTE, hours.closes_min * MINUTE
    if _working(hours, day) and opens <= into_day < closes:
        return t_us
    first = day if into_day < opens else day + 1
    # Every week has a working day (the loader checks `days`), and holidays are finite.
    for candidate in range(first, first + len(hours.holidays) + 8):
        if _working(hours, candidate):
            return t_us + candidate * DAY + opens - local
    raise ValueError("office hours with no working day")  # pragma: no cover (loader checks)


def _working(hours: OfficeHours, day: int) -> bool:
    """Whether a local day (days since 1970-01-01) is a working day and no holiday."""
    return (day + _THURSDAY) % 7 in hours.days and day + _EPOCH_ORDINAL not in hours.holidays
