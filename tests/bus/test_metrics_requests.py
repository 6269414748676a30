"""`requests` and `delay_by` (SPEC §16) on a constructed exercise whose answers are worked
out by hand: the rules scenario (fixed delays), five questions from the Kazakh police to
the Uzbek police and an MLA request the bus refuses, answered, refused and left as the
test says."""

from __future__ import annotations

from typing import Any

from tests.bus.test_rules import MLA, REQUEST, exercise, send
from trafsim_bus import Bus
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.timebase import HOUR

IN_TEN_HOURS = {"level": "normal", "respond_by": "2026-06-01T19:00:00+05:00"}
ANSWER = {"kind": "info_response", "findings": ["The number is known to us."]}
UZBEK = {
    "language": "uzb",
    "script": "Latn",
    "handling": {"codes": ["H1"]},
    "evaluation": {"source": "B", "information": 2},
}


def played() -> dict[str, Any]:
    """Questions at 0 h; answers, a refusal and a receipt at 8 h and 12 h; the metrics at
    ENDEX."""
    bus = exercise()
    q1 = send(bus, 1, "kz-police", ["uz-police"], REQUEST, priority=IN_TEN_HOURS)
    q2 = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    q3 = send(bus, 3, "kz-police", ["uz-police"], REQUEST, priority=IN_TEN_HOURS)
    q4 = send(bus, 4, "kz-police", ["uz-police"], REQUEST)
    q5 = send(bus, 5, "kz-police", ["uz-police"], REQUEST)
    send(bus, 6, "kz-police", ["uz-pgo"], MLA)
    bus.advance_to(8 * HOUR)
    send(bus, 7, "uz-police", ["kz-police"], ANSWER, in_reply_to=str(q1.id), **UZBEK)
    refusal = {"kind": "nack", "ack_of": str(q4.id), "reason": "capacity", "detail": "No one free."}
    send(bus, 8, "uz-police", ["kz-police"], refusal, in_reply_to=str(q4.id), **UZBEK)
    receipt = {"kind": "ack", "ack_of": str(q5.id)}
    send(bus, 9, "uz-police", ["kz-police"], receipt, in_reply_to=str(q5.id), **UZBEK)
    bus.advance_to(12 * HOUR)
    for n, question in ((10, q2), (11, q3), (12, q1)):
        send(bus, n, "uz-police", ["kz-police"], ANSWER, in_reply_to=str(question.id), **UZBEK)
    return finished(bus)


def finished(bus: Bus) -> dict[str, Any]:
    """The metrics document at ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    return compute_metrics(records, (records[-1].seq, ""))


def test_requests_are_answered_in_time_late_refused_rejected_or_not_at_all() -> None:
    """Per (request, recipient): q1 answered at 8 h before its 10 h deadline (a second
    answer at 12 h does not count), q2 at 12 h with no deadline (in time), q3 at 12 h after
    its deadline (late), q4 refused by the agency's nack, q5 only acknowledged
    (unanswered); the police's MLA request rejected by the bus."""
    requests = played()["requests"]
    hour = 3600.0
    assert requests["info_request"] == {
        "sent": 5,
        "answered": 3,
        "answered_in_time": 2,
        "refused": 1,
        "rejected": 0,
        "unanswered": 1,
        "response_s": {
            "count": 3,
            "mean": (8 + 12 + 12) * hour / 3,
            "p50": 12 * hour,
            "p90": 12 * hour,
            "max": 12 * hour,
        },
    }
    assert requests["mla_request"] == {
        "sent": 1,
        "answered": 0,
        "answered_in_time": 0,
        "refused": 0,
        "rejected": 1,
        "unanswered": 0,
        "response_s": {"count": 0, "mean": None, "p50": None, "p90": None, "max": None},
    }
    assert set(requests) == {"info_request", "mla_request"}


def test_delays_by_channel_pair_country_and_language() -> None:
    """The five questions reach the Uzbek police over `direct`: 3 h in transit, then the
    Uzbek pool's two translators take 4 h each, in arrival order: delivered at 7, 7, 11,
    11 and 15 h. The same figures show under the channel, the agency pair, KZ>UZ and
    rus>uzb."""
    delay_by = played()["delay_by"]
    hour = 3600.0
    totals = [7 * hour, 7 * hour, 11 * hour, 11 * hour, 15 * hour]
    expected_total = {
        "count": 5,
        "mean": sum(totals) / 5,
        "p50": 11 * hour,
        "p90": 15 * hour - 0.4 * 4 * hour,
        "max": 15 * hour,
    }
    for dimension, key in (
        ("channel", "direct"),
        ("agency_pair", "kz-police>uz-police"),
        ("country_pair", "KZ>UZ"),
        ("language_pair", "rus>uzb"),
    ):
        figures = delay_by[dimension][key]
        assert figures["total"] == expected_total, (dimension, key)
        assert figures["channel_latency"]["max"] == 3 * hour
        assert figures["translation_service"]["mean"] == 4 * hour
        assert figures["translation_wait"]["max"] == 8 * hour
    delivered = played()["messages"]["delivered"]
    for dimension in ("channel", "agency_pair", "country_pair", "language_pair"):
        assert sum(f["total"]["count"] for f in delay_by[dimension].values()) == delivered
