"""The virtual driver raises the garbage collector's thresholds for a run and puts them
back after it (issue 12), whatever the run ends with."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests.bus.helpers import mini
from trafsim_bus import Bus, VirtualDriver
from trafsim_bus.drivers.virtual import RUN_GC_THRESHOLD


@pytest.fixture
def thresholds() -> Iterator[None]:
    """The collector's thresholds as they were before the test."""
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("thresholds")
@pytest.mark.parametrize(
    ("given", "during"),
    [
        ((700, 10, 10), RUN_GC_THRESHOLD),
        ((1_000_000, 5, 1000), (1_000_000, RUN_GC_THRESHOLD[1], 1000)),
        ((0, 10, 10), (0, 10, 10)),
    ],
)
def test_the_thresholds_are_raised_for_the_run_and_restored(
    given: tuple[int, int, int], during: tuple[int, int, int]
) -> None:
    """At least `RUN_GC_THRESHOLD` while the run plays (higher ones kept, automatic
    collection left off when it was off), the caller's own afterwards."""
    gc.set_threshold(*given)
    seen: set[tuple[int, ...]] = set()
    VirtualDriver(Bus(mini(), seed=1), observer=lambda _: seen.add(gc.get_threshold())).run()
    assert seen == {during}
    assert gc.get_threshold() == given


@pytest.mark.usefixtures("thresholds")
def test_the_thresholds_are_restored_when_the_run_fails() -> None:
    """An observer that raises ends the run; the thresholds are the caller's again."""
    gc.set_threshold(700, 10, 10)

    def fail(_: Bus) -> None:
        raise RuntimeError("observer")

    with pytest.raises(RuntimeError, match="observer"):
        VirtualDriver(Bus(mini(), seed=1), observer=fail).run()
    assert gc.get_threshold() == (700, 10, 10)
