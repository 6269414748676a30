"""The police playbook's decisions, driven delivery by delivery: what it sends for each
kind of message it handles, every fact taken from the scenario's case file and persons,
its wrong routes (planted at a share of 1) and their repair from the nack, and the
compliance rules finding the planted errors in a headless run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from string import Template
from typing import Any, TypeVar
from uuid import uuid5

import msgspec
import pytest

from agencies.playbooks.investigation import UNFILED_SUMMARY
from agencies.playbooks.police import Police
from protocols import Delivery, Envelope
from protocols.assistance import Referral
from protocols.identification import (
    ConsentRecord,
    IdentificationDecision,
    Screening,
)
from protocols.interpretation import TranslationRequest
from protocols.judicial import EvidenceTransfer, MlaRequest, ProceduralDocument
from protocols.police import (
    FinIntelRequest,
    InfoRequest,
    InfoResponse,
    InterpolNoticeRequest,
)
from protocols.receipts import Ack
from tests.bus.helpers import envelope_for, play
from tests.test_playbooks_generic import PATTERNS, PLACES, VOCABULARY, scenario_literals
from trafsim_bus.core import Send
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.log.records import Record
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.metrics.compliance import _custody_gaps
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import CaseFile, Scenario
from trafsim_bus.timebase import HOUR

T = TypeVar("T")

WORLD = Template("""
[exercise]
name = "$name"
startex = "$year-03-02T09:00:00+02:00"
duration = "3d"
seed = 5

[[country]]
id = "$home"
name = "$home_name"
languages = ["$lang", "$shared"]
utc_offset = "+02:00"

[[country]]
id = "$abroad"
name = "$abroad_name"
languages = ["$abroad_lang", "$shared"]
utc_offset = "+02:00"

[[country]]
id = "$third"
name = "$third_name"
languages = ["$third_lang", "$shared"]
utc_offset = "+02:00"

[[agency]]
id = "$police"
name = "Police"
country = "$home"
kind = "police"
languages = ["$lang", "$shared"]

[[agency]]
id = "$prosecutor"
name = "Prosecutor"
country = "$home"
kind = "prosecutor"
languages = ["$lang", "$shared"]

[[agency]]
id = "$ncb"
name = "NCB"
country = "$home"
kind = "ncb"
languages = ["$shared", "$lingua"]

[[agency]]
id = "$fiu"
name = "FIU"
country = "$home"
kind = "fiu"
languages = ["$lang", "$shared"]

[[agency]]
id = "$shelter"
name = "Shelter"
country = "$home"
kind = "ngo_shelter"
languages = ["$lang", "$shared"]

[[agency]]
id = "$child"
name = "Child protection"
country = "$home"
kind = "child_protection"
languages = ["$lang", "$shared"]

[[agency]]
id = "$interp"
name = "Interpreters"
country = "$home"
kind = "interpretation_service"
languages = ["$lang", "$shared"]

[[agency]]
id = "$migration"
name = "Migration"
country = "$home"
kind = "migration"
languages = ["$lang", "$shared"]

[[agency]]
id = "$social"
name = "Social services"
country = "$home"
kind = "social_services"
languages = ["$lang", "$shared"]

[[agency]]
id = "$lma"
name = "Labour migration agency"
country = "$home"
kind = "labour_migration_agency"
languages = ["$lang", "$shared"]

[[agency]]
id = "$iom"
name = "An international organisation that speaks no refugee language"
country = "$home"
kind = "international_org"
languages = ["$lingua", "$shared"]

[[agency]]
id = "$unhcr"
name = "An international organisation with refugee interpreters"
country = "$home"
kind = "international_org"
languages = ["$shared", "$refugee_lang"]

[[agency]]
id = "$abroad_police"
name = "Police abroad"
country = "$abroad"
kind = "police"
languages = ["$abroad_lang", "$shared"]

[[agency]]
id = "$abroad_prosecutor"
name = "Prosecutor abroad"
country = "$abroad"
kind = "prosecutor"
languages = ["$abroad_lang", "$shared"]

[[agency]]
id = "$consulate"
name = "Consulate of the country abroad"
country = "$abroad"
kind = "consulate"
languages = ["$abroad_lang", "$shared"]

[[agency]]
id = "$third_police"
name = "Police of a third country"
country = "$third"
kind = "police"
languages = ["$third_lang", "$shared"]

[[channel]]
id = "$ch_self"
from = ["*"]
to = ["*"]
within_agency = true
types = ["alert", "screening", "consent_record", "identification_decision"]
latency = [{ family = "fixed", median = "5min" }]

[[channel]]
id = "$ch_field"
from = ["excon"]
to = ["*"]
both_ways = true
types = ["alert", "labour_inspection_report", "ack", "nack"]
latency = [{ family = "fixed", median = "5min" }]

[[channel]]
id = "$ch_home"
from = [{ country = "$home" }]
to = [{ country = "$home" }]
evidence_grade = true
types = [
  "alert", "screening", "identification_decision", "consent_record", "referral",
  "referral_response", "risk_assessment", "reflection_period", "case_update",
  "info_request", "info_response", "interpol_notice_request", "diffusion",
  "fin_intel_request", "fin_intel_response", "mla_request", "mla_execution_report",
  "evidence_transfer", "procedural_document", "translation_request",
  "translation_delivery", "return_arrangement", "ack", "nack",
]
latency = [{ family = "fixed", median = "1h" }]

[[channel]]
id = "$ch_police"
from = [{ kind = "police", country = "$home" }]
to = [{ kind = "police", country = "$abroad" }, { kind = "police", country = "$third" }]
both_ways = true
intelligence_only = true
types = ["info_request", "info_response", "evidence_transfer", "ack", "nack"]
latency = [{ family = "fixed", median = "4h" }]

[[channel]]
id = "$ch_interpol"
from = ["$ncb"]
to = [{ kind = "police", country = "$abroad" }, { kind = "police", country = "$third" }]
both_ways = true
intelligence_only = true
types = ["info_request", "info_response", "interpol_notice_request", "diffusion", "ack", "nack"]
latency = [{ family = "fixed", median = "1d" }]

[[channel]]
id = "$ch_consular"
from = [{ country = "$home" }]
to = ["$consulate"]
both_ways = true
types = ["info_request", "info_response", "ack", "nack"]
latency = [{ family = "fixed", median = "1d" }]

[[channel]]
id = "$ch_mla"
from = ["$prosecutor"]
to = ["$abroad_prosecutor"]
both_ways = true
evidence_grade = true
types = ["mla_request", "mla_execution_report", "ack", "nack"]
latency = [{ family = "fixed", median = "7d" }]

[[jurisdiction.use]]
channel = "$ch_mla"
kinds = ["prosecutor"]

[[jurisdiction.use]]
channel = "$ch_interpol"
kinds = ["ncb"]

[[jurisdiction.use]]
channel = "$ch_interpol"
kinds = ["police"]
types = ["info_response", "ack", "nack"]

[playbooks.police]
response = { family = "fixed", median = "1h" }
wrong_route_share = $wrong
custody_gap_share = $gap

[[inject]]
id = "tip"
at = "D1 10:00"
title = "A tip"
from = "excon"
to = ["$police"]
channel = "$ch_field"
body = { kind = "alert", alert_source = "patrol", summary = "$tip", minors_suspected = true }
envelope = { case_refs = ["$case"] }

[[inject]]
id = "raid"
at = "D1 14:00"
title = "The live site"
from = "excon"
to = ["$police"]
body = { kind = "inject", inject_id = "raid", title = "The operation", content = "$raid" }
envelope = { case_refs = ["$case"] }

[[case]]
ref = "$case"
title = "$title"
offence = "$offence"
qualification = $qualification
summary = "$summary"
site = "$site"
control = ["WithholdsDocuments", "DebtBondage", "ThreatensChildrenFamily"]
questions = $questions
threats = ["$threat"]
suspects = [
  { kind = "phone", value = "$phone", country = "$abroad", role_in_process = "RecruiterOrIntermediary" },
  { kind = "person", value = "$suspect_abroad", country = "$abroad", role_in_process = "Exploiter" },
  { kind = "person", value = "$suspect_home", country = "$home", role_in_process = "Exploiter" },
]
instruments = [{ kind = "$instrument_kind", identifier = "$instrument", country = "$abroad" }]

[[case.evidence]]
id = "$item"
description = "$item_description"
seized_by = "$police"
seized_where = "$site"
seal_no = "$seal"
sha256 = "$sha"
write_blocked = true
witnesses = ["$witness"]

[[case.evidence]]
id = "$other_item"
description = "Seized by another agency: not the police's to hand over"
seized_by = "$migration"
seized_where = "$site"

[[person]]
id = "$speaks"
case = "$case"
age = 31
sex = "female"
nationality = "$abroad"
languages = ["$abroad_lang", "$shared"]
statement = "$statement"

[[person]]
id = "$waits"
case = "$case"
age = 27
sex = "female"
nationality = "$abroad"
languages = ["$abroad_lang"]

[[person]]
id = "$minor"
case = "$case"
age = 16
sex = "female"
nationality = "$abroad"
languages = ["$abroad_lang", "$shared"]

[[person]]
id = "$refugee"
case = "$case"
age = 24
sex = "male"
nationality = "$refugee_nationality"
languages = ["$refugee_lang"]
""")
"""Two countries' agencies around one police unit, a third country's police, and one case
file. Every id, language and fact is a parameter."""

ONE: dict[str, Any] = {
    "name": "one",
    "year": 2026,
    "home": "KZ",
    "home_name": "Kazakhstan",
    "abroad": "UZ",
    "abroad_name": "Uzbekistan",
    "third": "KG",
    "third_name": "Kyrgyzstan",
    "lang": "kaz",
    "shared": "rus",
    "abroad_lang": "uzb",
    "third_lang": "kir",
    "lingua": "eng",
    "refugee_lang": "prs",
    "refugee_nationality": "AF",
    "police": "kz-police",
    "prosecutor": "kz-pgo",
    "ncb": "kz-ncb",
    "fiu": "kz-fiu",
    "shelter": "kz-ngo",
    "child": "kz-child",
    "interp": "kz-interp",
    "migration": "kz-mig",
    "social": "kz-soc",
    "lma": "kz-lma",
    "iom": "kz-iom",
    "unhcr": "kz-unhcr",
    "abroad_police": "uz-police",
    "abroad_prosecutor": "uz-pgo",
    "consulate": "uz-cons",
    "third_police": "kg-police",
    "ch_self": "intra",
    "ch_field": "field",
    "ch_home": "domestic",
    "ch_police": "police-direct",
    "ch_interpol": "interpol",
    "ch_consular": "consular",
    "ch_mla": "mla",
    "case": "KZ-2026-1",
    "title": "The brick works",
    "offence": "KZ CC 128",
    "qualification": '["KZ CC 128(3)"]',
    "summary": "Six men recruited for a brick works near Karaganda; documents withheld.",
    "site": "the brick works",
    "questions": '["Who recruited you?", "Who kept your passport?"]',
    "threat": "the foreman",
    "phone": "+998901234567",
    "suspect_abroad": "the foreman's brother in Fergana",
    "suspect_home": "the foreman",
    "instrument_kind": "bank_card",
    "instrument": "8600-XXXX-0001",
    "item": "kz-2026-1-phone-1",
    "other_item": "kz-2026-1-passports-1",
    "item_description": "The foreman's phone",
    "seal": "KZ-KR-000101",
    "sha": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    "witness": "attesting witness 1",
    "speaks": "w-uz-01",
    "waits": "w-uz-02",
    "minor": "w-uz-03",
    "refugee": "w-af-01",
    "statement": "My passport was taken at the brick works.",
    "tip": "Men locked in at a brick works.",
    "raid": "The brick works is searched; the foreman's phone is seized.",
}
"""A world in the image of SILK THREAD's (with ids of its own)."""

TWO: dict[str, Any] = {
    "name": "two",
    "year": 2031,
    "home": "RO",
    "home_name": "Romania",
    "abroad": "MD",
    "abroad_name": "Moldova",
    "third": "BG",
    "third_name": "Bulgaria",
    "lang": "tgk",
    "shared": "kaa",
    "abroad_lang": "tuk",
    "third_lang": "kir",
    "lingua": "uzb",
    "refugee_lang": "pus",
    "refugee_nationality": "SY",
    "police": "ro-igpr",
    "prosecutor": "ro-diicot",
    "ncb": "ro-ccpi",
    "fiu": "ro-onpcsb",
    "shelter": "ro-adpare",
    "child": "ro-dgaspc",
    "interp": "ro-interpreti",
    "migration": "ro-igi",
    "social": "ro-social",
    "lma": "ro-anofm",
    "iom": "ro-oim",
    "unhcr": "ro-acnur",
    "abroad_police": "md-cpi",
    "abroad_prosecutor": "md-pg",
    "consulate": "md-consul",
    "third_police": "bg-mvr",
    "ch_self": "loopback",
    "ch_field": "field-net",
    "ch_home": "ro-mesh",
    "ch_police": "pol-link",
    "ch_interpol": "i24-link",
    "ch_consular": "cons-link",
    "ch_mla": "mla-link",
    "case": "RO-B-2031-7",
    "title": "The begging ring of Cluj",
    "offence": "RO CP 210",
    "qualification": '["RO CP 210(1)", "RO CP 211"]',
    "summary": "Four women promised cleaning jobs were forced into street begging in Cluj; "
    "the takings were collected every evening.",
    "site": "a flat near the Cluj railway station",
    "questions": "[]",
    "threat": "the collector's men",
    "phone": "+37369000111",
    "suspect_abroad": "the collector known as Vova",
    "suspect_home": "the landlord in Cluj",
    "instrument_kind": "e_wallet",
    "instrument": "wallet-md-0042",
    "item": "ro-b-7-ledger-1",
    "other_item": "ro-b-7-cards-1",
    "item_description": "The collector's ledger of the daily takings",
    "seal": "RO-CJ-9912",
    "sha": "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
    "witness": "martor asistent 1",
    "speaks": "v-md-01",
    "waits": "v-md-02",
    "minor": "v-md-03",
    "refugee": "v-sy-01",
    "statement": "They took the money every evening and my identity card.",
    "tip": "Women begging at the station all day, watched from a car.",
    "raid": "The flat is searched; the collector's ledger is seized.",
}
"""Another world: no id, language, country, case or fact of the first or of SILK THREAD."""


@dataclass
class World:
    """A scenario built from the template, and the police unit playing in it."""

    facts: dict[str, Any]
    scenario: Scenario

    def __getitem__(self, name: str) -> Any:
        return self.facts[name]

    @property
    def file(self) -> CaseFile:
        (file,) = self.scenario.cases
        return file

    def police(self) -> Police:
        """A fresh police playbook of this world."""
        exercise = exercise_id_for(self.scenario.sha256, 5)
        return Police(self.scenario.agencies[self["police"]], self.scenario, exercise, 5)

    def at(self, hours: float) -> datetime:
        """A moment of the exercise, hours after STARTEX."""
        return self.scenario.startex + timedelta(hours=hours)


def world(facts: dict[str, Any], *, wrong: float = 0, gap: float = 0) -> World:
    """The world of these facts, with the police's planted shares."""
    text = WORLD.substitute(facts, wrong=wrong, gap=gap)
    return World(facts, parse_scenario(text, f"{facts['name']}.toml"))


def given(
    place: World, playbook: Police, key: str, sender: str, body: dict[str, Any], **fields: Any
) -> Envelope:
    """An envelope of the world's exercise to the police unit."""
    return envelope_for(
        playbook.exercise_id,
        key,
        sender,
        [playbook.agency],
        body,
        **{
            "created_at": place.at(1).isoformat(),
            "language": place["shared"],
            "script": "Latn",
            "case_refs": [place["case"]],
            **fields,
        },
    )


def deliver(playbook: Police, envelope: Envelope, now_us: int = HOUR) -> list[Envelope]:
    """What the playbook sends when `envelope` is delivered to it."""
    return [send.envelope for send in sends(playbook, envelope, now_us)]


def sends(playbook: Police, envelope: Envelope, now_us: int = HOUR) -> list[Send]:
    """The sends of the playbook when `envelope` is delivered to it."""
    delivery = Delivery(
        envelope_id=envelope.id,
        recipient=playbook.agency,
        channel="any",
        status="delivered",
        evidentiary_status="not_applicable",
        language=envelope.language,
        submitted_us=0,
        due_us=now_us,
        delivered_us=now_us,
    )
    actions = playbook.on_delivery(delivery, envelope, now_us)
    return [action for action in actions if isinstance(action, Send)]


def of(sent: list[Envelope], kind: type[Any]) -> list[Envelope]:
    """The sent envelopes whose body is of a kind."""
    return [envelope for envelope in sent if isinstance(envelope.body, kind)]


def bus_nack(
    playbook: Police, refused: Envelope, recipient: str, reason: str, **fields: Any
) -> Envelope:
    """The bus's nack of one delivery of `refused` (its id as the bus derives it)."""
    return msgspec.convert(
        {
            "schema_version": "1",
            "id": str(uuid5(playbook.exercise_id, f"nack:{refused.id}:{recipient}")),
            "exercise_id": str(playbook.exercise_id),
            "sender": "bus",
            "recipients": [refused.sender],
            "created_at": refused.created_at.isoformat(),
            "in_reply_to": str(refused.id),
            "language": refused.language,
            "script": "Latn",
            "body": {
                "kind": "nack",
                "ack_of": str(refused.id),
                "reason": reason,
                "detail": "refused",
                **fields,
            },
        },
        Envelope,
    )


def alert(place: World, playbook: Police, key: str = "tip") -> list[Envelope]:
    """The unit's reaction to a patrol's alert about the world's case."""
    body = {
        "kind": "alert",
        "alert_source": "patrol",
        "summary": place["tip"],
        "minors_suspected": True,
    }
    return deliver(playbook, given(place, playbook, key, "excon", body))


def raid(place: World, playbook: Police, key: str = "raid") -> list[Envelope]:
    """The unit's reaction to the live-site inject of the world's case."""
    body = {"kind": "inject", "inject_id": "raid", "title": "The operation", "content": "Go."}
    return deliver(playbook, given(place, playbook, key, "excon", body), 5 * HOUR)


def info_response(place: World, playbook: Police, key: str, *, restricted: bool) -> Envelope:
    """Intelligence from the police abroad about the case, under H2 or not."""
    return given(
        place,
        playbook,
        key,
        place["abroad_police"],
        {
            "kind": "info_response",
            "findings": ["The number is held by the collector."],
            "subjects": [{"kind": "person", "value": place["suspect_abroad"]}],
        },
        handling={"codes": ["H1", "H2"] if restricted else ["H1"]},
        evaluation={"source": "B", "information": 2},
    )


def replaced(place: World, old: str, new: str) -> World:
    """The world with one line of its scenario text changed."""
    assert old in place.scenario.text, old
    text = place.scenario.text.replace(old, new, 1)
    return World(place.facts, parse_scenario(text, f"{place['name']}.toml"))


def bodies(sent: list[Envelope], kind: type[T], to: str | None = None) -> list[T]:
    """The bodies of a kind among the sent envelopes (to one recipient, if given)."""
    return [body(e, kind) for e in of(sent, kind) if to is None or e.recipients == [to]]


def body(envelope: Envelope, kind: type[T]) -> T:
    """An envelope's body, which must be of this kind."""
    assert isinstance(envelope.body, kind), envelope.body
    return envelope.body


def one_to(sent: list[Envelope], kind: type[Any], to: str) -> Envelope:
    """The only envelope of a kind sent to `to`."""
    (found,) = [e for e in of(sent, kind) if e.recipients == [to]]
    return found


# -- opening a case --------------------------------------------------------------------


def test_an_alert_opens_the_case_with_the_case_files_facts() -> None:
    """Screenings follow the file's methods of control, decisions name its means, referrals
    flag its threats, the opening decision is its summary; an alert hands nothing over,
    and a second alert opens nothing."""
    place = world(ONE)
    playbook = place.police()
    sent = alert(place, playbook)
    file = place.file
    opening = body(one_to(sent, ProceduralDocument, place["prosecutor"]), ProceduralDocument)
    assert (opening.summary, opening.case_number) == (file.summary, file.ref)
    assert opening.doc_type == "decision_open_criminal_case"
    # The persons who share a language with the unit are screened now, the rest wait.
    screenings = bodies(sent, Screening)
    assert [s.person_id for s in screenings] == [place["speaks"], place["minor"]]
    assert [i.id for i in screenings[0].indicators] == [
        "ilo_ec09.withholding_of_documents",
        "ilo_ec09.debt_bondage",
        "ilo_ec09.threats_against_family",
    ]
    assert screenings[0].indicators[0].note == place["statement"]
    asked = {r.from_language for r in bodies(sent, TranslationRequest, place["interp"])}
    assert asked == {place["abroad_lang"], place["refugee_lang"]}
    decisions = of(sent, IdentificationDecision)
    assert len(decisions) == 4
    assert all(e.recipients == [place["prosecutor"], place["migration"]] for e in decisions)
    means = {d.person_id: d.basis.means for d in bodies(sent, IdentificationDecision)}
    assert means[place["speaks"]] == "withheld documents, debt, threats against the family"
    assert means[place["minor"]] is None
    shelter = one_to(sent, Referral, place["shelter"])
    referred = body(shelter, Referral)
    assert referred.risk_flags == ["the foreman may look for them"]
    assert shelter.priority.level == "emergency"
    assert all(p.methods_of_control == list(file.control) for p in referred.persons)
    (child,) = bodies(sent, Referral, place["child"])
    assert [p.person_id for p in child.persons] == [place["minor"]]
    assert child.risk_flags == ["a child; at risk from the foreman"]
    consents = bodies(sent, ConsentRecord)
    assert {c.person_id for c in consents} == {place["speaks"], place["waits"], place["refugee"]}
    assert of(sent, EvidenceTransfer) == []
    assert alert(place, playbook, "tip-again") == []


def test_opening_asks_the_fiu_and_the_ncb_about_the_files_money_and_suspects() -> None:
    """The FIU is asked about the file's instruments, the suspects as counterparties; a
    blue notice is asked for each suspect abroad (none for the one at home); the NCB is
    asked about every suspect under the file's offence."""
    place = world(ONE)
    sent = alert(place, place.police())
    file = place.file
    (money,) = bodies(sent, FinIntelRequest, place["fiu"])
    assert money.instruments == list(file.instruments)
    assert [s.value for s in money.counterparties] == [
        place["suspect_abroad"],
        place["suspect_home"],
    ]
    assert not money.freeze_requested
    assert file.summary in money.grounds
    notice = one_to(sent, InterpolNoticeRequest, place["ncb"])
    blue = body(notice, InterpolNoticeRequest)
    assert blue.colour == "blue"
    assert blue.subject is not None
    assert blue.subject.value == place["suspect_abroad"]
    assert blue.scope == [place["abroad"]]
    assert notice.language == place["shared"]
    asked = one_to(sent, InfoRequest, place["ncb"])
    question = body(asked, InfoRequest)
    assert (question.subjects, question.offence) == (list(file.suspects), file.offence)
    assert asked.language == place["shared"]


def test_the_foreign_police_is_asked_about_its_countrys_suspects_in_a_shared_language() -> None:
    """The police of the persons' country gets the suspects of that country, the file's
    offence, in the language both work in; nothing goes to a country with no police."""
    place = world(ONE)
    sent = alert(place, place.police())
    request = one_to(sent, InfoRequest, place["abroad_police"])
    question = body(request, InfoRequest)
    file = place.file
    assert question.subjects == [s for s in file.suspects if s.country == place["abroad"]]
    assert question.offence == file.offence
    assert f"Who holds the number {place['phone']}?" in question.questions
    assert (request.language, request.channel) == (place["shared"], None)
    asked = {r for e in of(sent, InfoRequest) for r in e.recipients} - {place["consulate"]}
    assert asked == {place["abroad_police"], place["ncb"]}


def test_a_person_of_no_scenario_country_is_referred_to_an_organisation_in_their_language() -> None:
    """Asylum screening: the person whose nationality has no [[country]] goes to the
    international organisation that speaks their language, not the first one listed."""
    place = world(ONE)
    sent = alert(place, place.police())
    asylum = one_to(sent, Referral, place["unhcr"])
    referred = body(asylum, Referral)
    assert [p.person_id for p in referred.persons] == [place["refugee"]]
    assert referred.reason_for_outgoing_referral == "MigrationOrChangeOfLocation"
    assert asylum.language == place["shared"]
    assert bodies(sent, Referral, place["iom"]) == []


@pytest.mark.parametrize("wrong", [0, 1])
def test_the_consulate_is_asked_about_the_nationals_who_agreed(wrong: int) -> None:
    """Only nationals whose consent names consulates are shared with the consulate; on a
    wrong route every adult national is."""
    place = world(ONE, wrong=wrong)
    playbook = place.police()
    sent = alert(place, playbook)
    shared = [
        p.person_id for body in bodies(sent, InfoRequest, place["consulate"]) for p in body.persons
    ]
    consular = {
        consent.person_id
        for consent in bodies(sent, ConsentRecord)
        if any(scope.agency_kind == "consulate" for scope in consent.scope)
    }
    nationals = [place["speaks"], place["waits"]]
    if wrong:
        assert shared == nationals
    else:
        # The consent records the unit sent say who agreed (one of the two, here).
        assert 0 < len(consular & set(nationals)) < len(nationals)
        assert shared == [p for p in nationals if p in consular]


def test_a_case_without_a_file_is_opened_in_words_that_name_no_offence() -> None:
    """No case file: a generic summary, nothing for the FIU or a notice, and an alert
    without a case reference opens a case numbered in the exercise's year."""
    place = world(TWO)
    playbook = place.police()
    body = {"kind": "alert", "alert_source": "patrol", "summary": "Someone is held."}
    sent = deliver(playbook, given(place, playbook, "bare", "excon", body, case_refs=[]))
    (opening,) = bodies(sent, ProceduralDocument)
    assert opening.case_number == f"{place['police'].upper()}-{place['year']}-0001"
    assert place["offence"] not in opening.summary
    assert opening.summary == UNFILED_SUMMARY
    assert of(sent, FinIntelRequest) == of(sent, InterpolNoticeRequest) == []


# -- seized items --------------------------------------------------------------------


def custody_gaps(envelope: Envelope) -> list[str]:
    """What the compliance rule `custody_gap` finds in an evidence transfer."""
    document = msgspec.to_builtins(envelope)
    return list(_custody_gaps(document["body"], envelope.sender, list(envelope.recipients)))


def test_the_live_site_inject_hands_the_units_seized_items_to_the_prosecutor() -> None:
    """After the live site, each item the file says the unit seized goes to the prosecutor
    with its seal, hash, witnesses and place, under an unbroken chain; an item another
    agency seized does not, and a second inject hands nothing over again."""
    place = world(ONE)
    playbook = place.police()
    alert(place, playbook)
    sent = raid(place, playbook)
    (transfer,) = sent
    assert transfer.recipients == [place["prosecutor"]]
    assert transfer.evidentiary_status == "evidence"
    body = transfer.body
    assert isinstance(body, EvidenceTransfer)
    (item,) = [i for i in place.file.evidence if i.id == place["item"]]
    assert (body.evidence_item_id, body.description, body.seized_where) == (
        item.id,
        item.description,
        item.seized_where,
    )
    assert (body.seal_no, body.sha256, body.write_blocked) == (place["seal"], place["sha"], True)
    assert body.attesting_witnesses == [place["witness"]]
    assert (body.seized_by, body.seized_at) == (place["police"], place.at(5))
    (link,) = body.custody
    assert (link.from_agency, link.to_agency, link.at) == (
        place["police"],
        place["prosecutor"],
        place.at(5),
    )
    assert custody_gaps(transfer) == []
    assert raid(place, playbook, "raid-again") == []


def test_an_inject_that_opens_the_case_opens_it_and_hands_over() -> None:
    """A live-site inject for a case not yet opened opens it, then hands the items over."""
    place = world(ONE)
    playbook = place.police()
    sent = raid(place, playbook)
    assert [type(e.body) for e in sent][-1] is EvidenceTransfer
    assert of(sent, ProceduralDocument)
    assert alert(place, playbook) == []


def test_a_planted_custody_gap_dates_the_hand_off_before_the_seizure() -> None:
    """`custody_gap_share = 1`: the chain's hand-off is dated before the seizure, which the
    compliance rule finds."""
    place = world(ONE, gap=1)
    playbook = place.police()
    (transfer,) = raid(place, playbook)[-1:]
    body = transfer.body
    assert isinstance(body, EvidenceTransfer)
    assert body.custody[0].at < body.seized_at
    assert custody_gaps(transfer)


def test_on_a_wrong_route_an_item_goes_to_the_suspects_police_over_the_police_channel() -> None:
    """What trainees do instead of MLA: the item also goes to the police of a suspect's
    country, over the channel the scenario has for it that is not evidence-grade."""
    place = world(ONE, wrong=1)
    playbook = place.police()
    alert(place, playbook)
    sent = raid(place, playbook)
    assert [e.recipients for e in sent] == [[place["prosecutor"]], [place["abroad_police"]]]
    abroad = sent[1]
    assert abroad.channel == place["ch_police"]
    channel = next(c for c in place.scenario.channels if c.id == abroad.channel)
    assert not channel.evidence_grade
    body = abroad.body
    assert isinstance(body, EvidenceTransfer)
    assert body.evidence_item_id == place["item"]
    assert [(c.from_agency, c.to_agency) for c in body.custody] == [
        (place["police"], place["abroad_police"])
    ]
    assert custody_gaps(abroad) == []


def test_without_a_police_channel_for_evidence_no_item_goes_abroad() -> None:
    """No channel carries evidence to the foreign police: the wrong route is not taken."""
    place = replaced(
        world(ONE, wrong=1),
        'types = ["info_request", "info_response", "evidence_transfer", "ack", "nack"]',
        'types = ["info_request", "info_response", "ack", "nack"]',
    )
    playbook = place.police()
    alert(place, playbook)
    assert [e.recipients for e in raid(place, playbook)] == [[place["prosecutor"]]]


# -- wrong routes and their repair -----------------------------------------------------


def test_going_to_interpol_without_the_ncb_names_the_ncbs_channel_and_is_mended() -> None:
    """On a wrong route the request to the foreign police names the channel the NCB would
    use; the bus's `no_channel` is mended by sending it again without naming one."""
    place = world(ONE, wrong=1)
    playbook = place.police()
    request = one_to(alert(place, playbook), InfoRequest, place["abroad_police"])
    assert request.channel == place["ch_interpol"]
    nack = bus_nack(playbook, request, place["abroad_police"], "no_channel")
    (again,) = deliver(playbook, nack, 2 * HOUR)
    assert (again.recipients, again.channel, again.body) == (
        [place["abroad_police"]],
        None,
        request.body,
    )


def test_the_wrong_route_names_a_channel_the_unit_itself_cannot_use() -> None:
    """A channel that connects both the NCB and the unit to the foreign police is no
    INTERPOL channel: the wrong route names the one only the NCB reaches them by."""
    place = world(ONE, wrong=1)
    police_channel = f'id = "{place["ch_police"]}"\nfrom = [{{ kind = "police", '
    place = replaced(place, police_channel, f'id = "{place["ch_police"]}"\nfrom = [{{ ')
    request = one_to(alert(place, place.police()), InfoRequest, place["abroad_police"])
    assert request.channel == place["ch_interpol"]


def test_without_a_channel_of_the_ncbs_there_is_no_interpol_wrong_route() -> None:
    """When no channel would carry the NCB's request, the wrong route names none."""
    place = replaced(
        world(ONE, wrong=1),
        'types = ["info_request", "info_response", "interpol_notice_request"',
        'types = ["info_response", "interpol_notice_request"',
    )
    request = one_to(alert(place, place.police()), InfoRequest, place["abroad_police"])
    assert request.channel is None


def test_a_referral_sent_before_consent_is_mended_with_the_consents() -> None:
    """On a wrong route no consent is recorded before the referral; when the shelter's
    side refuses it for want of consent, the adults' consents go first, then the referral."""
    place = world(ONE, wrong=1)
    playbook = place.police()
    sent = alert(place, playbook)
    assert of(sent, ConsentRecord) == []
    referral = one_to(sent, Referral, place["shelter"])
    nack = bus_nack(playbook, referral, place["shelter"], "consent_missing")
    mended = sends(playbook, nack, 2 * HOUR)
    *consents, again = [send.envelope for send in mended]
    assert {body(c, ConsentRecord).person_id for c in consents} == {
        place["speaks"],
        place["waits"],
        place["refugee"],
    }
    assert all(c.recipients == [place["police"], place["shelter"]] for c in consents)
    assert (again.recipients, again.body) == ([place["shelter"]], referral.body)
    assert mended[-1].after_us == HOUR


# -- other deliveries ------------------------------------------------------------------


def test_a_labour_inspection_report_is_acknowledged() -> None:
    """The unit accepts the inspectorate's report and plans a joint visit."""
    place = world(ONE)
    playbook = place.police()
    body = {
        "kind": "labour_inspection_report",
        "site": place["site"],
        "isic_section": "F",
        "inspected_at": place.at(0).isoformat(),
        "findings": "Entry refused.",
    }
    report = given(place, playbook, "report", place["migration"], body)
    (ack,) = deliver(playbook, report)
    assert isinstance(ack.body, Ack)
    assert (ack.recipients, ack.body.ack_of, ack.body.status) == (
        [place["migration"]],
        report.id,
        "accepted",
    )


def test_those_the_shelter_cannot_take_are_referred_to_the_alternative_once() -> None:
    """A partial placement: the others go to the suggested alternative, once."""
    place = world(ONE)
    playbook = place.police()
    alert(place, playbook)
    body = {
        "kind": "referral_response",
        "decision": "accepted",
        "accepted_person_ids": [place["speaks"]],
        "alternative_suggested": place["social"],
    }
    answer = given(place, playbook, "placed", place["shelter"], body)
    (referral,) = deliver(playbook, answer)
    assert isinstance(referral.body, Referral)
    assert referral.recipients == [place["social"]]
    assert [p.person_id for p in referral.body.persons] == [
        place["waits"],
        place["minor"],
        place["refugee"],
    ]
    again = given(place, playbook, "placed-again", place["shelter"], body)
    assert deliver(playbook, again) == []


def test_those_waiting_for_the_interpreter_are_screened_when_the_interpreter_comes() -> None:
    """The person who shares no language with the unit is screened, with the interpreter
    recorded, when the interpreter is available; an unavailable one screens nobody."""
    place = world(ONE)
    playbook = place.police()
    alert(place, playbook)
    body = {
        "kind": "translation_delivery",
        "from_language": place["abroad_lang"],
        "to_language": place["lang"],
        "outcome": "assigned",
        "available_from": place.at(3).isoformat(),
    }
    came = given(place, playbook, "interpreter", place["interp"], body)
    (screened,) = sends(playbook, came, HOUR)
    screening = screened.envelope.body
    assert isinstance(screening, Screening)
    assert screening.person_id == place["waits"]
    assert screening.interpreter_used is not None
    assert screening.interpreter_used.language == place["abroad_lang"]
    assert screened.after_us == 2 * HOUR
    unavailable = {**body, "from_language": place["refugee_lang"], "outcome": "unavailable"}
    assert deliver(playbook, given(place, playbook, "none", place["interp"], unavailable)) == []


@pytest.mark.parametrize("wrong", [0.0, 1.0])
def test_a_consulate_gets_only_its_consenting_nationals_under_h2(wrong: float) -> None:
    """The consulate's request is answered with the adults of its country who let their
    consulate see their data (the consent records the unit sent say who), under H2 and the
    request's own legal basis, in a shared language; on a wrong route (a planted error)
    with every adult of the case."""
    place = world(ONE, wrong=wrong)
    playbook = place.police()
    opened = alert(place, playbook)
    consular = {
        envelope.body.person_id
        for envelope in opened
        if isinstance(envelope.body, ConsentRecord)
        and any(scope.agency_kind == "consulate" for scope in envelope.body.scope)
    }
    country = place.scenario.agencies[place["consulate"]].country
    case = playbook.cases[place["case"]]
    adults = [p.person_id for p in case.adults()]
    nationals = [p.person_id for p in case.adults() if country in p.citizenship]
    assert nationals
    body = {"kind": "info_request", "questions": ["Who are our nationals?"]}
    request = given(place, playbook, "consul", place["consulate"], body, legal_basis="consular")
    (answer,) = sends(playbook, request)
    assert isinstance(answer.envelope.body, InfoResponse)
    shared = [p.person_id for p in answer.envelope.body.persons]
    if wrong:
        assert shared == adults
        assert answer.planted == "wrong_route_share"
    else:
        assert shared == [p for p in nationals if p in consular]
        assert answer.planted is None
    assert answer.envelope.recipients == [place["consulate"]]
    assert answer.envelope.handling is not None
    assert answer.envelope.handling.codes == ["H2"]
    assert (answer.envelope.legal_basis, answer.envelope.language) == (
        "consular",
        place["shared"],
    )


def test_a_foreign_police_request_is_answered_and_its_recruiters_checked_once() -> None:
    """The foreign police's request is answered as intelligence in the language both work
    in; the labour migration agency is asked once about recruiters placing workers in the
    asking country."""
    place = world(ONE)
    playbook = place.police()
    body = {
        "kind": "info_request",
        "questions": ["Is this phone known?"],
        "subjects": [{"kind": "phone", "value": place["phone"]}],
    }
    request = given(place, playbook, "asked", place["abroad_police"], body)
    answer, check = deliver(playbook, request)
    assert isinstance(answer.body, InfoResponse)
    assert answer.recipients == [place["abroad_police"]]
    assert (answer.language, answer.evidentiary_status) == (place["shared"], "intelligence")
    assert isinstance(check.body, InfoRequest)
    assert check.recipients == [place["lma"]]
    assert f"Which firms placed workers in {place['abroad_name']} this year?" in (
        check.body.questions
    )
    again = given(place, playbook, "asked-again", place["abroad_police"], body)
    assert [type(e.body) for e in deliver(playbook, again)] == [InfoResponse]


def test_intelligence_becomes_a_draft_letter_of_request_from_the_case_file() -> None:
    """The answer of the police abroad becomes a draft letter of request to the unit's
    prosecutor: the file's facts, articles and questions, the case's number, the suspects
    the answer names; once per case."""
    place = world(ONE)
    playbook = place.police()
    alert(place, playbook)
    answer = info_response(place, playbook, "intel", restricted=False)
    (draft,) = deliver(playbook, answer)
    mla = draft.body
    assert isinstance(mla, MlaRequest)
    file = place.file
    assert draft.recipients == [place["prosecutor"]]
    assert (mla.requesting_authority, mla.requested_authority) == (
        place["prosecutor"],
        place["abroad_prosecutor"],
    )
    assert (mla.facts_summary, mla.legal_qualification, mla.questions) == (
        file.summary,
        list(file.qualification),
        list(file.questions),
    )
    assert mla.case_number == file.ref
    assert [s.value for s in mla.suspects] == [place["suspect_abroad"]]
    assert draft.derived_from == [answer.id]
    assert deliver(playbook, info_response(place, playbook, "intel-2", restricted=False)) == []


def test_h2_intelligence_is_passed_on_and_the_letter_sent_abroad_on_wrong_routes() -> None:
    """Wrong routes: H2 intelligence goes on to a third country's police, and the letter
    straight to the prosecutor abroad; the bus's redirect sends it through the unit's
    prosecutor."""
    place = world(ONE, wrong=1)
    playbook = place.police()
    alert(place, playbook)
    answer = info_response(place, playbook, "intel", restricted=True)
    passed, letter = deliver(playbook, answer)
    assert passed.recipients == [place["third_police"]]
    assert passed.derived_from == [answer.id]
    assert passed.language == place["shared"]
    assert letter.recipients == [place["abroad_prosecutor"]]
    assert letter.derived_from == []
    nack = bus_nack(
        playbook,
        letter,
        place["abroad_prosecutor"],
        "wrong_jurisdiction",
        redirect_to=place["prosecutor"],
    )
    (again,) = deliver(playbook, nack, 2 * HOUR)
    assert (again.recipients, again.body) == ([place["prosecutor"]], letter.body)


def fin_intel_response(place: World, playbook: Police, key: str) -> Envelope:
    """The FIU's answer about the case."""
    body = {"kind": "fin_intel_response", "findings": ["Transfers traced."]}
    return given(place, playbook, key, place["fiu"], body)


def test_financial_intelligence_brings_one_freeze_request_per_case() -> None:
    """Financial intelligence on the case: the FIU is asked to freeze the file's
    instruments, the suspects as counterparties; once per case."""
    place = world(ONE)
    playbook = place.police()
    alert(place, playbook)
    (request,) = deliver(playbook, fin_intel_response(place, playbook, "money"))
    body = request.body
    assert isinstance(body, FinIntelRequest)
    assert request.recipients == [place["fiu"]]
    assert body.freeze_requested
    assert body.instruments == list(place.file.instruments)
    assert [s.value for s in body.counterparties] == [
        place["suspect_abroad"],
        place["suspect_home"],
    ]
    assert place["abroad"] in body.grounds
    assert deliver(playbook, fin_intel_response(place, playbook, "money-2")) == []


def test_a_case_file_without_instruments_asks_the_fiu_nothing() -> None:
    """No instrument in the file: no request at the opening, none on intelligence."""
    place = world(ONE)
    instruments = f'instruments = [{{ kind = "bank_card", identifier = "{place["instrument"]}"'
    line = next(line for line in place.scenario.text.splitlines() if line.startswith(instruments))
    place = replaced(place, line, "instruments = []")
    playbook = place.police()
    assert of(alert(place, playbook), FinIntelRequest) == []
    assert deliver(playbook, fin_intel_response(place, playbook, "money")) == []


# -- headless runs: the compliance rules find the planted errors ----------------------


def compliance(place: World) -> tuple[dict[str, list[dict[str, Any]]], list[Record]]:
    """The compliance section of a headless run of the world, and its records."""
    _, records = play(place.scenario, 5)
    return compute_metrics(records, (records[-1].seq, ""))["compliance"], records


def submitted(records: list[Record], kind: str, sender: str) -> list[dict[str, Any]]:
    """The envelopes of a kind an agency submitted in a run."""
    return [
        r.data["envelope"]
        for r in records
        if r.kind == "envelope_submitted"
        and r.data["envelope"]["sender"] == sender
        and r.data["envelope"]["body"]["kind"] == kind
    ]


@pytest.mark.parametrize("gap", [0, 1])
def test_the_custody_gap_rule_finds_the_planted_gaps_and_only_them(gap: int) -> None:
    """A run: every hand-off of a seized item is found by `custody_gap` when planted, none
    when not."""
    place = world(ONE, gap=gap)
    found, records = compliance(place)
    transfers = submitted(records, "evidence_transfer", place["police"])
    assert [t["body"]["evidence_item_id"] for t in transfers] == [place["item"]]
    flagged = {finding["envelope_id"] for finding in found["custody_gap"]}
    assert flagged == ({t["id"] for t in transfers} if gap else set())


@pytest.mark.parametrize("wrong", [0, 1])
def test_evidence_over_the_police_channel_is_found(wrong: int) -> None:
    """A run: the item sent to the foreign police on a wrong route is found by
    `evidence_over_intelligence_channel`; without wrong routes nothing is."""
    place = world(ONE, wrong=wrong)
    found, records = compliance(place)
    abroad = [
        t["id"]
        for t in submitted(records, "evidence_transfer", place["police"])
        if t["recipients"] == [place["abroad_police"]]
    ]
    assert len(abroad) == wrong
    flagged = [f["envelope_id"] for f in found["evidence_over_intelligence_channel"]]
    assert flagged == abroad


# -- no literal: the other world's messages carry the other world's facts -------------


def drive(place: World) -> list[Envelope]:
    """Everything the unit sends for each kind of delivery it handles, and its repairs."""
    playbook = place.police()
    sent = alert(place, playbook)
    sent += raid(place, playbook)
    for refused, reason in (
        (one_to(sent, Referral, place["shelter"]), "consent_missing"),
        (one_to(sent, InfoRequest, place["abroad_police"]), "no_channel"),
    ):
        nack = bus_nack(playbook, refused, refused.recipients[0], reason)
        sent += deliver(playbook, nack, 2 * HOUR)
    answers: list[tuple[str, str, dict[str, Any]]] = [
        (
            "placed",
            place["shelter"],
            {"kind": "referral_response", "decision": "declined"},
        ),
        (
            "interpreter",
            place["interp"],
            {
                "kind": "translation_delivery",
                "from_language": place["abroad_lang"],
                "to_language": place["lang"],
                "outcome": "assigned",
            },
        ),
        (
            "consul",
            place["consulate"],
            {"kind": "info_request", "questions": ["Who are they?"]},
        ),
        (
            "asked",
            place["abroad_police"],
            {"kind": "info_request", "questions": ["Is the number known?"]},
        ),
        (
            "report",
            place["migration"],
            {
                "kind": "labour_inspection_report",
                "site": place["site"],
                "isic_section": "F",
                "inspected_at": place.at(0).isoformat(),
                "findings": "Entry refused.",
            },
        ),
    ]
    for key, sender, body in answers:
        sent += deliver(playbook, given(place, playbook, key, sender, body))
    intelligence = deliver(playbook, info_response(place, playbook, "intel", restricted=True))
    sent += intelligence
    letter = one_to(intelligence, MlaRequest, place["abroad_prosecutor"])
    nack = bus_nack(
        playbook,
        letter,
        place["abroad_prosecutor"],
        "wrong_jurisdiction",
        redirect_to=place["prosecutor"],
    )
    sent += deliver(playbook, nack, 2 * HOUR)
    sent += deliver(playbook, fin_intel_response(place, playbook, "money"))
    return sent


def strings(value: Any) -> list[str]:
    """Every string in a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_another_world_gets_its_own_facts_and_none_of_silk_threads() -> None:
    """The whole playbook played in a world with other ids, languages, countries, year
    and facts: every message carries that world's facts and no id, language, place or
    fact of SILK THREAD or of the first world."""
    place = world(TWO, wrong=1, gap=1)
    sent = drive(place)
    kinds = {type(e.body).__name__ for e in sent}
    assert kinds >= {
        "Screening",
        "IdentificationDecision",
        "ConsentRecord",
        "Referral",
        "TranslationRequest",
        "ProceduralDocument",
        "FinIntelRequest",
        "InterpolNoticeRequest",
        "InfoRequest",
        "InfoResponse",
        "EvidenceTransfer",
        "MlaRequest",
        "Ack",
    }
    agencies = set(place.scenario.agencies)
    channels = {channel.id for channel in place.scenario.channels}
    for envelope in sent:
        assert set(envelope.recipients) <= agencies
        assert envelope.channel is None or envelope.channel in channels
        assert all(
            envelope.language in place.scenario.agencies[r].languages for r in envelope.recipients
        ), (type(envelope.body).__name__, envelope.recipients, envelope.language)
    file = place.file
    text = msgspec.json.encode(sent).decode()
    for fact in (
        file.summary,
        file.offence,
        place["instrument"],
        place["item"],
        place["seal"],
        place["suspect_abroad"],
        place["threat"],
        place["abroad_name"],
    ):
        assert json_string(fact) in text, fact
    mla = of(sent, MlaRequest)[0].body
    assert isinstance(mla, MlaRequest)
    assert mla.legal_qualification == list(file.qualification)
    assert mla.questions == ["Who recruited the persons named?", "Who received the payments?"]
    own = {str(value) for value in TWO.values()}
    foreign = (set(scenario_literals()) | {str(value) for value in ONE.values()}) - own - VOCABULARY
    found = sorted({s for s in strings(msgspec.to_builtins(sent)) if s in foreign})
    assert found == []
    for value in strings(msgspec.to_builtins(sent)):
        assert not re.search(r"\b2026\b", value), value
        assert not any(re.search(rf"\b{p}", value) for p in PLACES), value
        rest = value.replace(place["phone"], "")
        assert not any(pattern.search(rest) for pattern in PATTERNS[:3]), value


def json_string(text: str) -> str:
    """How a string reads inside JSON (what to look for in an encoded message)."""
    return msgspec.json.encode(text).decode()[1:-1]
