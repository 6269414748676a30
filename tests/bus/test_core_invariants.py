"""Invariants of the core, over many seeds: one delivery per recipient, one ending each,
causality, FIFO translation within capacity."""

from __future__ import annotations

from collections import Counter, defaultdict

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols import decode, encode_json
from protocols.envelope import Envelope
from tests.bus.helpers import mini, play, played_bus, stress
from trafsim_bus import Bus, VirtualDriver
from trafsim_bus.log.records import BARRIER_STAGES, Record

SCENARIO = mini()
SCENARIOS = {"mini": mini(), "stress": stress()}
BOTH = pytest.mark.parametrize("name", sorted(SCENARIOS))
SEEDS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TERMINAL = ("delivered", "rejected", "dropped")


def _envelopes(records: list[Record]) -> dict[str, dict]:
    return {
        str(r.envelope_id): r.data["envelope"] for r in records if r.kind == "envelope_submitted"
    }


@BOTH
@SEEDS
@given(st.integers(min_value=0, max_value=2**32))
def test_each_envelope_has_exactly_one_delivery_per_recipient(name: str, seed: int) -> None:
    """Every submitted envelope gets one delivery_created per recipient, no more."""
    _, records = play(SCENARIOS[name], seed)
    created = Counter((r.envelope_id, r.recipient) for r in records if r.kind == "delivery_created")
    assert set(created.values()) == {1}
    for envelope_id, envelope in _envelopes(records).items():
        for recipient in envelope["recipients"]:
            assert created[(envelope_id, recipient)] == 1


@BOTH
@SEEDS
@given(st.integers(min_value=0, max_value=2**32))
def test_each_delivery_ends_once_or_stays_pending(name: str, seed: int) -> None:
    """Each delivery ends in exactly one of delivered, rejected, dropped, or is still pending
    at ENDEX, and the core's pending set agrees with the log."""
    bus, records = play(SCENARIOS[name], seed)
    endings = Counter((r.envelope_id, r.recipient) for r in records if r.kind in TERMINAL)
    assert set(endings.values()) <= {1}
    created = {(r.envelope_id, r.recipient) for r in records if r.kind == "delivery_created"}
    pending = {(str(key.envelope_id), key.recipient) for key in bus.state.pending}
    assert created - set(endings) == pending
    assert set(endings) <= created


@BOTH
@SEEDS
@given(st.integers(min_value=0, max_value=2**32))
def test_nothing_is_delivered_before_it_was_submitted(name: str, seed: int) -> None:
    """A delivery's time, and its recorded due time, never precede the submission."""
    _, records = play(SCENARIOS[name], seed)
    submitted = {str(r.envelope_id): r.t_us for r in records if r.kind == "envelope_submitted"}
    order = {str(r.envelope_id): r.seq for r in records if r.kind == "envelope_submitted"}
    for record in records:
        if record.kind == "delivered":
            delivery = record.data["delivery"]
            assert record.t_us >= submitted[str(record.envelope_id)]
            assert delivery["submitted_us"] == submitted[str(record.envelope_id)]
            assert record.seq > order[str(record.envelope_id)]
            assert delivery["delivered_us"] == record.t_us
            assert delivery["submitted_us"] <= delivery["due_us"] <= record.t_us
        if record.kind == "barrier_decision" and record.data.get("due_us") is not None:
            assert record.data["due_us"] >= submitted[str(record.envelope_id)]


@BOTH
@SEEDS
@given(st.integers(min_value=0, max_value=2**32))
def test_pools_serve_fifo_within_capacity(name: str, seed: int) -> None:
    """A pool never starts a job while c or more are in service, and starts them in the
    order they queued."""
    _, records = play(SCENARIOS[name], seed)
    servers = {pool.id: pool.servers for pool in SCENARIOS[name].pools}
    queued: dict[str, list[str]] = defaultdict(list)
    serving: dict[str, set[str]] = defaultdict(set)
    for record in records:
        pool = record.pool_id
        key = f"{record.envelope_id}:{record.recipient}"
        if record.kind == "disruption_effect" and record.data.get("effect") == "capacity":
            servers[str(pool)] = record.data["servers"]
        elif record.kind == "translation_queued":
            queued[str(pool)].append(key)
        elif record.kind == "translation_started":
            assert len(serving[str(pool)]) < servers[str(pool)]
            assert queued[str(pool)][0] == key
            queued[str(pool)].pop(0)
            serving[str(pool)].add(key)
        elif record.kind == "translation_finished" and not record.data["machine"]:
            serving[str(pool)].discard(key)


def test_every_barrier_decision_names_its_stage_and_delay() -> None:
    """Each barrier decision says its stage, outcome and added delay; refusals their reason."""
    _, records = play(SCENARIO)
    decisions = [r for r in records if r.kind == "barrier_decision"]
    assert decisions
    for decision in decisions:
        assert decision.data["stage"] in BARRIER_STAGES
        assert isinstance(decision.data["added_us"], int)
        if decision.data["outcome"] == "rejected":
            assert decision.data["reason"]


def _half_played() -> tuple[Bus, list[Record]]:
    """The mini exercise played to half its length, still open for inputs."""
    bus = played_bus(SCENARIO)
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run(
        until_us=SCENARIO.endex_us // 2
    )
    records.extend(bus.take_records())
    return bus, records


def test_resubmission_adds_only_a_duplicate_or_a_refusal() -> None:
    """The same id with the same bytes is ignored; with other bytes it is refused; neither
    creates a delivery."""
    bus, records = _half_played()
    first = next(r for r in records if r.kind == "envelope_submitted" and r.origin == "playbook")
    envelope = decode(msgspec.json.encode(first.data["envelope"]), Envelope)
    same = bus.submit(encode_json(envelope), agency=envelope.sender)
    assert same.outcome == "duplicate_ignored"
    changed = msgspec.structs.replace(envelope, requires_ack=not envelope.requires_ack)
    conflict = bus.submit(encode_json(changed), agency=envelope.sender)
    assert (conflict.outcome, conflict.reason) == ("refused", "duplicate_id_conflict")
    added = [r.kind for r in bus.take_records()]
    assert added == ["duplicate_ignored", "envelope_refused"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exercise_id": "00000000-0000-0000-0000-000000000000"}, "wrong_exercise"),
        ({"sender": "kz-pgo"}, "sender_not_authorised"),
    ],
)
def test_envelope_level_refusals_get_no_nack(change: dict, reason: str) -> None:
    """Wrong exercise or a sender other than the authenticated one: refused at the door,
    logged, answered synchronously, and never nacked."""
    bus, records = _half_played()
    first = next(r for r in records if r.kind == "envelope_submitted" and r.origin == "playbook")
    document = {**first.data["envelope"], **change, "id": "11111111-2222-4333-8444-555555555555"}
    result = bus.submit(msgspec.json.encode(document), agency=first.data["envelope"]["sender"])
    assert (result.outcome, result.reason) == ("refused", reason)
    added = bus.take_records()
    assert [r.kind for r in added] == ["envelope_refused"]
    assert added[-1].data["reason"] == reason


def test_nobody_submits_as_the_bus() -> None:
    """Only the bus composes bus messages: a submission as `bus`, even authenticated as
    `bus`, is refused at the door."""
    bus, records = _half_played()
    nack = next(r for r in records if r.kind == "envelope_submitted" and r.origin == "bus")
    document = {**nack.data["envelope"], "id": "21111111-2222-4333-8444-555555555555"}
    result = bus.submit(msgspec.json.encode(document), agency="bus")
    assert (result.outcome, result.reason) == ("refused", "sender_not_authorised")


def test_invalid_bytes_are_refused_with_the_protocol_error() -> None:
    """Bytes that do not decode are refused `invalid_message` with the path in the detail,
    and the record keeps the bytes verbatim."""
    bus, _ = _half_played()
    data = b'{"schema_version": "1", "id": 5}'
    result = bus.submit(data, agency="kz-police")
    assert (result.outcome, result.reason) == ("refused", "invalid_message")
    assert result.detail is not None
    assert result.detail.startswith("$.id")
    (record,) = bus.take_records()
    assert record.data["input"] == data.decode()
    assert record.origin == "team"
    assert record.cause_seq is None


@BOTH
@SEEDS
@given(st.integers(min_value=0, max_value=2**32))
def test_the_delay_parts_add_up_exactly(name: str, seed: int) -> None:
    """Every delivered message's delay parts add up to its total, with nothing left over:
    `other` is zero (never clamped; a negative rest would be a bug)."""
    _, records = play(SCENARIOS[name], seed)
    delivered = [r.data["delivery"] for r in records if r.kind == "delivered"]
    assert delivered
    for delivery in delivered:
        parts = delivery["delay_us"]
        assert parts["other"] == 0
        assert sum(parts.values()) == delivery["delivered_us"] - delivery["submitted_us"]
