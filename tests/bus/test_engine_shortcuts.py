"""The engine's shortcuts (issue 12) make the very values they stand in for: ids derived
and spelled, ENDEX after a jump, a background stream's envelopes."""

from __future__ import annotations

from uuid import UUID, uuid5

from hypothesis import given
from hypothesis import strategies as st

from tests.bus.helpers import mini
from trafsim_bus import Bus
from trafsim_bus.core.agenda import BackgroundDue, Entry
from trafsim_bus.core.clock import CalendarJump, Clock
from trafsim_bus.core.composer import compose, exercise_datetime
from trafsim_bus.core.ids import derived_uuid, uuid_text

uuids = st.uuids().map(lambda value: UUID(int=value.int))


@given(namespace=uuids, name=st.text())
def test_a_derived_uuid_is_uuid5(namespace: UUID, name: str) -> None:
    """The same UUID as the standard library's, version and variant included."""
    derived = derived_uuid(namespace, name)
    assert derived == uuid5(namespace, name)
    assert (derived.version, derived.variant) == (5, uuid5(namespace, name).variant)


@given(values=st.lists(uuids, min_size=1, max_size=5))
def test_uuid_text_is_str(values: list[UUID]) -> None:
    """The same text as `str`, whether remembered, last or new."""
    for value in values + values[::-1] + values:
        assert uuid_text(value) == str(value)
        assert uuid_text(UUID(int=value.int)) == str(value)


def test_endex_follows_the_jumps() -> None:
    """ENDEX is remembered, and worked out again after a controller's jump."""
    clock = Clock(play_end_us=1000, jumps=[CalendarJump(100, 50, "scenario")])
    assert clock.endex_us == 1050
    assert clock.endex_us == 1050
    clock.now = 200
    clock.add_jump(25)
    assert clock.endex_us == 1075
    clock.play_end_us = 2000
    assert clock.endex_us == 2075


def test_a_background_envelope_is_what_compose_makes() -> None:
    """After a stream's first envelope, the others are made from it; each equals the
    envelope `compose` would have made, field for field."""
    scenario = mini()
    bus = Bus(scenario, seed=1)
    background = bus.background
    stream = scenario.background[0]
    made = []
    for i in range(3):
        bus.clock.now = 1_000_000 * (i + 1)
        before = len(bus.recorder.records)
        background.on_due(BackgroundDue(0, i), Entry(bus.clock.now, (0, i), BackgroundDue(0, i), 0))
        submitted = [r for r in bus.recorder.records[before:] if r.kind == "envelope_submitted"]
        made.append(bus.state.registry.envelopes[UUID(submitted[0].envelope_id)])
    for i, envelope in enumerate(made):
        assert envelope == compose(
            bus.exercise_id,
            uuid5(bus.exercise_id, f"background:{stream.id}:{i}"),
            sender=stream.sender,
            recipients=stream.recipients,
            channel=stream.channel,
            body=stream.body,
            fields=dict(stream.envelope),
            created_at=exercise_datetime(scenario, 1_000_000 * (i + 1)),
        )
