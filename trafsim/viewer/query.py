"""The viewer's query parameters: the moment (`at=D2 12:00`, `seq=N`, or `play=µs` for
the script), the playback speed and the filters. A bad one is a `QueryError` naming the
parameter, which the viewer answers with a 400."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from trafsim.viewer.filters import FILTER_KEYS, Filters, choices
from trafsim.viewer.timeline import Position, PositionError, Timeline

MIN_SPEED: Final = 0.1
MAX_SPEED: Final = 1000.0
SPEEDS: Final = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 100.0, 300.0, 1000.0)
"""The speeds offered (any other within the bounds may be asked for)."""
DEFAULT_SPEED: Final = 60.0
"""An hour of play a minute."""
POSITION_KEYS: Final = ("at", "seq", "play")


class QueryError(ValueError):
    """A query parameter the viewer cannot use: `parameter` names it, `key` is the
    catalogue's sentence and `params` fill it."""

    def __init__(self, parameter: str, key: str, **params: object) -> None:
        self.parameter = parameter
        self.key = key
        self.params = params
        super().__init__(f"{parameter}: {key} {params}")


@dataclass(frozen=True, slots=True)
class Query:
    """What a request asks to see."""

    position: Position
    speed: float
    filters: Filters


def parse_query(query: Mapping[str, str], timeline: Timeline, *, at_end: bool) -> Query:
    """The moment, speed and filters a request asks for (`at_end`: with no moment given,
    the log's last record, else STARTEX)."""
    return Query(
        position=_position(query, timeline, at_end=at_end),
        speed=_speed(query.get("speed")),
        filters=_filters(query, timeline),
    )


def _position(query: Mapping[str, str], timeline: Timeline, *, at_end: bool) -> Position:
    given = [key for key in POSITION_KEYS if query.get(key, "").strip()]
    if len(given) > 1:
        raise QueryError(given[1], "error.one_position", given=", ".join(given))
    if not given:
        return timeline.at_seq(timeline.head) if at_end else timeline.at_play(0)
    key = given[0]
    text = query[key].strip()
    if key == "at":
        try:
            return timeline.at_play(timeline.parse_at(text))
        except PositionError as exc:
            raise QueryError("at", exc.key, **exc.params) from None
    try:
        value = int(text)
    except ValueError:
        raise QueryError(key, "error.whole_number", name=key, value=text) from None
    if key == "seq":
        if not 0 <= value <= timeline.head:
            raise QueryError("seq", "error.seq_range", value=value, head=timeline.head)
        return timeline.at_seq(value)
    if value < 0:
        raise QueryError("play", "error.play_negative", value=value)
    return timeline.at_play(value)


def _speed(text: str | None) -> float:
    if text is None or not text.strip():
        return DEFAULT_SPEED
    try:
        speed = float(text)
    except ValueError:
        raise QueryError("speed", "error.speed", value=text) from None
    if not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise QueryError("speed", "error.speed", value=text)
    return speed


def _filters(query: Mapping[str, str], timeline: Timeline) -> Filters:
    allowed = choices(timeline)
    chosen: dict[str, str] = {}
    for key in FILTER_KEYS:
        value = query.get(key, "").strip()
        if not value:
            continue
        if value not in allowed[key]:
            raise QueryError(key, f"error.unknown_{key}", value=value)
        chosen[key] = value
    return Filters(**chosen)
