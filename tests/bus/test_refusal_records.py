"""Every delivery-level refusal of SPEC §5, pinned whole: the trail up to it, the
`barrier_decision` and `rejected` records (time, cause, disruption, every data key), and
the nack the bus sends back and delivers at once (docs/log-schema.md, docs/messages.md)."""

from __future__ import annotations

from typing import Any

from protocols import Envelope
from tests.bus.test_rules import MLA, REQUEST, exercise, send
from tests.bus.trails import (
    CREATED,
    SUBMITTED,
    Line,
    created,
    decision,
    lines,
    nack_envelope,
    nack_id,
    trail_of,
)
from tests.documents import CONSENT
from trafsim_bus import Bus
from trafsim_bus.timebase import HOUR

SENT_AT = 2 * HOUR
"""Refused messages are sent at D1 11:00, so that a time of 0 shows up as wrong."""


def resolved(t_us: int, channel: str, alternatives: list[str], named: str | None = None) -> Line:
    """The `channel_resolved` line: the channel, the others that would carry it, the named."""
    data = {"channel": channel, "alternatives": alternatives, "named": named}
    return Line(t_us, "channel_resolved", CREATED, None, None, data)


def assert_refused(
    bus: Bus,
    sent: Envelope,
    recipient: str,
    before: list[Line],
    *,
    t_us: int,
    stage: str,
    reason: str,
    detail: str,
    hint: str | None = None,
    redirect_to: str | None = None,
    channel: str | None = None,
    disruption_id: str | None = None,
) -> None:
    """The delivery's whole trail is `before`, then the stage's `rejected` decision and the
    `rejected` record (naming the disruption that caused it, if one did); the nack, entered
    by the bus because of that record, is delivered to the sender at the same moment and
    says the same (SPEC §5)."""
    rejected = {
        "reason": reason,
        "detail": detail,
        "redirect_to": redirect_to,
        "hint": hint,
        "stage": stage,
        "channel": channel,
        "kind": sent.body.kind(),
        "sender": sent.sender,
        # A team's message is planned by nothing but a disruption that refuses it.
        "intended": {"by": "disruption", "id": disruption_id} if disruption_id else None,
    }
    assert trail_of(bus, sent, recipient) == [
        *before,
        decision(
            t_us, stage, "rejected", reason=reason, disruption_id=disruption_id, detail=detail
        ),
        Line(t_us, "rejected", CREATED, disruption_id, None, rejected),
    ]
    nack = nack_id(bus, sent, recipient)
    (entered,) = [
        r for r in bus.recorder.records if r.kind == SUBMITTED and r.envelope_id == str(nack)
    ]
    (refusal,) = [
        r
        for r in bus.recorder.records
        if r.kind == "rejected" and r.envelope_id == str(sent.id) and r.recipient == recipient
    ]
    assert (entered.t_us, entered.origin, entered.cause_seq) == (t_us, "bus", refusal.seq)
    body = nack_envelope(
        bus, sent, recipient, t_us, reason, detail, redirect_to=redirect_to, hint=hint
    )
    assert entered.data == {"envelope": body}
    at_once = {
        "envelope_id": str(nack),
        "recipient": sent.sender,
        "channel": None,
        "status": "delivered",
        "evidentiary_status": "not_applicable",
        "intelligence_only": False,
        "inadmissible": False,
        "machine_translated_unverified": False,
        "certified_translation": False,
        "language": sent.language,
        "translated_from": None,
        "delay_us": {
            "channel_latency": 0,
            "translation_wait": 0,
            "translation_service": 0,
            "outage_hold": 0,
            "office_hours_wait": 0,
            "other": 0,
        },
        "submitted_us": t_us,
        "due_us": t_us,
        "delivered_us": t_us,
        "reason": None,
    }
    made = {"delivery": at_once, "kind": "nack", "sender": "bus"}
    assert lines(bus, nack, sent.sender) == [
        created(t_us, "nack", "bus"),
        Line(t_us, "delivered", CREATED, None, None, made),
    ]


def later(extra: str = "") -> Bus:
    """The rules scenario (plus `extra`) at D1 11:00."""
    bus = exercise(extra, days=6)
    bus.advance_to(SENT_AT)
    return bus


def test_an_unknown_recipient_is_refused_at_admission() -> None:
    """SPEC §5, `unknown_recipient`: stage `admission`, the detail names the id; no channel
    was resolved, so none is named."""
    bus = later()
    sent = send(bus, 1, "kz-police", ["kz-nobody"], REQUEST)
    assert_refused(
        bus, sent, "kz-nobody", [created(SENT_AT, "info_request", "kz-police")],
        t_us=SENT_AT, stage="admission", reason="unknown_recipient",
        detail="no agency 'kz-nobody' in this exercise",
    )  # fmt: skip


NGO_RECEIVES_REFERRALS = """
[jurisdiction]
receive.ngo_shelter = ["referral", "consent_record"]
"""


def test_a_recipient_not_competent_for_the_type_is_refused_at_admission() -> None:
    """SPEC §5, `not_competent`: a shelter that may receive only referrals is sent a
    question: stage `admission`, the detail names its kind, its id and the type."""
    bus = later(NGO_RECEIVES_REFERRALS)
    sent = send(bus, 1, "kz-police", ["kz-ngo"], REQUEST)
    assert_refused(
        bus, sent, "kz-ngo", [created(SENT_AT, "info_request", "kz-police")],
        t_us=SENT_AT, stage="admission", reason="not_competent",
        detail="a ngo_shelter (kz-ngo) is not competent to receive info_request",
    )  # fmt: skip


def test_the_wrong_jurisdiction_names_who_may_send_it() -> None:
    """SPEC §5, `wrong_jurisdiction`: the police send an MLA request that only the KZ
    prosecutor's channel carries: stage `routing`, redirected to kz-pgo with the hint
    "send it through kz-pgo", in the nack too."""
    bus = later()
    sent = send(bus, 1, "kz-police", ["uz-pgo"], MLA)
    assert_refused(
        bus, sent, "uz-pgo", [created(SENT_AT, "mla_request", "kz-police")],
        t_us=SENT_AT, stage="routing", reason="wrong_jurisdiction",
        detail="mla carries mla_request from KZ to uz-pgo, but a police may not send it",
        redirect_to="kz-pgo", hint="send it through kz-pgo",
    )  # fmt: skip


def test_no_channel_for_the_type_has_no_hint() -> None:
    """SPEC §5, `no_channel`: nothing carries an alert from the KZ shelter to the UZ
    police, and no other KZ agency could send it: stage `routing`, no hint."""
    bus = later()
    alert = {"kind": "alert", "alert_source": "hotline", "summary": "x"}
    sent = send(bus, 1, "kz-ngo", ["uz-police"], alert)
    assert_refused(
        bus, sent, "uz-police", [created(SENT_AT, "alert", "kz-ngo")],
        t_us=SENT_AT, stage="routing", reason="no_channel",
        detail="no channel carries alert from kz-ngo to uz-police",
    )  # fmt: skip


def test_a_named_channel_that_does_not_carry_it_hints_at_one_that_does() -> None:
    """SPEC §5, `no_channel` for a named channel (`mla`) that does not carry the question:
    the detail names it, the hint the first channel that would (`use channel direct`)."""
    bus = later()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="mla")
    assert_refused(
        bus, sent, "uz-police", [created(SENT_AT, "info_request", "kz-police")],
        t_us=SENT_AT, stage="routing", reason="no_channel",
        detail="channel 'mla' does not carry info_request from kz-police to uz-police",
        hint="use channel direct",
    )  # fmt: skip


CLOSURES = """
[[disruption]]
id = "c1"
type = "channel_close"
target = { channels = ["direct"] }
schedule = { start = "D1 10:00", duration = "4h" }

[[disruption]]
id = "c2"
type = "channel_close"
target = { channels = ["direct-slow"] }
schedule = { start = "D1 10:00", duration = "{slow}" }
"""


def test_every_carrier_closed_is_channel_closed_naming_each_closure() -> None:
    """SPEC §5, `channel_closed`: both channels that carry the question are closed: the
    detail names each with its disruption, the record the first (c1); no hint, as no
    channel is open."""
    bus = later(CLOSURES.replace("{slow}", "4h"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    assert_refused(
        bus, sent, "uz-police", [created(SENT_AT, "info_request", "kz-police")],
        t_us=SENT_AT, stage="routing", reason="channel_closed",
        detail="direct is closed by c1; direct-slow is closed by c2", disruption_id="c1",
    )  # fmt: skip


def test_a_named_closed_channel_hints_at_the_open_one() -> None:
    """SPEC §5, `channel_closed` for the named channel (direct-slow, closed by c2) while
    `direct` is open again: the detail names c2, the hint the open channel."""
    bus = exercise(CLOSURES.replace("{slow}", "1d"), days=6)
    bus.advance_to(6 * HOUR)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="direct-slow")
    assert_refused(
        bus, sent, "uz-police", [created(6 * HOUR, "info_request", "kz-police")],
        t_us=6 * HOUR, stage="routing", reason="channel_closed",
        detail="direct-slow is closed by c2", hint="use channel direct", disruption_id="c2",
    )  # fmt: skip


def test_a_named_closed_channel_is_named_alone_when_all_are_closed() -> None:
    """SPEC §5, `channel_closed` for the named channel (direct-slow, closed by c2) while
    `direct` is closed too (by c1): the detail and the record name the named channel's
    closure only; no hint, as nothing is open."""
    bus = later(CLOSURES.replace("{slow}", "4h"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="direct-slow")
    assert_refused(
        bus, sent, "uz-police", [created(SENT_AT, "info_request", "kz-police")],
        t_us=SENT_AT, stage="routing", reason="channel_closed",
        detail="direct-slow is closed by c2", disruption_id="c2",
    )  # fmt: skip


def referral(person: dict[str, Any]) -> dict[str, Any]:
    """A referral of one person from the KZ police to the KZ shelter."""
    return {
        "kind": "referral",
        "referring_organisation": "kz-police",
        "referred_organisation": ["kz-ngo"],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter"],
        "persons": [person],
    }


def consent(person_id: str, **changes: Any) -> dict[str, Any]:
    """The consent record con-1 of `person_id`, for shelters (tests/documents.py's)."""
    return {**CONSENT, "consent_id": "con-1", "person_id": person_id, **changes}


def refused_for_consent(bus: Bus, person: dict[str, Any], detail: str, hint: str) -> None:
    """A referral of `person` refused at the consent stage, over the referral channel,
    with `detail` (unknown, withdrawn, out_of_scope) and the sentence as the hint."""
    sent = send(bus, 1, "kz-police", ["kz-ngo"], referral(person))
    before = [created(SENT_AT, "referral", "kz-police"), resolved(SENT_AT, "referral", [])]
    assert_refused(
        bus, sent, "kz-ngo", before, t_us=SENT_AT, stage="consent",
        reason="consent_missing", detail=detail, hint=hint, channel="referral",
    )  # fmt: skip


def test_a_person_without_a_consent_ref_is_consent_unknown() -> None:
    """SPEC §5, consent: a person neither a minor nor under a consent_ref, no risk to
    life: `consent_missing`, detail `unknown`, the hint says why."""
    bus = later()
    person = {"person_id": "p-1", "role": "victim"}
    refused_for_consent(bus, person, "unknown", "p-1 carries no consent_ref")


def test_a_consent_ref_never_submitted_is_consent_unknown() -> None:
    """SPEC §5, consent: no consent record with that id was submitted before: `unknown`."""
    bus = later()
    person = {"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}
    refused_for_consent(bus, person, "unknown", "no consent record con-1 has been submitted")


def test_a_consent_of_another_person_is_consent_unknown() -> None:
    """SPEC §5, consent: the record con-1 is for p-2, so it does not cover p-1: `unknown`."""
    bus = later()
    send(bus, 100, "kz-police", ["kz-ngo"], consent("p-2"))
    person = {"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}
    refused_for_consent(bus, person, "unknown", "consent con-1 is for p-2, not p-1")


def test_a_withdrawn_consent_is_consent_withdrawn() -> None:
    """SPEC §5, consent: the latest record con-1 carries `withdrawn_at`: `withdrawn`."""
    bus = later()
    send(bus, 100, "kz-police", ["kz-ngo"], consent("p-1"))
    withdrawn = consent("p-1", withdrawn_at="2026-06-01T10:00:00+05:00")
    send(bus, 101, "kz-police", ["kz-ngo"], withdrawn)
    person = {"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}
    refused_for_consent(bus, person, "withdrawn", "p-1 withdrew consent con-1")


def test_a_consent_that_names_others_is_consent_out_of_scope() -> None:
    """SPEC §5, consent: the scope names only kz-pgo, neither the shelter nor its kind:
    `out_of_scope`."""
    bus = later()
    narrow = consent("p-1", scope=[{"agency": "kz-pgo", "data_categories": ["identity"]}])
    send(bus, 100, "kz-police", ["kz-ngo"], narrow)
    person = {"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}
    refused_for_consent(
        bus, person, "out_of_scope", "consent con-1 does not name kz-ngo or a ngo_shelter"
    )


LOCAL = """
[[channel]]
id = "local"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["info_response"]
latency = [{ family = "fixed", median = "1h" }]
"""
H2 = {"codes": ["H1", "H2"]}
GRADED = {"source": "B", "information": 2}


def test_passing_on_h2_is_a_handling_violation() -> None:
    """SPEC §5, handling: the KZ police pass on what the UZ police sent them under H2 to
    the KZ prosecutor, who was not a party to it: stage `handling`, the detail names the
    H2 message and the recipient; the channel had been resolved."""
    bus = later(LOCAL)
    findings = {"kind": "info_response", "findings": ["x"]}
    intel = send(
        bus, 1, "uz-police", ["kz-police"], findings,
        language="uzb", script="Latn", handling=H2, evaluation=GRADED,
    )  # fmt: skip
    onward = send(
        bus, 2, "kz-police", ["kz-pgo"], findings,
        handling={"codes": ["H1"]}, evaluation=GRADED, derived_from=[str(intel.id)],
    )  # fmt: skip
    before = [created(SENT_AT, "info_response", "kz-police"), resolved(SENT_AT, "local", [])]
    assert_refused(
        bus, onward, "kz-pgo", before, t_us=SENT_AT, stage="handling",
        reason="handling_violation", channel="local",
        detail=f"{intel.id} is H2 (no dissemination without the provider's permission) "
        "and kz-pgo was not a party to it",
    )  # fmt: skip


BILINGUAL = """
[[agency]]
id = "uz-border"
name = "UZ border police"
country = "UZ"
kind = "police"
languages = ["uzb", "eng"]
"""


def test_a_language_no_pool_translates_lists_what_the_recipient_reads() -> None:
    """SPEC §7, `language_not_accepted` (recipient side): Turkmen to an agency reading
    Uzbek and English, no UZ pool translating Turkmen: stage `language`, the detail lists
    its languages and names the recipient's country."""
    bus = later(BILINGUAL)
    sent = send(bus, 1, "kz-police", ["uz-border"], REQUEST, language="tuk", script="Latn")
    before = [
        created(SENT_AT, "info_request", "kz-police"),
        resolved(SENT_AT, "direct", ["direct-slow"]),
    ]
    assert_refused(
        bus, sent, "uz-border", before, t_us=SENT_AT, stage="language",
        reason="language_not_accepted", channel="direct",
        detail="uz-border reads uzb, eng; no translator in UZ translates tuk into any of them",
    )  # fmt: skip


def test_sender_side_translation_looks_for_a_pool_of_the_senders_country() -> None:
    """SPEC §7, `language_not_accepted` (sender side, the MLA channel): the detail names
    the sender's country, whose pools would translate it."""
    bus = later()
    sent = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA, language="tuk", script="Latn")
    before = [created(SENT_AT, "mla_request", "kz-pgo"), resolved(SENT_AT, "mla", [])]
    assert_refused(
        bus, sent, "uz-pgo", before, t_us=SENT_AT, stage="language",
        reason="language_not_accepted", channel="mla",
        detail="uz-pgo reads uzb; no translator in KZ translates tuk into any of them",
    )  # fmt: skip


CUT = """
[[disruption]]
id = "cut"
type = "link_cut"
{description}
target = {{ countries = ["KZ", "UZ"] }}
attributes = {{ mode = "reject" }}
schedule = {{ start = "{start}", duration = "1d" }}
"""
SPLIT = """
[[disruption]]
id = "split"
type = "partition"
attributes = { mode = "reject", groups = [["KZ"], ["UZ"]] }
schedule = { start = "D1 09:00", duration = "1d" }
"""
IN_UZBEK = {"language": "uzb", "script": "Latn"}
"""A question the UZ police read as it is: no translation, due after the 3 h transit."""


def native_until_cut(t_us: int) -> list[Line]:
    """A question in Uzbek from the KZ to the UZ police, up to the check of cuts."""
    return [
        created(t_us, "info_request", "kz-police"),
        resolved(t_us, "direct", ["direct-slow"]),
        decision(t_us, "language", "native"),
    ]


def test_a_cut_at_submission_refuses_with_its_description() -> None:
    """SPEC §5/§8, `link_down` at submission: stage `disruption`, nacked at once, naming
    the cut; the detail is the cut's id and its description; the effect is logged first."""
    description = 'description = "Fibre cut on the KZ-UZ link"'
    bus = later(CUT.format(description=description, start="D1 10:00"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    effect = Line(SENT_AT, "disruption_effect", None, "cut", None, {"effect": "reject", "at": "submission"})  # fmt: skip
    assert_refused(
        bus, sent, "uz-police", [*native_until_cut(SENT_AT), effect], t_us=SENT_AT,
        stage="disruption", reason="link_down", channel="direct", disruption_id="cut",
        detail="cut: Fibre cut on the KZ-UZ link",
    )  # fmt: skip


def test_a_partition_at_submission_without_a_description_names_its_type() -> None:
    """SPEC §8, a partition between KZ and UZ refuses `link_down` at submission; with no
    description the detail gives the disruption's type."""
    bus = later(SPLIT)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    effect = Line(SENT_AT, "disruption_effect", None, "split", None, {"effect": "reject", "at": "submission"})  # fmt: skip
    assert_refused(
        bus, sent, "uz-police", [*native_until_cut(SENT_AT), effect], t_us=SENT_AT,
        stage="disruption", reason="link_down", channel="direct", disruption_id="split",
        detail="split: partition",
    )  # fmt: skip


def in_transit(t_us: int, due_us: int) -> list[Line]:
    """The question in Uzbek sent at `t_us`, drawn its 3 h and due at `due_us`."""
    drawn = decision(
        t_us, "latency", "drawn", added_us=3 * HOUR, due_us=due_us, base_us=3 * HOUR, factors=[]
    )
    return [*native_until_cut(t_us), drawn]


OFFLINE = """
[[disruption]]
id = "uz-down"
type = "outage"
description = "The UZ police mail server is down"
target = { agencies = ["uz-police"] }
attributes = { mode = "reject" }
schedule = { start = "D1 12:00", duration = "1d" }
"""


def test_an_outage_at_due_time_refuses_recipient_offline() -> None:
    """SPEC §5/§8, `recipient_offline` at due time: sent at 11:00 before the outage, due at
    14:00 in it: refused then, stage `disruption`, naming the outage, its description in
    the detail; the nack is dated and delivered at the due time."""
    bus = later(OFFLINE)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    due = SENT_AT + 3 * HOUR
    effect = Line(due, "disruption_effect", None, "uz-down", None, {"effect": "reject", "at": "due"})  # fmt: skip
    assert_refused(
        bus, sent, "uz-police", [*in_transit(SENT_AT, due), effect], t_us=due,
        stage="disruption", reason="recipient_offline", channel="direct",
        disruption_id="uz-down", detail="uz-down: The UZ police mail server is down",
    )  # fmt: skip


def test_a_cut_that_comes_in_transit_refuses_link_down_at_due_time() -> None:
    """SPEC §5/§8, `link_down` at due time: the cut starts at 12:00 while the question
    travels (sent 11:00, due 14:00); no description: the detail gives the type."""
    bus = later(CUT.format(description="", start="D1 12:00"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    due = SENT_AT + 3 * HOUR
    effect = Line(due, "disruption_effect", None, "cut", None, {"effect": "reject", "at": "due"})  # fmt: skip
    assert_refused(
        bus, sent, "uz-police", [*in_transit(SENT_AT, due), effect], t_us=due,
        stage="disruption", reason="link_down", channel="direct", disruption_id="cut",
        detail="cut: link_cut",
    )  # fmt: skip
