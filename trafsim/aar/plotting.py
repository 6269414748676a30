"""What the report's charts share: colours, the layout, the axis of time of play, the
bands of disruptions, and the escaping of text from the log."""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go

from trafsim.aar.timeline import Timeline, Window
from trafsim.aar.words import Words
from trafsim_bus.timebase import format_day_time

SECOND_US = 1_000_000
HOUR_US = 3_600 * SECOND_US
PART_COLOURS = {
    "channel_latency": "#4e79a7",
    "translation_wait": "#e15759",
    "translation_service": "#f28e2b",
    "outage_hold": "#b07aa1",
    "office_hours_wait": "#76b7b2",
    "other": "#bab0ac",
}
STATUS_COLOURS = {
    "met": "#59a14f",
    "late": "#edc948",
    "missed": "#e15759",
    "open": "#4e79a7",
    "not_scored": "#bab0ac",
}
BAND_COLOURS = ("#f1ce63", "#86bcb6", "#ff9d9a", "#d4a6c8", "#a0cbe8", "#8cd17d", "#d7b5a6")
LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "traceorder": "normal"}
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0}
FONT = {"family": "system-ui, sans-serif", "size": 12}


def safe(text: str) -> str:
    """Text from the log as plotly shows it: its own markup (`<br>`, `<i>`) stays the only
    markup in a chart."""
    return html.escape(text, quote=False)


def layout(figure: go.Figure, *, height: int, **more: Any) -> go.Figure:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "font": FONT,
        "plot_bgcolor": "white",
        "legend": LEGEND_ABOVE,
    }
    figure.update_layout({**layout, **more})
    return figure


def hours(timeline: Timeline, t_us: int) -> float:
    return timeline.play_hours(t_us)


def time_axis(timeline: Timeline, last_hours: float) -> dict[str, Any]:
    """An x axis in hours of play, labelled as scenarios write times: `D2 14:00`."""
    step = 6 if last_hours <= 72 else 12
    startex = timeline.calendar.startex
    minute = startex.hour * 60 + startex.minute
    ticks = list(range(0, math.ceil(last_hours) + 1, step))
    return {
        "tickvals": ticks,
        "ticktext": [format_day_time(hour * HOUR_US, minute) for hour in ticks],
        "range": [-0.5, last_hours + 0.5],
        "gridcolor": "#eee",
        "zeroline": False,
    }


def band(
    figure: go.Figure,
    timeline: Timeline,
    window: Window,
    span: tuple[float, float],
    index: int,
    words: Words,
    opacity: float = 0.12,
    **axes: str,
) -> None:
    """A disruption in force, as a faint band across the chart."""
    start = hours(timeline, window.start_us)
    end = hours(timeline, window.end_us if window.end_us is not None else timeline.end_us)
    if end <= start:
        return
    low, high = span
    figure.add_trace(
        go.Scatter(
            x=[start, end, end, start, start],
            y=[low, low, high, high, low],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor=BAND_COLOURS[index % len(BAND_COLOURS)],
            opacity=opacity,
            name=f"{window.disruption_id} ({window.type})",
            text=window_text(timeline, window, words),
            hoverinfo="text",
            hoveron="fills",
            showlegend=False,
            **axes,
        )
    )


def window_text(timeline: Timeline, window: Window, words: Words) -> str:
    """A disruption's id, type and time in force, for hovering."""
    when = timeline.calendar.day_time
    return words(
        "chart.window",
        id=safe(window.disruption_id),
        type=safe(window.type),
        start=when(window.start_us),
        end=when(window.end_us) if window.end_us is not None else words("status.not_healed"),
    )
