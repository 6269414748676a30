"""The report's content, whatever its format: the header, the findings and each section's
tables (the data every chart draws), built once from the records and the metrics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from trafsim.aar.findings import Finding, cases_of, findings_of, is_case_traffic
from trafsim.aar.timeline import Delivery, Timeline, timeline_of
from trafsim.aar.words import Words
from trafsim_bus.log.records import Record

SECOND_US = 1_000_000
DELAY_PARTS = (
    "channel_latency",
    "translation_wait",
    "translation_service",
    "outage_hold",
    "office_hours_wait",
    "other",
)
"""The parts of a delivery's delay, in the order they arise (those a log has are shown)."""
STATUSES = ("met", "late", "missed", "open", "not_scored")


@dataclass(frozen=True)
class Header:
    """Which exercise, which log, and how far it went."""

    title: str
    scenario: str
    seed: int
    exercise_id: str
    head_seq: int
    head_sha256: str
    sealed: bool
    start: str
    end: str
    """The span of play as times of play and calendar moments: `1 Jun 09:00 (D1)`."""
    source: str
    """The log's file name."""


@dataclass(frozen=True)
class Table:
    """Rows of text under a caption: a chart's data, or what stands instead of one."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """One part of the report; `empty` says what is missing when there is nothing to draw."""

    key: str
    title: str
    intro: str
    tables: tuple[Table, ...]
    empty: str | None = None


@dataclass(frozen=True)
class Report:
    """The whole report, with what the charts draw from."""

    header: Header
    findings: list[Finding]
    sections: list[Section]
    timeline: Timeline
    metrics: dict[str, Any]
    cases: list[str]
    words: Words


def build_report(
    records: list[Record], metrics: dict[str, Any], source: str, words: Words | None = None
) -> Report:
    """The report of a log: its records (in order) and its metrics document, in the
    language of `words` (English by default)."""
    said = words or Words()
    timeline = timeline_of(records)
    cases = cases_of(timeline)
    calendar = timeline.calendar
    header = Header(
        title=str(
            timeline.scenario.get("exercise", {}).get("title") or metrics["scenario"]["name"]
        ),
        scenario=str(metrics["scenario"]["name"]),
        seed=int(metrics["seed"]),
        exercise_id=str(metrics["exercise_id"]),
        head_seq=int(metrics["log_head"]["seq"]),
        head_sha256=str(metrics["log_head"]["sha256"]),
        sealed=bool(metrics["sealed"]),
        start=said.moment(calendar.label(0)),
        end=said.moment(calendar.label(timeline.end_us)),
        source=source,
    )
    sections = [
        timeline_section(timeline, cases, said),
        delay_section(metrics, cases, said),
        pair_section(timeline, metrics, said),
        queue_section(timeline, metrics, said),
        msel_section(timeline, metrics, said),
    ]
    findings = findings_of(timeline, metrics, said)
    return Report(header, findings, sections, timeline, metrics, cases, said)


def parts_of(summaries: dict[str, Any]) -> list[str]:
    """The delay parts a `delay_s` shape holds, in their order."""
    known = [part for part in DELAY_PARTS if part in summaries]
    return known + sorted(set(summaries) - {*DELAY_PARTS, "total"})


def case_paths(timeline: Timeline, case: str) -> list[Delivery]:
    """The deliveries a case's timeline shows, by submission."""
    return sorted(
        (p for p in timeline.paths if case in p.case_refs and is_case_traffic(p)),
        key=lambda p: (p.submitted_us, p.envelope_id, p.recipient),
    )


def _columns(words: Words, *keys: str) -> tuple[str, ...]:
    return tuple(words(f"column.{key}") for key in keys)


def timeline_section(timeline: Timeline, cases: list[str], words: Words) -> Section:
    """Every message of each case, and the disruptions in force."""
    when = timeline.calendar.day_time
    tables = []
    for case in cases:
        paths = case_paths(timeline, case)
        refused = sum(p.status in ("rejected", "dropped") for p in paths)
        rows = tuple(
            (
                when(p.submitted_us),
                p.sender,
                p.recipient,
                p.kind,
                words(f"status.{p.status}") + (f" ({p.reason})" if p.reason else ""),
                when(p.end_us) if p.end_us is not None else "-",
                words.duration(p.total_us / SECOND_US) if p.status == "delivered" else "-",
                _waits(p, words),
            )
            for p in paths
        )
        tables.append(
            Table(
                words(
                    "section.case_table",
                    case=case,
                    count=len(paths),
                    noun=words.plural(len(paths), "delivery"),
                    refused=refused,
                ),
                _columns(
                    words, "submitted", "from", "to", "type", "outcome", "ended", "delay", "waits"
                ),
                rows,
            )
        )
    held = Counter(cause for p in timeline.paths for cause in p.holders)
    windows = tuple(
        (
            w.disruption_id,
            w.type,
            when(w.start_us),
            when(w.end_us) if w.end_us is not None else words("status.not_healed"),
            ", ".join(w.pools) or "-",
            str(held[w.disruption_id]),
        )
        for w in timeline.windows
    )
    if windows:
        tables.append(
            Table(
                words("section.disruptions"),
                _columns(words, "disruption", "type", "from", "to", "pools", "held"),
                windows,
            )
        )
    return Section(
        "timelines",
        words("section.timelines"),
        words("section.timelines_intro"),
        tuple(tables),
        None if cases else words("section.timelines_empty"),
    )


def _waits(path: Delivery, words: Words) -> str:
    """A delivery's waits at barriers, in words."""
    return (
        "; ".join(
            words(
                "wait.for",
                wait=words(f"wait.{s.part}"),
                time=words.duration((s.end_us - s.start_us) / SECOND_US),
                cause=s.cause,
            )
            if s.end_us is not None
            else words("wait.until_end", wait=words(f"wait.{s.part}"), cause=s.cause)
            for s in path.spans
            if s.end_us is None or s.end_us > s.start_us
        )
        or "-"
    )


def delay_section(metrics: dict[str, Any], cases: list[str], words: Words) -> Section:
    """The mean delay of delivered messages, part by part, per case and per channel."""
    parts = parts_of(metrics["delay_s"])
    columns = (
        *_columns(words, "delivered", "mean_total"),
        *(words(f"part.{p}") if words.has(f"part.{p}") else p for p in parts),
    )

    def row(name: str, shape: dict[str, Any]) -> tuple[str, ...]:
        return (
            name,
            str(shape["total"]["count"]),
            words.duration(shape["total"]["mean"]),
            *(words.duration(shape[p]["mean"]) for p in parts),
        )

    by_case = tuple(
        row(case, metrics["cases"][case]["delay_s"])
        for case in cases
        if case in metrics["cases"] and metrics["cases"][case]["delay_s"]["total"]["count"]
    )
    channels = metrics["delay_by"]["channel"]
    by_channel = tuple(
        row(channel, channels[channel])
        for channel in sorted(channels, key=lambda c: -(channels[c]["total"]["mean"] or 0))
        if channels[channel]["total"]["count"]
    )
    return Section(
        "delays",
        words("section.delays"),
        words("section.delays_intro"),
        (
            Table(words("section.per_case"), (words("column.case"), *columns), by_case),
            Table(words("section.per_channel"), (words("column.channel"), *columns), by_channel),
        ),
        None if by_case or by_channel else words("section.delays_empty"),
    )


def rejections_by_pair(timeline: Timeline) -> Counter[tuple[str, str]]:
    """Deliveries the bus refused, per (sender, recipient)."""
    return Counter((p.sender, p.recipient) for p in timeline.paths if p.status == "rejected")


def pair_section(timeline: Timeline, metrics: dict[str, Any], words: Words) -> Section:
    """Agency pairs: the mean delay of what got through, and what was refused."""
    delays = {
        tuple(key.split(">", 1)): value
        for key, value in metrics["delay_by"]["agency_pair"].items()
        if not key.startswith("bus>")
    }
    refused = rejections_by_pair(timeline)
    pairs = sorted(
        set(delays) | set(refused),
        key=lambda pair: (-(delays[pair]["total"]["mean"] or 0) if pair in delays else 0, pair),
    )
    rows = tuple(
        (
            f"{pair[0]} → {pair[1]}",
            str(delays[pair]["total"]["count"]) if pair in delays else "0",
            words.duration(delays[pair]["total"]["mean"]) if pair in delays else "-",
            words.duration(delays[pair]["total"]["max"]) if pair in delays else "-",
            str(refused[pair]),
        )
        for pair in pairs
    )
    return Section(
        "pairs",
        words("section.pairs"),
        words("section.pairs_intro"),
        (
            Table(
                words("section.per_pair"),
                _columns(words, "pair", "delivered", "mean_delay", "max", "refused"),
                rows,
            ),
        ),
        None if rows else words("section.pairs_empty"),
    )


def queue_section(timeline: Timeline, metrics: dict[str, Any], words: Words) -> Section:
    """Each translation pool's queue over time, as a table of its peaks."""
    pools = metrics["translation_pools"]
    rows = []
    for pool, series in sorted(timeline.queues.items()):
        peak = max(series, key=lambda point: (point.waiting, -point.t_us))
        data = pools.get(pool, {})
        wait = data.get("wait_s", {})
        rows.append(
            (
                pool,
                str(data.get("servers", "-")),
                str(data.get("served", "-")),
                str(peak.waiting),
                timeline.calendar.day_time(peak.t_us) if peak.waiting else "-",
                words.duration(wait.get("mean")),
                words.duration(wait.get("max")),
                str(data.get("queued_at_end", "-")),
            )
        )
    return Section(
        "queues",
        words("section.queues"),
        words("section.queues_intro"),
        (
            Table(
                words("section.per_pool"),
                _columns(
                    words,
                    "pool",
                    "translators",
                    "served",
                    "most_waiting",
                    "longest_queue_at",
                    "mean_wait",
                    "longest_wait",
                    "queued_at_end",
                ),
                tuple(rows),
            ),
        ),
        None if rows else words("section.queues_empty"),
    )


def msel_section(timeline: Timeline, metrics: dict[str, Any], words: Words) -> Section:
    """The MSEL scorecard: every inject's expected actions and how each went."""
    when = timeline.calendar.day_time
    rows = []
    for inject, data in metrics.get("msel", {}).items():
        fired = when(round(data["fired_s"] * SECOND_US)) if data["fired_s"] is not None else "-"
        for action in data["expected"]:
            at = action["at_s"]
            rows.append(
                (
                    inject,
                    data["status"],
                    fired,
                    action["text"],
                    words(f"status.{action['status']}"),
                    when(round(at * SECOND_US)) if at is not None else "-",
                )
            )
    return Section(
        "msel",
        words("section.msel"),
        words("section.msel_intro"),
        (
            Table(
                words("section.expected_actions"),
                _columns(
                    words, "inject", "inject_status", "fired", "expected_action", "result", "when"
                ),
                tuple(rows),
            ),
        ),
        None if rows else words("section.msel_empty"),
    )


def msel_counts(metrics: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per inject with expected actions, how many ended in each status."""
    counts: dict[str, dict[str, int]] = {}
    for inject, data in metrics.get("msel", {}).items():
        if data["expected"]:
            tally = Counter(action["status"] for action in data["expected"])
            counts[inject] = {status: tally[status] for status in STATUSES}
    return counts
