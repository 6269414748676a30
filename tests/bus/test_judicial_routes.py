"""The five countries' judicial routes in SILK THREAD: MLA and JIT channels to the Tajik and
Turkmen prosecutors, case C pursued to Khujand, and Turkmenistan's slow or absent answers
(domain.md §11.3, §11.4; issue 11 item 2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest

from agencies.playbooks.prosecutor import Prosecutor
from protocols import Delivery, Envelope
from protocols.judicial import MlaRequest
from protocols.receipts import Nack
from tests.bus.helpers import envelope_for
from tests.bus.test_twenty_seeds import SEEDS, played
from trafsim_bus import load_scenario
from trafsim_bus.core import Send, Wake
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.core.rng import uniform
from trafsim_bus.core.routing import Refusal, Route, route, translation_for
from trafsim_bus.log.records import Record
from trafsim_bus.timebase import DAY

SILK_THREAD = load_scenario("silk-thread")
CASE_C = "KZ-AT-2026-0152"


def routed(sender: str, recipient: str, kind: str) -> Route | Refusal:
    """How the bus routes `kind` from `sender` to `recipient` with every channel open."""
    agencies = SILK_THREAD.agencies
    return route(SILK_THREAD, agencies[sender], agencies[recipient], kind, None, {}, ())


@pytest.mark.parametrize("recipient", ["tj-pgo", "tm-pgo"])
def test_kz_pgo_sends_mla_to_the_tajik_and_turkmen_prosecutors(recipient: str) -> None:
    """§11.3 MLA_CENTRAL reaches TJ and TM: the route resolves to mla-central, the recipient
    is competent, and it reads the Russian letter (Minsk Art. 17) without translation."""
    found = routed("kz-pgo", recipient, "mla_request")
    assert isinstance(found, Route), found
    assert found.channel.id == "mla-central"
    assert SILK_THREAD.jurisdiction.competent("prosecutor", "mla_request")
    agencies = SILK_THREAD.agencies
    channel = found.channel
    language = agencies["kz-pgo"].languages[0]
    assert (
        translation_for(
            SILK_THREAD, agencies["kz-pgo"], agencies[recipient], channel, language, "mla_request"
        )
        is None
    )


@pytest.mark.parametrize("recipient", ["tj-pgo", "tm-pgo"])
def test_a_police_unit_sending_mla_abroad_is_told_to_go_through_kz_pgo(recipient: str) -> None:
    """§11.6 jurisdiction: only the prosecutor transmits letters of request."""
    refused = routed("kz-mia-at", recipient, "mla_request")
    assert isinstance(refused, Refusal), refused
    assert (refused.reason, refused.redirect_to, refused.hint) == (
        "wrong_jurisdiction",
        "kz-pgo",
        "send it through kz-pgo",
    )


def test_the_jit_channel_reaches_tajikistan_but_not_turkmenistan() -> None:
    """cis-jit: TJ is a party to the 2015 CIS agreement in the scenario, TM is not."""
    found = routed("kz-pgo", "tj-pgo", "jit_proposal")
    assert isinstance(found, Route)
    assert found.channel.id == "cis-jit"
    refused = routed("kz-pgo", "tm-pgo", "jit_proposal")
    assert isinstance(refused, Refusal)
    assert refused.reason == "no_channel"


@pytest.mark.parametrize(("sender", "pool"), [("tj-pgo", "tj-rus"), ("tm-pgo", "tm-tuk")])
def test_answers_in_tajik_and_turkmen_get_a_certified_translation_at_home(
    sender: str, pool: str
) -> None:
    """mla-central translates on the sender's side: the requested state's own pool turns
    its answer into Russian for KZ-PGO."""
    agencies = SILK_THREAD.agencies
    found = routed(sender, "kz-pgo", "mla_execution_report")
    assert isinstance(found, Route)
    language = agencies[sender].languages[0]
    translation = translation_for(
        SILK_THREAD, agencies[sender], agencies["kz-pgo"], found.channel, language, "ack"
    )
    assert translation is not None
    assert not isinstance(translation, Refusal)
    assert (translation.pool.id, translation.side, translation.target) == (pool, "sender", "rus")


def test_the_case_c_route_is_scenario_data() -> None:
    """The organiser in Khujand is named by the scenario, not by the playbook."""
    mla = SILK_THREAD.agencies["kz-pgo"].params.mla_route(CASE_C)
    assert mla is not None
    assert mla.countries == ("TJ",)
    assert any("Khujand" in suspect for suspect in mla.suspects)


@pytest.mark.slow
def test_case_c_is_pursued_to_khujand() -> None:
    """Over seeds 1 to 20: once case C is opened with KZ-PGO, its letters of request go to
    TJ-PGO only, naming the organiser in Khujand, and TJ-PGO answers each it receives
    unless its `no_reply` draw says not. The chain stops only where a `no_reply` draw of
    the police (m11's alert) or the prosecutor (the opening decision) says so."""
    pursued = 0
    for seed in SEEDS:
        pursued += khujand(seed, played("silk-thread", seed))
    assert pursued >= 15


def silent(seed: int, agency: str, envelope_id: str) -> bool:
    """Whether the agency's playbook leaves this message unanswered (its `no_reply` draw)."""
    params = SILK_THREAD.agencies[agency].params
    return uniform(seed, f"playbook:{agency}", envelope_id, 0) < params.no_reply


def khujand(seed: int, records: tuple[Record, ...]) -> bool:
    """Checks case C's route in one run; whether a letter of request for it reached TJ."""
    alert = next(
        str(r.envelope_id)
        for r in records
        if r.kind == "inject_fired" and r.data["inject_id"] == "m11"
    )
    submitted = [r.data["envelope"] for r in records if r.kind == "envelope_submitted"]
    opened = [
        envelope["id"]
        for envelope in submitted
        if envelope["sender"] == "kz-mia-at"
        and envelope["body"]["kind"] == "procedural_document"
        and envelope["body"]["doc_type"] == "decision_open_criminal_case"
        and envelope["body"]["case_number"] == CASE_C
    ]
    if silent(seed, "kz-mia-at", alert):
        assert opened == [], seed
        return False
    letters = [
        envelope
        for envelope in submitted
        if envelope["sender"] == "kz-pgo"
        and envelope["body"]["kind"] == "mla_request"
        and CASE_C in envelope["case_refs"]
    ]
    received = {
        r.data["delivery"]["envelope_id"]
        for r in records
        if r.kind == "delivered" and r.recipient == "kz-pgo"
    }
    heard = [d for d in opened if d in received and not silent(seed, "kz-pgo", d)]
    # A decision the prosecutor heard starts the letters; the police's own draft of a
    # letter (passed on by the prosecutor) may start them too, once the case is open.
    assert bool(letters) >= bool(heard), seed
    assert bool(opened) >= bool(letters), seed
    assert {recipient for envelope in letters for recipient in envelope["recipients"]} <= {"tj-pgo"}
    assert all("Khujand" in str(envelope["body"]["suspects"]) for envelope in letters)
    ids = {envelope["id"] for envelope in letters}
    reached = [
        r.data["delivery"]["envelope_id"]
        for r in records
        if r.kind == "delivered"
        and r.recipient == "tj-pgo"
        and r.data["delivery"]["envelope_id"] in ids
    ]
    answered = {envelope["in_reply_to"] for envelope in submitted if envelope["sender"] == "tj-pgo"}
    for letter in reached:
        assert (letter in answered) != silent(seed, "tj-pgo", letter), (seed, letter)
    return bool(reached)


@pytest.mark.slow
def test_turkmenistan_answers_as_slowly_and_rarely_as_configured() -> None:
    """Over seeds 1 to 20, every MLA request that reaches TM-PGO is answered or not as
    its `no_reply` draw says, and an execution report comes exactly its `execution` draw
    after the delivery; some are answered and some are not."""
    outcomes = [
        silent for seed in SEEDS for silent in turkmen_answers(seed, played("silk-thread", seed))
    ]
    assert True in outcomes
    assert False in outcomes


def turkmen_answers(seed: int, records: tuple[Record, ...]) -> list[bool]:
    """Checks TM-PGO's answers in one run; whether each request delivered was left silent."""
    tm = SILK_THREAD.agencies["tm-pgo"].params
    assert tm.execution is not None
    delivered = {
        r.data["delivery"]["envelope_id"]: r.t_us
        for r in records
        if r.kind == "delivered" and r.recipient == "tm-pgo" and r.data["kind"] == "mla_request"
    }
    outcomes = []
    replies: dict[str, list[tuple[str, int]]] = {}
    for r in records:
        if r.kind == "envelope_submitted" and r.data["envelope"]["sender"] == "tm-pgo":
            envelope = r.data["envelope"]
            replies.setdefault(envelope["in_reply_to"], []).append(
                (envelope["body"]["kind"], r.t_us)
            )
    for request, at in delivered.items():
        silent = uniform(seed, "playbook:tm-pgo", request, 0) < tm.no_reply
        answers = replies.get(request, [])
        assert (answers == []) == silent, (seed, request, answers)
        outcomes.append(silent)
        for kind, sent_at in answers:
            if kind == "mla_execution_report":
                due = at + tm.execution.sample(uniform(seed, "playbook:tm-pgo", request, 5))
                assert sent_at == due
    return outcomes


def test_the_turkmen_prosecutor_keeps_the_scenarios_numbers() -> None:
    """Over 300 complete requests TM-PGO's playbook is silent exactly where `no_reply`
    draws say (about 40 %), and schedules execution by the 120 d / 365 d distribution."""
    agency = SILK_THREAD.agencies["tm-pgo"]
    params = agency.params
    assert params.no_reply == 0.4
    assert params.execution is not None
    assert (params.execution.median_us, params.execution.p90_us) == (120 * DAY, 365 * DAY)
    exercise = exercise_id_for(SILK_THREAD.sha256, 1)
    playbook = Prosecutor(agency, SILK_THREAD, exercise, 1)
    silent = 0
    for n in range(300):
        request = letter(exercise, n)
        key = str(request.id)
        actions = playbook.on_delivery(delivery(request), request, 0)
        if uniform(1, "playbook:tm-pgo", key, 0) < params.no_reply:
            silent += 1
            assert actions == []
            continue
        assert actions
        refused = [a for a in actions if isinstance(a, Send) and isinstance(a.envelope.body, Nack)]
        wakes = [action for action in actions if isinstance(action, Wake)]
        if refused:
            assert wakes == []
        else:
            assert [wake.after_us for wake in wakes] == [
                params.execution.sample(uniform(1, "playbook:tm-pgo", key, 5))
            ]
    assert 0.3 < silent / 300 < 0.5


def letter(exercise: UUID, n: int) -> Envelope:
    """A complete letter of request from KZ-PGO to TM-PGO."""
    return envelope_for(
        exercise,
        f"letter:{n}",
        "kz-pgo",
        ["tm-pgo"],
        {
            "kind": "mla_request",
            "requesting_authority": "kz-pgo",
            "requested_authority": "tm-pgo",
            "treaty": "minsk_1993",
            "case_number": "KZ-SH-2026-0077",
            "facts_summary": "A Turkmen woman was exploited in Shymkent.",
            "legal_qualification": ["KZ CC 128(3)"],
            "actions_requested": ["interrogate_witness"],
            "questions": ["Who recruited you?"],
            "procedural_rights_notice": True,
            "translation": {"language": "tuk", "certified": True},
        },
        created_at=datetime(2026, 6, 3, 10, tzinfo=UTC).isoformat(),
        requires_ack=True,
    )


def delivery(given: Envelope) -> Delivery:
    """The delivery record of a letter to TM-PGO."""
    return Delivery(
        envelope_id=given.id,
        recipient="tm-pgo",
        channel="mla-central",
        status="delivered",
        evidentiary_status="evidence",
        language="rus",
        submitted_us=0,
        due_us=0,
        delivered_us=0,
    )


def opened(exercise: UUID, case: str) -> Envelope:
    """The Astana police open `case` with KZ-PGO."""
    return envelope_for(
        exercise,
        f"opened:{case}",
        "kz-mia-at",
        ["kz-pgo"],
        {
            "kind": "procedural_document",
            "doc_type": "decision_open_criminal_case",
            "author": "investigator",
            "case_number": case,
            "title": "Pre-trial investigation opened",
            "summary": "Trafficking in persons.",
            "document_language": "rus",
        },
        created_at=datetime(2026, 6, 3, 10, tzinfo=UTC).isoformat(),
    )


@pytest.mark.parametrize(
    ("case", "wanted"),
    [
        ("KZ-AT-2026-0141", [["uz-pgo"]]),
        ("KZ-SH-2026-0077", [["kg-pgo"], ["tm-pgo"]]),
        (CASE_C, [["tj-pgo"]]),
    ],
)
def test_kz_pgo_writes_to_the_states_its_route_names(case: str, wanted: list[list[str]]) -> None:
    """An opened case gets one letter per country of its scenario route, in order, with
    the route's facts and suspects; opening it again sends nothing more (no `no_reply`
    draw in the way)."""
    exercise = exercise_id_for(SILK_THREAD.sha256, 1)
    found = SILK_THREAD.agencies["kz-pgo"]
    agency = replace(found, params=replace(found.params, no_reply=0.0))
    playbook = Prosecutor(agency, SILK_THREAD, exercise, 1)
    given = opened(exercise, case)
    actions = playbook.on_delivery(delivery(given), given, 0)
    letters = [a.envelope for a in actions if isinstance(a, Send)]
    assert [envelope.recipients for envelope in letters] == wanted
    route = agency.params.mla_route(case)
    assert route is not None
    for envelope in letters:
        body = envelope.body
        assert isinstance(body, MlaRequest)
        assert body.facts_summary == route.facts
        assert [s.value for s in body.suspects] == list(route.suspects)
        assert body.actions_requested == list(route.actions)
    assert playbook.on_delivery(delivery(given), given, 1) == []


def test_a_case_without_a_route_goes_to_one_foreign_prosecutor() -> None:
    """No route in the scenario: one letter to a prosecutor abroad, chosen by a draw."""
    exercise = exercise_id_for(SILK_THREAD.sha256, 1)
    found = SILK_THREAD.agencies["kz-pgo"]
    agency = replace(found, params=replace(found.params, no_reply=0.0))
    playbook = Prosecutor(agency, SILK_THREAD, exercise, 1)
    given = opened(exercise, "KZ-AT-2026-0999")
    letters = [
        a.envelope for a in playbook.on_delivery(delivery(given), given, 0) if isinstance(a, Send)
    ]
    assert len(letters) == 1
    assert letters[0].recipients[0] in {"uz-pgo", "kg-pgo", "tj-pgo", "tm-pgo"}
