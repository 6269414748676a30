"""Each barrier refuses what it should, with the reason, the hint and a nack from `bus`."""

from __future__ import annotations

from itertools import count
from typing import Any
from uuid import uuid5
from weakref import WeakKeyDictionary

import pytest

from protocols import Envelope, encode_json
from tests.bus.helpers import MINI, make_envelope, mini
from tests.documents import CONSENT, DOCUMENT, REFERRAL
from trafsim_bus import Bus, Submission
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario

_IDS: WeakKeyDictionary[Bus, count[int]] = WeakKeyDictionary()


def envelope(
    bus: Bus, sender: str, recipients: list[str], body: dict[str, Any], **fields: Any
) -> Envelope:
    """A valid envelope of this exercise, with a deterministic id (so its draws are too)."""
    key = f"test:{next(_IDS.setdefault(bus, count()))}"
    return make_envelope(bus, key, sender, recipients, body, **fields)


def started(text: str | None = None) -> Bus:
    """A begun bus with no playbooks: only the test's own messages move."""
    scenario = parse_scenario(text, "test.toml") if text else mini()
    bus = Bus(scenario)
    bus.begin()
    return bus


def send(bus: Bus, sent: Envelope, agency: str) -> Submission:
    """Submit an envelope as a team of `agency` would: its JSON bytes."""
    return bus.submit(encode_json(sent), agency=agency)


def records(bus: Bus) -> list[Record]:
    """Every record so far (nothing takes them in these tests)."""
    return bus.recorder.records


def run_out(bus: Bus) -> list[Record]:
    """Run to ENDEX; every record so far."""
    bus.advance_to(bus.clock.endex_us)
    return records(bus)


def outcome(bus: Bus, sent: Envelope, recipient: str) -> Record:
    """The record that ended a delivery (delivered, rejected or dropped)."""
    run_out(bus)
    for record in records(bus):
        if (
            record.envelope_id == str(sent.id)
            and record.recipient == recipient
            and record.kind in ("delivered", "rejected", "dropped")
        ):
            return record
    raise AssertionError("the delivery did not end")


@pytest.mark.parametrize(
    ("sender", "recipient", "body", "reason", "redirect"),
    [
        (
            "kz-police",
            "kz-nobody",
            {"kind": "alert", "alert_source": "patrol", "summary": "x"},
            "unknown_recipient",
            None,
        ),
        (
            "kz-police",
            "kz-ngo",
            {
                "kind": "screening",
                "person_id": "p",
                "instrument": "ilo_fl11",
                "indicators": [
                    {"id": "a", "dimension": "forced_labour", "strength": "weak", "present": True}
                ],
                "result": "possible",
            },
            "not_competent",
            None,
        ),
        (
            "kz-police",
            "uz-pgo",
            {
                "kind": "mla_request",
                "requesting_authority": "kz-pgo",
                "requested_authority": "uz-pgo",
                "treaty": "minsk_1993",
                "case_number": "KZ-1",
                "facts_summary": "x",
                "legal_qualification": ["KZ CC 128"],
                "actions_requested": ["search"],
            },
            "wrong_jurisdiction",
            "kz-pgo",
        ),
        (
            "kz-ngo",
            "uz-police",
            {"kind": "alert", "alert_source": "hotline", "summary": "x"},
            "no_channel",
            None,
        ),
    ],
)
def test_routing_refusals(
    sender: str, recipient: str, body: dict, reason: str, redirect: str | None
) -> None:
    """Unknown recipient, no competence, wrong jurisdiction (with the legal route), no channel."""
    bus = started()
    sent = envelope(bus, sender, [recipient], body)
    assert send(bus, sent, sender).accepted
    ended = outcome(bus, sent, recipient)
    assert (ended.kind, ended.data["reason"]) == ("rejected", reason)
    assert ended.data["redirect_to"] == redirect
    if redirect:
        assert ended.data["hint"] == f"send it through {redirect}"
    nack_id = uuid5(bus.exercise_id, f"nack:{sent.id}:{recipient}")
    nack = next(
        r for r in records(bus) if r.kind == "envelope_submitted" and r.envelope_id == str(nack_id)
    )
    body = nack.data["envelope"]
    assert nack.origin == "bus"
    assert body["sender"] == "bus"
    assert body["recipients"] == [sender]
    assert body["channel"] is None
    assert body["in_reply_to"] == str(sent.id)
    assert body["body"]["ack_of"] == str(sent.id)
    assert body["body"]["reason"] == reason
    assert body["body"]["redirect_to"] == redirect
    assert body["language"] == sent.language
    delivered = next(
        r for r in records(bus) if r.kind == "delivered" and r.envelope_id == str(nack_id)
    )
    assert delivered.t_us == nack.t_us == ended.t_us


def test_consent_gate() -> None:
    """Personal data passes only under a consent in force naming the recipient's kind: no
    record, a record, a withdrawal and a scope that leaves the recipient out all show."""
    bus = started()
    first = envelope(bus, "kz-police", ["kz-ngo"], REFERRAL)
    send(bus, first, "kz-police")
    send(bus, envelope(bus, "kz-police", ["kz-ngo"], CONSENT), "kz-police")
    second = envelope(bus, "kz-police", ["kz-ngo"], REFERRAL)
    send(bus, second, "kz-police")
    withdrawn = {**CONSENT, "withdrawn_at": "2026-06-01T10:00:00+05:00"}
    send(bus, envelope(bus, "kz-police", ["kz-ngo"], withdrawn), "kz-police")
    third = envelope(bus, "kz-police", ["kz-ngo"], REFERRAL)
    send(bus, third, "kz-police")
    narrow = {
        **CONSENT,
        "consent_id": "con-b",
        "person_id": "b",
        "scope": [{"agency": "kz-pgo", "data_categories": ["identity"]}],
    }
    send(bus, envelope(bus, "kz-police", ["kz-ngo"], narrow), "kz-police")
    fourth = envelope(
        bus,
        "kz-police",
        ["kz-ngo"],
        {**REFERRAL, "persons": [{"person_id": "b", "role": "victim", "consent_ref": "con-b"}]},
    )
    send(bus, fourth, "kz-police")
    minor = envelope(
        bus,
        "kz-police",
        ["kz-ngo"],
        {**REFERRAL, "persons": [{"person_id": "c", "role": "victim", "is_minor": True}]},
    )
    send(bus, minor, "kz-police")
    urgent = envelope(
        bus,
        "kz-police",
        ["kz-ngo"],
        {**REFERRAL, "persons": [{"person_id": "d", "role": "victim"}]},
        risk_to_life=True,
    )
    send(bus, urgent, "kz-police")
    run_out(bus)
    ends = {
        r.envelope_id: r
        for r in records(bus)
        if r.kind in ("delivered", "rejected") and r.recipient == "kz-ngo"
    }
    assert ends[str(first.id)].data["reason"] == "consent_missing"
    nack = next(
        r
        for r in records(bus)
        if r.kind == "envelope_submitted" and r.data["envelope"]["in_reply_to"] == str(first.id)
    )
    assert nack.data["envelope"]["body"]["detail"] == "unknown"
    assert ends[str(second.id)].kind == "delivered"
    assert ends[str(third.id)].data["detail"] == "withdrawn"
    assert ends[str(fourth.id)].data["detail"] == "out_of_scope"
    assert ends[str(minor.id)].kind == "delivered"
    assert ends[str(urgent.id)].kind == "delivered"


def test_handling_h2_stops_onward_dissemination() -> None:
    """Passing on an H2 message to someone who was not a party to it is refused."""
    bus = started()
    intel = envelope(
        bus,
        "uz-police",
        ["kz-police"],
        {"kind": "info_response", "findings": ["the recruiter lives in Andijan"]},
        handling={"codes": ["H1", "H2"]},
        evaluation={"source": "B", "information": 2},
        language="uzb",
        script="Latn",
    )
    send(bus, intel, "uz-police")
    onward = envelope(
        bus,
        "kz-police",
        ["kz-pgo"],
        {"kind": "info_response", "findings": ["as we heard"]},
        handling={"codes": ["H1"]},
        evaluation={"source": "B", "information": 2},
        derived_from=[str(intel.id)],
    )
    send(bus, onward, "kz-police")
    assert outcome(bus, onward, "kz-pgo").data["reason"] == "handling_violation"


def test_language_without_a_translator_is_refused() -> None:
    """A language the recipient does not read, with no pool to translate it, is refused."""
    bus = started()
    sent = envelope(
        bus,
        "kz-police",
        ["kz-ngo"],
        {"kind": "alert", "alert_source": "patrol", "summary": "x"},
        language="tuk",
        script="Latn",
    )
    send(bus, sent, "kz-police")
    assert outcome(bus, sent, "kz-ngo").data["reason"] == "language_not_accepted"


def test_channel_flags_on_the_delivery() -> None:
    """Intelligence channels mark deliveries intelligence-only; evidence over them is
    inadmissible; an evidence-grade channel keeps evidence as evidence."""
    # No loss on the police channel: whether the 5% loss draw hits depends on the
    # exercise id (the scenario's text), which has nothing to do with the flags.
    bus = started(MINI.read_text(encoding="utf-8").replace("loss = 0.05", "loss = 0.0", 1))
    intel = envelope(
        bus,
        "kz-police",
        ["uz-police"],
        {"kind": "info_request", "questions": ["?"]},
        evidentiary_status="evidence",
        language="uzb",
        script="Latn",
    )
    proof = envelope(
        bus,
        "kz-police",
        ["kz-pgo"],
        DOCUMENT,
        evidentiary_status="evidence",
    )
    for sent in (intel, proof):
        send(bus, sent, "kz-police")
    run_out(bus)
    found = {r.envelope_id: r.data["delivery"] for r in records(bus) if r.kind == "delivered"}
    assert found[str(intel.id)]["intelligence_only"]
    assert found[str(intel.id)]["inadmissible"]
    assert found[str(intel.id)]["evidentiary_status"] == "intelligence"
    assert found[str(proof.id)]["evidentiary_status"] == "evidence"
    assert not found[str(proof.id)]["inadmissible"]


DISRUPTIONS = """
[[disruption]]
id = "d-reject"
type = "outage"
target = {{ agencies = ["kz-pgo"] }}
attributes = {{ mode = "{mode}" }}
schedule = {{ start = "D1 09:00", duration = "3d" }}

[[disruption]]
id = "d-cut"
type = "link_cut"
target = {{ countries = ["KZ", "UZ"] }}
attributes = {{ mode = "reject" }}
schedule = {{ start = "D1 09:00", duration = "3d" }}
"""


@pytest.mark.parametrize(
    ("mode", "ending", "reason"),
    [
        ("reject", "rejected", "recipient_offline"),
        ("black_hole", "dropped", None),
        ("store_and_forward", "delivered", None),
    ],
)
def test_outage_modes_at_due_time(mode: str, ending: str, reason: str | None) -> None:
    """An outage holds, drops or refuses what falls due, each effect logged with its id."""
    bus = started(MINI.read_text() + DISRUPTIONS.format(mode=mode))
    sent = envelope(
        bus,
        "kz-police",
        ["kz-pgo"],
        DOCUMENT,
    )
    send(bus, sent, "kz-police")
    ended = outcome(bus, sent, "kz-pgo")
    assert ended.kind == ending
    assert ended.data.get("reason") == reason
    effects = [
        r for r in records(bus) if r.kind == "disruption_effect" and r.envelope_id == str(sent.id)
    ]
    assert [e.disruption_id for e in effects] == ["d-reject"]
    if mode == "store_and_forward":
        assert ended.data["delivery"]["delay_us"]["outage_hold"] > 0
        healed = next(
            r
            for r in records(bus)
            if r.kind == "disruption_healed" and r.disruption_id == "d-reject"
        )
        assert ended.t_us == healed.t_us


def test_link_cut_refuses_link_down() -> None:
    """A link cut between two countries refuses deliveries across it (sent while it is in
    force: at once)."""
    bus = started(MINI.read_text() + DISRUPTIONS.format(mode="reject"))
    sent = envelope(
        bus,
        "kz-police",
        ["uz-police"],
        {"kind": "info_request", "questions": ["?"]},
        language="uzb",
        script="Latn",
    )
    send(bus, sent, "kz-police")
    ended = outcome(bus, sent, "uz-police")
    assert ended.data["reason"] == "link_down"

    assert ended.t_us == 0
    assert ended.disruption_id == "d-cut"


CUT = """
[[disruption]]
id = "kz-uz-cut"
type = "link_cut"
description = "Fibre cut on the KZ-UZ link"
target = {{ countries = ["KZ", "UZ"] }}
attributes = {{ mode = "{mode}" }}
schedule = {{ start = "{start}", duration = "2d" }}
"""
QUESTION = {"kind": "info_request", "questions": ["Is this number known to you?"]}


def across_the_cut(mode: str, start: str) -> tuple[Bus, Envelope]:
    """A question from KZ police to UZ police sent at STARTEX, with a KZ-UZ cut."""
    bus = started(MINI.read_text() + CUT.format(mode=mode, start=start))
    sent = envelope(bus, "kz-police", ["uz-police"], QUESTION, language="uzb", script="Latn")
    send(bus, sent, "kz-police")
    return bus, sent


@pytest.mark.parametrize(
    ("mode", "ending", "reason"),
    [("reject", "rejected", "link_down"), ("black_hole", "dropped", None)],
)
def test_a_cut_at_submission_refuses_or_drops_at_once(
    mode: str, ending: str, reason: str | None
) -> None:
    """Sent across a link that is cut: refused (`link_down`, nacked) or dropped at once,
    naming the cut."""
    bus, sent = across_the_cut(mode, "D1 09:00")
    ended = outcome(bus, sent, "uz-police")
    assert (ended.kind, ended.data.get("reason"), ended.t_us) == (ending, reason, 0)
    assert ended.disruption_id == "kz-uz-cut"


def test_a_cut_at_submission_holds_until_the_heal_then_transit_starts() -> None:
    """Store and forward: held from submission for the two days of the cut; its transit
    (the latency drawn at submission) starts at the heal, and the delay parts add up."""
    bus, sent = across_the_cut("store_and_forward", "D1 09:00")
    latency = next(
        r.data["added_us"]
        for r in records(bus)
        if r.kind == "barrier_decision" and r.data["stage"] == "latency"
    )
    ended = outcome(bus, sent, "uz-police")
    two_days = 2 * 24 * 3600 * 1_000_000
    held = next(r for r in records(bus) if r.kind == "delivery_held")
    assert (held.t_us, held.data["at"], held.disruption_id) == (0, "submission", "kz-uz-cut")
    assert ended.kind == "delivered"
    assert ended.t_us == two_days + latency
    delays = ended.data["delivery"]["delay_us"]
    assert (delays["outage_hold"], delays["channel_latency"], delays["other"]) == (
        two_days,
        latency,
        0,
    )


def test_a_cut_that_starts_in_transit_refuses_at_due_time() -> None:
    """A cut that comes into force while the message travels refuses it when it falls
    due, naming the cut."""
    bus, sent = across_the_cut("reject", "D1 09:01")
    ended = outcome(bus, sent, "uz-police")
    assert (ended.data["reason"], ended.disruption_id) == ("link_down", "kz-uz-cut")
    assert ended.t_us > 60_000_000
    assert ended.data["stage"] == "disruption"


CLOSED = """
[[channel]]
id = "courier"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["procedural_document"]
latency = [{ family = "fixed", median = "6h" }]

[[disruption]]
id = "interagency-down"
type = "channel_close"
description = "The interagency system is down for an upgrade"
target = { channels = ["interagency"] }
schedule = { start = "D1 09:00", duration = "1d" }

[[disruption]]
id = "referral-down"
type = "channel_close"
target = { channels = ["referral"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def test_a_closed_channel_is_channel_closed_naming_the_disruption() -> None:
    """Every channel that would carry it closed: `channel_closed` naming the disruption;
    the closed channel named while another is open: refused, with that one in the hint;
    no channel named: the open one carries it."""
    bus = started(MINI.read_text() + CLOSED)
    alert = envelope(
        bus, "kz-police", ["kz-ngo"], {"kind": "alert", "alert_source": "patrol", "summary": "x"}
    )
    named = envelope(bus, "kz-police", ["kz-pgo"], DOCUMENT, channel="interagency")
    free = envelope(bus, "kz-police", ["kz-pgo"], DOCUMENT)
    for sent in (alert, named, free):
        send(bus, sent, "kz-police")
    closed = outcome(bus, alert, "kz-ngo")
    assert (closed.data["reason"], closed.disruption_id) == ("channel_closed", "referral-down")
    assert closed.data["detail"] == "referral is closed by referral-down"
    refused = outcome(bus, named, "kz-pgo")
    assert (refused.data["reason"], refused.data["hint"]) == (
        "channel_closed",
        "use channel courier",
    )
    assert refused.disruption_id == "interagency-down"
    assert outcome(bus, free, "kz-pgo").data["delivery"]["channel"] == "courier"


CERTIFIED_POST = """
[[channel]]
id = "certified-post"
from = ["kz-police"]
to = ["uz-police"]
types = ["info_request"]
latency = [{ family = "fixed", median = "1d", certified = true }]
"""


@pytest.mark.parametrize("pool_has_certified", [False, True])
def test_certified_only_where_a_certified_service_was_used(pool_has_certified: bool) -> None:
    """A rule asking for a certified translation gets one, and the delivery says so, only
    where the pool has a certified service; otherwise the ordinary service is used."""
    text = MINI.read_text(encoding="utf-8") + CERTIFIED_POST
    if pool_has_certified:
        plain = 'service = { median = "3h", p90 = "12h" }\nmachine'
        assert plain in text
        text = text.replace(
            plain,
            'service = { median = "3h", p90 = "12h" }\n'
            'certified = { family = "fixed", median = "5d" }\nmachine',
        )
    bus = started(text)
    sent = envelope(bus, "kz-police", ["uz-police"], QUESTION, channel="certified-post")
    send(bus, sent, "kz-police")
    ended = outcome(bus, sent, "uz-police")
    delivery = ended.data["delivery"]
    assert delivery["certified_translation"] is pool_has_certified
    service = delivery["delay_us"]["translation_service"]
    if pool_has_certified:
        assert service == 5 * 24 * 3600 * 1_000_000
