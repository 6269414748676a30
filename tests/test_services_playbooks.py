"""The assistance playbooks (shelters, social and child services, coordinators, IOs,
consulates, the labour migration agency, interpreters) and their case files decide by agency
kind and scenario data: what each sends for each delivery, its wrong routes and their repair,
in SILK THREAD and in HARBOUR, a small story with other ids, nationalities and threats."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import uuid5

import msgspec
import pytest

from agencies.playbooks.base import Playbook
from agencies.playbooks.casework import persons_for
from agencies.playbooks.registry import PLAYBOOKS
from agencies.playbooks.services import EXPLOITERS
from protocols import Delivery, Envelope
from protocols.assistance import (
    CaseUpdate,
    ReferralResponse,
    ReturnArrangement,
    RiskAssessment,
    TrmReferral,
)
from protocols.identification import Alert, ConsentRecord
from protocols.interpretation import TranslationDelivery
from protocols.police import InfoRequest, InfoResponse
from tests.bus.helpers import envelope_for
from trafsim_bus import load_scenario
from trafsim_bus.core import Send
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import DAY, HOUR

SEED = 7
SILK_THREAD = load_scenario("silk-thread")

HARBOUR = """
[exercise]
name = "harbour"
title = "Harbour"
startex = "2027-03-01T08:00:00+04:00"
duration = "2d"
seed = 3

[[country]]
id = "GE"
name = "Host"
languages = ["kaa", "eng"]
utc_offset = "+04:00"

[[country]]
id = "MD"
name = "First origin"
languages = ["pus", "eng"]
utc_offset = "+02:00"

[[country]]
id = "AZ"
name = "Second origin"
languages = ["tgk", "eng"]
utc_offset = "+04:00"

[[country]]
id = "intl"
name = "Organisations"
languages = ["eng"]
utc_offset = "+04:00"

[[agency]]
id = "ge-police"
name = "Police"
country = "GE"
kind = "police"
languages = ["eng"]

[[agency]]
id = "ge-inspect"
name = "Labour inspectors"
country = "GE"
kind = "labour_inspection"
languages = ["eng"]

[[agency]]
id = "ge-soc"
name = "Social services"
country = "GE"
kind = "social_services"
languages = ["kaa", "eng"]
capacity = { places = 2 }

[[agency]]
id = "ge-shelter"
name = "Shelter"
country = "GE"
kind = "ngo_shelter"
languages = ["kaa", "eng"]
capacity = { beds_male = 1, beds_female = 2 }

[[agency]]
id = "ge-child"
name = "Guardianship"
country = "GE"
kind = "child_protection"
languages = ["kaa", "eng"]

[[agency]]
id = "ge-interp"
name = "Interpreters"
country = "GE"
kind = "interpretation_service"
languages = ["eng"]

[[agency]]
id = "md-nc"
name = "Coordinator"
country = "MD"
kind = "national_coordinator"
languages = ["tuk", "pus", "eng"]

[[agency]]
id = "md-ngo"
name = "Reintegration centre"
country = "MD"
kind = "ngo_shelter"
languages = ["pus", "eng"]

[[agency]]
id = "md-cons"
name = "Consulate"
country = "MD"
kind = "consulate"
languages = ["pus", "eng"]

[[agency]]
id = "md-lma"
name = "Labour migration agency"
country = "MD"
kind = "labour_migration_agency"
languages = ["pus", "eng"]

[[agency]]
id = "az-ngo"
name = "Second origin's NGO"
country = "AZ"
kind = "ngo_shelter"
languages = ["tgk", "eng"]

[[agency]]
id = "io-mission"
name = "Mission"
country = "intl"
kind = "international_org"
languages = ["tgk", "eng"]

[[channel]]
id = "everywhere"
from = ["*"]
to = ["*"]
types = ["alert"]
latency = [{ family = "fixed", median = "5min" }]

[[channel]]
id = "trm"
from = ["ge-shelter"]
to = ["md-nc", "io-mission"]
types = ["trm_referral"]
latency = [{ family = "fixed", median = "1d" }]

[[translation_pool]]
id = "ge-pus"
serves = ["GE"]
from = ["pus"]
to = ["eng"]
servers = 1
service = { median = "2h", p90 = "8h" }
interpretation = { family = "fixed", median = "3h" }

[[case]]
ref = "GE-2027-5"
offence = "GE CC 1"
summary = "Four people kept on a fishing boat."
control = ["Other", "PsychologicalAbuse"]
threats = ["the boat's skipper", "the skipper's cousin"]

[[person]]
id = "h-md-01"
case = "GE-2027-5"
age = 29
sex = "male"
nationality = "MD"
languages = ["pus"]

[[person]]
id = "h-md-02"
case = "GE-2027-5"
age = 15
sex = "female"
nationality = "MD"
languages = ["pus", "eng"]

[[person]]
id = "h-az-01"
case = "GE-2027-5"
age = 40
sex = "female"
nationality = "AZ"
languages = ["tgk", "eng"]

[[inject]]
id = "m01"
at = "D1 10:00"
title = "A call about a second boat"
from = "excon"
to = ["ge-shelter"]
body = { kind = "alert", alert_source = "hotline", summary = "Someone on a second boat." }
envelope = { case_refs = ["GE-2027-6"] }

[[person]]
id = "h-md-03"
case = "GE-2027-6"
age = 51
sex = "male"
nationality = "MD"
languages = ["pus"]

[[person]]
id = "h-ge-01"
case = "GE-2027-5"
age = 33
sex = "female"
nationality = "GE"
languages = ["kaa"]
"""
"""A story that shares no id, nationality, language order or threat with SILK THREAD."""

CASE = "GE-2027-5"
HARBOUR_START = parse_scenario(HARBOUR, "harbour.toml").startex


def harbour(**playbooks: str) -> Scenario:
    """HARBOUR, with `[playbooks.<kind>]` tables given as TOML bodies by kind."""
    tables = "".join(f"\n[playbooks.{kind}]\n{body}\n" for kind, body in playbooks.items())
    return parse_scenario(HARBOUR + tables, "harbour.toml")


def playing(scenario: Scenario, agency: str, **params: Any) -> Playbook:
    """The playbook of an agency of the scenario; `params` replace its playbook's (e.g.
    `no_reply=0` so that a test is not at the mercy of a draw)."""
    found = scenario.agencies[agency]
    if params:
        found = replace(found, params=replace(found.params, **params))
    exercise = exercise_id_for(scenario.sha256, SEED)
    return PLAYBOOKS[found.kind](found, scenario, exercise, SEED)


def quiet(agency: str, **params: Any) -> Playbook:
    """A SILK THREAD agency's playbook that always answers and takes the right route."""
    return playing(SILK_THREAD, agency, no_reply=0.0, wrong_route_share=0.0, **params)


def given(
    playbook: Playbook, sender: str, body: dict[str, Any], n: int = 0, **fields: Any
) -> Envelope:
    """An envelope from `sender` to the playbook's agency."""
    return envelope_for(
        playbook.exercise_id, f"given:{n}", sender, [playbook.agency], body, **fields
    )


def deliver(playbook: Playbook, envelope: Envelope, now_us: int = 0) -> list[Send]:
    """What the playbook sends when `envelope` is delivered to it at `now_us`."""
    delivery = Delivery(
        envelope_id=envelope.id,
        recipient=playbook.agency,
        channel=None,
        status="delivered",
        evidentiary_status="not_applicable",
        language=envelope.language,
        submitted_us=0,
        due_us=now_us,
        delivered_us=now_us,
    )
    actions = playbook.on_delivery(delivery, envelope, now_us)
    return [action for action in actions if isinstance(action, Send)]


def nack(
    playbook: Playbook, refused: Envelope, recipient: str, reason: str, *, bus: bool
) -> Envelope:
    """A refusal of `refused`: by the bus for one recipient, or by the recipient itself."""
    exercise = playbook.exercise_id
    nack_id = uuid5(exercise, f"nack:{refused.id}:{recipient}" if bus else f"refusal:{refused.id}")
    return msgspec.convert(
        {
            "schema_version": "1",
            "id": str(nack_id),
            "exercise_id": str(exercise),
            "sender": "bus" if bus else recipient,
            "recipients": [refused.sender],
            "created_at": "2027-03-01T10:00:00+04:00",
            "in_reply_to": str(refused.id),
            "language": "eng",
            "script": "Latn",
            "body": {"kind": "nack", "ack_of": str(refused.id), "reason": reason},
        },
        Envelope,
    )


def person(person_id: str, **fields: Any) -> dict[str, Any]:
    """A protocol person as a referral carries them."""
    return {"person_id": person_id, "role": "victim", "consent_ref": f"con-{person_id}", **fields}


def referral(to: str, *persons: dict[str, Any]) -> dict[str, Any]:
    """A national referral body from the police."""
    return {
        "kind": "referral",
        "referring_organisation": "ge-police",
        "referred_organisation": [to],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter"],
        "persons": list(persons),
    }


def trm(origin: str, *persons: dict[str, Any]) -> dict[str, Any]:
    """A transnational referral body towards `origin`."""
    return {
        "kind": "trm_referral",
        "origin_country": origin,
        "destination_country": "GE",
        "purpose": ["return"],
        "persons": list(persons) or [person("h-md-01")],
    }


def wants_home(person_id: str | None) -> dict[str, Any]:
    """The shelter's case update: someone wants to go home."""
    body: dict[str, Any] = {
        "kind": "case_update",
        "status": "Active",
        "comment": "Asked today to go home as soon as possible.",
    }
    if person_id is not None:
        body["person_id"] = person_id
    return body


def sent(sends: list[Send]) -> list[tuple[str, list[str]]]:
    """Each send's message kind and recipients, in order."""
    return [(send.envelope.body.kind(), list(send.envelope.recipients)) for send in sends]


# -- the shelter ---------------------------------------------------------------------------

ALERT = {
    "kind": "alert",
    "alert_source": "hotline",
    "summary": "Men kept on a boat in the port.",
    "suspected_exploitation": ["ForcedLabour"],
    "reporter": {"person_id": "caller-1", "role": "reporter"},
}


def test_the_shelter_passes_an_alert_to_its_police_and_inspectors_without_the_reporter() -> None:
    """A hotline alert of forced labour goes to the police and labour inspectors of the
    shelter's country, urgent, H2 under the NRM SOP, without the caller's data."""
    shelter = playing(harbour(), "ge-shelter")
    (forwarded,) = deliver(shelter, given(shelter, "excon", ALERT))
    body = forwarded.envelope.body
    assert isinstance(body, Alert)
    assert forwarded.envelope.recipients == ["ge-police", "ge-inspect"]
    assert (body.summary, body.reporter) == (ALERT["summary"], None)
    assert forwarded.envelope.priority.level == "urgent"
    assert forwarded.envelope.handling is not None
    assert forwarded.envelope.handling.codes == ["H2"]
    assert forwarded.envelope.legal_basis == "nrm_sop"


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"suspected_exploitation": ["SexualExploitation"]}, ["ge-police"]),
        ({"immediate_danger": True}, ["ge-police", "ge-inspect"]),
    ],
)
def test_the_alert_goes_to_the_inspectors_only_for_forced_labour_and_danger_is_emergency(
    change: dict[str, Any], expect: list[str]
) -> None:
    """Inspectors get forced labour only; an immediate danger makes it an emergency."""
    shelter = playing(harbour(), "ge-shelter")
    (forwarded,) = deliver(shelter, given(shelter, "excon", {**ALERT, **change}))
    assert forwarded.envelope.recipients == expect
    urgent = "emergency" if change.get("immediate_danger") else "urgent"
    assert forwarded.envelope.priority.level == urgent


@pytest.mark.parametrize(
    ("sender", "body"),
    [
        ("ge-police", ALERT),
        ("excon", {"kind": "alert", "alert_source": "hotline", "summary": "A question."}),
    ],
)
def test_the_shelter_keeps_a_police_alert_and_a_consultation_to_itself(
    sender: str, body: dict[str, Any]
) -> None:
    """An alert from the police, or a call with nothing of concern, is not passed on."""
    shelter = playing(harbour(), "ge-shelter")
    assert deliver(shelter, given(shelter, sender, body)) == []


def test_a_wrong_route_keeps_the_reporter_and_consent_missing_mends_it() -> None:
    """By a wrong route the caller's data goes with the alert; refused `consent_missing`
    for one recipient, it is sent again to that one only, without the reporter, H2."""
    shelter = playing(harbour(ngo_shelter="wrong_route_share = 1"), "ge-shelter")
    (forwarded,) = deliver(shelter, given(shelter, "excon", ALERT, case_refs=[CASE]))
    body = forwarded.envelope.body
    assert isinstance(body, Alert)
    assert body.reporter is not None
    refusal = nack(shelter, forwarded.envelope, "ge-inspect", "consent_missing", bus=True)
    (again,) = deliver(shelter, refusal, HOUR)
    assert again.envelope.recipients == ["ge-inspect"]
    assert again.envelope.body == msgspec.structs.replace(body, reporter=None)
    assert (again.envelope.case_refs, again.envelope.priority.level) == ([CASE], "urgent")
    assert again.envelope.handling is not None
    assert again.envelope.handling.codes == ["H2"]


def test_the_shelter_takes_whom_its_beds_allow_and_refers_them_home_through_the_trm() -> None:
    """Beds by gender: of two men one is taken (waitlisted, social services suggested); the
    foreigners taken are referred to their country's national coordinator, in a language
    it works in, days later; a country whose partners no TRM channel reaches goes through
    the international organisation that one does."""
    shelter = playing(harbour(), "ge-shelter")
    persons = (
        person("h-md-01", gender="Masculine", citizenship=["MD"]),
        person("h-x-02", gender="Masculine", citizenship=["MD"]),
        person("h-az-01", gender="Feminine", citizenship=["AZ"]),
        person("h-ge-01", gender="Feminine", citizenship=["GE"]),
    )
    answer, to_md, to_az = deliver(
        shelter, given(shelter, "ge-police", referral("ge-shelter", *persons), case_refs=[CASE])
    )
    response = answer.envelope.body
    assert isinstance(response, ReferralResponse)
    assert (response.decision, response.accepted_person_ids) == (
        "waitlisted",
        ["h-md-01", "h-az-01", "h-ge-01"],
    )
    assert (response.alternative_suggested, response.capacity_remaining) == ("ge-soc", 0)
    assert response.note == "3 of 4 can be taken now."
    for send, focal, origin, ids in (
        (to_md, "md-nc", "MD", ["h-md-01"]),
        (to_az, "io-mission", "AZ", ["h-az-01"]),
    ):
        body = send.envelope.body
        assert isinstance(body, TrmReferral)
        assert send.envelope.recipients == [focal]
        assert (body.origin_country, body.destination_country) == (origin, "GE")
        assert [p.person_id for p in body.persons] == ids
        assert (send.envelope.language, send.envelope.legal_basis) == ("eng", "trm_mou")
        assert send.after_us >= 3 * DAY


def test_a_trm_referral_goes_to_a_shelter_where_no_coordinator_is_reached() -> None:
    """Where a channel reaches a country's shelter and it has no coordinator, the shelter
    takes the TRM referral, not the international organisation."""
    text = HARBOUR.replace('to = ["md-nc", "io-mission"]', 'to = ["md-nc", "az-ngo", "io-mission"]')
    assert text != HARBOUR
    shelter = playing(parse_scenario(text, "harbour.toml"), "ge-shelter")
    woman = person("h-az-01", gender="Feminine", citizenship=["AZ"])
    _, to_az = deliver(
        shelter, given(shelter, "ge-police", referral("ge-shelter", woman), case_refs=[CASE])
    )
    assert to_az.envelope.recipients == ["az-ngo"]


def test_the_shelter_declines_by_its_decline_share_and_suggests_social_services() -> None:
    """`decline_share = 1`: every referral is declined, social services suggested."""
    shelter = playing(harbour(ngo_shelter="decline_share = 1"), "ge-shelter")
    (answer,) = deliver(shelter, given(shelter, "ge-police", referral("ge-shelter", person("p"))))
    assert isinstance(answer.envelope.body, ReferralResponse)
    assert (answer.envelope.body.decision, answer.envelope.body.alternative_suggested) == (
        "declined",
        "ge-soc",
    )


def test_the_shelter_accepts_a_trm_referral_and_reports_later() -> None:
    """A transnational referral: accepted now, an active case update days later."""
    shelter = playing(harbour(), "md-ngo")
    accepted, update = deliver(shelter, given(shelter, "md-nc", trm("MD")))
    assert sent([accepted, update]) == [
        ("referral_response", ["md-nc"]),
        ("case_update", ["md-nc"]),
    ]
    assert isinstance(accepted.envelope.body, ReferralResponse)
    assert accepted.envelope.body.decision == "accepted"
    assert update.after_us >= 2 * DAY


# -- social services -----------------------------------------------------------------------


def test_social_services_take_a_referral_within_their_places() -> None:
    """Three persons, two places: accepted, none left; support arranged a day or more later."""
    social = playing(harbour(), "ge-soc")
    body = referral("ge-soc", person("a"), person("b"), person("c"))
    answer, update = deliver(social, given(social, "ge-police", body))
    assert isinstance(answer.envelope.body, ReferralResponse)
    assert (answer.envelope.body.decision, answer.envelope.body.capacity_remaining) == (
        "accepted",
        0,
    )
    assert isinstance(update.envelope.body, CaseUpdate)
    assert update.after_us >= DAY


def test_a_return_home_goes_to_the_io_with_the_persons_origin_and_consulate() -> None:
    """Someone wants to go home: their consent (consulates included) to the IO, a TRM
    referral to the IO whose origin is their nationality, and their nationality's consulate
    asked for a travel document, each in a language the recipient works in."""
    social = playing(harbour(), "ge-soc")
    consent, referral_, request = deliver(
        social, given(social, "ge-shelter", wants_home("h-md-01"), case_refs=[CASE])
    )
    assert sent([consent, referral_, request]) == [
        ("consent_record", ["ge-soc", "io-mission"]),
        ("trm_referral", ["io-mission"]),
        ("info_request", ["md-cons"]),
    ]
    record = consent.envelope.body
    assert isinstance(record, ConsentRecord)
    assert record.person_id == "h-md-01"
    assert "consulate" in {scope.agency_kind for scope in record.scope}
    body = referral_.envelope.body
    assert isinstance(body, TrmReferral)
    assert (body.origin_country, body.destination_country) == ("MD", "GE")
    assert [(p.person_id, p.consent_ref, p.is_minor) for p in body.persons] == [
        ("h-md-01", "con-h-md-01", False)
    ]
    assert body.request is not None
    assert "he wants to go home" in body.request
    assert "she" not in body.request
    assert (referral_.envelope.language, referral_.envelope.legal_basis) == ("eng", "trm_mou")
    assert referral_.envelope.case_refs == [CASE]
    question = request.envelope.body
    assert isinstance(question, InfoRequest)
    assert question.questions == ["Please confirm his identity and issue a travel document."]
    assert request.envelope.language == "eng"


def test_a_childs_return_needs_no_consent_record() -> None:
    """A minor: no consent gate (no consent record); the referral marks the child."""
    social = playing(harbour(), "ge-soc")
    referral_, request = deliver(social, given(social, "ge-shelter", wants_home("h-md-02")))
    body = referral_.envelope.body
    assert isinstance(body, TrmReferral)
    assert [(p.person_id, p.consent_ref, p.is_minor) for p in body.persons] == [
        ("h-md-02", None, True)
    ]
    assert body.request is not None
    assert "she wants to go home" in body.request
    assert isinstance(request.envelope.body, InfoRequest)
    assert request.envelope.body.questions == [
        "Please confirm her identity and issue a travel document."
    ]


@pytest.mark.parametrize(
    "body",
    [
        wants_home(None),
        wants_home("nobody-known"),
        wants_home("h-ge-01"),
        {**wants_home("h-md-01"), "comment": "Medical check done."},
    ],
    ids=["nobody-named", "unknown-person", "a-national", "no-wish-to-return"],
)
def test_no_return_is_arranged_without_someone_to_return(body: dict[str, Any]) -> None:
    """No person named, one the scenario does not know, a national of the host country, or
    no wish to go home: nothing to arrange."""
    social = playing(harbour(), "ge-soc")
    assert deliver(social, given(social, "ge-shelter", body)) == []


def test_a_return_without_a_consulate_asks_none() -> None:
    """A person of a country with no consulate in play: the IO only."""
    social = playing(harbour(), "ge-soc")
    sends = deliver(social, given(social, "ge-shelter", wants_home("h-az-01")))
    assert sent(sends) == [
        ("consent_record", ["ge-soc", "io-mission"]),
        ("trm_referral", ["io-mission"]),
    ]
    assert isinstance(sends[1].envelope.body, TrmReferral)
    assert sends[1].envelope.body.origin_country == "AZ"


def test_a_wrong_route_sends_the_return_to_the_consulate_and_its_refusal_to_the_io() -> None:
    """`wrong_route_share = 1`: the TRM referral goes to the consulate; when the consulate
    refuses it, it goes to the IO unchanged, in a language the IO works in."""
    social = playing(harbour(social_services="wrong_route_share = 1"), "ge-soc")
    sends = deliver(social, given(social, "ge-shelter", wants_home("h-md-01"), case_refs=[CASE]))
    assert sent(sends) == [
        ("consent_record", ["ge-soc", "io-mission"]),
        ("trm_referral", ["md-cons"]),
        ("info_request", ["md-cons"]),
    ]
    wrong = sends[1].envelope
    (again,) = deliver(social, nack(social, wrong, "md-cons", "not_competent", bus=False), HOUR)
    assert again.envelope.recipients == ["io-mission"]
    assert again.envelope.body == wrong.body
    assert (again.envelope.language, again.envelope.legal_basis) == ("eng", "trm_mou")
    assert again.envelope.case_refs == [CASE]


def test_social_services_answer_a_trm_referral_with_a_family_assessment() -> None:
    """A transnational referral: a case update, the best interests first."""
    social = playing(harbour(), "ge-soc")
    (update,) = deliver(social, given(social, "md-nc", trm("MD")))
    assert isinstance(update.envelope.body, CaseUpdate)
    assert "best-interests" in update.envelope.body.comment


# -- child protection ----------------------------------------------------------------------


def test_child_protection_takes_the_child_and_names_the_case_files_threats() -> None:
    """A child's referral: accepted as an emergency, and a high-risk assessment whose
    threats are the case file's."""
    child = playing(harbour(), "ge-child")
    body = referral("ge-child", person("h-md-02", is_minor=True, consent_ref=None))
    accepted, risk = deliver(child, given(child, "ge-police", body, case_refs=[CASE]))
    assert isinstance(accepted.envelope.body, ReferralResponse)
    assert (accepted.envelope.body.decision, accepted.envelope.priority.level) == (
        "accepted",
        "emergency",
    )
    assessment = risk.envelope.body
    assert isinstance(assessment, RiskAssessment)
    assert (assessment.person_id, assessment.risk_level, assessment.context) == (
        "h-md-02",
        "high",
        "destination",
    )
    assert [(t.source, t.type) for t in assessment.threats] == [
        ("the boat's skipper", "retaliation"),
        ("the skipper's cousin", "retaliation"),
    ]


def test_without_a_case_file_the_threat_is_named_generically() -> None:
    """A case with no file: the exploiters, in general words."""
    child = playing(harbour(), "ge-child")
    body = referral("ge-child", person("h-x-09", is_minor=True, consent_ref=None))
    _, risk = deliver(child, given(child, "ge-police", body, case_refs=["GE-2027-9"]))
    assert isinstance(risk.envelope.body, RiskAssessment)
    assert [t.source for t in risk.envelope.body.threats] == [EXPLOITERS]


def test_child_protection_answers_a_trm_referral_in_a_shared_language() -> None:
    """A transnational referral: follow-up, best interests first, in a language the
    sender works in."""
    child = playing(harbour(), "ge-child")
    (update,) = deliver(child, given(child, "md-nc", trm("MD")))
    assert isinstance(update.envelope.body, CaseUpdate)
    assert update.envelope.body.status == "FollowUp"
    assert update.envelope.language == "eng"


# -- the national coordinator --------------------------------------------------------------


def test_the_coordinator_passes_a_trm_referral_to_its_countrys_service() -> None:
    """A TRM referral: acknowledged by a case update and passed on, derived from it, to the
    NGO of the coordinator's country, in a language the NGO works in."""
    coordinator = playing(harbour(), "md-nc")
    incoming = given(coordinator, "ge-shelter", trm("MD"), case_refs=[CASE])
    update, passed = deliver(coordinator, incoming)
    assert sent([update, passed]) == [("case_update", ["ge-shelter"]), ("trm_referral", ["md-ngo"])]
    assert passed.envelope.body == incoming.body
    assert passed.envelope.derived_from == [incoming.id]
    assert passed.envelope.language == "pus"


def test_the_coordinator_ignores_what_is_not_a_trm_referral() -> None:
    """Anything else: nothing."""
    coordinator = playing(harbour(), "md-nc")
    assert deliver(coordinator, given(coordinator, "ge-shelter", wants_home("h-md-01"))) == []


# -- the international organisation --------------------------------------------------------


def test_the_io_assesses_the_risk_at_origin_and_arranges_the_return() -> None:
    """A TRM referral: a risk assessment before return for the first person, and days later
    the return's logistics for all, travel document requested."""
    io = playing(harbour(), "io-mission")
    persons = (person("h-md-01"), person("h-md-02"))
    risk, arrangement = deliver(io, given(io, "ge-soc", trm("MD", *persons)))
    assert isinstance(risk.envelope.body, RiskAssessment)
    assert (risk.envelope.body.person_id, risk.envelope.body.context) == (
        "h-md-01",
        "origin_return",
    )
    body = arrangement.envelope.body
    assert isinstance(body, ReturnArrangement)
    assert [p.person_id for p in body.persons] == ["h-md-01", "h-md-02"]
    assert body.travel_document_status == "requested"
    assert arrangement.after_us >= 3 * DAY


@pytest.mark.parametrize(
    ("persons", "note"),
    [
        (
            [person("h-md-01", primary_language="pus")],
            "Screening done with an interpreter for pus; protection needs noted.",
        ),
        (
            [person("h-md-01")],  # no language given: the scenario's
            "Screening done with an interpreter for pus; protection needs noted.",
        ),
        (
            [person("h-md-01", primary_language="pus"), person("k", primary_language="kir")],
            "Screening done with interpreters for pus and kir; protection needs noted.",
        ),
        (
            [person("h-az-01", primary_language="kaa", secondary_language="tgk")],
            "Screening done in a language they speak; protection needs noted.",
        ),
    ],
)
def test_the_io_screening_names_the_interpreters_the_persons_need(
    persons: list[dict[str, Any]], note: str
) -> None:
    """A referral for screening: accepted, and the report names the language of each
    interpreter the persons needed (none when they speak the IO's language)."""
    io = playing(harbour(), "io-mission")
    accepted, report = deliver(io, given(io, "ge-police", referral("io-mission", *persons)))
    assert isinstance(accepted.envelope.body, ReferralResponse)
    assert accepted.envelope.body.decision == "accepted"
    assert isinstance(report.envelope.body, CaseUpdate)
    assert report.envelope.body.comment == note


def test_the_io_answers_a_question_from_its_caseload() -> None:
    """An information request: an H0 answer, evaluated A2."""
    io = playing(harbour(), "io-mission")
    question = {"kind": "info_request", "questions": ["Do you know them?"]}
    (answer,) = deliver(io, given(io, "ge-police", question))
    assert isinstance(answer.envelope.body, InfoResponse)
    assert answer.envelope.handling is not None
    assert answer.envelope.handling.codes == ["H0"]
    assert answer.envelope.evaluation is not None
    assert (answer.envelope.evaluation.source, answer.envelope.evaluation.information) == ("A", 2)


# -- the consulate -------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["consular", None])
def test_the_consulate_verifies_identity_under_the_requests_legal_basis(
    basis: str | None,
) -> None:
    """An identity request: confirmed, H0, A1, under the instrument it was asked under."""
    consulate = playing(harbour(), "md-cons")
    question = {"kind": "info_request", "questions": ["Who is this?"]}
    (answer,) = deliver(consulate, given(consulate, "ge-soc", question, legal_basis=basis))
    assert isinstance(answer.envelope.body, InfoResponse)
    assert answer.envelope.legal_basis == basis
    assert answer.envelope.evaluation is not None
    assert answer.envelope.evaluation.source == "A"


def test_the_consulate_issues_the_travel_document_of_a_return() -> None:
    """A return arrangement: the travel document issued by this consulate, the plan kept."""
    consulate = playing(harbour(), "md-cons")
    arrangement = {
        "kind": "return_arrangement",
        "persons": [person("h-md-01")],
        "travel_document_status": "requested",
        "reception_plan": "Met at the port.",
    }
    (answer,) = deliver(consulate, given(consulate, "io-mission", arrangement))
    body = answer.envelope.body
    assert isinstance(body, ReturnArrangement)
    assert (body.travel_document_status, body.consulate, body.reception_plan) == (
        "issued",
        "md-cons",
        "Met at the port.",
    )


# -- the labour migration agency and the interpreters --------------------------------------


def test_the_labour_migration_agency_answers_licence_questions_only() -> None:
    """An information request gets an H0 answer from the licence records; nothing else
    gets an answer."""
    agency = playing(harbour(), "md-lma")
    question = {"kind": "info_request", "questions": ["Is the recruiter licensed?"]}
    (answer,) = deliver(agency, given(agency, "ge-police", question))
    assert isinstance(answer.envelope.body, InfoResponse)
    assert answer.envelope.handling is not None
    assert answer.envelope.handling.codes == ["H0"]
    assert deliver(agency, given(agency, "ge-police", trm("MD"), n=1)) == []


@pytest.mark.parametrize(
    ("source", "target", "outcome"),
    [("pus", "eng", "assigned"), ("pus", "kaa", "partial"), ("tgk", "eng", "unavailable")],
)
def test_an_interpreter_comes_when_the_countrys_pool_can_send_one(
    source: str, target: str, outcome: str
) -> None:
    """A pool of the service's country for the language: assigned (partial when it does not
    cover the target language), available after the pool's interpretation delay;
    otherwise unavailable."""
    service = playing(harbour(), "ge-interp")
    request = {
        "kind": "translation_request",
        "from_language": source,
        "to_language": target,
        "purpose": "screening",
    }
    (answer,) = deliver(service, given(service, "ge-police", request), HOUR)
    body = answer.envelope.body
    assert isinstance(body, TranslationDelivery)
    assert body.outcome == outcome
    if outcome != "unavailable":
        assert body.available_from == HARBOUR_START + timedelta(hours=4)
        assert answer.after_us <= 3 * HOUR


# -- case files ----------------------------------------------------------------------------


def test_the_persons_of_a_case_are_controlled_as_its_file_says() -> None:
    """Screening finds the case's persons (the first four) with the file's methods of
    control; in SILK THREAD, case B's."""
    found = persons_for(harbour(), CASE, None)
    assert [p.person_id for p in found] == ["h-md-01", "h-md-02", "h-az-01", "h-ge-01"]
    assert [p.methods_of_control for p in found] == [["Other", "PsychologicalAbuse"]] * 4
    sauna = persons_for(SILK_THREAD, "KZ-SH-2026-0077", None)
    assert [p.methods_of_control for p in sauna] == [
        ["WithholdsDocuments", "DebtBondage", "ThreatensChildrenFamily", "TakesEarnings"]
    ] * 3


def test_without_a_file_nobody_is_said_to_be_controlled() -> None:
    """A case the storyline keeps no file of (only an inject names it): its persons are
    found, with no methods of control."""
    (found,) = persons_for(harbour(), "GE-2027-6", None)
    assert (found.person_id, found.methods_of_control) == ("h-md-03", [])


# -- SILK THREAD's story, from its data ----------------------------------------------------


def test_silk_thread_the_turkmen_woman_goes_home_through_iom_and_her_consulate() -> None:
    """m13's update (b-tm-01 wants to go home): IOM gets her consent and the TRM referral
    with origin TM, in Russian; TM's consulate is asked for her travel document."""
    social = quiet("kz-soc")
    update = {**wants_home("b-tm-01"), "comment": "b-tm-01 asked today to go home."}
    sends = deliver(social, given(social, "kz-ngo-sh", update, case_refs=["KZ-SH-2026-0077"]))
    assert sent(sends) == [
        ("consent_record", ["kz-soc", "int-iom"]),
        ("trm_referral", ["int-iom"]),
        ("info_request", ["tm-mfa"]),
    ]
    body = sends[1].envelope.body
    assert isinstance(body, TrmReferral)
    assert (body.origin_country, body.destination_country) == ("TM", "KZ")
    assert body.request is not None
    assert "she wants to go home" in body.request
    assert [send.envelope.language for send in sends[1:]] == ["rus", "rus"]


def test_silk_thread_a_girl_of_the_sauna_case_is_threatened_by_its_files_threat() -> None:
    """kz-child's risk assessment for case B names the case file's threat."""
    child = quiet("kz-child")
    body = referral("kz-child", person("b-kg-01", is_minor=True, consent_ref=None))
    body["referring_organisation"] = "kz-mia-sh"
    _, risk = deliver(child, given(child, "kz-mia-sh", body, case_refs=["KZ-SH-2026-0077"]))
    assert isinstance(risk.envelope.body, RiskAssessment)
    assert [t.source for t in risk.envelope.body.threats] == ["the exploiters' relative in Osh"]


def test_silk_thread_the_afghan_youths_are_screened_with_a_dari_interpreter() -> None:
    """int-unhcr's screening of case C's Afghan youths names their language, Dari (prs)."""
    unhcr = quiet("int-unhcr")
    persons = [person(p.id) for p in SILK_THREAD.persons_of("KZ-AT-2026-0152")[:2]]
    body = referral("int-unhcr", *persons)
    body["referring_organisation"] = "kz-mia-at"
    _, report = deliver(unhcr, given(unhcr, "kz-mia-at", body))
    assert isinstance(report.envelope.body, CaseUpdate)
    assert report.envelope.body.comment == (
        "Screening done with an interpreter for prs; protection needs noted."
    )
