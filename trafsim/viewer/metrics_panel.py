"""The metrics as they were at a moment: the metrics document of the log's prefix up to
that record (`compute_metrics`, SPEC §12, §16), a few recent ones kept, and the parts the
viewer shows, narrowed by the filters where they are keyed by case or message type."""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Any, Final

from trafsim.viewer.filters import Filters
from trafsim.viewer.timeline import Timeline
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.timebase import SECOND, format_duration

KEPT: Final = 16
"""Documents kept, by seq (the last moments looked at)."""
HEADLINE: Final = ("submitted", "delivered", "rejected", "dropped", "pending")
EXPECTED: Final = ("met", "late", "missed", "open", "not_scored")


class MetricsCache:
    """The metrics documents of a timeline's prefixes."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._kept: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def at(self, seq: int) -> dict[str, Any]:
        """The metrics document of records 0..seq."""
        found = self._kept.get(seq)
        if found is None:
            timeline = self.timeline
            found = compute_metrics(timeline.records[: seq + 1], (seq, timeline.hashes[seq]))
            self._kept[seq] = found
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(seq)
        return found


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(round(seconds * SECOND))


def panel(timeline: Timeline, document: dict[str, Any], filters: Filters) -> dict[str, Any]:
    """What the metrics panel shows of a document."""
    messages = document["messages"]
    total = document["delay_s"]["total"]
    requests = [
        {
            "type": kind,
            **{key: found[key] for key in ("sent", "answered", "answered_in_time", "unanswered")},
            "refused": found["refused"] + found["rejected"],
            "response": _duration(found["response_s"]["mean"]),
        }
        for kind, found in sorted(document["requests"].items())
        if filters.type is None or kind == filters.type
    ]
    calendar = timeline.calendar
    cases = [
        {
            "case": case,
            "messages": found["messages"],
            "rejected": found["rejected"],
            "milestones": [
                {"name": name, "when": calendar.label(round(at * SECOND))}
                for name, at in sorted(found["milestones"].items(), key=lambda item: item[1] or 0)
                if at is not None
            ],
        }
        for case, found in sorted(document["cases"].items())
        if filters.case is None or case == filters.case
    ]
    pools = [
        {
            "id": pool_id,
            "servers": found["servers"],
            "served": found["served"],
            "wait": _duration(found["wait_s"]["mean"]),
            "max_queue": found["max_queue"],
            "queued": found["queued_at_end"],
        }
        for pool_id, found in sorted(document["translation_pools"].items())
    ]
    expected: Counter[str] = Counter(
        action["status"] for inject in document["msel"].values() for action in inject["expected"]
    )
    return {
        "seq": document["log_head"]["seq"],
        "headline": {key: messages[key] for key in HEADLINE},
        "delay_mean": _duration(total["mean"]),
        "delay_p90": _duration(total["p90"]),
        "requests": requests,
        "cases": cases,
        "pools": pools,
        "expected": {status: expected[status] for status in EXPECTED},
    }
