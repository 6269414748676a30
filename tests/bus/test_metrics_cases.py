"""`cases` (SPEC §16) on a constructed exercise worked out by hand: milestones at the
first envelope that marks each (even one the bus then rejects), messages with the bus's
nacks, rejections, and the delays of what was delivered."""

from __future__ import annotations

from typing import Any

from tests.bus.test_rules import MLA, REQUEST, exercise, send
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.metrics.cases import MILESTONES
from trafsim_bus.timebase import HOUR

ALERT = {"kind": "alert", "alert_source": "patrol", "summary": "Men locked in at night."}
REFERRAL = {
    "kind": "referral",
    "referring_organisation": "kz-police",
    "referred_organisation": ["kz-ngo"],
    "reason_for_outgoing_referral": "AdditionalServicesRequired",
    "services_requested": ["shelter"],
    "persons": [{"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}],
}


def cases() -> dict[str, Any]:
    """At 0 h an alert nothing carries (rejected) and a question to the Uzbek police
    (delivered at 7 h); at 2 h an MLA request of two cases (arrives after ENDEX); at 3 h a
    referral without a consent record (rejected); a second alert at 3 h marks nothing."""
    bus = exercise()
    send(bus, 1, "kz-police", ["uz-police"], ALERT, case_refs=["KZ-1"])
    send(bus, 2, "kz-police", ["uz-police"], REQUEST, case_refs=["KZ-1"])
    bus.advance_to(2 * HOUR)
    send(bus, 3, "kz-pgo", ["uz-pgo"], MLA, case_refs=["KZ-1", "UZ-9"])
    bus.advance_to(3 * HOUR)
    send(bus, 4, "kz-police", ["kz-ngo"], REFERRAL, case_refs=["KZ-1"])
    send(bus, 5, "kz-police", ["uz-police"], ALERT, case_refs=["KZ-1"])
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    document: dict[str, Any] = compute_metrics(records, (records[-1].seq, ""))["cases"]
    return document


def test_milestones_messages_rejections_and_delays_per_case() -> None:
    """KZ-1: first alert at 0 s, MLA sent at 2 h, referral sent at 3 h, nothing else; six
    envelopes and the bus's three nacks; three rejections; one delivery made, at 7 h
    (3 h transit, 4 h with a translator). UZ-9: the MLA request alone, still on its way."""
    found = cases()
    expected = dict.fromkeys(MILESTONES)
    assert found["KZ-1"]["milestones"] == expected | {
        "first_alert": 0.0,
        "mla_sent": 2 * HOUR / 1e6,
        "referral_sent": 3 * HOUR / 1e6,
    }
    assert found["KZ-1"]["messages"] == 5 + 3
    assert found["KZ-1"]["rejected"] == 3
    total = found["KZ-1"]["delay_s"]["total"]
    assert (total["count"], total["max"]) == (1 + 3, 7 * HOUR / 1e6)
    assert found["KZ-1"]["delay_s"]["translation_service"]["max"] == 4 * HOUR / 1e6
    assert found["UZ-9"] == {
        "milestones": expected | {"mla_sent": 2 * HOUR / 1e6},
        "messages": 1,
        "rejected": 0,
        "delay_s": found["UZ-9"]["delay_s"],
    }
    assert found["UZ-9"]["delay_s"]["total"]["count"] == 0
    assert set(found) == {"KZ-1", "UZ-9"}
