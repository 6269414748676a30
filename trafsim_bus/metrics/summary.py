"""Summaries of values: `{count, mean, p50, p90, max}` (SPEC §12)."""

from __future__ import annotations

from collections.abc import Sequence


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """`{count, mean, p50, p90, max}`; percentiles by linear interpolation at (n-1)*p."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "mean": sum(ordered) / len(ordered),
        "p50": percentile(ordered, 0.5),
        "p90": percentile(ordered, 0.9),
        "max": ordered[-1],
    }


def percentile(ordered: Sequence[float], p: float) -> float:
    """The p-quantile of sorted values, by linear interpolation at (n-1)*p."""
    position = (len(ordered) - 1) * p
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
