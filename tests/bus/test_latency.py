"""Latency draws: lognormal samples have the configured median and p90; draws are keyed."""

from __future__ import annotations

import math

import pytest

from trafsim_bus.core.rng import uniform
from trafsim_bus.scenario.model import Distribution
from trafsim_bus.timebase import HOUR

N = 20_000


@pytest.mark.parametrize(
    ("median", "p90"), [(4 * HOUR, 48 * HOUR), (HOUR, 6 * HOUR), (7 * 24 * HOUR, 30 * 24 * HOUR)]
)
def test_lognormal_samples_match_median_and_p90(median: int, p90: int) -> None:
    """Of 20,000 keyed draws (fixed seed), the share at or below the configured median is
    0.5 and at or below the p90 is 0.9, each within four binomial standard errors."""
    distribution = Distribution("lognormal", median, p90)
    samples = [distribution.sample(uniform(11, "latency", f"e{i}:r")) for i in range(N)]
    for quantile, value in ((0.5, median), (0.9, p90)):
        share = sum(sample <= value for sample in samples) / N
        tolerance = 4 * math.sqrt(quantile * (1 - quantile) / N)
        assert abs(share - quantile) < tolerance


def test_fixed_delay_is_the_median() -> None:
    """A fixed delay ignores the draw."""
    assert Distribution("fixed", 300, None).sample(0.99) == 300


def test_draws_depend_on_seed_purpose_and_key_only() -> None:
    """The same (seed, purpose, key, i) always gives the same number; any change, another."""
    base = uniform(1, "latency", "a:b", 0)
    assert base == uniform(1, "latency", "a:b", 0)
    assert 0 < base < 1
    others = {
        uniform(2, "latency", "a:b", 0),
        uniform(1, "loss", "a:b", 0),
        uniform(1, "latency", "a:c", 0),
        uniform(1, "latency", "a:b", 1),
    }
    assert base not in others
    assert len(others) == 4
