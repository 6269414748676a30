"""Folding any prefix of a log gives the pending state the live core held at that point."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies import build_playbooks
from tests.bus.helpers import mini, stress
from trafsim_bus import Bus, VirtualDriver
from trafsim_bus.log.fold import Fold

SCENARIOS = {"mini": mini(), "stress": stress()}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32))
def test_fold_of_every_prefix_matches_the_live_core(name: str, seed: int) -> None:
    """After every step, folding the records so far reproduces the core's deliveries,
    queues, wakes, scheduled sends, disruptions and holds."""
    scenario = SCENARIOS[name]
    bus = Bus(scenario, seed=seed)
    folded = Fold()
    compared = 0

    def compare(live: Bus) -> None:
        nonlocal compared
        for record in live.take_records():
            folded.apply(record)
        assert folded.snapshot() == live.snapshot()
        compared += 1

    VirtualDriver(bus, build_playbooks(scenario, bus.exercise_id, bus.seed), observer=compare).run()
    for record in bus.take_records():
        folded.apply(record)
    assert folded.snapshot() == bus.snapshot()
    assert compared > 20
