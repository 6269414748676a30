"""The swimlane timeline of a case: agencies as lanes, messages as arrows, waits at
barriers shaded, refusals and losses marked, disruptions in force as bands."""

from __future__ import annotations

import plotly.graph_objects as go

from trafsim.aar.content import case_paths
from trafsim.aar.plotting import (
    BAND_COLOURS,
    LEGEND_BELOW,
    PART_COLOURS,
    SECOND_US,
    band,
    hours,
    layout,
    safe,
    time_axis,
    window_text,
)
from trafsim.aar.timeline import Delivery, Timeline, Window
from trafsim.aar.words import Words


def _lanes(timeline: Timeline, paths: list[Delivery]) -> list[str]:
    """The agencies of a case, exercise control first, then by country and id."""
    agencies = {p.sender for p in paths} | {p.recipient for p in paths}
    return sorted(agencies, key=lambda a: (timeline.country(a) or "", a))


def swimlanes(timeline: Timeline, case: str, words: Words) -> go.Figure:
    """A case's messages as arrows between agency lanes, with waits, refusals and
    disruptions."""
    paths = case_paths(timeline, case)
    lanes = _lanes(timeline, paths)
    lane = {agency: index for index, agency in enumerate(lanes)}

    def when(t_us: int) -> str:
        return words.moment(timeline.calendar.label(t_us))

    end_h = hours(timeline, timeline.end_us)
    figure = go.Figure()
    windows = [w for w in timeline.windows if _visible(timeline, w)]
    for index, window in enumerate(windows):
        band(figure, timeline, window, (-len(windows) - 0.5, len(lanes) - 0.5), index, words)
        _bar(figure, timeline, window, -len(windows) + index, index, words)
    styles = {
        "delivered": ("#4e79a7", "solid", "arrow", 11),
        "pending": ("#9c9c9c", "dot", "arrow-open", 9),
        "rejected": ("#e15759", "dash", "x", 11),
        "dropped": ("#79706e", "dash", "circle-open", 10),
    }
    for status, (colour, dash, symbol, size) in styles.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        sizes: list[int] = []
        texts: list[str] = []
        for p in paths:
            if p.status != status:
                continue
            end = p.end_us if p.end_us is not None else timeline.end_us
            text = (
                f"{safe(p.kind)} {safe(p.sender)} → {safe(p.recipient)}<br>"
                + words("chart.submitted", when=when(p.submitted_us))
                + "<br>"
                + (
                    words("chart.ended", status=words(f"status.{p.status}"), when=when(end))
                    if p.end_us is not None
                    else words("chart.under_way")
                )
                + (f" ({safe(p.reason)})" if p.reason else "")
                + (
                    "<br>" + words("chart.delay", time=words.duration(p.total_us / SECOND_US))
                    if p.delay_us
                    else ""
                )
            )
            xs += [hours(timeline, p.submitted_us), hours(timeline, end), None]
            ys += [lane[p.sender], lane[p.recipient], None]
            sizes += [0, size, 0]
            texts += [text, text, ""]
        if xs:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=words(f"status.{status}"),
                    line={"color": colour, "dash": dash, "width": 1.4},
                    marker={
                        "symbol": symbol,
                        "size": sizes,
                        "angleref": "previous",
                        "color": colour,
                    },
                    text=texts,
                    hoverinfo="text",
                    connectgaps=False,
                )
            )
    for part in ("translation_wait", "translation_service", "outage_hold"):
        word = words(f"chart.{part}")
        xs, ys, texts = [], [], []
        for p in paths:
            for span in p.spans:
                end = span.end_us if span.end_us is not None else timeline.end_us
                if span.part != part or end <= span.start_us:
                    continue
                text = words(
                    "chart.span",
                    kind=safe(p.kind),
                    recipient=safe(p.recipient),
                    wait=word,
                    cause=safe(span.cause),
                    time=words.duration((end - span.start_us) / SECOND_US),
                )
                xs += [hours(timeline, span.start_us), hours(timeline, end), None]
                ys += [lane[span.lane], lane[span.lane], None]
                texts += [text, text, ""]
        if xs:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=word,
                    line={"color": PART_COLOURS[part], "width": 9},
                    opacity=0.45,
                    text=texts,
                    hoverinfo="text",
                )
            )
    for at_us, by_us in timeline.jumps:
        x = hours(timeline, at_us)
        figure.add_vline(x=x, line={"dash": "dash", "color": "#555", "width": 1})
        figure.add_annotation(
            x=x,
            y=1,
            yref="paper",
            yanchor="bottom",
            text=f"+{words.duration(by_us / SECOND_US)}",
            showarrow=False,
        )
    rows = [-len(windows) + index for index in range(len(windows))]
    return layout(
        figure,
        height=150 + 24 * (len(lanes) + len(windows)),
        xaxis=time_axis(timeline, end_h),
        yaxis={
            "tickvals": [*rows, *range(len(lanes))],
            "ticktext": [f"<i>{safe(w.disruption_id)}</i>" for w in windows]
            + [safe(agency) for agency in lanes],
            "range": [len(lanes) - 0.5, -len(windows) - 0.5],
            "gridcolor": "#eee",
            "zeroline": False,
        },
        hovermode="closest",
        legend=LEGEND_BELOW,
    )


def _visible(timeline: Timeline, window: Window) -> bool:
    """A disruption that lasted some time of play (not one wholly inside a jump)."""
    end = window.end_us if window.end_us is not None else timeline.end_us
    return hours(timeline, end) > hours(timeline, window.start_us)


def _bar(
    figure: go.Figure, timeline: Timeline, window: Window, row: float, index: int, words: Words
) -> None:
    """A disruption's own row: a bar while it is in force."""
    start = hours(timeline, window.start_us)
    end = hours(timeline, window.end_us if window.end_us is not None else timeline.end_us)
    figure.add_trace(
        go.Scatter(
            x=[start, end, end, start, start],
            y=[row - 0.35, row - 0.35, row + 0.35, row + 0.35, row - 0.35],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor=BAND_COLOURS[index % len(BAND_COLOURS)],
            text=window_text(timeline, window, words),
            hoverinfo="text",
            hoveron="fills",
            showlegend=False,
        )
    )
