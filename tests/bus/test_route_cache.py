"""The pipeline's routing cache (issue 12): a run with it makes the very records a run
without it makes, while disruptions close and open channels during play, so that the
cached decisions would be stale if the cache kept them across a change of routes."""

from __future__ import annotations

from collections import Counter

from agencies import build_playbooks
from tests.bus.helpers import MINI
from trafsim_bus import Bus, VirtualDriver
from trafsim_bus.core.routing import Router
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Scenario

CHANGING_ROUTES = """
[[channel]]
id = "bulletin-a"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["case_update"]
latency = [{ median = "20min", p90 = "1h" }]

[[channel]]
id = "bulletin-b"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["case_update"]
open = false
latency = [{ family = "fixed", median = "10min" }]

[[disruption]]
id = "a-closed"
type = "channel_close"
target = { channels = ["bulletin-a"] }
schedule = { start = "D1 12:00", duration = "6h" }

[[disruption]]
id = "b-opened"
type = "channel_open"
target = { channels = ["bulletin-b"] }
schedule = { start = "D1 15:00", duration = "12h" }

[[disruption]]
id = "a-closed-again"
type = "channel_close"
target = { channels = ["bulletin-a"] }
schedule = { start = "D2 06:00", duration = "2h" }

[[background]]
id = "first-declared"
from = "kz-police"
to = ["kz-pgo"]
type = "case_update"
rate_per_hour = 6
body = { kind = "case_update", status = "Active", comment = "Routine update." }
envelope = { language = "rus", script = "Cyrl" }

[[background]]
id = "named-b"
from = "kz-police"
to = ["kz-pgo"]
type = "case_update"
channel = "bulletin-b"
rate_per_hour = 3
body = { kind = "case_update", status = "Active", comment = "Routine update." }
envelope = { language = "rus", script = "Cyrl" }
"""


def exercise() -> Scenario:
    """The small scenario with two channels between the same agencies, the first closed
    twice and the second (closed by default) opened for a while, and background traffic
    over them, with and without naming a channel."""
    return parse_scenario(MINI.read_text(encoding="utf-8") + CHANGING_ROUTES, "routes.toml")


def played(scenario: Scenario, *, cache: bool) -> list[Record]:
    """Every record of a run to ENDEX, seed 1, with the routing cache on or off."""
    bus = Bus(scenario, seed=1)
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, bus.seed))
    bus.pipeline.router = Router(scenario, cache=cache)
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run()
    records.extend(bus.take_records())
    return records


def routes(records: list[Record]) -> Counter[tuple[str, str]]:
    """How the bulletin traffic was routed or refused: (stream, channel or reason)."""
    streams = {
        r.envelope_id: r.data["background"]["stream"]
        for r in records
        if r.kind == "envelope_submitted" and "background" in r.data
    }
    found: Counter[tuple[str, str]] = Counter()
    for r in records:
        if r.envelope_id not in streams:
            continue
        if r.kind == "channel_resolved":
            found[(streams[r.envelope_id], r.data["channel"])] += 1
        elif r.kind == "rejected":
            found[(streams[r.envelope_id], r.data["reason"])] += 1
    return found


def test_the_cache_changes_no_record_while_disruptions_change_the_routes() -> None:
    """The oracle: cache on and off, the same records; and the run does change routes
    (each stream is routed over both channels and refused in between), so a decision
    kept across a disruption's start or end would show."""
    scenario = exercise()
    oracle = played(scenario, cache=False)
    found = routes(oracle)
    for seen in (
        ("first-declared", "bulletin-a"),
        ("first-declared", "bulletin-b"),
        ("first-declared", "channel_closed"),
        ("named-b", "bulletin-b"),
        ("named-b", "no_channel"),
    ):
        assert found[seen] > 0, (seen, found)
    assert played(scenario, cache=True) == oracle


def test_a_router_without_its_cache_decides_as_route_does() -> None:
    """The cache is on by default and remembers decisions; off, it keeps nothing."""
    scenario = exercise()
    on, off = Router(scenario), Router(scenario, cache=False)
    police, pgo = scenario.agencies["kz-police"], scenario.agencies["kz-pgo"]
    for router in (on, off):
        for named in (None, "bulletin-a", "bulletin-b"):
            for opened in (set(), {"bulletin-b"}):
                for closed in ({}, {"bulletin-a": "a-closed"}):
                    first = router.route(police, pgo, "case_update", named, closed, opened)
                    again = router.route(police, pgo, "case_update", named, closed, opened)
                    assert first == again
                    if router is on and not closed:
                        assert first is again  # remembered, not decided again
                    assert first == off.route(police, pgo, "case_update", named, closed, opened)
    assert on.cache
    assert not off.cache
