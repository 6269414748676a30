"""The engine against a SimPy model of the same shape: senders in one country write to a
recipient in another over a lognormal channel, and a pool of `c` translators with
exponential service translates each message before it is delivered.

Both see the same number of messages, Poisson arrivals of the same rate and the same
distributions, so their mean translation wait must agree within sampling error (and
with the M/M/c queue, as a Poisson stream delayed by independent draws stays Poisson)."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import simpy

from agencies import build_playbooks
from bench.workloads import play
from trafsim_bus import Bus, EventLogWriter, Scenario, VirtualDriver, read_records
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Z90

RATE_PER_HOUR = 6.0
LATENCY_MEDIAN_H = 1.0
LATENCY_P90_H = 4.0
SERVERS = 2
SERVICE_MEAN_MIN = 15.0
"""Load: 6 an hour against two translators of 15 minutes each, ρ = 0.75."""

SCENARIO = """
[exercise]
name = "queue"
startex = "2026-06-01T00:00:00+00:00"
duration = "{hours}h"
seed = 1

[[country]]
id = "AA"
name = "A"
languages = ["uzb"]
utc_offset = "+00:00"

[[country]]
id = "BB"
name = "B"
languages = ["rus"]
utc_offset = "+00:00"

[[agency]]
id = "sender"
name = "Sender"
country = "AA"
kind = "sender"
languages = ["uzb"]

[[agency]]
id = "recipient"
name = "Recipient"
country = "BB"
kind = "recipient"
languages = ["rus"]

[[channel]]
id = "link"
from = ["sender"]
to = ["recipient"]
types = ["case_update"]
latency = [{{ median = "{median}h", p90 = "{p90}h" }}]

[[translation_pool]]
id = "pool"
serves = ["BB"]
from = ["uzb"]
to = ["rus"]
servers = {servers}
service = {{ family = "exponential", mean = "{service}min" }}

[[background]]
id = "stream"
from = "sender"
to = ["recipient"]
type = "case_update"
rate_per_hour = {rate}
body = {{ kind = "case_update", status = "Active", comment = "Routine update." }}
"""


def scenario(messages: int) -> Scenario:
    """The queue exercise, long enough for about `messages` messages."""
    hours = max(1, round(messages / RATE_PER_HOUR))
    text = SCENARIO.format(
        hours=hours,
        median=LATENCY_MEDIAN_H,
        p90=LATENCY_P90_H,
        servers=SERVERS,
        service=SERVICE_MEAN_MIN,
        rate=RATE_PER_HOUR,
    )
    return parse_scenario(text, "queue.toml")


@dataclass(frozen=True, slots=True)
class Waits:
    """Each message's wait for a translator, in seconds, in order of arrival at the pool."""

    seconds: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.seconds) if self.seconds else 0.0

    def standard_error(self, batches: int = 20) -> float:
        """The batch-means standard error of the mean (waits in a queue are correlated)."""
        size = len(self.seconds) // batches
        if size < 2:
            return math.inf
        means = [statistics.fmean(self.seconds[i * size : (i + 1) * size]) for i in range(batches)]
        return statistics.stdev(means) / math.sqrt(batches)


def engine_run(exercise: Scenario, log: Path | None) -> list[Record] | Path:
    """Play the exercise with the engine: its records (the log off), or the log it wrote
    to `log`."""
    if log is None:
        return play(exercise, exercise.seed)
    bus = Bus(exercise, seed=exercise.seed)
    bus.players = dict(build_playbooks(exercise, bus.exercise_id, bus.seed))
    writer = EventLogWriter(log, readers=False)
    VirtualDriver(bus, writer).run()
    writer.close()
    return log


def engine_waits(played: list[Record] | Path) -> Waits:
    """Each delivery's translation wait, from the records of a run (or its log), in order
    of arrival at the pool."""
    records = read_records(played) if isinstance(played, Path) else played
    delivered = sorted(
        (
            r.data["delivery"]
            for r in records
            if r.kind == "delivered" and r.recipient == "recipient"
        ),
        key=lambda delivery: delivery["delivered_us"] - delivery["delay_us"]["translation_service"],
    )
    return Waits(tuple(d["delay_us"]["translation_wait"] / 1e6 for d in delivered))


def simpy_waits(messages: int, seed: int) -> Waits:
    """The SimPy model of the same shape: `messages` Poisson arrivals, a lognormal
    latency each, then a `simpy.Resource` of the pool's translators."""
    draw = random.Random(seed)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=SERVERS)
    sigma = math.log(LATENCY_P90_H / LATENCY_MEDIAN_H) / Z90
    waits: list[tuple[float, float]] = []

    def message(latency: float) -> Generator[simpy.Event, object, None]:
        yield env.timeout(latency)
        arrived = env.now
        with pool.request() as turn:
            yield turn
            waits.append((arrived, env.now - arrived))
            yield env.timeout(draw.expovariate(1 / (SERVICE_MEAN_MIN * 60)))

    def arrivals() -> Generator[simpy.Event, object, None]:
        for _ in range(messages):
            yield env.timeout(draw.expovariate(RATE_PER_HOUR / 3600))
            latency = LATENCY_MEDIAN_H * 3600 * math.exp(sigma * draw.gauss(0.0, 1.0))
            env.process(message(latency))

    env.process(arrivals())
    env.run()
    return Waits(tuple(wait for _, wait in sorted(waits)))


def erlang_c_wait() -> float:
    """The M/M/c mean wait of the pool, in seconds (the analytic value both approach)."""
    lam = RATE_PER_HOUR / 3600
    mu = 1 / (SERVICE_MEAN_MIN * 60)
    a = lam / mu
    c = SERVERS
    top = a**c / math.factorial(c) * c / (c - a)
    probability = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return probability / (c * mu - lam)


def agree(ours: Waits, model: Waits) -> bool:
    """Whether two mean waits agree within sampling error (four combined standard
    errors, batch means)."""
    spread = math.hypot(ours.standard_error(), model.standard_error())
    return abs(ours.mean - model.mean) <= 4 * spread
