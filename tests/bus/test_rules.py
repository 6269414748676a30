"""Each rule of SPEC §4-8 pinned by a trail worked out by hand, or by an independent
oracle: fixed delays make every time exact. These run in a few seconds: they are the
test command of the mutation run (docs/testing.md)."""

from __future__ import annotations

import heapq
from typing import Any

import pytest

from protocols import Envelope, encode_json
from tests.bus.helpers import make_envelope, play
from trafsim_bus import Bus
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import DAY, HOUR

OFFICES = """
[exercise]
name = "rules"
startex = "2026-06-01T09:00:00+05:00"
duration = "3d"
seed = 5

[[country]]
id = "KZ"
name = "Kazakhstan"
languages = ["rus"]
utc_offset = "+05:00"

[[country]]
id = "UZ"
name = "Uzbekistan"
languages = ["uzb"]
utc_offset = "+05:00"

[[agency]]
id = "kz-police"
name = "KZ police"
country = "KZ"
kind = "police"
languages = ["rus"]

[[agency]]
id = "kz-pgo"
name = "KZ prosecutor"
country = "KZ"
kind = "prosecutor"
languages = ["rus"]

[[agency]]
id = "kz-ngo"
name = "KZ shelter"
country = "KZ"
kind = "ngo_shelter"
languages = ["rus"]

[[agency]]
id = "uz-police"
name = "UZ police"
country = "UZ"
kind = "police"
languages = ["uzb"]

[[agency]]
id = "uz-pgo"
name = "UZ prosecutor"
country = "UZ"
kind = "prosecutor"
languages = ["uzb"]

[[channel]]
id = "direct"
from = [{ kind = "police", country = "KZ" }]
to = [{ kind = "police", country = "UZ" }]
both_ways = true
types = ["info_request", "info_response"]
latency = [
  { priority = ["urgent"], family = "fixed", median = "1h" },
  { family = "fixed", median = "3h" },
]

[[channel]]
id = "direct-slow"
from = [{ kind = "police", country = "KZ" }]
to = [{ kind = "police", country = "UZ" }]
types = ["info_request"]
latency = [{ family = "fixed", median = "9h" }]

[[channel]]
id = "mla"
from = ["kz-pgo"]
to = ["uz-pgo"]
both_ways = true
types = ["mla_request"]
translation_by = "sender"
latency = [{ family = "fixed", median = "2d", certified = true }]

[[channel]]
id = "referral"
from = ["kz-police"]
to = ["kz-ngo"]
types = ["referral", "consent_record"]
latency = [{ family = "fixed", median = "30min" }]

[[translation_pool]]
id = "kz-uzb"
serves = ["KZ"]
from = ["rus"]
to = ["uzb"]
servers = 1
service = { family = "fixed", median = "2h" }
certified = { family = "fixed", median = "1d" }

[[translation_pool]]
id = "uz-uzb"
serves = ["UZ"]
from = ["rus"]
to = ["uzb"]
servers = 2
service = { family = "fixed", median = "4h" }
"""
REQUEST = {"kind": "info_request", "questions": ["Is this number known to you?"]}
MLA = {
    "kind": "mla_request",
    "requesting_authority": "kz-pgo",
    "requested_authority": "uz-pgo",
    "treaty": "minsk_1993",
    "case_number": "KZ-1",
    "facts_summary": "x",
    "legal_qualification": ["KZ CC 128"],
    "actions_requested": ["search"],
}


def exercise(extra: str = "", days: int = 3) -> Bus:
    """The rules scenario (plus `extra`, lasting `days`), begun, nobody playing."""
    text = OFFICES.replace('duration = "3d"', f'duration = "{days}d"')
    bus = Bus(parse_scenario(text + extra, "rules.toml"))
    bus.begin()
    return bus


def send(
    bus: Bus, n: int, sender: str, recipients: list[str], body: dict[str, Any], **fields: Any
) -> Envelope:
    """Submit an envelope now, as its sender's team."""
    envelope = make_envelope(bus, f"rule:{n}", sender, recipients, body, **fields)
    assert bus.submit(encode_json(envelope), agency=sender).accepted
    return envelope


def trail(bus: Bus, envelope: Envelope, recipient: str) -> list[tuple[int, str, str]]:
    """(time, kind, stage or detail) of every record about one delivery, after ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    found = []
    for record in bus.recorder.records:
        if record.envelope_id == str(envelope.id) and record.recipient == recipient:
            detail = record.data.get("stage") or record.data.get("effect") or ""
            outcome = record.data.get("outcome")
            found.append((record.t_us, record.kind, f"{detail}:{outcome}" if outcome else detail))
    return found


def ending(bus: Bus, envelope: Envelope, recipient: str) -> Record:
    """The record that ended a delivery."""
    bus.advance_to(bus.clock.endex_us)
    return next(
        r
        for r in bus.recorder.records
        if r.envelope_id == str(envelope.id)
        and r.recipient == recipient
        and r.kind in ("delivered", "rejected", "dropped")
    )


def test_recipient_side_translation_comes_after_transit() -> None:
    """A question in Russian to the UZ police: transit first (3 h, the channel's last rule),
    then the UZ pool of the recipient's country (4 h), then delivery at 7 h."""
    bus = exercise()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    assert trail(bus, sent, "uz-police") == [
        (0, "delivery_created", ""),
        (0, "channel_resolved", ""),
        (0, "barrier_decision", "language:translate"),
        (0, "barrier_decision", "latency:drawn"),
        (3 * HOUR, "translation_queued", ""),
        (3 * HOUR, "translation_started", ""),
        (7 * HOUR, "translation_finished", ""),
        (7 * HOUR, "barrier_decision", "translation:translated"),
        (7 * HOUR, "barrier_decision", "delivery:delivered"),
        (7 * HOUR, "delivered", ""),
    ]
    delivered = ending(bus, sent, "uz-police").data["delivery"]
    assert delivered["delay_us"] == {
        "channel_latency": 3 * HOUR,
        "translation_wait": 0,
        "translation_service": 4 * HOUR,
        "outage_hold": 0,
        "office_hours_wait": 0,
        "other": 0,
    }
    assert delivered["language"] == "uzb"
    assert delivered["channel"] == "direct"


def test_sender_side_translation_comes_before_transit_with_the_senders_pool() -> None:
    """An MLA request: certified translation first by the pool of the sender's country
    (1 d, certified), then transit (2 d): delivered at 3 d."""
    bus = exercise()
    sent = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    records = trail(bus, sent, "uz-pgo")
    assert (0, "translation_started", "") in records
    assert (DAY, "translation_finished", "") in records
    assert records[-1] == (3 * DAY, "delivered", "")
    queued = next(
        r
        for r in bus.recorder.records
        if r.kind == "translation_queued" and r.envelope_id == str(sent.id)
    )
    assert queued.pool_id == "kz-uzb"
    delivery = ending(bus, sent, "uz-pgo").data["delivery"]
    assert delivery["certified_translation"] is True
    assert delivery["delay_us"]["translation_service"] == DAY
    assert delivery["delay_us"]["channel_latency"] == 2 * DAY


def test_the_first_matching_latency_rule_and_channel_win() -> None:
    """The urgent rule (1 h) comes first and wins for an urgent message; the normal one
    takes the last rule (3 h); the first declared channel carries both."""
    bus = exercise()
    urgent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, priority={"level": "urgent"})
    normal = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    latencies = {
        r.envelope_id: r.data["added_us"]
        for r in bus.recorder.records
        if r.kind == "barrier_decision" and r.data["stage"] == "latency"
    }
    assert latencies == {str(urgent.id): HOUR, str(normal.id): 3 * HOUR}
    resolved = [r for r in bus.recorder.records if r.kind == "channel_resolved"]
    assert {r.data["channel"] for r in resolved} == {"direct"}
    assert resolved[0].data["alternatives"] == ["direct-slow"]


def test_a_latency_multiplier_multiplies_what_is_drawn_while_it_is_in_force() -> None:
    """Two multipliers (x2 then x3) apply in turn to a latency drawn while they are in
    force (3 h → 18 h); a message already travelling keeps its due time."""
    extra = """
[[disruption]]
id = "slow-2"
type = "latency_multiplier"
target = { channels = ["direct"] }
attributes = { factor = 2.0 }
schedule = { start = "D1 10:00", duration = "1d" }

[[disruption]]
id = "slow-3"
type = "latency_multiplier"
target = { channels = ["direct"] }
attributes = { factor = 3.0 }
schedule = { start = "D1 10:00", duration = "1d" }
"""
    bus = exercise(extra)
    early = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(2 * HOUR)
    late = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    decisions = {
        r.envelope_id: r
        for r in bus.recorder.records
        if r.kind == "barrier_decision" and r.data["stage"] == "latency"
    }
    assert decisions[str(early.id)].data["due_us"] == 3 * HOUR
    assert decisions[str(late.id)].data["added_us"] == 18 * HOUR
    assert decisions[str(late.id)].data["factors"] == [["slow-2", 2.0], ["slow-3", 3.0]]
    assert (
        ending(bus, late, "uz-police").data["delivery"]["delay_us"]["channel_latency"] == 18 * HOUR
    )


OUTAGES = """
[[disruption]]
id = "down-1"
type = "outage"
target = { agencies = ["uz-police"] }
schedule = { start = "D1 14:00", duration = "4h" }

[[disruption]]
id = "down-2"
type = "outage"
target = { agencies = ["uz-police"] }
schedule = { start = "D1 15:00", duration = "6h" }
"""


def test_a_release_while_another_outage_holds_is_held_again() -> None:
    """Due at 7 h (3 h transit, 4 h translation) while down-1 (5 h-9 h) and down-2
    (6 h-12 h) are both in force: the first started holds it; its heal at 9 h releases it
    into down-2, which holds it to 12 h; the hold is counted once per span: 5 h."""
    bus = exercise(OUTAGES)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    end = ending(bus, sent, "uz-police")

    def named(kind: str) -> list[tuple[int, str | None]]:
        return [
            (r.t_us, r.disruption_id)
            for r in bus.recorder.records
            if r.kind == kind and r.envelope_id == str(sent.id)
        ]

    assert named("delivery_held") == [(7 * HOUR, "down-1"), (9 * HOUR, "down-2")]
    assert named("delivery_released") == [(9 * HOUR, "down-1"), (12 * HOUR, "down-2")]
    assert (end.kind, end.t_us) == ("delivered", 12 * HOUR)
    assert end.data["delivery"]["delay_us"]["outage_hold"] == 5 * HOUR


def test_consent_is_checked_before_handling() -> None:
    """A referral breaking both rules (a person without consent, passing on an H2 message
    to someone who was not a party) is refused for consent, the earlier check."""
    bus = exercise()
    secret = send(
        bus, 1, "uz-police", ["kz-police"], {"kind": "info_response", "findings": ["x"]},
        language="uzb", script="Latn", handling={"codes": ["H1", "H2"]},
        evaluation={"source": "B", "information": 2},
    )  # fmt: skip
    referral = {
        "kind": "referral",
        "referring_organisation": "kz-police",
        "referred_organisation": ["kz-ngo"],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter"],
        "persons": [{"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}],
    }
    passed_on = send(bus, 2, "kz-police", ["kz-ngo"], referral, derived_from=[str(secret.id)])
    assert ending(bus, passed_on, "kz-ngo").data["reason"] == "consent_missing"


def test_a_loss_disruption_drops_what_it_hits_at_submission() -> None:
    """Loss with probability 1 on a channel: dropped at submission, naming it."""
    extra = """
[[disruption]]
id = "lossy"
type = "loss"
target = { channels = ["direct"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""
    bus = exercise(extra)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    end = ending(bus, sent, "uz-police")
    assert (end.kind, end.t_us, end.disruption_id) == ("dropped", 0, "lossy")


def test_overlapping_capacity_cuts_the_latest_started_rules() -> None:
    """Two cuts of the UZ pool (0 translators from 09:00, then 1 from 10:00, each to
    14:00 and 12:00): the latest started holds while both are in force; when it heals the
    earlier one rules again; when both have healed the pool has its own 2."""
    extra = """
[[disruption]]
id = "none"
type = "translator_capacity"
target = { pools = ["uz-uzb"] }
attributes = { servers = 0 }
schedule = { start = "D1 09:00", duration = "5h" }

[[disruption]]
id = "one"
type = "translator_capacity"
target = { pools = ["uz-uzb"] }
attributes = { servers = 1 }
schedule = { start = "D1 10:00", duration = "2h" }
"""
    bus = exercise(extra)
    bus.advance_to(bus.clock.endex_us)
    capacity = [
        (r.t_us, r.data["servers"])
        for r in bus.recorder.records
        if r.kind == "disruption_effect" and r.data["effect"] == "capacity"
    ]
    assert capacity == [(0, 0), (HOUR, 1), (3 * HOUR, 0), (5 * HOUR, 2)]


def test_simultaneous_deliveries_keep_the_order_they_were_decided_in() -> None:
    """Three questions sent at the same moment with the same latency fall due together;
    they are delivered in the order their latency was drawn."""
    bus = exercise()
    sent = [send(bus, n, "kz-police", ["uz-police"], REQUEST) for n in range(3)]
    bus.advance_to(bus.clock.endex_us)
    queued = [r.envelope_id for r in bus.recorder.records if r.kind == "translation_queued"]
    assert queued == [str(envelope.id) for envelope in sent]


def fifo_starts(pool: str, records: list[Record], servers: int) -> dict[Any, int]:
    """An independent FIFO queue with c servers, fed the pool's logged arrivals, service
    times and capacity changes: when each job starts."""
    events: list[tuple[int, int, str, Any]] = []
    service: dict[Any, int] = {}
    for n, record in enumerate(records):
        key = (record.envelope_id, record.recipient)
        if record.pool_id != pool:
            continue
        if record.kind == "translation_queued":
            events.append((record.t_us, n, "arrive", key))
        elif record.kind == "translation_started":
            service[key] = record.data["service_us"]
        elif record.kind == "disruption_effect" and record.data["effect"] == "capacity":
            events.append((record.t_us, n, "capacity", record.data["servers"]))
    heapq.heapify(events)
    waiting: list[Any] = []
    busy: dict[Any, int] = {}
    starts: dict[Any, int] = {}
    while events:
        now = events[0][0]
        while events and events[0][0] == now:
            _, _, what, payload = heapq.heappop(events)
            if what == "arrive":
                waiting.append(payload)
            elif what == "capacity":
                servers = payload
            else:
                del busy[payload]
        while waiting and len(busy) < servers and waiting[0] in service:
            key = waiting.pop(0)
            starts[key] = now
            busy[key] = now + service[key]
            heapq.heappush(events, (busy[key], -1, "finish", key))
    return starts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_pool_is_a_fifo_queue_with_its_translators(seed: int) -> None:
    """Every job of every pool of the stress scenario (capacity cuts and boosts, full
    queues) starts exactly when a plain FIFO queue with c servers starts it."""
    from tests.bus.helpers import stress

    scenario = stress()
    _, records = play(scenario, seed)
    checked = 0
    for pool in scenario.pools:
        expected = fifo_starts(pool.id, records, pool.servers)
        logged = {
            (r.envelope_id, r.recipient): r.t_us
            for r in records
            if r.kind == "translation_started" and r.pool_id == pool.id
        }
        assert logged == expected
        checked += len(logged)
    assert checked > 20


def test_machine_translation_takes_over_when_the_queue_is_long() -> None:
    """One translator and `machine_after = 1`: the first question is served (4 h), the
    second queues behind it, the third finds one waiting and is machine-translated at
    once, flagged unverified; FIFO means the second starts when the first ends."""
    pool = OFFICES.split('[[translation_pool]]\nid = "uz-uzb"')[1]
    busy = OFFICES.replace(
        pool,
        pool.replace("servers = 2", "servers = 1").replace(
            'service = { family = "fixed", median = "4h" }',
            'service = { family = "fixed", median = "4h" }\nmachine = "fallback"\nmachine_after = 1',
        ),
    )
    bus = Bus(parse_scenario(busy, "rules.toml"))
    bus.begin()
    sent = [send(bus, n, "kz-police", ["uz-police"], REQUEST) for n in range(3)]
    ends = [ending(bus, envelope, "uz-police") for envelope in sent]
    assert [end.t_us for end in ends] == [7 * HOUR, 11 * HOUR, 3 * HOUR]
    flags = [end.data["delivery"]["machine_translated_unverified"] for end in ends]
    assert flags == [False, False, True]
    second = ends[1].data["delivery"]["delay_us"]
    assert (second["translation_wait"], second["translation_service"]) == (4 * HOUR, 4 * HOUR)


def at(bus: Bus, t_us: int) -> list[tuple[str | None, str]]:
    """(envelope, kind) of every delivery record at `t_us`, in log order, after ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    return [
        (r.envelope_id, r.kind)
        for r in bus.recorder.records
        if r.t_us == t_us and r.recipient is not None and r.kind != "barrier_decision"
    ]


def test_simultaneous_events_of_different_kinds_keep_the_order_they_were_decided_in() -> None:
    """SPEC §14 (what is due runs in (time, seq) order): at 7 h a translation started at
    3 h ends and a question sent at 4 h reaches the translators; the translation was
    decided first, so the first question is delivered before the second is queued (then
    served until 11 h)."""
    bus = exercise()
    first = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(4 * HOUR)
    second = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    assert at(bus, 7 * HOUR) == [
        (str(first.id), "translation_finished"),
        (str(first.id), "delivered"),
        (str(second.id), "translation_queued"),
        (str(second.id), "translation_started"),
    ]
    assert ending(bus, second, "uz-police").t_us == 11 * HOUR


def test_a_sender_side_transit_ends_with_another_arrival_in_order() -> None:
    """SPEC §7: an MLA request's transit (decided when its translation ended, at 1 d) ends
    at 3 d, when a question sent at 2 d 21 h reaches the UZ translators: the request is
    delivered first, the question 4 h later."""
    bus = exercise(days=6)
    mla = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    bus.advance_to(2 * DAY + 21 * HOUR)
    question = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    assert at(bus, 3 * DAY) == [
        (str(mla.id), "delivered"),
        (str(question.id), "translation_queued"),
        (str(question.id), "translation_started"),
    ]
    assert ending(bus, question, "uz-police").t_us == 3 * DAY + 4 * HOUR


def test_a_transit_released_by_a_heal_ends_with_one_sent_at_the_heal() -> None:
    """SPEC §8: a question held from submission by a cut (store and forward, to 1 d) sets
    off at the heal; one sent right after the heal sets off then too: both reach the UZ
    pool (2 translators) at 1 d 3 h in that order and are delivered at 1 d 7 h."""
    cut = """
[[disruption]]
id = "cut"
type = "link_cut"
target = { countries = ["KZ", "UZ"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""
    bus = exercise(cut)
    held = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    bus.advance_to(DAY)
    fresh = send(bus, 2, "kz-police", ["uz-police"], REQUEST)
    arrivals = [e for e, kind in at(bus, DAY + 3 * HOUR) if kind == "translation_queued"]
    assert arrivals == [str(held.id), str(fresh.id)]
    assert [ending(bus, sent, "uz-police").t_us for sent in (held, fresh)] == [DAY + 7 * HOUR] * 2


TYPED = """
[[channel]]
id = "typed"
from = ["kz-police"]
to = ["uz-police"]
both_ways = true
types = ["info_request", "info_response"]
latency = [
  { types = ["info_response"], family = "fixed", median = "1h" },
  { to_country = ["KZ"], family = "fixed", median = "2h" },
  { family = "fixed", median = "5h" },
]
"""


def test_latency_rules_filter_by_type_and_recipients_country() -> None:
    """SPEC §6: the first rule whose filters match wins: a response from UZ takes the
    response rule (1 h); a question to KZ the `to_country` rule (2 h); a question to UZ
    the last rule (5 h)."""
    bus = exercise(TYPED)
    findings = {"kind": "info_response", "findings": ["x"]}
    graded = {"evaluation": {"source": "B", "information": 2}, "handling": {"codes": ["H1"]}}
    response = send(bus, 1, "uz-police", ["kz-police"], findings, channel="typed", **graded)
    to_kz = send(bus, 2, "uz-police", ["kz-police"], REQUEST, channel="typed")
    to_uz = send(bus, 3, "kz-police", ["uz-police"], REQUEST, channel="typed")
    latencies = {
        r.envelope_id: r.data["added_us"]
        for r in bus.recorder.records
        if r.kind == "barrier_decision" and r.data["stage"] == "latency"
    }
    assert latencies == {str(response.id): HOUR, str(to_kz.id): 2 * HOUR, str(to_uz.id): 5 * HOUR}
