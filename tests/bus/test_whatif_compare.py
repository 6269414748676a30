"""whatif's comparison of a re-simulation with its log: the first divergence (seq,
field, both values) and the team inputs it orphans, on records built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from trafsim_bus.log.records import Record
from trafsim_bus.whatif import Divergence, Orphan, first_divergence, orphaned_inputs

REPLY_TO = "00000000-0000-0000-0000-0000000000a1"


def record(seq: int, kind: str = "barrier_decision", t_us: int = 0, **fields: Any) -> Record:
    """A record with defaults for what a test does not care about."""
    return Record(
        seq=seq,
        t_us=t_us,
        kind=kind,
        cause_seq=fields.pop("cause_seq", 0 if seq else None),
        origin=fields.pop("origin", "scenario"),
        **fields,
    )


LOG = [
    record(0, "exercise_started", data={"scenario": {"sha256": "aa"}}),
    record(1, "barrier_decision", 10, data={"stage": "latency", "due_us": 50, "added_us": 40}),
    record(2, "delivered", 50, envelope_id="e1", recipient="kz-ngo", data={"delay_us": 40}),
    record(3, "wake_fired", 60, data={"agency": "kz-ngo", "tokens": ["a", "b"]}),
]


def test_equal_lists_have_no_divergence() -> None:
    """The same records: none."""
    assert first_divergence(LOG, list(LOG)) is None


def test_seq_0_is_not_compared() -> None:
    """The first record holds the scenario, which a what-if changes on purpose."""
    again = [record(0, "exercise_started", data={"scenario": {"sha256": "bb"}}), *LOG[1:]]
    assert first_divergence(LOG, again) is None
    assert first_divergence(LOG, again, from_seq=0) == Divergence(
        0, "data.scenario.sha256", "aa", "bb"
    )


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (
            record(2, "delivered", 50, envelope_id="e1", recipient="kz-ngo", data={"delay_us": 41}),
            Divergence(2, "data.delay_us", 40, 41),
        ),
        (
            record(2, "dropped", 50, envelope_id="e1", recipient="kz-ngo", data={"delay_us": 40}),
            Divergence(2, "kind", "delivered", "dropped"),
        ),
        (
            record(2, "delivered", 70, envelope_id="e1", recipient="kz-ngo", data={"delay_us": 9}),
            Divergence(2, "t_us", 50, 70),
        ),
        (
            record(2, "delivered", 50, envelope_id="e1", recipient="kz-pgo", data={"delay_us": 40}),
            Divergence(2, "recipient", "kz-ngo", "kz-pgo"),
        ),
        (
            record(2, "delivered", 50, envelope_id="e1", recipient="kz-ngo", data={}),
            Divergence(2, "data.delay_us", 40, None),
        ),
        (
            record(3, "wake_fired", 60, data={"agency": "kz-ngo", "tokens": ["a", "c"]}),
            Divergence(3, "data.tokens.1", "b", "c"),
        ),
        (
            record(3, "wake_fired", 60, data={"agency": "kz-ngo", "tokens": ["a"]}),
            Divergence(3, "data.tokens", ["a", "b"], ["a"]),
        ),
    ],
)
def test_the_first_differing_field_is_named(changed: Record, expected: Divergence) -> None:
    """One field changed in one record: that seq, the field's path, both values."""
    again = [changed if r.seq == changed.seq else r for r in LOG]
    assert first_divergence(LOG, again) == expected


def test_the_earliest_record_wins() -> None:
    """Two records differ: the earlier one is named."""
    again = list(LOG)
    again[1] = record(
        1, "barrier_decision", 10, data={"stage": "latency", "due_us": 51, "added_us": 41}
    )
    again[3] = record(3, "wake_fired", 61, data={"agency": "kz-ngo", "tokens": ["a", "b"]})
    assert first_divergence(LOG, again) == Divergence(1, "data.added_us", 40, 41)


def test_a_true_is_not_a_one() -> None:
    """A value that changes type (1 → true) differs, though Python calls them equal."""
    logged = [LOG[0], record(1, data={"flag": 1})]
    again = [LOG[0], record(1, data={"flag": True})]
    assert first_divergence(logged, again) == Divergence(1, "data.flag", 1, True)


def test_a_missing_or_extra_record_is_a_divergence_at_its_seq() -> None:
    """A shorter or longer re-simulation parts at the first seq one side lacks."""
    assert first_divergence(LOG, LOG[:3]) == Divergence(3, "kind", "wake_fired", None)
    extra = record(4, "exercise_ended", 70)
    assert first_divergence(LOG, [*LOG, extra]) == Divergence(4, "kind", None, "exercise_ended")


def delivered(t_us: int, envelope: str, agency: str) -> Record:
    """A delivery of `envelope` to `agency` at `t_us`."""
    return record(1, "delivered", t_us, envelope_id=envelope, recipient=agency)


def reply(seq: int, t_us: int, agency: str, in_reply_to: str | None) -> Record:
    """A team's submission answering `in_reply_to`."""
    return record(
        seq,
        "envelope_submitted",
        t_us,
        origin="team",
        cause_seq=None,
        envelope_id=f"reply-{seq}",
        data={"agency": agency, "envelope": {"in_reply_to": in_reply_to}},
    )


def read(seq: int, t_us: int, agency: str, envelope: str) -> Record:
    """A team's read of `envelope`."""
    return record(
        seq,
        "message_read",
        t_us,
        origin="team",
        cause_seq=None,
        envelope_id=envelope,
        recipient=agency,
        data={"agency": agency},
    )


def test_inputs_whose_message_came_later_or_never_are_orphaned() -> None:
    """Worked by hand: the log delivered e1 to kz-ngo at 100, and the team read it at 150
    and answered at 200. Re-simulated with e1 arriving at 180, the read is orphaned (180
    > 150) and the answer is not (180 ≤ 200); arriving at 300, both; never, both."""
    logged = [
        delivered(100, REPLY_TO, "kz-ngo"),
        read(5, 150, "kz-ngo", REPLY_TO),
        reply(6, 200, "kz-ngo", REPLY_TO),
    ]
    assert orphaned_inputs(logged, [delivered(180, REPLY_TO, "kz-ngo")]) == [
        Orphan(5, 150, "kz-ngo", "read", REPLY_TO, 180)
    ]
    assert orphaned_inputs(logged, [delivered(300, REPLY_TO, "kz-ngo")]) == [
        Orphan(5, 150, "kz-ngo", "read", REPLY_TO, 300),
        Orphan(6, 200, "kz-ngo", "reply", REPLY_TO, 300),
    ]
    assert [o.received_us for o in orphaned_inputs(logged, [])] == [None, None]
    assert orphaned_inputs(logged, [delivered(150, REPLY_TO, "kz-ngo")]) == []


def test_only_inputs_that_answered_what_their_agency_had_received_count() -> None:
    """A reply to a message the agency never received in the log (a follow-up to its own
    message), one delivered to another agency, a non-reply, and what playbooks send are
    not orphans: the change did not take their message away."""
    logged = [
        delivered(100, REPLY_TO, "kz-pgo"),
        reply(5, 200, "kz-ngo", REPLY_TO),
        reply(6, 200, "kz-pgo", None),
        record(7, "envelope_submitted", 210, origin="playbook", data={"agency": "kz-pgo",
               "envelope": {"in_reply_to": REPLY_TO}}),
    ]  # fmt: skip
    assert orphaned_inputs(logged, []) == []
