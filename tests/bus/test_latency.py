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


def test_exponential_samples_have_the_configured_mean() -> None:
    """An exponential delay (memoryless): 20,000 keyed draws average the configured mean
    within four standard errors, and a third of them exceed it (e^-1)."""
    mean = 3 * HOUR
    distribution = Distribution("exponential", mean, None, mean)
    samples = [distribution.sample(uniform(5, "translation_service", f"e{i}:r")) for i in range(N)]
    assert abs(sum(samples) / N - mean) < 4 * mean / math.sqrt(N)
    above = sum(sample > mean for sample in samples) / N
    assert abs(above - math.exp(-1)) < 4 * math.sqrt(0.25 / N)


@pytest.mark.parametrize(
    ("table", "path", "message"),
    [
        ('{ family = "exponential", median = "2h" }', "median", "takes its mean only"),
        ('{ family = "exponential" }', "mean", "needs its mean"),
        ('{ family = "exponential", mean = "0s" }', "mean", "above zero"),
        ('{ family = "lognormal", mean = "2h" }', "mean", "takes a median, not a mean"),
        ('{ family = "fixed" }', "median", "needs its median"),
    ],
)
def test_the_loader_checks_each_family(table: str, path: str, message: str) -> None:
    """Each family takes its own keys; the error names the key path."""
    from tests.bus.helpers import MINI
    from trafsim_bus import ScenarioError
    from trafsim_bus.scenario import parse_scenario

    text = MINI.read_text(encoding="utf-8").replace(
        'response = { median = "1h", p90 = "6h" }', f"response = {table}"
    )
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(text, "mini.toml")
    assert refused.value.path == f"playbooks.police.response.{path}"
    assert message in refused.value.message
