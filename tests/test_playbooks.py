"""The machinery every SIMCELL playbook shares: receipts, derived ids, repairs from nacks,
retries that stop, and a state that is a fold of what the playbook was given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest

from agencies.playbooks.base import MAX_RETRIES, Draft, Playbook
from protocols import Delivery, Envelope
from protocols.police import InfoRequest
from protocols.receipts import Ack
from tests.bus.helpers import envelope_for, mini
from trafsim_bus.core import Send, Wake
from trafsim_bus.core.ids import exercise_id_for
from trafsim_bus.timebase import HOUR

SCENARIO = mini()
EXERCISE = exercise_id_for(SCENARIO.sha256, 7)


class Asker(Playbook):
    """A playbook that answers every alert with a question to the UZ police, and wakes
    itself an hour later."""

    def react(self, envelope: Envelope, delivery: Delivery, now_us: int) -> list[Draft | Wake]:
        return [
            Draft(["uz-police"], InfoRequest(questions=["Who is this?"]), reply_to=envelope),
            Wake("look-again", HOUR),
        ]


def asker() -> Asker:
    """kz-police played by the asking playbook."""
    return Asker(SCENARIO.agencies["kz-police"], SCENARIO, EXERCISE, 7)


def envelope(sender: str, body: dict[str, Any], n: int = 0, **fields: Any) -> Envelope:
    """An envelope of the exercise to kz-police."""
    return envelope_for(
        EXERCISE,
        f"given:{n}",
        sender,
        ["kz-police"],
        body,
        **{"created_at": datetime(2026, 6, 1, 10, tzinfo=UTC).isoformat(), **fields},
    )


def delivered(given: Envelope) -> Delivery:
    """The delivery record of an envelope to kz-police."""
    return Delivery(
        envelope_id=given.id,
        recipient="kz-police",
        channel="referral",
        status="delivered",
        evidentiary_status="not_applicable",
        language="rus",
        submitted_us=0,
        due_us=0,
        delivered_us=0,
    )


ALERT = {"kind": "alert", "alert_source": "patrol", "summary": "Men locked in at a site."}


def sends(actions: list[Any]) -> list[Send]:
    """The sends among a playbook's actions."""
    return [action for action in actions if isinstance(action, Send)]


def test_a_receipt_comes_at_once_when_asked_and_ids_are_derived() -> None:
    """`requires_ack`: an ack to the sender first, with no work time; each send's id is
    uuid5(exercise, "<agency>:<cause>:<n>") (SPEC §1), and a wake is asked for."""
    playbook = asker()
    given = envelope("excon", ALERT, requires_ack=True)
    actions = playbook.on_delivery(delivered(given), given, 0)
    ack, question = sends(actions)
    assert isinstance(ack.envelope.body, Ack)
    assert (ack.envelope.body.ack_of, ack.after_us) == (given.id, 0)
    assert ack.envelope.id == uuid5(EXERCISE, f"kz-police:{given.id}:0")
    assert question.envelope.id == uuid5(EXERCISE, f"kz-police:{given.id}:1")
    assert question.envelope.in_reply_to == given.id
    assert question.after_us > 0
    assert [a.token for a in actions if isinstance(a, Wake)] == ["look-again"]


def test_the_same_delivery_twice_is_answered_once() -> None:
    """A playbook answers a message once, however often it is handed over."""
    playbook = asker()
    given = envelope("excon", ALERT)
    assert sends(playbook.on_delivery(delivered(given), given, 0))
    assert playbook.on_delivery(delivered(given), given, 5) == []


def bus_nack(refused: Envelope, recipient: str, reason: str, **fields: Any) -> Envelope:
    """The bus's nack of one delivery of `refused`."""
    return msgspec.convert(
        {
            "schema_version": "1",
            "id": str(uuid5(EXERCISE, f"nack:{refused.id}:{recipient}")),
            "exercise_id": str(EXERCISE),
            "sender": "bus",
            "recipients": [refused.sender],
            "created_at": "2026-06-01T10:00:00+05:00",
            "in_reply_to": str(refused.id),
            "language": "rus",
            "script": "Cyrl",
            "body": {
                "kind": "nack",
                "ack_of": str(refused.id),
                "reason": reason,
                "detail": "x",
                **fields,
            },
        },
        Envelope,
    )


def question_sent(playbook: Asker, language: str | None = None) -> Envelope:
    """The question the playbook sends when an alert comes (in `language`, if given)."""
    if language is not None:
        playbook.react = lambda *_: [  # type: ignore[method-assign]
            Draft(["uz-police"], InfoRequest(questions=["?"]), language=language)
        ]
    given = envelope("excon", ALERT)
    (question,) = sends(playbook.on_delivery(delivered(given), given, 0))
    return question.envelope


@pytest.mark.parametrize(
    ("reason", "fields", "expect"),
    [
        ("wrong_jurisdiction", {"redirect_to": "kz-pgo"}, {"recipients": ["kz-pgo"]}),
        ("language_not_accepted", {}, {"language": "rus"}),
        ("recipient_offline", {}, {"after_us": 24 * HOUR}),
    ],
)
def test_a_refusal_is_mended_by_the_route_it_names(
    reason: str, fields: dict[str, Any], expect: dict[str, Any]
) -> None:
    """A bus nack is mended: sent through the agency it names, in Russian when the
    language was refused, again a day later when the recipient was offline."""
    playbook = asker()
    question = question_sent(playbook, "kaz" if reason == "language_not_accepted" else None)
    nack = bus_nack(question, "uz-police", reason, **fields)
    (again,) = sends(playbook.on_delivery(delivered(nack), nack, HOUR))
    assert again.envelope.body == question.body
    for key, value in expect.items():
        actual = again.after_us if key == "after_us" else getattr(again.envelope, key)
        assert actual == value


def test_a_named_channel_that_does_not_carry_it_is_dropped_from_the_retry() -> None:
    """`no_channel` for a message that named its channel: sent again without naming one."""
    playbook = asker()
    given = envelope("excon", ALERT)
    playbook.react = lambda *_: [  # type: ignore[method-assign]
        Draft(["uz-police"], InfoRequest(questions=["?"]), channel="referral")
    ]
    (question,) = sends(playbook.on_delivery(delivered(given), given, 0))
    nack = bus_nack(question.envelope, "uz-police", "no_channel")
    (again,) = sends(playbook.on_delivery(delivered(nack), nack, HOUR))
    assert (question.envelope.channel, again.envelope.channel) == ("referral", None)


@pytest.mark.parametrize(
    ("reason", "fields", "still_planted"),
    [
        ("recipient_offline", {}, True),
        ("link_down", {}, True),
        ("wrong_jurisdiction", {"redirect_to": "kz-pgo"}, False),
        ("no_channel", {}, False),
    ],
)
def test_a_teaching_error_resent_as_it_was_stays_planted(
    reason: str, fields: dict[str, Any], still_planted: bool
) -> None:
    """A planted error refused because nobody could take it (offline, link down) is sent
    again as it was, still planted; one mended by the nack's route is no longer."""
    playbook = asker()
    given = envelope("excon", ALERT)
    playbook.react = lambda *_: [  # type: ignore[method-assign]
        Draft(
            ["uz-police"],
            InfoRequest(questions=["?"]),
            channel="referral",
            planted="wrong_route_share",
        )
    ]
    (question,) = sends(playbook.on_delivery(delivered(given), given, 0))
    assert question.planted == "wrong_route_share"
    nack = bus_nack(question.envelope, "uz-police", reason, **fields)
    (again,) = sends(playbook.on_delivery(delivered(nack), nack, HOUR))
    assert again.planted == ("wrong_route_share" if still_planted else None)


def test_retries_stop() -> None:
    """After MAX_RETRIES mended attempts the playbook gives up on a message."""
    playbook = asker()
    current = question_sent(playbook)
    attempts = 0
    while True:
        nack = bus_nack(current, "uz-police", "recipient_offline")
        again = sends(playbook.on_delivery(delivered(nack), nack, HOUR))
        if not again:
            break
        attempts += 1
        current = again[0].envelope
    assert attempts == MAX_RETRIES


def test_a_wake_is_answered_with_ids_from_its_due_time() -> None:
    """A wake's sends take their ids from `wake:<token>:<due>` (SPEC §1)."""

    class Reminder(Asker):
        def wake(self, token: str, now_us: int) -> list[Draft]:
            return [Draft(["uz-police"], InfoRequest(questions=["Any news?"]))]

    playbook = Reminder(SCENARIO.agencies["kz-police"], SCENARIO, EXERCISE, 7)
    given = envelope("excon", ALERT)
    playbook.on_delivery(delivered(given), given, 0)
    (reminder,) = sends(playbook.on_wake("look-again", HOUR))
    assert reminder.envelope.id == uuid5(EXERCISE, f"kz-police:wake:look-again:{HOUR}:0")
    assert isinstance(reminder.envelope.id, UUID)
