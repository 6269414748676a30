"""`msel` (SPEC §16) on a constructed exercise worked out by hand: each inject's status
and first firing, and each expected action met, late, missed, open or not scored."""

from __future__ import annotations

from typing import Any

from tests.bus.test_metrics_cases import REFERRAL
from tests.bus.test_rules import REQUEST, exercise, send
from trafsim_bus.core.actions import decode_action
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.timebase import HOUR

INJECTS = """
[[inject]]
id = "q1"
at = "D1 10:00"
from = "excon"
to = ["kz-police"]
body = { kind = "excon_note", title = "Ask", text = "Ask the Uzbek police." }

[[inject.expected_actions]]
text = "Ask the Uzbek police within 2 h"
match = { type = "info_request", from = "kz-police", to = "uz-police", within = "2h" }

[[inject.expected_actions]]
text = "Refer to the shelter within 1 h"
match = { type = "referral", from = "kz-police", to = "kz-ngo", within = "1h" }

[[inject.expected_actions]]
text = "Brief the team"

[[inject.expected_actions]]
text = "MLA request within a day"
match = { type = "mla_request", from = "kz-pgo", to = "uz-pgo", within = "1d" }

[[inject]]
id = "q2"
at = "D2 10:00"
from = "excon"
to = ["kz-police"]
body = { kind = "excon_note", title = "Wait", text = "Wait for the answer." }

[[inject.expected_actions]]
text = "Acknowledge within three days"
match = { type = "ack", from = "kz-police", within = "3d" }

[[inject]]
id = "q3"
at = "D1 12:00"
from = "excon"
to = ["kz-police"]
body = { kind = "excon_note", title = "Later", text = "Never sent." }

[[inject.expected_actions]]
text = "Anything"
match = { type = "alert", within = "1h" }
"""


def scored() -> tuple[dict[str, Any], dict[str, str]]:
    """A question at 0.5 h (before q1 fires at 1 h) and one at 2 h; a referral at 3 h; q3
    held at 0.5 h then cancelled; the metrics at ENDEX (D4 09:00, 72 h)."""
    bus = exercise(INJECTS)
    early = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(HOUR // 2)
    for action in ({"action": "hold", "inject": "q3"}, {"action": "cancel", "inject": "q3"}):
        bus.control(decode_action(action), actor="controller")
    bus.advance_to(2 * HOUR)
    asked = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(3 * HOUR)
    referred = send(bus, 3, "kz-police", ["kz-ngo"], REFERRAL)
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    ids = {"early": str(early.id), "asked": str(asked.id), "referred": str(referred.id)}
    return compute_metrics(records, (records[-1].seq, ""))["msel"], ids


def test_expected_actions_met_late_missed_open_or_not_scored() -> None:
    """q1 (fired at 1 h): the 2 h question meets its 2 h window (the 0.5 h one came before
    the inject), the 3 h referral is 2 h into a 1 h window (late), the briefing has no match,
    no MLA came in a day that is over (missed). q2 (fired at 25 h): no ack yet, 47 h into a
    3-day window (open). q3: held, then cancelled before it fired (open, never fired)."""
    msel, ids = scored()
    hour = 3600.0
    assert msel["q1"] == {
        "status": "fired",
        "fired_s": 1 * hour,
        "expected": [
            {"text": "Ask the Uzbek police within 2 h", "status": "met", "at_s": 2 * hour,
             "envelope_id": ids["asked"]},
            {"text": "Refer to the shelter within 1 h", "status": "late", "at_s": 3 * hour,
             "envelope_id": ids["referred"]},
            {"text": "Brief the team", "status": "not_scored", "at_s": None, "envelope_id": None},
            {"text": "MLA request within a day", "status": "missed", "at_s": None,
             "envelope_id": None},
        ],
    }  # fmt: skip
    assert msel["q2"] == {
        "status": "fired",
        "fired_s": 25 * hour,
        "expected": [
            {"text": "Acknowledge within three days", "status": "open", "at_s": None,
             "envelope_id": None},
        ],
    }  # fmt: skip
    assert msel["q3"]["status"] == "cancelled"
    assert msel["q3"]["fired_s"] is None
    assert [e["status"] for e in msel["q3"]["expected"]] == ["open"]
    assert ids["early"] not in {e["envelope_id"] for e in msel["q1"]["expected"]}


def test_silk_thread_scorecard_matches_a_check_by_hand_of_six_actions() -> None:
    """Seed 1 of SILK THREAD: six expected actions across the cases, each checked by
    searching the log directly for the inject's first firing and the first envelope after
    it of the type, sender and recipient the scenario names, against its window.

    Re-checked on the seed-1 log after TJ-PGO and TM-PGO joined (issue 11 item 2): the
    five earlier statuses hold; m11's new letter of request to TJ-PGO is met (m11 fires
    at D3 10:00, KZ-PGO's letter for case C leaves about 27 h later, in a 30-day window)."""
    from tests.bus.helpers import play
    from trafsim_bus import load_scenario

    scenario = load_scenario("silk-thread")
    _, records = play(scenario, 1)
    msel = compute_metrics(records, (records[-1].seq, ""))["msel"]
    chosen = {
        # Re-checked by hand on the seed-1 log after issue 11 items 4-7 changed the
        # scenario's text and gave each playbook decision its own draw: m02 fires D1 10:30
        # (seq 267) and the shelter's alert to kz-mia-at follows an hour later (12 h
        # window); m04's referral to kz-child 0.6 h after it (3 h window); kz-mia-at hands
        # the seized items to the prosecutor 1.1 h after m06; m10's request to the Uzbek
        # FIU comes 85 h after it, past its 1 d window; KG-PGO's JIT decision and KZ-PGO's
        # letter for case C (148 h after m11, 30-day window) are met.
        ("m02", "ALERT to KZ-MIA-AT"): "met",
        ("m04", "Child protocol: the girl referred to KZ-CHILD"): "met",
        ("m06", "EVIDENCE_TRANSFER of the phones"): "met",
        ("m10", "FIN_INTEL_REQUEST to the Uzbek FIU"): "late",
        ("m15", "JIT_DECISION from KG-PGO"): "met",
        ("m11", "Letter of request to TJ-PGO"): "met",
    }
    injects = {inject.id: inject for inject in scenario.injects}
    end_us = records[-1].t_us
    for (inject_id, text), wanted in chosen.items():
        action = next(a for a in injects[inject_id].expected_actions if a.text.startswith(text))
        fired = next(
            r for r in records if r.kind == "inject_fired" and r.data["inject_id"] == inject_id
        )
        answer = next(
            (
                r
                for r in records
                if r.seq > fired.seq
                and r.kind == "envelope_submitted"
                and r.origin != "bus"
                and r.data["envelope"]["body"]["kind"] == action.match_type
                and action.match_from in (None, r.data["envelope"]["sender"])
                and (action.match_to is None or action.match_to in r.data["envelope"]["recipients"])
            ),
            None,
        )
        window = action.within_us or 0
        if answer is None:
            by_hand = "missed" if end_us - fired.t_us > window else "open"
        else:
            by_hand = "met" if answer.t_us - fired.t_us <= window else "late"
        assert by_hand == wanted, (inject_id, text)
        scored = next(e for e in msel[inject_id]["expected"] if e["text"] == action.text)
        assert scored["status"] == by_hand, (inject_id, text)
        assert scored["envelope_id"] == (answer.envelope_id if answer else None)
