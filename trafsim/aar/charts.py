"""The report's charts, drawn by plotly (SVG traces only: no WebGL) from the same data as
its tables."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from trafsim.aar.content import (
    STATUSES,
    Report,
    msel_counts,
    parts_of,
    rejections_by_pair,
)
from trafsim.aar.plotting import (
    PART_COLOURS,
    STATUS_COLOURS,
    band,
    hours,
    layout,
    safe,
    time_axis,
)
from trafsim.aar.swimlanes import swimlanes
from trafsim.aar.timeline import QueuePoint, Timeline
from trafsim.aar.words import Words


def figures(report: Report) -> dict[str, list[tuple[str, go.Figure]]]:
    """Each section's charts, with a caption each, keyed by the section's key."""
    words, timeline, cases = report.words, report.timeline, report.cases
    return {
        "timelines": [
            (words("section.case", case=case), swimlanes(report.timeline, case, words))
            for case in report.cases
        ],
        "delays": [
            (caption, figure)
            for caption, figure in (
                (words("section.per_case"), delays_per(report.metrics, "case", cases, words)),
                (words("section.per_channel"), delays_per(report.metrics, "channel", [], words)),
            )
            if figure is not None
        ],
        "pairs": [
            (caption, figure)
            for caption, figure in (
                (words("section.pair_delays"), pair_delays(report.metrics, timeline, words)),
                (words("section.pair_refusals"), pair_rejections(timeline, words)),
            )
            if figure is not None
        ],
        "queues": [(words("section.queues"), queues(timeline, words))] if timeline.queues else [],
        "msel": [(words("section.per_inject"), scorecard(report.metrics, words))]
        if msel_counts(report.metrics)
        else [],
    }


def delays_per(
    metrics: dict[str, Any], by: str, cases: list[str], words: Words
) -> go.Figure | None:
    """Stacked bars of the mean delay per part, per case or per channel."""
    if by == "case":
        shapes = {
            case: metrics["cases"][case]["delay_s"]
            for case in cases
            if case in metrics["cases"] and metrics["cases"][case]["delay_s"]["total"]["count"]
        }
    else:
        shapes = {
            key: value
            for key, value in metrics["delay_by"]["channel"].items()
            if value["total"]["count"]
        }
        shapes = dict(sorted(shapes.items(), key=lambda item: -(item[1]["total"]["mean"] or 0)))
    if not shapes:
        return None
    largest = max(shape["total"]["mean"] or 0 for shape in shapes.values())
    unit, size = ("chart.days", 86_400) if largest > 3 * 86_400 else ("chart.hours", 3_600)
    figure = go.Figure()
    names = list(shapes)
    for part in parts_of(metrics["delay_s"]):
        values = [(shapes[name][part]["mean"] or 0) / size for name in names]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                x=[safe(name) for name in names],
                y=values,
                name=words(f"part.{part}") if words.has(f"part.{part}") else part,
                marker_color=PART_COLOURS.get(part, "#999"),
                customdata=[words.duration(shapes[n][part]["mean"] or 0) for n in names],
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    return layout(
        figure,
        height=380,
        barmode="stack",
        xaxis={"tickangle": -30},
        yaxis={"title": words("chart.mean_delay", unit=words(unit)), "gridcolor": "#eee"},
    )


def _agencies(timeline: Timeline, pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    order = sorted(
        {a for pair in pairs for a in pair}, key=lambda a: (timeline.country(a) or "", a)
    )
    senders = [a for a in order if any(pair[0] == a for pair in pairs)]
    recipients = [a for a in order if any(pair[1] == a for pair in pairs)]
    return senders, recipients


def pair_delays(metrics: dict[str, Any], timeline: Timeline, words: Words) -> go.Figure | None:
    """Mean delay per sender and recipient, coloured on a log scale."""
    means = {
        (sender, recipient): value["total"]["mean"]
        for key, value in metrics["delay_by"]["agency_pair"].items()
        for sender, recipient in [key.split(">", 1)]
        if sender != "bus" and value["total"]["count"]
    }
    if not means:
        return None
    senders, recipients = _agencies(timeline, list(means))
    z = [
        [math.log10(max(means[(s, r)], 1.0)) if (s, r) in means else None for r in recipients]
        for s in senders
    ]
    text = [
        [words.duration(means[(s, r)]) if (s, r) in means else "" for r in recipients]
        for s in senders
    ]
    ticks = [
        (1, "1s"),
        (60, "1min"),
        (3_600, "1h"),
        (86_400, "1d"),
        (604_800, "1w"),
        (2_592_000, "30d"),
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[safe(agency) for agency in recipients],
            y=[safe(agency) for agency in senders],
            text=text,
            colorscale="YlOrRd",
            zmin=0,
            hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
            colorbar={
                "title": words("column.mean_delay"),
                "tickvals": [math.log10(seconds) for seconds, _ in ticks],
                "ticktext": [label for _, label in ticks],
            },
            xgap=1,
            ygap=1,
        )
    )
    return layout(
        figure,
        height=200 + 18 * len(senders),
        xaxis={"title": words("chart.recipient"), "tickangle": -60},
        yaxis={"title": words("chart.sender"), "autorange": "reversed"},
    )


def pair_rejections(timeline: Timeline, words: Words) -> go.Figure | None:
    """Refused deliveries per sender and recipient."""
    refused = rejections_by_pair(timeline)
    if not refused:
        return None
    senders, recipients = _agencies(timeline, list(refused))
    z = [[refused.get((s, r)) or None for r in recipients] for s in senders]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[safe(agency) for agency in recipients],
            y=[safe(agency) for agency in senders],
            colorscale="Reds",
            zmin=0,
            hovertemplate="%{y} → %{x}: %{z}<extra></extra>",
            colorbar={"title": words("chart.refused")},
            xgap=1,
            ygap=1,
        )
    )
    return layout(
        figure,
        height=220 + 24 * len(senders),
        xaxis={"title": words("chart.recipient"), "tickangle": -60},
        yaxis={"title": words("chart.sender"), "autorange": "reversed"},
    )


def queues(timeline: Timeline, words: Words) -> go.Figure:
    """Jobs waiting (filled) and in translation (dotted), one row per pool, over time of
    play; a disruption that changed a pool's translators is shaded on its row."""
    series_of = dict(timeline.queues)
    for window in timeline.windows:
        for pool in window.pools:
            series_of.setdefault(pool, [QueuePoint(0, 0, 0)])
    pools = sorted(series_of)
    end_h = hours(timeline, timeline.end_us)
    figure = make_subplots(
        rows=len(pools), cols=1, shared_xaxes=True, vertical_spacing=0.03, subplot_titles=pools
    )
    for row, pool in enumerate(pools, start=1):
        series = series_of[pool]
        top = max(max(point.waiting, point.in_service) for point in series) + 0.5
        for index, window in enumerate(w for w in timeline.windows if pool in w.pools):
            axes = {"xaxis": f"x{row if row > 1 else ''}", "yaxis": f"y{row if row > 1 else ''}"}
            band(figure, timeline, window, (0, top), index, words, 0.4, **axes)
        xs = [hours(timeline, point.t_us) for point in series] + [end_h]
        waiting = [point.waiting for point in series]
        in_service = [point.in_service for point in series]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=[*waiting, waiting[-1]],
                mode="lines",
                fill="tozeroy",
                line={"shape": "hv", "color": PART_COLOURS["translation_wait"], "width": 1.5},
                name=words("chart.translation_wait"),
                legendgroup="waiting",
                showlegend=row == 1,
                hovertemplate=words("chart.waiting", pool=pool) + "<extra></extra>",
            ),
            row=row,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=[*in_service, in_service[-1]],
                mode="lines",
                line={
                    "shape": "hv",
                    "color": PART_COLOURS["translation_service"],
                    "dash": "dot",
                    "width": 2,
                },
                name=words("chart.translation_service"),
                legendgroup="service",
                showlegend=row == 1,
                hovertemplate=words("chart.in_service", pool=pool) + "<extra></extra>",
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(
            range=[0, top],
            dtick=1,
            gridcolor="#eee",
            row=row,
            col=1,
            title_text=words("chart.jobs"),
        )
    figure.update_xaxes(gridcolor="#eee")
    figure.update_xaxes(time_axis(timeline, end_h), row=len(pools), col=1)
    return layout(figure, height=110 + 120 * len(pools), hovermode="x unified")


def scorecard(metrics: dict[str, Any], words: Words) -> go.Figure:
    """Per inject, its expected actions by result, as stacked bars."""
    counts = msel_counts(metrics)
    injects = list(counts)
    figure = go.Figure()
    for status in STATUSES:
        values = [counts[inject][status] for inject in injects]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                y=injects,
                x=values,
                orientation="h",
                name=words(f"status.{status}"),
                marker_color=STATUS_COLOURS[status],
                hovertemplate="%{y}: %{x} <extra>%{fullData.name}</extra>",
            )
        )
    return layout(
        figure,
        height=120 + 22 * len(injects),
        barmode="stack",
        xaxis={"title": words("chart.expected_actions"), "dtick": 1, "gridcolor": "#eee"},
        yaxis={"autorange": "reversed"},
    )
