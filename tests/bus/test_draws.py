"""Random draws pinned draw by draw (SPEC §1): each delivery's loss, latency, translation
service and disruption hit is what an independent implementation of SPEC §1's counter-based
uniform, fed (seed, purpose, `{envelope_id}:{recipient}`), and the lognormal inverse CDF of
SPEC §6 give."""

from __future__ import annotations

import math
from hashlib import blake2b
from statistics import NormalDist

from tests.bus.test_rules import OFFICES, REQUEST, send
from trafsim_bus import Bus
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR

Z90 = 1.2815515655446004


def spec_uniform(seed: int, purpose: str, key: str, i: int = 0) -> float:
    """SPEC §1: u = (int.from_bytes(blake2b(s, 8 bytes), "big") + 0.5) / 2**64 with
    s = f"{seed}:{purpose}:{key}:{i}"."""
    s = f"{seed}:{purpose}:{key}:{i}"
    return (int.from_bytes(blake2b(s.encode(), digest_size=8).digest(), "big") + 0.5) / 2**64


def spec_lognormal(median_us: int, p90_us: int, u: float) -> int:
    """SPEC §6: μ = ln median, σ = ln(p90 / median) / 1.2815515655446004, at quantile u,
    rounded to integer µs."""
    sigma = math.log(p90_us / median_us) / Z90
    return round(math.exp(math.log(median_us) + sigma * NormalDist().inv_cdf(u)))


DRAWN = """
[[channel]]
id = "random"
from = ["kz-police"]
to = ["uz-police"]
types = ["info_request"]
loss = 0.5
latency = [{ median = "3h", p90 = "12h" }]

[[disruption]]
id = "flaky"
type = "loss"
probability = 0.5
target = { channels = ["direct"] }
schedule = { start = "D1 09:00", duration = "1d" }

[[disruption]]
id = "blink"
type = "outage"
probability = 0.5
target = { agencies = ["uz-police"], channels = ["random"] }
attributes = { mode = "black_hole" }
schedule = { start = "D1 09:00", duration = "6d" }
"""


def drawn_exercise() -> Bus:
    """The rules scenario (seed 5, 6 days) with a lossy lognormal channel, a lognormal UZ
    pool (4 h, p90 8 h), a loss that hits half of `direct` and an outage that black-holes
    half of what `random` brings the UZ police."""
    text = OFFICES.replace('duration = "3d"', 'duration = "6d"').replace(
        'service = { family = "fixed", median = "4h" }', 'service = { median = "4h", p90 = "8h" }'
    )
    bus = Bus(parse_scenario(text + DRAWN, "rules.toml"))
    bus.begin()
    return bus


def of(records: list[Record], kind: str, envelope_id: str) -> list[Record]:
    """The records of one kind about one envelope."""
    return [r for r in records if r.kind == kind and r.envelope_id == envelope_id]


def test_every_draw_is_the_seeded_uniform_of_its_purpose_and_delivery() -> None:
    """Over a lognormal channel with loss 0.5: lost at submission iff u(loss) < 0.5; else
    its latency is the lognormal at u(latency), the UZ translator's service the pool's
    lognormal at u(translation_service), and at its due time (translated) the outage
    (probability 0.5) black-holes it iff u(disruption:blink) < 0.5. Over `direct`, the loss disruption
    (probability 0.5) drops it iff u(disruption:flaky) < 0.5. Every branch is taken."""
    bus = drawn_exercise()
    assert bus.seed == 5
    over_random = [
        send(bus, n, "kz-police", ["uz-police"], REQUEST, channel="random") for n in range(12)
    ]
    over_direct = [
        send(bus, 100 + n, "kz-police", ["uz-police"], REQUEST, channel="direct") for n in range(12)
    ]
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    branches = {"lost": 0, "blinked": 0, "translated": 0, "flaky": 0, "spared": 0}
    for sent in over_random:
        key, id_ = f"{sent.id}:uz-police", str(sent.id)
        dropped = [(r.t_us, r.data["stage"], r.disruption_id) for r in of(records, "dropped", id_)]
        if spec_uniform(5, "loss", key) < 0.5:
            branches["lost"] += 1
            assert dropped == [(0, "loss", None)]
            continue
        (latency,) = [
            r.data["added_us"]
            for r in of(records, "barrier_decision", id_)
            if r.data["stage"] == "latency"
        ]
        assert latency == spec_lognormal(3 * HOUR, 12 * HOUR, spec_uniform(5, "latency", key))
        (started,) = of(records, "translation_started", id_)
        service = spec_lognormal(4 * HOUR, 8 * HOUR, spec_uniform(5, "translation_service", key))
        assert started.data["service_us"] == service
        (finished,) = of(records, "translation_finished", id_)
        if spec_uniform(5, "disruption:blink", key) < 0.5:
            branches["blinked"] += 1
            assert dropped == [(finished.t_us, "disruption", "blink")]
        else:
            branches["translated"] += 1
            assert dropped == []
    for sent in over_direct:
        key, id_ = f"{sent.id}:uz-police", str(sent.id)
        dropped = [(r.t_us, r.data["stage"], r.disruption_id) for r in of(records, "dropped", id_)]
        if spec_uniform(5, "disruption:flaky", key) < 0.5:
            branches["flaky"] += 1
            assert dropped == [(0, "loss", "flaky")]
        else:
            branches["spared"] += 1
            assert dropped == []
    assert all(branches.values()), branches
