"""Clock and timebase arithmetic (SPEC §2, §14): time of play and exercise time across
several calendar jumps, scenario times, durations and UTC offsets, each worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from trafsim_bus.core.clock import CalendarJump, Clock
from trafsim_bus.timebase import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    WEEK,
    Calendar,
    format_day_time,
    format_duration,
    parse_day_time,
    parse_duration,
    parse_offset,
)


def two_jumps() -> Clock:
    """Ten days of play with two scenario jumps of a day each, at 1 h and 3 h of play."""
    return Clock(
        play_end_us=10 * DAY,
        jumps=[CalendarJump(HOUR, DAY, "scenario"), CalendarJump(3 * HOUR, DAY, "scenario")],
    )


@pytest.mark.parametrize(
    ("play_us", "exercise_us"),
    [
        (30 * MINUTE, 30 * MINUTE),
        (HOUR, HOUR + DAY),
        (2 * HOUR, 2 * HOUR + DAY),
        (3 * HOUR, 3 * HOUR + 2 * DAY),
        (5 * HOUR, 5 * HOUR + 2 * DAY),
    ],
)
def test_a_time_of_play_adds_every_jump_at_or_before_it(play_us: int, exercise_us: int) -> None:
    """SPEC §2: a time equal to a jump's `at` happens after the jump; later ones add both."""
    assert two_jumps().play_to_exercise(play_us) == exercise_us


@pytest.mark.parametrize(
    ("exercise_us", "play_us"),
    [
        (30 * MINUTE, 30 * MINUTE),
        (HOUR, HOUR),
        (HOUR + 12 * HOUR, HOUR),
        (HOUR + DAY, HOUR),
        (2 * HOUR + DAY, 2 * HOUR),
        (3 * HOUR + DAY + 30 * MINUTE, 3 * HOUR),
        (5 * HOUR + 2 * DAY, 5 * HOUR),
    ],
)
def test_an_exercise_time_maps_back_to_its_time_of_play(exercise_us: int, play_us: int) -> None:
    """SPEC §14: exercise time minus the jumps taken; inside a jumped span (the first from
    1 h to 1 d 1 h, the second from 1 d 3 h to 2 d 3 h), the jump's own time of play."""
    assert two_jumps().exercise_to_play(exercise_us) == play_us


def test_a_jump_is_taken_after_the_earlier_jumps_only() -> None:
    """SPEC §2: the second jump (at 3 h of play) is taken at 1 d 3 h of exercise time, the
    first at 1 h; ENDEX adds both to the days of play."""
    clock = two_jumps()
    assert (clock.jump_start_us(HOUR), clock.jump_start_us(3 * HOUR)) == (HOUR, 3 * HOUR + DAY)
    assert clock.endex_us == 12 * DAY


def test_a_controllers_jump_goes_in_at_the_time_of_play_now() -> None:
    """SPEC §14: a controller's jump at 1 d 2 h of exercise time (2 h of play) goes between
    the scenario's two; one at the second's time of play goes after it."""
    clock = two_jumps()
    clock.now = DAY + 2 * HOUR
    first = clock.add_jump(DAY)
    assert first == CalendarJump(2 * HOUR, DAY, "controller")
    clock.now = 3 * HOUR + 3 * DAY
    second = clock.add_jump(HOUR)
    assert second == CalendarJump(3 * HOUR, HOUR, "controller")
    assert clock.jumps == [
        CalendarJump(HOUR, DAY, "scenario"),
        first,
        CalendarJump(3 * HOUR, DAY, "scenario"),
        second,
    ]


@pytest.mark.parametrize(
    ("play_us", "text"),
    [
        (0, "D1 09:00"),
        (5 * HOUR + 7 * MINUTE, "D1 14:07"),
        (14 * HOUR + 59 * MINUTE, "D1 23:59"),
        (15 * HOUR, "D2 00:00"),
        (17 * HOUR, "D2 02:00"),
        (2 * DAY + 30 * MINUTE + 59 * 1_000_000, "D3 09:30"),
    ],
)
def test_a_time_of_play_is_written_as_scenarios_write_it(play_us: int, text: str) -> None:
    """SPEC §2: `D<n> HH:MM` in exercise-local time, D1 being STARTEX's date (STARTEX at
    09:00, minute 540 of its day); seconds are dropped."""
    assert format_day_time(play_us, 9 * 60) == text


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("+05:00", 300), ("+05:45", 345), ("-03:30", -210), ("+00:00", 0), (" -00:15 ", -15)],
)
def test_an_offset_is_signed_minutes(text: str, minutes: int) -> None:
    """SPEC §2: a country's `utc_offset` is numeric, `±HH:MM`."""
    assert parse_offset(text) == minutes


@pytest.mark.parametrize(
    ("text", "us"),
    [("36h", 36 * HOUR), ("1.5d", 36 * HOUR), ("13w", 13 * WEEK), ("90 min", 90 * MINUTE)],
)
def test_a_duration_is_integer_microseconds(text: str, us: int) -> None:
    """SPEC §2: durations in s, min, h, d, w."""
    assert parse_duration(text) == us


def test_a_scenario_time_is_a_day_and_a_minute() -> None:
    """SPEC §2: `D2 14:00` is day 2, minute 840."""
    assert parse_day_time("D2 14:00") == (2, 840)


NOT_TEXT: Any = 36


@pytest.mark.parametrize(
    "parse", [parse_duration, parse_day_time, parse_offset], ids=["duration", "day", "offset"]
)
@pytest.mark.parametrize("given", ["Asia/Tashkent", "2mo", "D0 09:00", "D1 24:00", NOT_TEXT])
def test_what_is_not_a_time_parses_to_none(parse: Any, given: Any) -> None:
    """SPEC §2: IANA zone names, months, day 0, hour 24 and values that are not text (a
    TOML number) are not times: None, for the loader to report."""
    assert parse(given) is None


@pytest.mark.parametrize(
    ("us", "shown"),
    [
        (0, "0s"),
        (12 * SECOND, "12s"),
        (MINUTE - 1, "59s"),
        (MINUTE, "1min"),
        (45 * MINUTE, "45min"),
        (HOUR, "1h"),
        (HOUR + 30 * MINUTE, "1h 30min"),
        (3 * DAY + 4 * HOUR, "3d 4h"),
        (3 * DAY + 4 * HOUR + 5 * MINUTE, "3d 4h"),
        (2 * DAY + 7 * MINUTE, "2d 7min"),
        (DAY, "1d"),
    ],
)
def test_durations_read_as_people_say_them(us: int, shown: str) -> None:
    """SPEC §14: the two largest units that are not zero, seconds under a minute."""
    assert format_duration(us) == shown


def test_calendar_labels_show_the_moment_and_the_day_of_play() -> None:
    """SPEC §14: `2 Jun 14:00 (D2)`: the calendar moment in STARTEX's offset and the day
    of play, which does not move across a jump (worked out by hand: STARTEX 1 Jun 09:00,
    a jump of 28 days taken at D2 09:00, i.e. 24 h of play)."""
    jump = (DAY, 28 * DAY)
    calendar = Calendar.of("2026-06-01T09:00:00+05:00", [jump])
    assert calendar.label(0) == "1 Jun 09:00 (D1)"
    assert calendar.label(5 * HOUR) == "1 Jun 14:00 (D1)"
    assert calendar.label(15 * HOUR) == "2 Jun 00:00 (D2)"
    assert calendar.play_us(DAY) == DAY
    assert calendar.play_us(DAY + HOUR) == DAY
    assert calendar.play_us(29 * DAY) == DAY
    assert calendar.play_us(29 * DAY + 5 * HOUR) == DAY + 5 * HOUR
    assert calendar.label(29 * DAY + 5 * HOUR) == "30 Jun 14:00 (D2)"
    assert calendar.day_time(29 * DAY + 5 * HOUR) == "D2 14:00"
    unordered = Calendar.of("2026-06-01T09:00:00+05:00", [(3 * DAY, DAY), jump])
    assert unordered.jumps == (jump, (3 * DAY, DAY))


def test_calendar_with_two_jumps_and_a_startex_off_the_hour() -> None:
    """Worked by hand: STARTEX 1 Jun 09:30; a jump of 7 d at 2 h of play (exercise 2 h)
    and one of 1 d at 5 h of play (exercise 7 d 5 h). Times inside a jumped span read as
    the jump's moment of play; after both, play is exercise time less 8 d."""
    calendar = Calendar.of(
        "2026-06-01T09:30:00+05:00", [(2 * HOUR, 7 * DAY), (7 * DAY + 5 * HOUR, DAY)]
    )
    after_both = 8 * DAY + 7 * HOUR
    assert calendar.play_us(after_both) == 7 * HOUR
    assert calendar.day_time(after_both) == "D1 16:30"
    assert calendar.label(after_both) == "9 Jun 16:30 (D1)"
    inside_second = 7 * DAY + 9 * HOUR
    assert calendar.play_us(inside_second) == 5 * HOUR
    assert calendar.day_time(inside_second) == "D1 14:30"
    assert calendar.day_time(15 * HOUR) == "D1 11:30"
    assert calendar.day_time(8 * DAY + 15 * HOUR) == "D2 00:30"
