"""What a disruption hits (SPEC §8): each target key on its own and together, partitions
by groups, capacity cuts per pool, and channels closed by default that a disruption opens;
times worked out by hand on the rules scenario (tests/bus/test_rules.py)."""

from __future__ import annotations

from typing import Any

from protocols import Envelope
from tests.bus.test_rules import MLA, REQUEST, exercise, send
from trafsim_bus import Bus
from trafsim_bus.log.records import Record
from trafsim_bus.timebase import DAY, HOUR, MINUTE

IN_UZBEK = {"language": "uzb", "script": "Latn"}
"""A question the UZ police read as it is: no translation, 3 h over `direct`."""

LOCAL = """
[[channel]]
id = "local"
from = ["kz-police"]
to = ["kz-pgo"]
types = ["info_request"]
latency = [{ family = "fixed", median = "1h" }]
"""


def ending(bus: Bus, sent: Envelope, recipient: str) -> tuple[int, str, str | None]:
    """(time, kind, reason) of the one record that ended a delivery, after ENDEX."""
    bus.advance_to(bus.clock.endex_us)
    (end,) = [
        r
        for r in bus.recorder.records
        if r.envelope_id == str(sent.id)
        and r.recipient == recipient
        and r.kind in ("delivered", "rejected", "dropped")
    ]
    return end.t_us, end.kind, end.data.get("reason")


def latency_of(bus: Bus, sent: Envelope) -> int:
    """The latency drawn for an envelope's (only) delivery."""
    (added,) = [
        r.data["added_us"]
        for r in bus.recorder.records
        if r.kind == "barrier_decision"
        and r.envelope_id == str(sent.id)
        and r.data["stage"] == "latency"
    ]
    assert isinstance(added, int)
    return added


def disruption(id_: str, kind: str, target: str, start: str, duration: str, **more: str) -> str:
    """A scenario `[[disruption]]` table (`more`: raw TOML values of other keys)."""
    lines = [
        "[[disruption]]",
        f'id = "{id_}"',
        f'type = "{kind}"',
        f"target = {target}",
        *(f"{key} = {value}" for key, value in more.items()),
        f'schedule = {{ start = "{start}", duration = "{duration}" }}',
    ]
    return "\n" + "\n".join(lines) + "\n"


def test_an_outage_hits_only_its_agencies() -> None:
    """SPEC §8 `target.agencies` selects recipients: an outage of the KZ prosecutor holds a
    question to it (due 1 h, held to the heal at 1 d) but not one to the UZ police (3 h);
    an outage of the UZ police limited to `direct-slow` leaves what `direct` carries."""
    extra = LOCAL + disruption(
        "pgo-down", "outage", '{ agencies = ["kz-pgo"] }', "D1 09:00", "1d"
    ) + disruption(
        "slow-down", "outage", '{ agencies = ["uz-police"], channels = ["direct-slow"] }',
        "D1 09:00", "1d",
    )  # fmt: skip
    bus = exercise(extra)
    to_pgo = send(bus, 1, "kz-police", ["kz-pgo"], REQUEST)
    to_uz = send(bus, 2, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert ending(bus, to_pgo, "kz-pgo") == (DAY, "delivered", None)
    assert ending(bus, to_uz, "uz-police") == (3 * HOUR, "delivered", None)


def test_a_cut_of_senders_hits_only_what_they_send() -> None:
    """SPEC §8 `target.senders`: a cut (reject) of what the KZ prosecutor sends refuses its
    MLA request at once (`link_down`) and lets the police's question through."""
    cut = disruption(
        "pgo-cut", "link_cut", '{ senders = ["kz-pgo"] }', "D1 09:00", "1d",
        attributes='{ mode = "reject" }',
    )  # fmt: skip
    bus = exercise(cut, days=6)
    mla = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    question = send(bus, 2, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert ending(bus, mla, "uz-pgo") == (0, "rejected", "link_down")
    assert ending(bus, question, "uz-police") == (3 * HOUR, "delivered", None)


def test_a_cut_of_other_senders_lets_everything_through() -> None:
    """SPEC §8 `target.senders`: a cut of what the shelter sends does not touch the
    prosecutor's MLA request (1 d certified translation, 2 d transit)."""
    cut = disruption(
        "ngo-cut", "link_cut", '{ senders = ["kz-ngo"] }', "D1 09:00", "1d",
        attributes='{ mode = "reject" }',
    )  # fmt: skip
    bus = exercise(cut, days=6)
    mla = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    assert ending(bus, mla, "uz-pgo") == (3 * DAY, "delivered", None)


MULTIPLIERS = disruption(
    "slower-slow", "latency_multiplier", '{ channels = ["direct-slow"] }', "D1 09:00", "1d",
    attributes="{ factor = 2.0 }",
) + disruption(
    "slower-mla", "latency_multiplier", '{ types = ["mla_request"] }', "D1 09:00", "1d",
    attributes="{ factor = 3.0 }",
)  # fmt: skip


def test_multipliers_hit_only_their_channels_and_types() -> None:
    """SPEC §8 `target.channels` and `target.types`: ×2 on `direct-slow` doubles its 9 h
    and leaves `direct`'s 3 h; ×3 on MLA requests triples the MLA's 2 d only."""
    bus = exercise(MULTIPLIERS, days=10)
    fast = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    slow = send(bus, 2, "kz-police", ["uz-police"], REQUEST, channel="direct-slow", **IN_UZBEK)
    mla = send(bus, 3, "kz-pgo", ["uz-pgo"], MLA)
    assert (latency_of(bus, fast), latency_of(bus, slow), latency_of(bus, mla)) == (
        3 * HOUR,
        18 * HOUR,
        6 * DAY,
    )


def test_targets_are_matched_again_at_due_time() -> None:
    """SPEC §8, at due time: an outage of the UZ prosecutor for MLA requests only (D2
    09:00 for 3 d) holds the MLA request due at 3 d until 4 d; a cut of `direct` that
    starts while a question travels (D1 10:00 for 8 h) holds it from its due time (3 h)
    to 9 h."""
    extra = disruption(
        "mla-down", "outage", '{ agencies = ["uz-pgo"], types = ["mla_request"] }',
        "D2 09:00", "3d",
    ) + disruption("direct-cut", "link_cut", '{ channels = ["direct"] }', "D1 10:00", "8h")  # fmt: skip
    bus = exercise(extra, days=6)
    mla = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    question = send(bus, 2, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert ending(bus, mla, "uz-pgo") == (4 * DAY, "delivered", None)
    assert ending(bus, question, "uz-police") == (9 * HOUR, "delivered", None)


PARTITION = """
[[country]]
id = "TJ"
name = "Tajikistan"
languages = ["rus"]
utc_offset = "+05:00"

[[agency]]
id = "tj-police"
name = "TJ police"
country = "TJ"
kind = "police"
languages = ["rus"]

[[channel]]
id = "regional"
from = ["kz-police"]
to = ["kz-pgo", "tj-police"]
types = ["info_request"]
latency = [{ family = "fixed", median = "1h" }]

[[disruption]]
id = "split"
type = "partition"
attributes = { mode = "reject", groups = [["KZ"], ["UZ"]] }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def test_a_partition_cuts_only_between_its_groups() -> None:
    """SPEC §8 partition (groups KZ | UZ, reject): KZ→UZ is refused `link_down` at once,
    naming it; KZ→KZ (one group) and KZ→TJ (TJ in no group) are delivered after 1 h."""
    bus = exercise(PARTITION)
    across = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    inside = send(bus, 2, "kz-police", ["kz-pgo"], REQUEST)
    outside = send(bus, 3, "kz-police", ["tj-police"], REQUEST)
    assert ending(bus, across, "uz-police") == (0, "rejected", "link_down")
    assert ending(bus, inside, "kz-pgo") == (HOUR, "delivered", None)
    assert ending(bus, outside, "tj-police") == (HOUR, "delivered", None)
    (refused,) = [r for r in bus.recorder.records if r.kind == "rejected"]
    assert refused.disruption_id == "split"


def capacity(records: list[Record]) -> list[tuple[int, str | None, str | None, dict[str, Any]]]:
    """(time, pool, disruption, data) of every capacity change."""
    return [
        (r.t_us, r.pool_id, r.disruption_id, r.data)
        for r in records
        if r.kind == "disruption_effect" and r.data["effect"] == "capacity"
    ]


def test_a_capacity_cut_changes_only_its_pool() -> None:
    """SPEC §7-8: the KZ pool cut to 0 (09:00-14:00) and the UZ pool to 1 (10:00-12:00):
    each effect and each heal names its own pool, the heal giving the pool its own
    translators back; an MLA request waits at the KZ pool until 5 h, then 1 d of
    certified translation and 2 d of transit."""
    extra = disruption(
        "kz-none", "translator_capacity", '{ pools = ["kz-uzb"] }', "D1 09:00", "5h",
        attributes="{ servers = 0 }",
    ) + disruption(
        "uz-one", "translator_capacity", '{ pools = ["uz-uzb"] }', "D1 10:00", "2h",
        attributes="{ servers = 1 }",
    )  # fmt: skip
    bus = exercise(extra, days=6)
    mla = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    assert ending(bus, mla, "uz-pgo") == (5 * HOUR + 3 * DAY, "delivered", None)
    assert capacity(bus.recorder.records) == [
        (0, "kz-uzb", "kz-none", {"effect": "capacity", "servers": 0}),
        (HOUR, "uz-uzb", "uz-one", {"effect": "capacity", "servers": 1}),
        (3 * HOUR, "uz-uzb", "uz-one", {"effect": "capacity", "servers": 2}),
        (5 * HOUR, "kz-uzb", "kz-none", {"effect": "capacity", "servers": 1}),
    ]


BACKUP = """
[[channel]]
id = "backup"
from = ["kz-police"]
to = ["uz-police"]
types = ["info_request"]
open = false
latency = [{ family = "fixed", median = "30min" }]

[[disruption]]
id = "open-backup"
type = "channel_open"
target = { channels = ["backup"] }
schedule = { start = "D1 10:00", duration = "2h" }
"""


def test_a_channel_closed_by_default_carries_only_while_opened() -> None:
    """SPEC §8 `channel_open` on a channel declared `open = false`: named before (0 h) and
    after (4 h) the opening it carries nothing (`no_channel`); named while open (1 h) it
    carries the question in 30 min; unnamed, the first declared channel still wins and
    the opened one is an alternative."""
    bus = exercise(BACKUP)
    before = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="backup", **IN_UZBEK)
    bus.advance_to(HOUR)
    during = send(bus, 2, "kz-police", ["uz-police"], REQUEST, channel="backup", **IN_UZBEK)
    unnamed = send(bus, 3, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    bus.advance_to(4 * HOUR)
    after = send(bus, 4, "kz-police", ["uz-police"], REQUEST, channel="backup", **IN_UZBEK)
    assert ending(bus, before, "uz-police") == (0, "rejected", "no_channel")
    assert ending(bus, during, "uz-police") == (HOUR + 30 * MINUTE, "delivered", None)
    assert ending(bus, after, "uz-police") == (4 * HOUR, "rejected", "no_channel")
    (resolved,) = [
        r
        for r in bus.recorder.records
        if r.kind == "channel_resolved" and r.envelope_id == str(unnamed.id)
    ]
    assert resolved.data == {
        "channel": "direct",
        "alternatives": ["direct-slow", "backup"],
        "named": None,
    }
    (opened,) = [
        r
        for r in bus.recorder.records
        if r.kind == "disruption_effect" and r.disruption_id == "open-backup"
    ]
    assert (opened.t_us, opened.data) == (HOUR, {"effect": "channel_open", "channels": ["backup"]})
