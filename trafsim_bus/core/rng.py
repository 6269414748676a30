"""Counter-based randomness: each draw is a pure function of (seed, purpose, key, i).

One message's fate never depends on unrelated traffic, and a what-if that changes one
thing changes only the draws it touches (SPEC §1)."""

from __future__ import annotations

import math
from hashlib import blake2b

_SCALE = 2.0**64


def uniform(seed: int, purpose: str, key: str, i: int = 0) -> float:
    """A uniform number in (0, 1) for `f"{seed}:{purpose}:{key}:{i}"`."""
    digest = blake2b(f"{seed}:{purpose}:{key}:{i}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / _SCALE


def exponential(u: float, rate: float) -> float:
    """Inverse CDF of the exponential distribution with `rate` (events per unit)."""
    return -math.log(1.0 - u) / rate
