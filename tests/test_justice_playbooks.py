"""The justice playbooks decide by agency kind and scenario data: letters of request from
the route and the case file, executed requests handed back under a chain of custody (with
the planted gap the compliance rule finds), notice requests reviewed and diffused, money
traced abroad, inspections reported from the alert (issue 11, items 4 and 5)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
import pytest

from agencies.playbooks.base import Playbook
from agencies.playbooks.justice import (
    FinancialIntelligenceUnit,
    LabourInspection,
    Migration,
    NationalCentralBureau,
)
from agencies.playbooks.prosecutor import (
    GENERIC_FACTS,
    GENERIC_QUESTIONS,
    VAGUE_QUALIFICATION,
    Prosecutor,
)
from protocols import Delivery, Envelope, Subject
from protocols.assistance import ReflectionPeriod
from protocols.codec import encode_json
from protocols.judicial import (
    EvidenceTransfer,
    JitDecision,
    MlaExecutionReport,
    MlaRequest,
    ProceduralDocument,
)
from protocols.police import (
    Diffusion,
    FinIntelRequest,
    FinIntelResponse,
    InfoRequest,
    InfoResponse,
    LabourInspectionReport,
)
from protocols.receipts import Ack, Nack
from tests.bus.helpers import envelope_for, play
from trafsim_bus import load_scenario
from trafsim_bus.core import Send, Wake
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.core.rng import uniform
from trafsim_bus.core.routing import Route, route
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.metrics.compliance import _custody_gaps
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import DAY, HOUR

P = TypeVar("P", bound=Playbook)
T = TypeVar("T")

SILK = load_scenario("silk-thread")
SEED = 1
CASE_A, CASE_B, CASE_C = (case.ref for case in SILK.cases)


def silk_variant(*changes: tuple[str, str]) -> Scenario:
    """SILK THREAD with some of its text replaced."""
    text = SILK.text
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return parse_scenario(text, "silk-thread.toml")


ABROAD = silk_variant(
    ('kind = "ncb"\nlanguages = ["rus", "eng"]', 'kind = "ncb"\nlanguages = ["eng", "rus"]'),
    ('kind = "fiu"\nlanguages = ["rus", "kaz"]', 'kind = "fiu"\nlanguages = ["kaz", "rus"]'),
)
"""SILK THREAD where the NCB and the FIU write first in a language no foreign counterpart
reads: what they send abroad must be in the language they share with it."""

MINI = """
[exercise]
name = "justice-mini"
title = "Justice mini"
startex = "2026-06-01T09:00:00+05:00"
duration = "3d"
seed = 3

[[country]]
id = "KZ"
name = "Kazakhstan"
languages = ["kaz", "rus"]
utc_offset = "+05:00"

[[country]]
id = "UZ"
name = "Uzbekistan"
languages = ["uzb", "rus"]
utc_offset = "+05:00"

[[agency]]
id = "kz-police"
name = "KZ police"
country = "KZ"
kind = "police"
languages = ["rus", "kaz"]

[[agency]]
id = "kz-pgo"
name = "KZ prosecutor"
country = "KZ"
kind = "prosecutor"
languages = ["rus", "kaz"]

[[agency]]
id = "kz-fiu"
name = "KZ FIU"
country = "KZ"
kind = "fiu"
languages = ["rus"]

[[agency]]
id = "uz-police"
name = "UZ police"
country = "UZ"
kind = "police"
languages = ["uzb", "rus"]

[[agency]]
id = "uz-pgo"
name = "UZ prosecutor"
country = "UZ"
kind = "prosecutor"
languages = ["rus", "uzb"]

[[channel]]
id = "hotline"
from = ["excon"]
to = ["kz-police"]
types = ["alert"]
latency = [{ family = "fixed", median = "5min" }]

[[channel]]
id = "interagency"
from = ["kz-police"]
to = ["kz-pgo"]
both_ways = true
evidence_grade = true
types = ["procedural_document", "evidence_transfer", "ack", "nack"]
latency = [{ family = "fixed", median = "1h" }]

[[channel]]
id = "mla"
from = ["kz-pgo"]
to = ["uz-pgo"]
both_ways = true
evidence_grade = true
types = ["mla_request", "mla_execution_report", "evidence_transfer", "ack", "nack"]
latency = [{ family = "fixed", median = "2h" }]

[playbooks.police]
response = { family = "fixed", median = "10min" }

[playbooks.prosecutor]
response = { family = "fixed", median = "1h" }
execution = { family = "fixed", median = "1d" }
custody_gap_share = 1

[[inject]]
id = "m01"
at = "D1 10:00"
title = "A tip"
from = "excon"
to = ["kz-police"]
channel = "hotline"
body = { kind = "alert", alert_source = "hotline", summary = "Men locked in at a brick works." }
envelope = { case_refs = ["KZ-2026-1"] }

[[case]]
ref = "KZ-2026-1"
offence = "KZ CC 128"
qualification = ["KZ CC 128(3)", "KZ CC 135"]
summary = "Six men recruited for a brick works; documents withheld."
questions = ["Who recruited you?", "Who holds your passport?"]
suspects = [
  { kind = "phone", value = "+998901234567", country = "UZ" },
  { kind = "person", value = "the foreman", country = "UZ" },
]

[[case]]
ref = "KZ-2026-2"
offence = "KZ CC 128"
summary = "A second case, with nothing but its facts."
"""
"""A small exercise: a police unit, the two prosecutors, an FIU; a planted custody gap
certain (share 1); case 1 has a file with articles, questions and suspects, case 2 only
facts."""


def mini(gap_share: float = 1, uz_police: bool = True) -> Scenario:
    """The mini exercise with this custody gap share (and without a UZ police unit)."""
    text = MINI.replace("custody_gap_share = 1", f"custody_gap_share = {gap_share}")
    if not uz_police:
        block = '[[agency]]\nid = "uz-police"\nname = "UZ police"\ncountry = "UZ"\n'
        block += 'kind = "police"\nlanguages = ["uzb", "rus"]\n'
        assert block in text
        text = text.replace(block, "")
    return parse_scenario(text, "justice-mini.toml")


def build(kind: type[P], scenario: Scenario, agency: str, **params: Any) -> P:
    """The playbook of `agency`, always answering (no_reply 0), with params replaced."""
    found = scenario.agencies[agency]
    changed = dataclasses.replace(found.params, no_reply=0.0, **params)
    exercise = exercise_id_for(scenario.sha256, SEED)
    return kind(dataclasses.replace(found, params=changed), scenario, exercise, SEED)


def given(
    playbook: Playbook, key: str, sender: str, body: dict[str, Any], **fields: Any
) -> Envelope:
    """An envelope of the playbook's exercise from `sender` to the playbook's agency."""
    return envelope_for(playbook.exercise_id, key, sender, [playbook.agency], body, **fields)


def deliver(
    playbook: Playbook, envelope: Envelope, now_us: int = 0, channel: str | None = None
) -> list[Send | Wake]:
    """The playbook's actions on the delivery of `envelope` (by `channel`)."""
    delivery = Delivery(
        envelope_id=envelope.id,
        recipient=playbook.agency,
        channel=channel,
        status="delivered",
        evidentiary_status="not_applicable",
        language="rus",
        submitted_us=0,
        due_us=0,
        delivered_us=now_us,
    )
    actions = playbook.on_delivery(delivery, envelope, now_us)
    return [action for action in actions if isinstance(action, Send | Wake)]


def sent(actions: list[Any], kind: type[T]) -> list[tuple[Envelope, T]]:
    """The envelopes sent among `actions` whose body is a `kind`, with the body."""
    return [
        (action.envelope, action.envelope.body)
        for action in actions
        if isinstance(action, Send) and isinstance(action.envelope.body, kind)
    ]


def draw(playbook: Playbook, key: str, i: int) -> float:
    """The playbook's draw, worked out from the rng (SPEC §10) rather than asked of it."""
    return uniform(SEED, f"playbook:{playbook.agency}", key, i)


def opening(playbook: Playbook, case: str, sender: str, n: int = 0) -> Envelope:
    """A police unit opens `case` with the prosecutor."""
    return given(
        playbook,
        f"opened:{case}:{n}",
        sender,
        {
            "kind": "procedural_document",
            "doc_type": "decision_open_criminal_case",
            "author": "investigator",
            "case_number": case,
            "title": "Pre-trial investigation opened",
            "summary": "Opened.",
            "document_language": "rus",
        },
        case_refs=[case],
    )


def shared_language(scenario: Scenario, sender: str, recipient: str) -> str:
    """The first of the sender's languages the recipient reads, else the sender's first."""
    theirs = scenario.agencies[recipient].languages
    mine = scenario.agencies[sender].languages
    return next((language for language in mine if language in theirs), mine[0])


# -- Prosecutor: letters of request --------------------------------------------------------


@pytest.mark.parametrize("n", range(6))
def test_an_opened_case_sends_its_routes_letter_certified_as_drawn(n: int) -> None:
    """Case A opened: a letter to the Uzbek prosecutor with the route's facts, suspects and
    actions; certified (draw 5 above 0.4), it cites the case file's articles and questions
    in Uzbek with a certified translation; hasty, a vague qualification and no questions."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    envelope = opening(pgo, CASE_A, "kz-mia-at", n)
    ((letter_envelope, letter),) = sent(deliver(pgo, envelope), MlaRequest)
    route_a = SILK.agencies["kz-pgo"].params.mla_route(CASE_A)
    case = SILK.case_file([CASE_A])
    assert route_a is not None
    assert case is not None
    certified = draw(pgo, str(envelope.id), 5) > 0.4
    assert letter_envelope.recipients == ["uz-pgo"]
    assert letter_envelope.case_refs == [CASE_A]
    assert letter_envelope.requires_ack
    assert (letter.requesting_authority, letter.requested_authority) == ("kz-pgo", "uz-pgo")
    assert letter.facts_summary == route_a.facts
    assert letter.suspects == [Subject(kind="person", value=name) for name in route_a.suspects]
    assert letter.actions_requested == list(route_a.actions)
    assert letter.translation is not None
    assert (letter.translation.language, letter.translation.certified) == ("uzb", certified)
    if certified:
        assert letter.legal_qualification == list(case.qualification)
        assert letter.questions == list(case.questions)
    else:
        assert letter.legal_qualification == [VAGUE_QUALIFICATION]
        assert letter.questions == []


def test_both_kinds_of_letter_occur_among_the_draws_above() -> None:
    """The parametrized test above sees a certified and a hasty letter (it cannot pass by
    seeing one branch only)."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    drawn = {draw(pgo, str(opening(pgo, CASE_A, "kz-mia-at", n).id), 5) > 0.4 for n in range(6)}
    assert drawn == {True, False}


def test_without_a_route_the_letter_takes_the_case_files_facts_and_persons() -> None:
    """No `mla` route for the case: the facts are the case file's summary, the suspects its
    persons (not its phones), the articles and questions its own."""
    scenario = mini()
    pgo = build(Prosecutor, scenario, "kz-pgo")
    case = scenario.case_file(["KZ-2026-1"])
    assert case is not None
    draft = pgo.mla_draft(opening(pgo, case.ref, "kz-police"), "uz-pgo", case.ref, certified=True)
    letter = draft.body
    assert isinstance(letter, MlaRequest)
    assert letter.facts_summary == case.summary
    assert letter.suspects == [Subject(kind="person", value="the foreman", country="UZ")]
    assert letter.legal_qualification == ["KZ CC 128(3)", "KZ CC 135"]
    assert letter.questions == ["Who recruited you?", "Who holds your passport?"]
    assert letter.translation is not None
    assert letter.translation.language == scenario.agencies["uz-pgo"].languages[0]


def test_without_questions_or_a_case_file_the_letter_falls_back_to_generic_text() -> None:
    """A file with only facts: generic questions and the vague qualification's fallback;
    no file at all: generic facts and no suspects."""
    scenario = mini()
    pgo = build(Prosecutor, scenario, "kz-pgo")
    envelope = opening(pgo, "KZ-2026-2", "kz-police")
    bare = pgo.mla_draft(envelope, "uz-pgo", "KZ-2026-2", certified=True).body
    assert isinstance(bare, MlaRequest)
    assert bare.facts_summary == "A second case, with nothing but its facts."
    assert bare.questions == list(GENERIC_QUESTIONS)
    assert bare.legal_qualification == ["KZ CC 128"]  # the default qualification: the offence
    unknown = pgo.mla_draft(envelope, "uz-pgo", "KZ-2026-9", certified=True).body
    assert isinstance(unknown, MlaRequest)
    assert (unknown.facts_summary, unknown.suspects) == (GENERIC_FACTS, [])
    assert unknown.legal_qualification == [VAGUE_QUALIFICATION]


def test_a_case_without_a_route_goes_to_a_foreign_prosecutor_by_draw() -> None:
    """The mini has one foreign prosecutor: the letter goes to it, once per case."""
    scenario = mini()
    pgo = build(Prosecutor, scenario, "kz-pgo")
    first = deliver(pgo, opening(pgo, "KZ-2026-1", "kz-police"))
    again = deliver(pgo, opening(pgo, "KZ-2026-1", "kz-police", 1))
    assert [e.recipients for e, _ in sent(first, MlaRequest)] == [["uz-pgo"]]
    assert sent(again, MlaRequest) == []


def test_an_incomplete_letter_is_redrafted_certified() -> None:
    """The requested prosecutor returns the letter `incomplete`: it is sent again to it,
    certified, with the case file's articles and questions."""
    scenario = mini()
    pgo = build(Prosecutor, scenario, "kz-pgo")
    ((letter_envelope, _),) = sent(deliver(pgo, opening(pgo, "KZ-2026-1", "kz-police")), MlaRequest)
    nack = given(
        pgo,
        "nack:1",
        "uz-pgo",
        {"kind": "nack", "ack_of": str(letter_envelope.id), "reason": "incomplete"},
        in_reply_to=str(letter_envelope.id),
    )
    ((again_envelope, again),) = sent(deliver(pgo, nack, HOUR), MlaRequest)
    assert again_envelope.recipients == ["uz-pgo"]
    assert again.translation is not None
    assert again.translation.certified
    assert again.legal_qualification == ["KZ CC 128(3)", "KZ CC 135"]
    assert again.questions == ["Who recruited you?", "Who holds your passport?"]
    assert again.procedural_rights_notice


# -- Prosecutor: executing a request, handing the evidence back -----------------------------


def letter_from_abroad(playbook: Playbook, n: int = 0, case: str = "KZ-2026-1") -> Envelope:
    """A complete, certified letter of request from KZ-PGO to the playbook's agency."""
    return given(
        playbook,
        f"letter:{n}",
        "kz-pgo",
        {
            "kind": "mla_request",
            "requesting_authority": "kz-pgo",
            "requested_authority": playbook.agency,
            "treaty": "minsk_1993",
            "case_number": case,
            "facts_summary": "Facts.",
            "legal_qualification": ["KZ CC 128(3)"],
            "actions_requested": ["interrogate_witness", "obtain_records"],
            "questions": ["Who recruited you?"],
            "procedural_rights_notice": True,
            "translation": {"language": "rus", "certified": True},
        },
        case_refs=[case],
        requires_ack=True,
        created_at=datetime(2026, 6, 1, 10, tzinfo=UTC).isoformat(),
    )


def executed(playbook: Prosecutor, letter: Envelope) -> tuple[int, list[Send | Wake]]:
    """Deliver the letter by the MLA channel and fire its execution wake: (when, sends)."""
    actions = deliver(playbook, letter, channel="mla-central")
    (wake,) = [action for action in actions if isinstance(action, Wake)]
    assert wake.token == f"execute:{letter.id}"
    return wake.after_us, [
        a for a in playbook.on_wake(wake.token, wake.after_us) if isinstance(a, Send)
    ]


def chain_gaps(envelope: Envelope) -> list[str]:
    """The compliance rule's verdict on an evidence transfer as the log would hold it."""
    document = msgspec.json.decode(encode_json(envelope))
    return list(_custody_gaps(document["body"], document["sender"], document["recipients"]))


def test_an_executed_request_reports_and_hands_the_evidence_back_whole() -> None:
    """On the execution wake (after the `execution` draw, key draw 5): a report naming the
    item, and the item itself to the requesting prosecutor by the channel the letter came,
    seized by the executing prosecutor now, one link from it to the requester: no gap."""
    pgo = build(Prosecutor, SILK, "uz-pgo", incomplete_share=0.0, custody_gap_share=0.0)
    letter = letter_from_abroad(pgo, case=CASE_A)
    execution = SILK.agencies["uz-pgo"].params.execution
    assert execution is not None
    after_us, sends = executed(pgo, letter)
    assert after_us == execution.sample(draw(pgo, str(letter.id), 5))
    ((report_envelope, report),) = sent(sends, MlaExecutionReport)
    ((transfer_envelope, transfer),) = sent(sends, EvidenceTransfer)
    assert report_envelope.recipients == transfer_envelope.recipients == ["kz-pgo"]
    assert report.executed_actions == ["interrogate_witness", "obtain_records"]
    assert report.evidence_items == [transfer.evidence_item_id]
    assert transfer_envelope.channel == "mla-central"
    assert transfer_envelope.case_refs == [CASE_A]
    assert transfer_envelope.in_reply_to == letter.id
    assert transfer_envelope.evidentiary_status == "evidence"
    now = SILK.startex + timedelta(microseconds=after_us)
    assert (transfer.seized_by, transfer.seized_at) == ("uz-pgo", now)
    assert [(c.from_agency, c.to_agency, c.at) for c in transfer.custody] == [
        ("uz-pgo", "kz-pgo", now)
    ]
    assert chain_gaps(transfer_envelope) == []


def test_the_planted_gap_leaves_the_police_unit_out_of_the_chain() -> None:
    """custody_gap_share 1: the chain says the prosecutor tasked its police unit and then
    handed the item on itself; the compliance rule finds the missing hand-back."""
    pgo = build(Prosecutor, mini(1), "uz-pgo", incomplete_share=0.0)
    _, sends = executed(pgo, letter_from_abroad(pgo))
    ((envelope, _),) = sent(sends, EvidenceTransfer)
    assert chain_gaps(envelope) == ["link 2 is from uz-pgo, but uz-police held it"]


def test_with_no_police_unit_the_planted_gap_is_a_hand_off_before_the_seizure() -> None:
    """No police unit in the requested country: the planted gap dates the hand-off before
    the seizure, which the rule finds too."""
    pgo = build(Prosecutor, mini(1, uz_police=False), "uz-pgo", incomplete_share=0.0)
    _, sends = executed(pgo, letter_from_abroad(pgo))
    ((envelope, _),) = sent(sends, EvidenceTransfer)
    (gap,) = chain_gaps(envelope)
    assert gap.startswith("link 1 at ")
    assert gap.endswith("is before the previous step")


def test_the_planted_gap_comes_as_often_as_its_share_draws() -> None:
    """In SILK THREAD (share 0.1) a request's evidence has a gap exactly when the draw of
    its key's `custody` decision is below the share."""
    share = SILK.agencies["uz-pgo"].params.custody_gap_share
    assert share == 0.1
    outcomes = []
    for n in range(40):
        pgo = build(Prosecutor, SILK, "uz-pgo", incomplete_share=0.0)
        letter = letter_from_abroad(pgo, n, CASE_A)
        _, sends = executed(pgo, letter)
        ((envelope, _),) = sent(sends, EvidenceTransfer)
        planted = uniform(SEED, "playbook:uz-pgo", f"{letter.id}:custody", 0) < share
        assert bool(chain_gaps(envelope)) == planted
        outcomes.append(planted)
    assert True in outcomes
    assert False in outcomes


def evidence(
    playbook: Playbook, n: int, links: list[tuple[str, str, int]], sha256: bool = True
) -> Envelope:
    """KZ-MIA-AT hands an item seized at 09:00 on to the playbook's agency; each link is
    (from, to, minutes after the seizure)."""
    seized = datetime(2026, 6, 1, 4, tzinfo=UTC)
    body: dict[str, Any] = {
        "kind": "evidence_transfer",
        "evidence_item_id": "item-1",
        "description": "A phone.",
        "seized_by": "kz-mia-at",
        "seized_at": seized.isoformat(),
        "seized_where": "a site",
        "custody": [
            {
                "from_agency": giver,
                "to_agency": taker,
                "at": (seized + timedelta(minutes=minutes)).isoformat(),
                "purpose": "p",
                "signature": "s",
            }
            for giver, taker, minutes in links
        ],
    }
    if sha256:
        body["sha256"] = "ab" * 32
    return given(playbook, f"evidence:{n}", "kz-mia-at", body)


@pytest.mark.parametrize(
    ("links", "named"),
    [
        ([("kz-mia-at", "kz-pgo", 30)], None),
        ([("kz-mia-at", "kz-mia-sh", 10), ("kz-mia-sh", "kz-pgo", 30)], None),
        ([("kz-mia-at", "kz-mia-sh", 10), ("kz-mia-at", "kz-pgo", 30)], "kz-mia-sh held it"),
        ([("kz-mia-at", "kz-pgo", -30)], "dated before"),
        ([("kz-mia-at", "kz-mia-sh", 10)], "ends with kz-mia-sh"),
    ],
)
def test_evidence_is_accepted_only_with_a_whole_chain(
    links: list[tuple[str, str, int]], named: str | None
) -> None:
    """The prosecutor checks the chain as the compliance rule does: whole, it accepts the
    item ("hash verified"); with a gap, it receipts the item and names the gap."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    envelope = evidence(pgo, 0, links)
    ((ack_envelope, ack),) = sent(deliver(pgo, envelope), Ack)
    assert ack_envelope.recipients == ["kz-mia-at"]
    assert ack.ack_of == envelope.id
    whole = chain_gaps(envelope) == []
    assert whole == (named is None)
    assert ack.status == ("accepted" if whole else "received")
    assert ack.note is not None
    if named is None:
        assert ack.note == "Chain of custody whole; hash verified."
    else:
        assert named in ack.note
        assert "hash verified" not in ack.note


def test_an_item_without_a_digest_is_not_said_to_be_hash_verified() -> None:
    """A whole chain of an item with no digest at seizure: accepted, seal checked."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    envelope = evidence(pgo, 1, [("kz-mia-at", "kz-pgo", 30)], sha256=False)
    ((_, ack),) = sent(deliver(pgo, envelope), Ack)
    assert (ack.status, ack.note) == ("accepted", "Chain of custody whole; seal checked.")


# -- Prosecutor: claims, motions, reports, JITs ---------------------------------------------


def claim(playbook: Playbook, case: str, *, freeze: bool, n: int = 0) -> Envelope:
    """A victims' lawyer files a civil claim in `case`."""
    return given(
        playbook,
        f"claim:{n}",
        "kz-ngo-sh",
        {
            "kind": "compensation_claim",
            "claimants": [{"person_id": "p-1", "role": "victim", "consent_ref": "con-p-1"}],
            "basis": "civil_claim_in_criminal_case",
            "amount": {"value": 1000, "currency": "KZT"},
            "case_number": case,
            "heads_of_claim": ["Unpaid wages"],
            "freeze_requested": freeze,
        },
        case_refs=[case],
    )


@pytest.mark.parametrize("case", [CASE_A, CASE_B, CASE_C])
def test_a_claim_with_a_freeze_asks_the_fiu_to_freeze_the_case_files_instruments(
    case: str,
) -> None:
    """The claim is joined (accepted) and the FIU asked to freeze exactly the instruments
    the claim's case file names."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    actions = deliver(pgo, claim(pgo, case, freeze=True))
    ((ack_envelope, ack),) = sent(actions, Ack)
    assert (ack_envelope.recipients, ack.status) == (["kz-ngo-sh"], "accepted")
    ((request_envelope, request),) = sent(actions, FinIntelRequest)
    file = SILK.case_file([case])
    assert file is not None
    assert request_envelope.recipients == ["kz-fiu"]
    assert request.instruments == list(file.instruments)
    assert request.freeze_requested


def test_no_freeze_request_without_instruments_or_without_a_freeze_asked() -> None:
    """A case file naming no instruments, or a claim asking no freeze: the claim is
    joined and nothing goes to the FIU."""
    pgo = build(Prosecutor, mini(), "kz-pgo")
    bare = deliver(pgo, claim(pgo, "KZ-2026-1", freeze=True))
    assert [body.status for _, body in sent(bare, Ack)] == ["accepted"]
    assert sent(bare, FinIntelRequest) == []
    silk = build(Prosecutor, SILK, "kz-pgo")
    unasked = deliver(silk, claim(silk, CASE_A, freeze=False))
    assert sent(unasked, FinIntelRequest) == []


def test_a_motion_to_exclude_is_answered_with_the_case_files_seizure_record() -> None:
    """The answer to the defence names each seized item of the case, its seal, its
    witnesses and its digest, as the case file records them."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    motion = given(
        pgo,
        "motion",
        "excon",
        {
            "kind": "procedural_document",
            "doc_type": "motion",
            "author": "defence lawyer",
            "case_number": CASE_A,
            "title": "Motion to exclude",
            "summary": "No hash at seizure.",
            "document_language": "rus",
        },
        case_refs=[CASE_A],
    )
    ((envelope, answer),) = sent(deliver(pgo, motion), ProceduralDocument)
    assert (envelope.recipients, answer.doc_type) == (["excon"], "motion")
    file = SILK.case_file([CASE_A])
    assert file is not None
    assert file.evidence
    for item in file.evidence:
        assert item.id in answer.summary
        assert item.seal_no is not None
        assert item.seal_no in answer.summary
    assert answer.summary.count("SHA-256") == sum(1 for i in file.evidence if i.sha256)


def test_an_execution_report_becomes_a_draft_indictment_for_the_police() -> None:
    """Results received through MLA: a draft indictment to the country's police."""
    pgo = build(Prosecutor, SILK, "kz-pgo")
    report = given(
        pgo,
        "report",
        "uz-pgo",
        {
            "kind": "mla_execution_report",
            "case_number": CASE_A,
            "executed_actions": ["interrogate_witness"],
            "summary": "Done.",
        },
        case_refs=[CASE_A],
    )
    ((envelope, document),) = sent(deliver(pgo, report), ProceduralDocument)
    assert envelope.recipients == [SILK.agencies["kz-mia-at"].id]
    assert (document.doc_type, document.case_number) == ("indictment", CASE_A)


def test_a_jit_proposal_is_approved_unless_the_decline_draw_says_no() -> None:
    """A JIT proposal is approved when draw 3 is at least the decline share."""
    for share in (0.0, 1.0):
        pgo = build(Prosecutor, SILK, "uz-pgo", decline_share=share)
        proposal = given(
            pgo,
            "jit",
            "kz-pgo",
            {
                "kind": "jit_proposal",
                "parties": ["kz-pgo", "uz-pgo"],
                "purpose": "Joint investigation.",
                "leader": "kz-pgo",
                "members": [
                    {"agency": "kz-pgo", "role": "leader"},
                    {"agency": "uz-pgo", "role": "member"},
                ],
                "duration_days": 180,
            },
        )
        ((_, decision),) = sent(deliver(pgo, proposal), JitDecision)
        approve = draw(pgo, str(proposal.id), 3) >= share
        assert decision.decision == ("approved" if approve else "declined")


# -- NCB -------------------------------------------------------------------------------------

PURPOSE = {
    "red": "arrest",
    "blue": "locate",
    "yellow": "locate",
    "green": "warning",
    "orange": "warning",
    "purple": "information",
    "black": "information",
}


def notice(playbook: Playbook, n: int, sender: str = "kz-mia-at", **body: Any) -> Envelope:
    """A notice request from `sender` about the recruiter of case A."""
    fields = {
        "kind": "interpol_notice_request",
        "colour": "blue",
        "subject": {"kind": "person", "value": "the recruiter", "country": "UZ"},
        "reason": "Locate the recruiter.",
        **body,
    }
    return given(playbook, f"notice:{n}", sender, fields, case_refs=[CASE_A])


@pytest.mark.parametrize("colour", sorted(PURPOSE))
def test_a_reviewed_notice_request_is_diffused_to_the_police_of_its_scope(colour: str) -> None:
    """Accepted to the police unit; a diffusion to each police force of the scope's
    countries the scenario has (never home), asking what the colour asks, about the
    request's subject, in a language both read."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    extra = {"legal_basis_doc": "Arrest warrant of the court"} if colour == "red" else {}
    envelope = notice(ncb, 0, colour=colour, scope=["UZ", "KG", "KZ", "AF"], **extra)
    actions = deliver(ncb, envelope)
    ((ack_envelope, ack),) = sent(actions, Ack)
    assert (ack_envelope.recipients, ack.status) == (["kz-mia-at"], "accepted")
    diffusions = sent(actions, Diffusion)
    assert sorted(e.recipients[0] for e, _ in diffusions) == ["kg-mia", "uz-mia"]
    for diffusion_envelope, diffusion in diffusions:
        (target,) = diffusion_envelope.recipients
        assert diffusion.purpose == PURPOSE[colour]
        assert diffusion.subject == Subject(kind="person", value="the recruiter", country="UZ")
        assert diffusion.scope == ["UZ", "KG", "KZ", "AF"]
        assert diffusion_envelope.language == shared_language(ABROAD, "kz-ncb", target)
        assert diffusion_envelope.case_refs == [CASE_A]
        assert diffusion_envelope.derived_from == [envelope.id]


def test_a_notice_request_with_no_scope_is_diffused_to_every_foreign_police_force() -> None:
    """Scope empty: every police force abroad, each in a language it reads where the NCB
    has one (the Turkmen police read none of the NCB's: its first)."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    diffusions = sent(deliver(ncb, notice(ncb, 1)), Diffusion)
    foreign = [a.id for a in ABROAD.agencies.values() if a.kind == "police" and a.country != "KZ"]
    assert [e.recipients[0] for e, _ in diffusions] == foreign
    languages = {e.recipients[0]: e.language for e, _ in diffusions}
    assert languages == {target: shared_language(ABROAD, "kz-ncb", target) for target in foreign}
    assert languages["tm-mia"] == ABROAD.agencies["kz-ncb"].languages[0]


def test_a_red_notice_request_without_a_warrant_is_refused_naming_the_field() -> None:
    """The legal review: a red notice needs a warrant (`legal_basis_doc`) and a wanted
    person; lacking either, a nack `incomplete` naming the field, and no diffusion."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    warrantless = notice(ncb, 2, colour="red", legal_basis_doc="Warrant")
    # The codec refuses a red notice without a warrant at the edge; the review does not
    # rely on it: strip the warrant after decoding.
    msgspec.structs.force_setattr(warrantless.body, "legal_basis_doc", None)
    phone = notice(
        ncb,
        3,
        colour="red",
        legal_basis_doc="Warrant",
        subject={"kind": "phone", "value": "+10000000000"},
    )
    for envelope, field in ((warrantless, "legal_basis_doc"), (phone, "subject")):
        actions = deliver(ncb, envelope)
        ((nack_envelope, nack),) = sent(actions, Nack)
        assert nack_envelope.recipients == ["kz-mia-at"]
        assert (nack.ack_of, nack.reason) == (envelope.id, "incomplete")
        assert nack.detail is not None
        assert nack.detail.startswith(f"{field}:")
        assert sent(actions, Diffusion) == []


@pytest.mark.parametrize("sender", ["uz-mia", "kz-fiu"])
def test_a_notice_request_not_from_a_home_police_unit_is_not_diffused(sender: str) -> None:
    """Only the country's own police units ask their NCB for notices."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    assert deliver(ncb, notice(ncb, 4, sender=sender)) == []


@pytest.mark.parametrize(
    ("subjects", "case", "expected"),
    [
        ([{"kind": "phone", "value": "+10000000001"}], CASE_A, "+10000000001"),
        ([], CASE_B, "case"),
    ],
)
def test_a_home_request_for_information_goes_abroad_with_a_diffusion(
    subjects: list[dict[str, Any]], case: str, expected: str
) -> None:
    """A police request is passed to the foreign police force its draw (3) picks, with a
    diffusion on the request's first subject, else the case file's first suspect, both
    in a language the target reads."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    envelope = given(
        ncb,
        f"info:{case}",
        "kz-mia-at",
        {"kind": "info_request", "subjects": subjects, "questions": ["Who is this?"]},
        case_refs=[case],
    )
    actions = deliver(ncb, envelope)
    foreign = [a.id for a in ABROAD.agencies.values() if a.kind == "police" and a.country != "KZ"]
    target = foreign[int(draw(ncb, str(envelope.id), 3) * len(foreign))]
    ((forward_envelope, forwarded),) = sent(actions, InfoRequest)
    ((diffusion_envelope, diffusion),) = sent(actions, Diffusion)
    assert forward_envelope.recipients == diffusion_envelope.recipients == [target]
    assert forwarded == envelope.body
    language = shared_language(ABROAD, "kz-ncb", target)
    assert forward_envelope.language == diffusion_envelope.language == language
    file = ABROAD.case_file([case])
    assert file is not None
    wanted = expected if expected != "case" else file.suspects[0].value
    assert diffusion.subject is not None
    assert diffusion.subject.value == wanted
    assert diffusion.purpose == "information"


def test_a_foreign_answer_reaches_the_home_police_as_intelligence() -> None:
    """An answer from abroad goes to the home police under H1, derived from it."""
    ncb = build(NationalCentralBureau, ABROAD, "kz-ncb")
    answer = given(
        ncb,
        "answer",
        "uz-mia",
        {"kind": "info_response", "findings": ["Known."]},
        evaluation={"scheme": "europol_4x4", "source": "A", "information": 2},
        handling={"codes": ["H0"]},
    )
    ((envelope, body),) = sent(deliver(ncb, answer), InfoResponse)
    assert envelope.recipients == ["kz-mia-at"]
    assert body == answer.body
    assert envelope.derived_from == [answer.id]
    assert envelope.handling is not None
    assert envelope.handling.codes == ["H1"]
    assert envelope.evaluation is not None
    assert (envelope.evaluation.source, envelope.evaluation.information) == ("A", 2)


# -- FIU -------------------------------------------------------------------------------------


def fin_request(playbook: Playbook, sender: str, instruments: list[dict[str, Any]]) -> Envelope:
    """A request to trace (and freeze) these instruments."""
    return given(
        playbook,
        f"fin:{sender}",
        sender,
        {
            "kind": "fin_intel_request",
            "instruments": instruments,
            "freeze_requested": True,
            "grounds": "Secure the claim.",
        },
        case_refs=[CASE_A],
    )


def test_a_home_request_is_answered_and_its_foreign_instruments_go_to_their_fius() -> None:
    """Answered to the requester, naming only the instruments it named; each foreign
    country's instruments to that country's FIU in a language it reads; the home
    instrument stays home."""
    fiu = build(FinancialIntelligenceUnit, ABROAD, "kz-fiu")
    file = ABROAD.case_file([CASE_A])
    assert file is not None
    home = {"kind": "bank_card", "identifier": "1111-2222", "country": "KZ"}
    named = [msgspec.to_builtins(i) for i in file.instruments] + [home]
    request = fin_request(fiu, "kz-pgo", named)
    actions = deliver(fiu, request)
    ((answer_envelope, answer),) = sent(actions, FinIntelResponse)
    assert answer_envelope.recipients == ["kz-pgo"]
    assert answer.freeze_status == "requested"
    (finding,) = answer.findings
    for instrument in named:
        assert instrument["identifier"] in finding
    forwarded = {e.recipients[0]: (e, body) for e, body in sent(actions, FinIntelRequest)}
    countries = sorted({str(i["country"]) for i in named} - {"KZ"})
    assert sorted(forwarded) == sorted(f"{country.lower()}-fiu" for country in countries)
    for target, (envelope, body) in forwarded.items():
        country = ABROAD.agencies[target].country
        assert [i.country for i in body.instruments] == [
            i["country"] for i in named if i["country"] == country
        ]
        assert envelope.language == shared_language(ABROAD, "kz-fiu", target)


def test_a_foreign_request_is_answered_and_not_passed_on() -> None:
    """A foreign FIU's request is answered; nothing goes further."""
    fiu = build(FinancialIntelligenceUnit, ABROAD, "kg-fiu")
    request = fin_request(
        fiu, "kz-fiu", [{"kind": "bank_card", "identifier": "9", "country": "UZ"}]
    )
    actions = deliver(fiu, request)
    assert [e.recipients for e, _ in sent(actions, FinIntelResponse)] == [["kz-fiu"]]
    assert sent(actions, FinIntelRequest) == []


def test_a_foreign_fius_answer_goes_back_to_who_asked() -> None:
    """The answer to a forwarded request goes to the home agency that asked; an answer
    to nothing this FIU asked goes to the police."""
    fiu = build(FinancialIntelligenceUnit, ABROAD, "kz-fiu")
    request = fin_request(
        fiu, "kz-pgo", [{"kind": "bank_card", "identifier": "9", "country": "KG"}]
    )
    ((forwarded, _),) = sent(deliver(fiu, request), FinIntelRequest)
    body = {"kind": "fin_intel_response", "findings": ["Flows found."]}
    answer = given(fiu, "kg-answer", "kg-fiu", body, in_reply_to=str(forwarded.id))
    ((envelope, passed),) = sent(deliver(fiu, answer, DAY), FinIntelResponse)
    assert (envelope.recipients, passed, envelope.derived_from) == (
        ["kz-pgo"],
        answer.body,
        [answer.id],
    )
    stray = given(fiu, "stray", "uz-fiu", body)
    ((envelope, _),) = sent(deliver(fiu, stray, DAY), FinIntelResponse)
    assert envelope.recipients == ["kz-mia-at"]


# -- Migration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "granted"),
    [("PossibleVictimOfTrafficking", True), ("NotAVictimOfTrafficking", False)],
)
def test_a_presumed_victim_gets_thirty_days_of_non_removal(status: str, granted: bool) -> None:
    """A presumed victim: a reflection period of 30 days from today with non-removal, to
    the decision's sender; not a victim: nothing."""
    mig = build(Migration, SILK, "kz-mig")
    decision = given(
        mig,
        f"decision:{status}",
        "kz-mia-at",
        {
            "kind": "identification_decision",
            "person_id": "p-1",
            "trafficking_status": status,
            "trafficking_status_decision_making_org": "Police",
            "stage": "presumed",
            "basis": {"act": "recruitment", "purpose": "forced labour"},
        },
    )
    periods = sent(deliver(mig, decision, 2 * DAY), ReflectionPeriod)
    if not granted:
        assert periods == []
        return
    ((envelope, period),) = periods
    today = (SILK.startex + timedelta(days=2)).date()
    assert envelope.recipients == ["kz-mia-at"]
    assert (period.person_id, period.start, period.end, period.non_removal) == (
        "p-1",
        today,
        today + timedelta(days=30),
        True,
    )


# -- Labour inspection -----------------------------------------------------------------------


def alert(playbook: Playbook, key: str, refs: list[str], **body: Any) -> Envelope:
    """A tip forwarded to the inspectorate by the shelter."""
    fields = {"kind": "alert", "alert_source": "hotline", "summary": "A tip.", **body}
    return given(playbook, key, "kz-ngo-sh", fields, case_refs=refs)


def inspector_target(playbook: Playbook, key: str) -> str:
    """Where the report goes: the prosecutor when the wrong-route draw (2) says so."""
    wrong = draw(playbook, key, 2) < playbook.params.wrong_route_share
    return "kz-pgo" if wrong else "kz-mia-at"


@pytest.mark.parametrize(("case", "section"), [(CASE_A, "F"), (CASE_B, "S"), (CASE_C, "G")])
def test_an_inspection_reports_the_case_files_site_and_the_alerts_data(
    case: str, section: str
) -> None:
    """The site is the case file's; the ISIC section the trade the site names (a
    construction site, a sauna, a market); the findings say what the alert reported."""
    li = build(LabourInspection, SILK, "kz-li")
    indicators = ["ilo_fl11.retention_of_identity_documents", "ilo_fl11.withholding_of_wages"]
    envelope = alert(
        li,
        f"alert:{case}",
        [case],
        location="somewhere else",
        est_persons=9,
        suspected_exploitation=["ForcedLabour"],
        indicators_observed=indicators,
    )
    ((report_envelope, report),) = sent(deliver(li, envelope, HOUR), LabourInspectionReport)
    file = SILK.case_file([case])
    assert file is not None
    assert report_envelope.recipients == [inspector_target(li, str(envelope.id))]
    assert (report.site, report.isic_section) == (file.site, section)
    assert report.inspected_at == SILK.startex + timedelta(hours=1)
    assert (report.workers_count, report.indicators) == (9, indicators)
    assert report.access_obstructed
    for said in (file.site, "About 9 workers", "forced labour", "2 indicators"):
        assert said in report.findings


def test_without_a_case_file_the_site_is_the_alerts_location() -> None:
    """No case file: the site the alert names (its trade classified), else a generic site;
    an alert reporting no numbers or kinds puts none in the findings."""
    li = build(LabourInspection, SILK, "kz-li")
    located = alert(li, "alert:farm", ["LI-1"], location="a cotton farm by the river")
    ((_, report),) = sent(deliver(li, located), LabourInspectionReport)
    assert (report.site, report.isic_section) == ("a cotton farm by the river", "A")
    assert "workers" not in report.findings
    assert "Suspected" not in report.findings
    nowhere = alert(li, "alert:nowhere", [])
    ((_, report),) = sent(deliver(li, nowhere), LabourInspectionReport)
    assert report.site == "the site named in the alert"
    assert report.workers_count is None
    assert report.indicators == []


def test_a_report_sent_the_wrong_way_is_sent_again_to_the_police() -> None:
    """Trainees send the report to the prosecutor (wrong-route draw 2); refused as not
    competent, it goes to the police."""
    li = build(LabourInspection, SILK, "kz-li", wrong_route_share=1.0)
    envelope = alert(li, "alert:wrong", [CASE_A])
    ((report_envelope, _),) = sent(deliver(li, envelope), LabourInspectionReport)
    assert report_envelope.recipients == ["kz-pgo"]
    nack = given(
        li,
        "nack:li",
        "kz-pgo",
        {"kind": "nack", "ack_of": str(report_envelope.id), "reason": "not_competent"},
    )
    ((again_envelope, again),) = sent(deliver(li, nack, HOUR), LabourInspectionReport)
    assert again_envelope.recipients == ["kz-mia-at"]
    assert again == report_envelope.body


# -- The scenario and a whole exercise -------------------------------------------------------


def test_silk_thread_carries_what_the_justice_playbooks_send() -> None:
    """Executed-MLA evidence goes back over mla-central (evidence-grade) and diffusions go
    out over INTERPOL; the prosecutors plant custody gaps at 0.1."""
    agencies = SILK.agencies
    for sender, recipient, kind, channel in (
        ("uz-pgo", "kz-pgo", "evidence_transfer", "mla-central"),
        ("tm-pgo", "kz-pgo", "evidence_transfer", "mla-central"),
        ("kz-ncb", "uz-mia", "diffusion", "interpol"),
        ("kz-ncb", "tm-mia", "diffusion", "interpol"),
    ):
        found = route(SILK, agencies[sender], agencies[recipient], kind, channel, {}, ())
        assert isinstance(found, Route), (sender, recipient, kind, found)
        if kind == "evidence_transfer":
            assert found.channel.evidence_grade
    assert agencies["kz-pgo"].params.custody_gap_share == 0.1


@pytest.mark.parametrize("share", [1, 0])
def test_the_planted_custody_gap_is_found_by_the_compliance_rule(share: float) -> None:
    """Played through: the tip opens a case, the letter goes to Uzbekistan, the Uzbek
    prosecutor executes it and hands the evidence back. With the share at 1 the
    compliance rule finds the gap in that transfer and the requesting prosecutor names it
    in its receipt; at 0 neither finds anything and the item is accepted."""
    _, records = play(mini(share))
    submitted = [r.data["envelope"] for r in records if r.kind == "envelope_submitted"]
    (transfer,) = [e for e in submitted if e["body"]["kind"] == "evidence_transfer"]
    assert (transfer["sender"], transfer["recipients"]) == ("uz-pgo", ["kz-pgo"])
    (receipt,) = [
        e["body"]
        for e in submitted
        if e["body"]["kind"] == "ack" and e["body"]["ack_of"] == transfer["id"]
    ]
    delivered = [
        r
        for r in records
        if r.kind == "delivered" and r.envelope_id == transfer["id"] and r.recipient == "kz-pgo"
    ]
    assert [r.data["delivery"]["channel"] for r in delivered] == ["mla"]
    found = compute_metrics(records, (records[-1].seq, ""))["compliance"]["custody_gap"]
    if share:
        assert [f["envelope_id"] for f in found] == [transfer["id"]]
        assert "but uz-police held it" in found[0]["detail"]
        assert receipt["status"] == "received"
        assert "but uz-police held it" in receipt["note"]
    else:
        assert found == []
        assert receipt["status"] == "accepted"


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_the_inspectorate_is_kept_at_the_gate_as_often_as_the_scenario_says(
    share: float,
) -> None:
    """`access_refused_share`: SILK THREAD's inspectors (share 1, no unannounced access in
    Kazakh law) are always refused entry and propose a joint visit; with share 0 they go
    in and ask the police to identify the workers."""
    assert SILK.agencies["kz-li"].params.access_refused_share == 1.0
    li = build(LabourInspection, SILK, "kz-li", access_refused_share=share)
    envelope = alert(li, f"gate:{share}", [CASE_A], est_persons=14)
    ((_, report),) = sent(deliver(li, envelope, HOUR), LabourInspectionReport)
    assert report.access_obstructed is (share == 1.0)
    assert ("entry refused" in report.findings) is (share == 1.0)
    assert ("joint visit" in report.findings) is (share == 1.0)
    assert ("let in" in report.findings) is (share == 0.0)
