"""What a change bought: the measures whatif compares, read from metrics documents, and
their paired differences with a 95% Student-t interval over seeds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist, fmean, stdev
from typing import Any, Final

Value = int | float | None

T_975: Final[tuple[float, ...]] = (
    12.706205,
    4.302653,
    3.182446,
    2.776445,
    2.570582,
    2.446912,
    2.364624,
    2.306004,
    2.262157,
    2.228139,
    2.200985,
    2.178813,
    2.160369,
    2.144787,
    2.131450,
    2.119905,
    2.109816,
    2.100922,
    2.093024,
    2.085963,
    2.079614,
    2.073873,
    2.068658,
    2.063899,
    2.059539,
    2.055529,
    2.051831,
    2.048407,
    2.045230,
    2.042272,
)
"""The 0.975 quantile of Student's t for 1 to 30 degrees of freedom."""


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom: from the table up
    to 30, beyond it the Cornish-Fisher expansion about the normal quantile (Abramowitz
    and Stegun 26.7.5), good to 1e-6 there."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + math.fsum(term / df ** (power + 1) for power, term in enumerate(terms))


def measures(metrics: Mapping[str, Any]) -> dict[str, Value]:
    """The measures whatif compares, flat, keyed by their path in the metrics document
    (`requests.<type>.answered_in_time_share` is answered_in_time / sent, null when
    nothing was sent)."""
    delay = metrics["delay_s"]["total"]
    found: dict[str, Value] = {
        "delay_s.total.mean": delay["mean"],
        "delay_s.total.p90": delay["p90"],
        "messages.delivered": metrics["messages"]["delivered"],
        "messages.rejected": metrics["messages"]["rejected"],
    }
    for pool, figures in sorted(metrics.get("translation_pools", {}).items()):
        found[f"translation_pools.{pool}.wait_s.mean"] = figures["wait_s"]["mean"]
    for kind, figures in sorted(metrics.get("requests", {}).items()):
        sent = figures["sent"]
        found[f"requests.{kind}.answered_in_time_share"] = (
            figures["answered_in_time"] / sent if sent else None
        )
    for case, figures in sorted(metrics.get("cases", {}).items()):
        for name, at_s in sorted(figures["milestones"].items()):
            found[f"cases.{case}.milestones.{name}"] = at_s
    return found


def paired_deltas(
    originals: Sequence[Mapping[str, Value]], changed: Sequence[Mapping[str, Value]]
) -> dict[str, dict[str, Any]]:
    """For each measure (either side's, in the order `measures` gives them), over seeds
    paired in order: `original` and
    `new` (the means of each side's values, null when it has none), `difference` (the
    mean of the paired differences new − original over the `pairs` where both have a
    value) and `interval`, its 95% t-interval (null with fewer than two pairs)."""
    if len(originals) != len(changed):
        raise ValueError("both sides need the same number of runs")
    keys = list(dict.fromkeys(key for side in (*originals, *changed) for key in side))
    deltas: dict[str, dict[str, Any]] = {}
    for key in keys:
        before = [run.get(key) for run in originals]
        after = [run.get(key) for run in changed]
        differences = [
            b - a for a, b in zip(before, after, strict=True) if a is not None and b is not None
        ]
        deltas[key] = {
            "original": _mean([v for v in before if v is not None]),
            "new": _mean([v for v in after if v is not None]),
            "difference": _mean(differences),
            "pairs": len(differences),
            "interval": t_interval(differences),
        }
    return deltas


def t_interval(values: Sequence[float]) -> list[float] | None:
    """The 95% Student-t interval of the mean of `values` (null with fewer than two)."""
    n = len(values)
    if n < 2:
        return None
    centre = fmean(values)
    half = t_quantile_975(n - 1) * stdev(values) / math.sqrt(n)
    return [centre - half, centre + half]


def _mean(values: Sequence[int | float]) -> Value:
    """The mean; one value as it is (an int stays an int); null for none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return fmean(values)
