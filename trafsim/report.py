"""The text summary of a run: rendered from the metrics document, bars before numbers."""

from __future__ import annotations

from typing import Any

BAR = 28


def _bar(value: float, largest: float) -> str:
    if largest <= 0:
        return ""
    cells = value / largest * BAR
    return "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")


def _duration(seconds: float | None) -> str:
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
    lines.append("")
    lines.append(
        f"{m['submitted']} envelopes submitted ({m['refused']} refused at the door) → "
        f"{m['deliveries']} deliveries"
    )
    outcome = {key: m[key] for key in ("delivered", "rejected", "dropped", "pending")}
    largest = max(outcome.values(), default=0)
    for key, value in outcome.items():
        lines.append(f"  {key:<10} {value:>6}  {_bar(value, largest)}")
    reasons = {k: v for k, v in m["rejected_by_reason"].items() if v}
    if reasons:
        lines.append("")
        lines.append("Where cooperation broke down (rejected deliveries by reason)")
        largest = max(reasons.values())
        for reason, value in sorted(reasons.items(), key=lambda item: -item[1]):
            lines.append(f"  {reason:<22} {value:>5}  {_bar(value, largest)}")
    delays = metrics["delay_s"]
    lines.append("")
    lines.append("Delay of delivered messages (exercise time)      p50      p90      max")
    for part in (
        "total",
        "channel_latency",
        "translation_wait",
        "translation_service",
        "outage_hold",
        "other",
    ):
        summary = delays[part]
        lines.append(
            f"  {part:<40} {_duration(summary['p50']):>8} {_duration(summary['p90']):>8} {_duration(summary['max']):>8}"
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
                f"{_duration(data['wait_s']['max']):>13} {data['queued_at_end']:>14}"
            )
    channels = metrics["channels"]
    if channels:
        lines.append("")
        lines.append("Channels (delivered, and median latency)")
        largest = max(data["delivered"] for data in channels.values())
        for channel, data in sorted(channels.items(), key=lambda item: -item[1]["delivered"]):
            lines.append(
                f"  {channel:<20} {data['delivered']:>5}  {_duration(data['latency_s']['p50']):>7}  "
                f"{_bar(data['delivered'], largest)}"
            )
    return "\n".join(lines) + "\n"
