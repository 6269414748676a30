"""whatif's figures: the measures read from a metrics document, paired differences, and
the 95% Student-t interval (t quantiles against published values and a numerical
integration of the t density)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from trafsim_bus.whatif import measures, paired_deltas, t_interval, t_quantile_975


@pytest.mark.parametrize(
    ("df", "published"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262), (10, 2.228), (20, 2.086), (30, 2.042),
     (40, 2.021), (60, 2.000), (120, 1.980)],
)  # fmt: skip
def test_t_quantiles_match_the_printed_tables(df: int, published: float) -> None:
    """The 0.975 quantile as statistics tables print it (three decimals)."""
    assert round(t_quantile_975(df), 3) == published


def _t_density(x: float, df: int) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c) * (1 + x * x / df) ** (-(df + 1) / 2)


def _t_cdf(t: float, df: int, steps: int = 2000) -> float:
    """P(T ≤ t) for t ≥ 0, by Simpson's rule over the density from 0 to t."""
    h = t / steps
    inner = sum((4 if i % 2 else 2) * _t_density(i * h, df) for i in range(1, steps))
    return 0.5 + h / 3 * (_t_density(0, df) + inner + _t_density(t, df))


@pytest.mark.parametrize("df", [*range(1, 36), 45, 50, 75, 100, 250, 1000, 10_000])
def test_t_quantiles_leave_2_5_percent_above(df: int) -> None:
    """Integrating the t density up to the quantile gives 0.975, either side of the table's
    end (where the expansion takes over)."""
    assert _t_cdf(t_quantile_975(df), df) == pytest.approx(0.975, abs=2e-6)


def test_t_quantiles_need_a_degree_of_freedom() -> None:
    """df 0 has no t distribution."""
    with pytest.raises(ValueError, match="at least 1"):
        t_quantile_975(0)


def test_the_interval_is_worked_by_hand() -> None:
    """Differences 1, 2, 3, 4, 5: mean 3, s = √2.5, n = 5, t(4) = 2.776445:
    3 ± 2.776445 · √2.5 / √5 = 3 ± 1.963243."""
    low, high = t_interval([1, 2, 3, 4, 5]) or (0, 0)
    assert low == pytest.approx(3 - 1.963243, abs=1e-6)
    assert high == pytest.approx(3 + 1.963243, abs=1e-6)
    assert t_interval([2.5]) is None
    assert t_interval([-1, -1, -1]) == [-1, -1]


def test_deltas_pair_the_runs_in_order() -> None:
    """Per measure: each side's mean, the mean paired difference over the pairs where both
    have a value, its interval; a measure on one side only shows null on the other."""
    originals = [{"a": 10, "b": None}, {"a": 12, "b": 5.0}, {"a": 14, "b": 7.0}]
    changed = [{"a": 9, "b": 4.0}, {"a": 12, "b": 4.0}, {"a": 12, "b": None, "c": 1}]
    deltas = paired_deltas(originals, changed)
    assert deltas["a"]["original"] == 12
    assert deltas["a"]["new"] == 11
    assert deltas["a"]["difference"] == -1
    assert deltas["a"]["pairs"] == 3
    # differences -1, 0, -2: mean -1, s = 1, t(2) = 4.302653 → ±4.302653/√3
    assert deltas["a"]["interval"] == pytest.approx([-1 - 2.484138, -1 + 2.484138], abs=1e-6)
    assert deltas["b"] == {"original": 6.0, "new": 4.0, "difference": -1.0, "pairs": 1,
                           "interval": None}  # fmt: skip
    assert deltas["c"] == {"original": None, "new": 1, "difference": None, "pairs": 0,
                           "interval": None}  # fmt: skip


def test_one_run_gives_the_values_themselves() -> None:
    """With one seed the difference is new − original exactly, whole numbers kept."""
    deltas = paired_deltas([{"n": 420}], [{"n": 418}])
    assert deltas["n"] == {"original": 420, "new": 418, "difference": -2, "pairs": 1,
                           "interval": None}  # fmt: skip


def summary(mean: float | None, p90: float | None = None) -> dict[str, Any]:
    """A metrics summary with the fields the measures read."""
    return {"count": 0 if mean is None else 3, "mean": mean, "p50": None, "p90": p90, "max": None}


def test_measures_read_the_documented_keys() -> None:
    """delay_s.total mean and p90, delivered and rejected, each pool's mean wait, each
    request type's answered-in-time share, and each case milestone."""
    document = {
        "delay_s": {"total": summary(100.0, 250.0)},
        "messages": {"delivered": 40, "rejected": 3},
        "translation_pools": {"kz-uzb": {"wait_s": summary(30.0)}, "uz-rus": {"wait_s": summary(None)}},
        "requests": {
            "referral": {"sent": 4, "answered": 3, "answered_in_time": 1},
            "mla_request": {"sent": 0, "answered": 0, "answered_in_time": 0},
        },
        "cases": {"C-1": {"milestones": {"first_alert": 3600.0, "mla_sent": None}}},
    }  # fmt: skip
    assert measures(document) == {
        "delay_s.total.mean": 100.0,
        "delay_s.total.p90": 250.0,
        "messages.delivered": 40,
        "messages.rejected": 3,
        "translation_pools.kz-uzb.wait_s.mean": 30.0,
        "translation_pools.uz-rus.wait_s.mean": None,
        "requests.mla_request.answered_in_time_share": None,
        "requests.referral.answered_in_time_share": 0.25,
        "cases.C-1.milestones.first_alert": 3600.0,
        "cases.C-1.milestones.mla_sent": None,
    }
