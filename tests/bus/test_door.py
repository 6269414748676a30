"""The door (SPEC §4-5): envelope-level refusals, idempotency and id conflicts, the
synchronous answer to a submission, and the nack handed to the refused sender."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid5

import msgspec
import pytest

from protocols import Delivery, Envelope, encode_json
from tests.bus.helpers import make_envelope
from tests.bus.test_rules import REQUEST, exercise, send
from tests.bus.trails import nack_id
from trafsim_bus import Bus, EventLogWriter, Submission
from trafsim_bus.core.outputs import Delivered
from trafsim_bus.log.records import Record
from trafsim_bus.timebase import HOUR


def envelope(
    bus: Bus, n: int, sender: str, recipients: list[str], body: Any = REQUEST, **fields: Any
) -> Envelope:
    """An envelope of this exercise (a question, unless `body`) with a deterministic id,
    not submitted."""
    return make_envelope(bus, f"door:{n}", sender, recipients, body, **fields)


def the_record(bus: Bus, seq: int) -> Record:
    """The record with this seq."""
    (found,) = [r for r in bus.recorder.records if r.seq == seq]
    return found


def deliveries_of(bus: Bus, sent: Envelope) -> list[Record]:
    """The `delivery_created` records of an envelope."""
    return [
        r
        for r in bus.recorder.records
        if r.kind == "delivery_created" and r.envelope_id == str(sent.id)
    ]


@pytest.mark.parametrize(
    ("sender", "agency", "other_exercise", "reason", "detail"),
    [
        ("kz-police", "kz-police", True, "wrong_exercise", "this exercise is {id}"),
        ("kz-pgo", "kz-police", True, "wrong_exercise", "this exercise is {id}"),
        ("kz-pgo", "kz-police", False, "sender_not_authorised", "kz-police may not send as kz-pgo"),
        ("bus", "bus", False, "sender_not_authorised", "only the bus itself sends as bus"),
        ("nobody", "nobody", False, "sender_not_authorised", "nobody is not an agency of this exercise"),
    ],
)  # fmt: skip
def test_an_envelope_refused_at_the_door_is_not_submitted(
    sender: str, agency: str, other_exercise: bool, reason: str, detail: str
) -> None:
    """SPEC §5 envelope-level refusals, in their order (another exercise first): the
    submitter gets the reason and a sentence at once, with the id; the log gets one
    `envelope_refused` (the input verbatim, no cause) and no delivery, and no nack."""
    bus = exercise()
    bus.advance_to(HOUR)
    fields = {"exercise_id": str(uuid5(bus.exercise_id, "other"))} if other_exercise else {}
    refused = envelope(bus, 1, sender, ["uz-police"], **fields)
    before = len(bus.recorder.records)
    data = encode_json(refused)
    answer = bus.submit(data, agency=agency)
    sentence = detail.format(id=bus.exercise_id)
    assert answer == Submission("refused", before, reason, sentence, envelope_id=refused.id)
    assert bus.recorder.records[before:] == [
        Record(
            seq=before,
            t_us=HOUR,
            kind="envelope_refused",
            cause_seq=None,
            origin="team",
            envelope_id=str(refused.id),
            recipient=None,
            disruption_id=None,
            pool_id=None,
            data={
                "reason": reason,
                "detail": sentence,
                "sender": sender,
                "agency": agency,
                "input": data.decode(),
            },
        )
    ]
    bus.advance_to(bus.clock.endex_us)
    assert deliveries_of(bus, refused) == []


def test_a_refused_id_stays_free() -> None:
    """SPEC §5: an envelope refused at the door is not submitted, so its id may be used
    by a valid envelope afterwards."""
    bus = exercise()
    wrong = envelope(bus, 1, "kz-pgo", ["uz-police"])
    assert bus.submit(encode_json(wrong), agency="kz-police").outcome == "refused"
    right = msgspec.structs.replace(wrong, sender="kz-police")
    assert bus.submit(encode_json(right), agency="kz-police").outcome == "submitted"
    assert len(deliveries_of(bus, right)) == 1


def test_a_door_refusal_wins_over_a_duplicate() -> None:
    """SPEC §5: the id of a submitted envelope sent again under another agency's name is
    refused `sender_not_authorised`, not taken for a duplicate."""
    bus = exercise()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    answer = bus.submit(encode_json(sent), agency="kz-pgo")
    assert (answer.outcome, answer.reason) == ("refused", "sender_not_authorised")


def test_an_accepted_envelope_is_answered_with_its_record() -> None:
    """SPEC §4: the answer to an accepted submission names the `envelope_submitted`
    record (its seq) and the envelope; the record keeps the envelope and the input."""
    bus = exercise()
    bus.advance_to(HOUR)
    sent = envelope(bus, 1, "kz-police", ["uz-police"])
    data = encode_json(sent)
    before = len(bus.recorder.records)
    answer = bus.submit(data, agency="kz-police")
    assert answer == Submission("submitted", before, envelope_id=sent.id)
    entered = the_record(bus, before)
    assert (entered.t_us, entered.kind, entered.origin, entered.cause_seq) == (
        HOUR,
        "envelope_submitted",
        "team",
        None,
    )
    assert (entered.envelope_id, entered.recipient) == (str(sent.id), None)
    assert entered.data == {
        "envelope": msgspec.to_builtins(sent),
        "agency": "kz-police",
        "input": data.decode(),
    }


def test_the_same_envelope_again_is_a_duplicate_that_changes_nothing() -> None:
    """SPEC §4 idempotency: the same id with the same canonical bytes (here re-encoded
    with other spacing) is logged `duplicate_ignored` and answered with that record; no
    delivery is created again."""
    bus = exercise()
    sent = envelope(bus, 1, "kz-police", ["uz-police"])
    bus.submit(encode_json(sent), agency="kz-police")
    bus.advance_to(2 * HOUR)
    again = msgspec.json.format(encode_json(sent), indent=2)
    before = len(bus.recorder.records)
    answer = bus.submit(again, agency="kz-police")
    assert answer == Submission("duplicate_ignored", before, envelope_id=sent.id)
    assert answer.accepted
    assert bus.recorder.records[before:] == [
        Record(
            seq=before,
            t_us=2 * HOUR,
            kind="duplicate_ignored",
            cause_seq=None,
            origin="team",
            envelope_id=str(sent.id),
            recipient=None,
            disruption_id=None,
            pool_id=None,
            data={"sender": "kz-police", "agency": "kz-police", "input": again.decode()},
        )
    ]
    bus.advance_to(bus.clock.endex_us)
    assert len(deliveries_of(bus, sent)) == 1


def test_the_same_id_with_other_content_is_a_conflict() -> None:
    """SPEC §4: the same id with other bytes is refused `duplicate_id_conflict`; the
    first envelope's single delivery stands."""
    bus = exercise()
    sent = envelope(bus, 1, "kz-police", ["uz-police"])
    bus.submit(encode_json(sent), agency="kz-police")
    other = msgspec.structs.replace(sent, recipients=["uz-police", "kz-ngo"])
    before = len(bus.recorder.records)
    answer = bus.submit(encode_json(other), agency="kz-police")
    detail = "this id was submitted before with other content"
    assert answer == Submission(
        "refused", before, "duplicate_id_conflict", detail, envelope_id=sent.id
    )
    assert the_record(bus, before).data["reason"] == "duplicate_id_conflict"
    assert len(bus.recorder.records) == before + 1
    bus.advance_to(bus.clock.endex_us)
    assert [r.recipient for r in deliveries_of(bus, sent)] == ["uz-police"]


def test_a_team_cannot_take_the_id_of_a_bus_nack() -> None:
    """SPEC §4: the bus's nacks are submitted envelopes too: a team envelope that reuses
    a nack's id is a `duplicate_id_conflict`."""
    bus = exercise()
    alert = {"kind": "alert", "alert_source": "hotline", "summary": "x"}
    refused = send(bus, 1, "kz-ngo", ["uz-police"], alert)
    taken = msgspec.structs.replace(
        envelope(bus, 2, "kz-ngo", ["kz-police"]), id=nack_id(bus, refused, "uz-police")
    )
    answer = bus.submit(encode_json(taken), agency="kz-ngo")
    assert (answer.outcome, answer.reason) == ("refused", "duplicate_id_conflict")


def test_the_nack_is_handed_to_the_senders_participant() -> None:
    """SPEC §5: a refused delivery's nack goes to the original sender (an output for its
    participant, with the delivery record and the `delivered` record's seq), at once."""
    bus = exercise()
    bus.advance_to(2 * HOUR)
    bus.take_outputs()
    alert = {"kind": "alert", "alert_source": "hotline", "summary": "x"}
    refused = send(bus, 1, "kz-ngo", ["uz-police"], alert)
    nack = nack_id(bus, refused, "uz-police")
    (record,) = [
        r for r in bus.recorder.records if r.kind == "delivered" and r.envelope_id == str(nack)
    ]
    (output,) = bus.take_outputs()
    assert isinstance(output, Delivered)
    assert (output.recipient, output.seq, output.envelope.id) == ("kz-ngo", record.seq, nack)
    assert msgspec.to_builtins(output.delivery) == record.data["delivery"]
    assert (output.delivery.recipient, output.delivery.delivered_us) == ("kz-ngo", 2 * HOUR)
    assert output.envelope.body.kind() == "nack"


def test_a_delivery_is_handed_to_the_recipients_participant() -> None:
    """SPEC §10: a delivery made is an output for the recipient's participant, carrying
    the delivery record, the envelope as sent and the `delivered` record's seq."""
    bus = exercise()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, language="uzb", script="Latn")
    bus.advance_to(3 * HOUR)
    (record,) = [r for r in bus.recorder.records if r.kind == "delivered"]
    (output,) = bus.take_outputs()
    made = msgspec.convert(record.data["delivery"], Delivery)
    assert output == Delivered("uz-police", made, sent, record.seq)


def test_a_submission_made_because_of_a_record_names_it_whatever_its_outcome() -> None:
    """docs/log-schema.md `cause_seq`: what a playbook sends because of a delivery or a
    wake is submitted with that record as its cause, and the record the door writes
    (submitted, duplicate or refused) names it."""
    bus = exercise()
    sent = envelope(bus, 1, "kz-police", ["uz-police"])
    pipeline = bus.pipeline
    first = pipeline.submit(sent, origin="playbook", as_agency="kz-police", cause_seq=0)
    again = pipeline.submit(sent, origin="playbook", as_agency="kz-police", cause_seq=0)
    other = msgspec.structs.replace(sent, recipients=["kz-ngo"])
    refused = pipeline.submit(other, origin="playbook", as_agency="kz-police", cause_seq=0)
    written = [the_record(bus, answer.seq) for answer in (first, again, refused)]
    assert [(r.kind, r.origin, r.cause_seq) for r in written] == [
        ("envelope_submitted", "playbook", 0),
        ("duplicate_ignored", "playbook", 0),
        ("envelope_refused", "playbook", 0),
    ]


def test_an_injects_envelope_is_caused_by_its_firing() -> None:
    """SPEC §9: a fired inject is logged `inject_fired`, then its envelope is submitted
    (origin `inject`) with that record as its cause."""
    note = """
[[inject]]
id = "note"
at = "D1 10:00"
from = "excon"
to = ["kz-police"]
body = { kind = "excon_note", title = "Day 1", text = "x" }
"""
    bus = exercise(note)
    bus.advance_to(2 * HOUR)
    (fired,) = [r for r in bus.recorder.records if r.kind == "inject_fired"]
    (entered,) = [
        r
        for r in bus.recorder.records
        if r.kind == "envelope_submitted" and r.envelope_id == fired.envelope_id
    ]
    assert (entered.t_us, entered.origin, entered.cause_seq) == (HOUR, "inject", fired.seq)


def test_a_team_envelope_with_a_future_nacks_id_does_not_break_the_log(tmp_path: Path) -> None:
    """SPEC §1, §4: ids are unique for the whole exercise and the bus's nack is never
    refused. A team that first submits an envelope under the id the bus will give the
    nack of its next (refused) message must not end with two envelopes of one id in the
    log, nor with a log that cannot be written."""
    bus = exercise()
    alert = {"kind": "alert", "alert_source": "hotline", "summary": "x"}
    refused = envelope(bus, 1, "kz-ngo", ["uz-police"], alert)
    squatter = msgspec.structs.replace(
        envelope(bus, 2, "kz-police", ["uz-police"]), id=nack_id(bus, refused, "uz-police")
    )
    assert bus.submit(encode_json(squatter), agency="kz-police").outcome == "submitted"
    assert bus.submit(encode_json(refused), agency="kz-ngo").outcome == "submitted"
    bus.advance_to(HOUR)
    records = bus.take_records()
    entered = [r.envelope_id for r in records if r.kind == "envelope_submitted"]
    writer = EventLogWriter(tmp_path / "log.db")
    writer.append(records)
    writer.commit()
    writer.close()
    assert len(entered) == len(set(entered))
    nacks = [r for r in records if r.kind == "envelope_submitted" and r.origin == "bus"]
    assert [r.envelope_id for r in nacks] == [
        str(uuid5(bus.exercise_id, f"nack:{refused.id}:uz-police:1"))
    ]


def test_a_nack_passes_every_id_teams_took() -> None:
    """The nack's id avoids every id taken before it: with the first derived one taken
    too, it takes the second."""
    bus = exercise()
    alert = {"kind": "alert", "alert_source": "hotline", "summary": "x"}
    refused = envelope(bus, 1, "kz-ngo", ["uz-police"], alert)
    taken = [
        nack_id(bus, refused, "uz-police"),
        uuid5(bus.exercise_id, f"nack:{refused.id}:uz-police:1"),
    ]
    for n, squatted in enumerate(taken):
        squatter = msgspec.structs.replace(
            envelope(bus, 2 + n, "kz-police", ["uz-police"]), id=squatted
        )
        assert bus.submit(encode_json(squatter), agency="kz-police").outcome == "submitted"
    assert bus.submit(encode_json(refused), agency="kz-ngo").outcome == "submitted"
    bus.advance_to(HOUR)
    nacks = [
        r.envelope_id
        for r in bus.take_records()
        if r.kind == "envelope_submitted" and r.origin == "bus"
    ]
    assert nacks == [str(uuid5(bus.exercise_id, f"nack:{refused.id}:uz-police:2"))]
