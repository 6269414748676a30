"""Findings: the bottlenecks of an exercise ranked and said in plain words, each with the
figures it cites kept as data, so that a reader (or a test) can check the sentence."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from trafsim.aar.timeline import Delivery, Timeline
from trafsim.aar.words import Words

SECOND_US = 1_000_000
TOP_DELAY_CAUSES = 5
CAUSES = (
    "channel_latency",
    "translation_wait",
    "translation_service",
    "outage_hold",
    "office_hours_wait",
)
"""The delay parts whose cause has a name (a channel, a pool, a disruption, the office
that was closed)."""


@dataclass(frozen=True)
class Finding:
    """One finding: its topic, its sentence, and the figures the sentence cites."""

    topic: str
    """`delay`, `cross_border`, `refusal`, `request`, `msel`, `pool`, `disruption`,
    `pending`."""
    sentence: str
    numbers: dict[str, Any] = field(default_factory=dict)
    source: str = "records"
    """Where the figures come from: `records`, or the metrics key (`metrics.requests`)."""


def is_case_traffic(path: Delivery) -> bool:
    """A delivery of an envelope about a case, sent by someone in play (not background
    traffic, not the bus's own nacks)."""
    return bool(path.case_refs) and path.origin not in ("background", "bus")


def cases_of(timeline: Timeline) -> list[str]:
    """The cases in play, busiest first (by their deliveries)."""
    count: Counter[str] = Counter()
    for path in timeline.paths:
        if is_case_traffic(path):
            count.update(set(path.case_refs))
    return [case for case, _ in sorted(count.items(), key=lambda item: (-item[1], item[0]))]


def percent(part: float, whole: float) -> int:
    """A share in whole percent (0 when there is no whole)."""
    return round(100 * part / whole) if whole else 0


def findings_of(
    timeline: Timeline, metrics: dict[str, Any], words: Words | None = None
) -> list[Finding]:
    """Every finding, the worst first within each topic, topics in reading order."""
    said = words or Words()
    return [
        *delay_findings(timeline, said),
        *cross_border_findings(timeline, said),
        *refusal_findings(timeline, said),
        *request_findings(metrics, said),
        *msel_findings(metrics, timeline, said),
        *pool_findings(metrics, said),
        *disruption_findings(metrics, timeline, said),
        *pending_findings(metrics, said),
    ]


def delay_causes(timeline: Timeline) -> tuple[int, dict[tuple[str, str], list[int]]]:
    """The summed delay of delivered case traffic (µs), and each cause's share of it: a
    cause is a delay part and where it arose (the channel, the pool, the disruption)."""
    total = 0
    causes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for path in timeline.paths:
        if path.status != "delivered" or not is_case_traffic(path):
            continue
        total += path.total_us
        for part, us in path.delay_us.items():
            if part == "total" or us == 0:
                continue
            causes[(part, _where(path, part))].append(us)
    return total, causes


def _where(path: Delivery, part: str) -> str:
    """Where a delivery's delay part arose."""
    if part == "channel_latency":
        return path.channel or "-"
    if part.startswith("translation_"):
        return path.pool or "-"
    if part == "outage_hold":
        return path.holders[0] if path.holders else "-"
    if part == "office_hours_wait":
        return path.recipient
    return "-"


def delay_findings(timeline: Timeline, words: Words) -> list[Finding]:
    """The causes that took the largest shares of the delay of case traffic."""
    total, causes = delay_causes(timeline)
    ranked = sorted(causes.items(), key=lambda item: (-sum(item[1]), item[0]))
    found = []
    for (part, where), values in ranked[:TOP_DELAY_CAUSES]:
        share = percent(sum(values), total)
        if share < 1:
            break
        if part in CAUSES:
            what = words(f"finding.{part}", where=where)
        else:
            what = words("finding.other_part", part=words(f"part.{part}"), where=where)
        mean_s = sum(values) / len(values) / SECOND_US
        found.append(
            Finding(
                "delay",
                words(
                    "finding.delay",
                    share=share,
                    what=what,
                    count=len(values),
                    noun=words.plural(len(values), "delivery"),
                    mean=words.duration(mean_s),
                ),
                {
                    "part": part,
                    "where": where,
                    "share_pct": share,
                    "deliveries": len(values),
                    "delay_s": sum(values) / SECOND_US,
                    "mean_s": mean_s,
                    "case_traffic_delay_s": total / SECOND_US,
                },
            )
        )
    return found


def cross_border(timeline: Timeline, path: Delivery) -> bool:
    """Sender and recipient are agencies of different countries."""
    sender, recipient = timeline.country(path.sender), timeline.country(path.recipient)
    return sender is not None and recipient is not None and sender != recipient


def cross_border_findings(timeline: Timeline, words: Words) -> list[Finding]:
    """For each case, how much of its cross-border delay was translation, and by whom."""
    found = []
    for case in cases_of(timeline):
        paths = [
            path
            for path in timeline.paths
            if path.status == "delivered"
            and is_case_traffic(path)
            and case in path.case_refs
            and cross_border(timeline, path)
        ]
        total = sum(path.total_us for path in paths)
        by_pool: dict[str, list[Delivery]] = defaultdict(list)
        for path in paths:
            if path.pool is not None:
                by_pool[path.pool].append(path)
        if not total or not by_pool:
            continue
        pool, translated = max(
            by_pool.items(),
            key=lambda item: (_translation_us(item[1]), item[0]),
        )
        wait = sum(path.delay_us.get("translation_wait", 0) for path in translated)
        service = sum(path.delay_us.get("translation_service", 0) for path in translated)
        share = percent(wait + service, total)
        if share < 1:
            continue
        name = timeline.pool(pool).get("name")
        named = words("finding.pool_name", name=name) if name else ""
        found.append(
            Finding(
                "cross_border",
                words(
                    "finding.cross_border",
                    share=share,
                    case=case,
                    pool=pool,
                    name=named,
                    wait=percent(wait, total),
                    service=percent(service, total),
                    translated=len(translated),
                    deliveries=len(paths),
                ),
                {
                    "case": case,
                    "pool": pool,
                    "share_pct": share,
                    "wait_pct": percent(wait, total),
                    "service_pct": percent(service, total),
                    "translated": len(translated),
                    "deliveries": len(paths),
                    "translation_s": (wait + service) / SECOND_US,
                    "cross_border_delay_s": total / SECOND_US,
                },
            )
        )
    return sorted(found, key=lambda f: (-f.numbers["translation_s"], f.numbers["case"]))


def _translation_us(paths: list[Delivery]) -> int:
    return sum(
        path.delay_us.get("translation_wait", 0) + path.delay_us.get("translation_service", 0)
        for path in paths
    )


def refusal_findings(timeline: Timeline, words: Words) -> list[Finding]:
    """Deliveries the bus refused or lost, by message type and reason, most first."""
    deliveries: Counter[str] = Counter(path.kind for path in timeline.paths)
    groups: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for path in timeline.paths:
        if path.status in ("rejected", "dropped"):
            groups[(path.status, path.kind, path.reason or "-")].append(path)
    found = []
    for (status, kind, reason), paths in sorted(
        groups.items(), key=lambda item: (-len(item[1]), item[0])
    ):
        senders = Counter(path.sender for path in paths)
        if len(senders) == 1:
            who = words("finding.all_sent_by", sender=paths[0].sender)
        else:
            listed = ", ".join(f"{s} ({n})" for s, n in sorted(senders.items()))
            who = words("finding.sent_by", senders=listed)
        hints = Counter(path.hint for path in paths if path.hint)
        advice = words("finding.advice", hint=hints.most_common(1)[0][0]) if hints else ""
        found.append(
            Finding(
                "refusal",
                words(
                    "finding.refused" if status == "rejected" else "finding.lost",
                    count=len(paths),
                    deliveries=deliveries[kind],
                    kind=kind,
                    was=words.plural(len(paths), "was"),
                    reason=reason,
                    who=who,
                    advice=advice,
                ),
                {
                    "status": status,
                    "kind": kind,
                    "reason": reason,
                    "count": len(paths),
                    "deliveries": deliveries[kind],
                    "senders": dict(sorted(senders.items())),
                },
            )
        )
    return found


def request_findings(metrics: dict[str, Any], words: Words) -> list[Finding]:
    """Requests that did not get their answer, the worst share first."""
    found = []
    for kind, data in metrics.get("requests", {}).items():
        failed = data["refused"] + data["rejected"] + data["unanswered"]
        if not data["sent"] or not failed:
            continue
        response = data["response_s"]["p50"]
        median = (
            words(
                "finding.median",
                time=words.duration(response),
                in_time=data["answered_in_time"],
            )
            if data["answered"]
            else ""
        )
        found.append(
            Finding(
                "request",
                words(
                    "finding.request",
                    kind=kind,
                    median=median,
                    **{key: data[key] for key in ("answered", "sent", "refused", "rejected")},
                    unanswered=data["unanswered"],
                ),
                {
                    "kind": kind,
                    **{
                        key: data[key]
                        for key in (
                            "sent",
                            "answered",
                            "answered_in_time",
                            "refused",
                            "rejected",
                            "unanswered",
                        )
                    },
                    "median_response_s": response,
                },
                source=f"metrics.requests.{kind}",
            )
        )
    return sorted(found, key=lambda f: (-_failed_share(f.numbers), f.numbers["kind"]))


def _failed_share(numbers: dict[str, Any]) -> float:
    failed = numbers["refused"] + numbers["rejected"] + numbers["unanswered"]
    return float(failed / numbers["sent"])


def msel_findings(metrics: dict[str, Any], timeline: Timeline, words: Words) -> list[Finding]:
    """The MSEL's score, then every expected action that was missed."""
    tally: Counter[str] = Counter()
    missed = []
    for inject, data in metrics.get("msel", {}).items():
        for index, action in enumerate(data["expected"]):
            tally[action["status"]] += 1
            if action["status"] == "missed":
                missed.append((inject, index, action["text"]))
    if not tally:
        return []
    scored = sum(n for status, n in tally.items() if status != "not_scored")
    found = [
        Finding(
            "msel",
            words(
                "finding.msel",
                scored=scored,
                **{status: tally[status] for status in ("met", "late", "missed", "open")},
                not_scored=tally["not_scored"],
            ),
            {
                "scored": scored,
                **{
                    status: tally[status]
                    for status in ("met", "late", "missed", "open", "not_scored")
                },
            },
            source="metrics.msel",
        )
    ]
    for inject, index, text in missed:
        fired = metrics["msel"][inject]["fired_s"]
        when = "" if fired is None else words("finding.fired", when=_when(timeline, fired))
        found.append(
            Finding(
                "msel",
                words("finding.missed", inject=inject, fired=when, text=text),
                {"inject": inject, "index": index, "status": "missed"},
                source=f"metrics.msel.{inject}",
            )
        )
    return found


def pool_findings(metrics: dict[str, Any], words: Words) -> list[Finding]:
    """Translation pools where jobs waited, the longest wait first."""
    found = []
    for pool, data in metrics.get("translation_pools", {}).items():
        wait = data["wait_s"]
        if not wait["count"] or not wait["max"]:
            continue
        found.append(
            Finding(
                "pool",
                words(
                    "finding.pool",
                    pool=pool,
                    servers=data["servers"],
                    noun=words.plural(data["servers"], "translator"),
                    served=data["served"],
                    longest=words.duration(wait["max"]),
                    mean=words.duration(wait["mean"]),
                    queue=data["max_queue"],
                ),
                {
                    "pool": pool,
                    "servers": data["servers"],
                    "served": data["served"],
                    "max_wait_s": wait["max"],
                    "mean_wait_s": wait["mean"],
                    "max_queue": data["max_queue"],
                },
                source=f"metrics.translation_pools.{pool}",
            )
        )
    return sorted(found, key=lambda f: (-f.numbers["max_wait_s"], f.numbers["pool"]))


def disruption_findings(metrics: dict[str, Any], timeline: Timeline, words: Words) -> list[Finding]:
    """Disruptions that hit deliveries, the most hit first."""
    found = []
    for name, data in metrics.get("disruptions", {}).items():
        if not data["deliveries_hit"] or data["started_s"] is None:
            continue
        effects = [
            words(f"finding.{key}", n=data[key])
            for key in ("held", "rejected", "dropped")
            if data[key]
        ]
        if data["added_delay_s"]:
            effects.append(words("finding.added", time=words.duration(data["added_delay_s"])))
        window = _when(timeline, data["started_s"])
        if data["healed_s"] is not None:
            window = words("finding.window", start=window, end=_when(timeline, data["healed_s"]))
        found.append(
            Finding(
                "disruption",
                words(
                    "finding.disruption",
                    id=name,
                    type=data["type"],
                    window=window,
                    count=data["deliveries_hit"],
                    noun=words.plural(data["deliveries_hit"], "delivery"),
                    effects=", ".join(effects),
                ),
                {
                    "disruption": name,
                    "deliveries_hit": data["deliveries_hit"],
                    "held": data["held"],
                    "rejected": data["rejected"],
                    "dropped": data["dropped"],
                    "added_delay_s": data["added_delay_s"],
                },
                source=f"metrics.disruptions.{name}",
            )
        )
    return sorted(found, key=lambda f: (-f.numbers["deliveries_hit"], f.numbers["disruption"]))


def pending_findings(metrics: dict[str, Any], words: Words) -> list[Finding]:
    """Deliveries still under way when the log ends."""
    pending = metrics["messages"]["pending"]
    if not pending:
        return []
    where = metrics["pending_at_end"]
    parts = [
        words(f"finding.{word}", n=where[key])
        for key, word in (
            ("in_transit", "in_transit"),
            ("queued", "queued"),
            ("in_service", "in_service"),
            ("held", "held_at_end"),
            ("office_closed", "office_closed"),
        )
        if where.get(key)
    ]
    return [
        Finding(
            "pending",
            words(
                "finding.pending",
                count=pending,
                noun=words.plural(pending, "delivery_was"),
                where=", ".join(parts),
            ),
            {"pending": pending, **where},
            source="metrics.pending_at_end",
        )
    ]


def _when(timeline: Timeline, seconds: float) -> str:
    """Exercise seconds as a time of play: `D2 14:00`."""
    return timeline.calendar.day_time(round(seconds * SECOND_US))
