"""The text summary of a run: rendered from the metrics document, bars before numbers."""

from __future__ import annotations

from typing import Any

from trafsim_bus.timebase import SECOND, Calendar

BAR = 28


def _bar(value: float, largest: float) -> str:
    if largest <= 0:
        return ""
    cells = value / largest * BAR
    return "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")


def duration(seconds: float | None) -> str:
    """A duration as people read it: `45s`, `12min`, `3.5h`, `2.1d`."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def render_summary(metrics: dict[str, Any], db: str | None = None) -> str:
    """A readable report of a metrics document."""
    m = metrics["messages"]
    lines = [
        f"{metrics['scenario']['name']} · seed {metrics['seed']} · exercise {metrics['exercise_id']}",
    ]
    if db:
        lines.append(f"log {db}")
    head = metrics["log_head"]
    lines.append(f"head seq={head['seq']} sha256={head['sha256']}")
    if not metrics["sealed"]:
        lines.append(
            "UNSEALED: the log ends before ENDEX (a live exercise, or a run cut short); "
            "what is pending may still move"
        )
    lines.append("")
    lines.append(
        f"{m['submitted']} envelopes submitted ({m['refused']} refused at the door) → "
        f"{m['deliveries']} deliveries"
    )
    outcome = {key: m[key] for key in ("delivered", "rejected", "dropped", "pending")}
    largest = max(outcome.values(), default=0)
    for key, value in outcome.items():
        lines.append(f"  {key:<10} {value:>6}  {_bar(value, largest)}")
    lines += _traffic(metrics)
    reasons = {k: v for k, v in m["rejected_by_reason"].items() if v}
    if reasons:
        lines.append("")
        lines.append("Where cooperation broke down (rejected deliveries by reason)")
        largest = max(reasons.values())
        for reason, value in sorted(reasons.items(), key=lambda item: -item[1]):
            lines.append(f"  {reason:<22} {value:>5}  {_bar(value, largest)}")
    lines += _msel(metrics)
    lines += _compliance(metrics)
    delays = metrics["delay_s"]
    lines.append("")
    lines.append("Delay of delivered messages (exercise time)      p50      p90      max")
    for part in (
        "total",
        "channel_latency",
        "translation_wait",
        "translation_service",
        "outage_hold",
        "office_hours_wait",
        "other",
    ):
        summary = delays[part]
        lines.append(
            f"  {part:<40} {duration(summary['p50']):>8} {duration(summary['p90']):>8} {duration(summary['max']):>8}"
        )
    pools = metrics["translation_pools"]
    busy = {pool: data for pool, data in pools.items() if data["served"] or data["queued_at_end"]}
    if busy:
        lines.append("")
        lines.append(
            "Translation pools                 served  max queue  longest wait  queued at end"
        )
        for pool, data in sorted(busy.items()):
            lines.append(
                f"  {pool:<30} {data['served']:>6} {data['max_queue']:>10} "
                f"{duration(data['wait_s']['max']):>13} {data['queued_at_end']:>14}"
            )
    lines += _disruptions(metrics)
    lines += _interpretation(metrics)
    channels = metrics["channels"]
    if channels:
        lines.append("")
        lines.append("Channels (delivered, and median latency)")
        largest = max(data["delivered"] for data in channels.values())
        for channel, data in sorted(channels.items(), key=lambda item: -item[1]["delivered"]):
            lines.append(
                f"  {channel:<20} {data['delivered']:>5}  {duration(data['latency_s']['p50']):>7}  "
                f"{_bar(data['delivered'], largest)}"
            )
    return "\n".join(lines) + "\n"


def _msel(metrics: dict[str, Any]) -> list[str]:
    """The MSEL scorecard in two lines: how the expected actions went, and which injects
    had one missed."""
    statuses: dict[str, int] = dict.fromkeys(("met", "late", "missed", "open", "not_scored"), 0)
    missed: list[str] = []
    for inject, found in metrics.get("msel", {}).items():
        for expected in found["expected"]:
            statuses[expected["status"]] += 1
            if expected["status"] == "missed" and inject not in missed:
                missed.append(inject)
    scored = sum(statuses.values()) - statuses["not_scored"]
    if not scored:
        return []
    lines = [
        "",
        f"MSEL expected actions: {scored} scored: {statuses['met']} met, "
        f"{statuses['late']} late, {statuses['missed']} missed, {statuses['open']} open "
        f"({statuses['not_scored']} for observers)",
    ]
    if missed:
        lines.append(f"  missed after injects {', '.join(missed)}")
    return lines


def _compliance(metrics: dict[str, Any]) -> list[str]:
    """Each compliance rule with findings, and how many."""
    found = {rule: len(items) for rule, items in metrics.get("compliance", {}).items() if items}
    if not found:
        return []
    lines = ["", "Compliance findings (victim protection, data, evidence)"]
    largest = max(found.values())
    for rule, count in sorted(found.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {rule:<36} {count:>4}  {_bar(count, largest)}")
    return lines


def _traffic(metrics: dict[str, Any]) -> list[str]:
    """Case traffic (what the cases are about) apart from the rest."""
    case = metrics["case_traffic"]["messages"]
    every = metrics["messages"]
    rows = [
        ("case traffic", case),
        ("other traffic", {k: every[k] - case[k] for k in case if isinstance(case[k], int)}),
    ]
    lines = [
        "",
        "Traffic                 envelopes  deliveries  delivered  rejected  dropped  pending",
    ]
    for name, counts in rows:
        lines.append(
            f"  {name:<22} {counts['submitted']:>8} {counts['deliveries']:>11} "
            f"{counts['delivered']:>10} {counts['rejected']:>9} {counts['dropped']:>8} "
            f"{counts['pending']:>8}"
        )
    return lines


def _disruptions(metrics: dict[str, Any]) -> list[str]:
    """What each disruption did, while it was in force."""
    started = {
        name: data for name, data in metrics["disruptions"].items() if data["started_s"] is not None
    }
    if not started:
        return []
    lines = ["", "Disruptions (when in force, and what they did)"]
    for name, data in sorted(started.items(), key=lambda item: item[1]["started_s"]):
        window = _window(metrics, data["started_s"], data["healed_s"])
        effects = [f"{data[key]} {key}" for key in ("held", "rejected", "dropped") if data[key]]
        if data["added_delay_s"]:
            effects.append(f"{duration(data['added_delay_s'])} added")
        hit = data["deliveries_hit"]
        if data["type"] == "translator_capacity":
            what = "changed a pool's translators (see the pools above)"
        elif hit or effects:
            what = f"{hit} {'delivery' if hit == 1 else 'deliveries'} hit: {', '.join(effects)}"
        else:
            what = "no delivery hit"
        lines.append(f"  {name:<26} {window:<22} {what}")
    return lines


def _interpretation(metrics: dict[str, Any]) -> list[str]:
    """How long interpreters took to be available, per interpretation service."""
    asked = {name: data for name, data in metrics["interpretation"].items() if data["requests"]}
    if not asked:
        return []
    lines = ["", "Interpreters (requested → available)   requests  answered   median      max"]
    for name, data in sorted(asked.items()):
        wait = data["wait_s"]
        lines.append(
            f"  {name:<36} {data['requests']:>8} {data['answered']:>9} "
            f"{duration(wait['p50']):>8} {duration(wait['max']):>8}"
        )
    return lines


def _window(metrics: dict[str, Any], start_s: float, end_s: float | None) -> str:
    """`D2 14:00-20:00`, or `D2 14:00-D3 02:00`, as times of play."""
    start = _when(metrics, start_s)
    if end_s is None:
        return f"{start}-"
    end = _when(metrics, end_s)
    day, _, clock = end.partition(" ")
    return f"{start}-{clock}" if start.startswith(day + " ") else f"{start}-{end}"


def _when(metrics: dict[str, Any], seconds: float) -> str:
    """An exercise time as the scenario writes times of play: `D2 14:00`."""
    calendar = metrics["calendar"]
    jumps = [(round(j["at_s"] * SECOND), round(j["by_s"] * SECOND)) for j in calendar["jumps"]]
    return Calendar.of(calendar["startex"], jumps).day_time(round(seconds * SECOND))
