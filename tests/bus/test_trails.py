"""Every way a delivery can go, pinned record by record: time, kind, cause, disruption,
pool and the whole data of each record of its trail (docs/log-schema.md), with times
worked out by hand on the rules scenario's fixed delays (tests/bus/test_rules.py)."""

from __future__ import annotations

from typing import Any

from tests.bus.test_rules import MLA, OFFICES, REQUEST, exercise, send
from tests.bus.trails import (
    CREATED,
    Line,
    created,
    decision,
    delays,
    delivered,
    delivery,
    trail_of,
)
from tests.documents import CONSENT
from trafsim_bus import Bus
from trafsim_bus.core.deliveries import DeliveryKey
from trafsim_bus.core.rng import uniform
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import DAY, HOUR, MINUTE

IN_UZBEK = {"language": "uzb", "script": "Latn"}
"""A question the UZ police read as it is: no translation."""


def resolved(t_us: int, channel: str, alternatives: list[str], named: str | None = None) -> Line:
    """The `channel_resolved` line."""
    data = {"channel": channel, "alternatives": alternatives, "named": named}
    return Line(t_us, "channel_resolved", CREATED, None, None, data)


def drawn(t_us: int, latency: int, *, due_us: int | None, **more: Any) -> Line:
    """The latency decision: what was drawn, no multiplier, when it falls due (None while
    it waits for a sender-side translation or a heal, which `after` says)."""
    return decision(
        t_us, "latency", "drawn", added_us=latency, due_us=due_us, base_us=latency, factors=[],
        **more,
    )  # fmt: skip


def queued(t_us: int, pool: str, position: int, *, certified: bool = False) -> Line:
    """A delivery joins a pool's queue with `position` jobs waiting ahead of it."""
    data = {"position": position, "certified": certified}
    return Line(t_us, "translation_queued", CREATED, None, pool, data)


def started(t_us: int, pool: str, wait_us: int, service_us: int) -> Line:
    """A translator takes the job."""
    data = {"wait_us": wait_us, "service_us": service_us, "finish_us": t_us + service_us}
    return Line(t_us, "translation_started", CREATED, None, pool, data)


def finished(t_us: int, pool: str, then: str, due_us: int, *, machine: bool = False) -> Line:
    """Translation done: `then` is `due` (recipient side) or `transit` (sender side)."""
    data = {"next": then, "due_us": due_us, "machine": machine}
    return Line(t_us, "translation_finished", CREATED, None, pool, data)


def effect(t_us: int, disruption: str, what: str, **more: Any) -> Line:
    """What a disruption did to the delivery."""
    return Line(t_us, "disruption_effect", None, disruption, None, {"effect": what, **more})


def translated(t_us: int, added_us: int, pool: str, *, certified: bool = False) -> Line:
    """The translation decision: into Uzbek, after `added_us` of waiting and service."""
    return decision(
        t_us, "translation", "translated", added_us=added_us, pool=pool, certified=certified,
        target="uzb",
    )  # fmt: skip


def held(t_us: int, disruption: str, kind: str, at: str) -> list[Line]:
    """A store-and-forward hold (`at` due time or submission): the effect, the decision
    and `delivery_held`, each naming the disruption."""
    where = {"type": kind, "at": at}
    return [
        effect(t_us, disruption, "store_and_forward", at=at),
        decision(t_us, "disruption", "held", disruption_id=disruption, type=kind, at=at),
        Line(t_us, "delivery_held", CREATED, disruption, None, where),
    ]


def released(t_us: int, disruption: str, held_us: int, then: str, due_us: int | None) -> list[Line]:
    """The heal's release, both records caused by the `disruption_healed` record."""
    healed = f"disruption_healed {disruption}"
    data = {"held_us": held_us, "next": then, "due_us": due_us}
    release = decision(
        t_us, "disruption", "released", cause=healed, added_us=held_us, disruption_id=disruption
    )
    return [release, Line(t_us, "delivery_released", healed, disruption, None, data)]


def dropped(t_us: int, stage: str, disruption: str | None) -> list[Line]:
    """A question from the KZ police dropped at `stage`: the decision and `dropped`."""
    data = {"stage": stage, "kind": "info_request", "sender": "kz-police"}
    return [
        decision(t_us, stage, "dropped", disruption_id=disruption),
        Line(t_us, "dropped", CREATED, disruption, None, data),
    ]


def test_a_plain_delivery_is_drawn_then_delivered_at_its_due_time() -> None:
    """SPEC §6: a question in the recipient's language over `direct` (3 h, `direct-slow`
    the alternative): native, drawn, delivered at 3 h with the whole delay as latency."""
    bus = exercise()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    record = delivery(
        sent, "uz-police", channel="direct", submitted_us=0, due_us=3 * HOUR,
        delivered_us=3 * HOUR, delay_us=delays(channel_latency=3 * HOUR),
    )  # fmt: skip
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "native"),
        drawn(0, 3 * HOUR, due_us=3 * HOUR),
        decision(3 * HOUR, "delivery", "delivered"),
        delivered(3 * HOUR, sent, record),
    ]


def test_a_named_channel_is_logged_as_named() -> None:
    """SPEC §6: the sender names `direct-slow` (9 h); `direct` is the alternative."""
    bus = exercise()
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="direct-slow", **IN_UZBEK)
    trail = trail_of(bus, sent, "uz-police")
    assert trail[1] == resolved(0, "direct-slow", ["direct"], named="direct-slow")
    assert trail[-1].t_us == 9 * HOUR


def test_recipient_side_translation_queues_behind_the_pools_translators() -> None:
    """SPEC §7: four questions in Russian arrive together at the UZ pool (2 translators,
    4 h) at 3 h: the first two start at once (nobody ahead), the third waits with nobody
    ahead, the fourth with one ahead; both start at 7 h when the first two finish and are
    delivered at 11 h, having waited 4 h."""
    bus = exercise()
    sent = [send(bus, n, "kz-police", ["uz-police"], REQUEST) for n in range(4)]
    first, fourth = sent[0], sent[3]
    on_the_way = [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "translate", pool="uz-uzb", side="recipient", target="uzb"),
        drawn(0, 3 * HOUR, due_us=3 * HOUR),
    ]
    served = delivery(
        first, "uz-police", channel="direct", submitted_us=0, due_us=7 * HOUR,
        delivered_us=7 * HOUR, language="uzb",
        delay_us=delays(channel_latency=3 * HOUR, translation_service=4 * HOUR),
    )  # fmt: skip
    assert trail_of(bus, first, "uz-police") == [
        *on_the_way,
        queued(3 * HOUR, "uz-uzb", 0),
        started(3 * HOUR, "uz-uzb", 0, 4 * HOUR),
        finished(7 * HOUR, "uz-uzb", "due", 7 * HOUR),
        translated(7 * HOUR, 4 * HOUR, "uz-uzb"),
        decision(7 * HOUR, "delivery", "delivered"),
        delivered(7 * HOUR, first, served),
    ]
    waited = delivery(
        fourth, "uz-police", channel="direct", submitted_us=0, due_us=11 * HOUR,
        delivered_us=11 * HOUR, language="uzb",
        delay_us=delays(
            channel_latency=3 * HOUR, translation_wait=4 * HOUR, translation_service=4 * HOUR
        ),
    )  # fmt: skip
    assert trail_of(bus, fourth, "uz-police") == [
        *on_the_way,
        queued(3 * HOUR, "uz-uzb", 1),
        started(7 * HOUR, "uz-uzb", 4 * HOUR, 4 * HOUR),
        finished(11 * HOUR, "uz-uzb", "due", 11 * HOUR),
        translated(11 * HOUR, 8 * HOUR, "uz-uzb"),
        decision(11 * HOUR, "delivery", "delivered"),
        delivered(11 * HOUR, fourth, waited),
    ]


def test_sender_side_certified_translation_then_transit() -> None:
    """SPEC §7: an MLA request is translated before transit by the KZ pool, certified
    (1 d), then travels its 2 d: the latency is drawn at submission but falls due only when
    the translation is done; delivered at 3 d, certified, in Uzbek."""
    bus = exercise(days=6)
    sent = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    record = delivery(
        sent, "uz-pgo", channel="mla", submitted_us=0, due_us=3 * DAY, delivered_us=3 * DAY,
        language="uzb", certified=True,
        delay_us=delays(channel_latency=2 * DAY, translation_service=DAY),
    )  # fmt: skip
    assert trail_of(bus, sent, "uz-pgo") == [
        created(0, "mla_request", "kz-pgo"),
        resolved(0, "mla", []),
        decision(0, "language", "translate", pool="kz-uzb", side="sender", target="uzb"),
        drawn(0, 2 * DAY, due_us=None, after="translation"),
        queued(0, "kz-uzb", 0, certified=True),
        started(0, "kz-uzb", 0, DAY),
        finished(DAY, "kz-uzb", "transit", 3 * DAY),
        translated(DAY, DAY, "kz-uzb", certified=True),
        decision(3 * DAY, "delivery", "delivered"),
        delivered(3 * DAY, sent, record),
    ]


def test_a_long_queue_is_machine_translated_at_once() -> None:
    """SPEC §7: the KZ pool (1 translator) falls back to machine translation with one job
    waiting: the third MLA request is translated at once, unverified and so not certified,
    and sets off at once (delivered at 2 d)."""
    text = OFFICES.replace(
        'certified = { family = "fixed", median = "1d" }',
        'certified = { family = "fixed", median = "1d" }\nmachine = "fallback"\nmachine_after = 1',
    ).replace('duration = "3d"', 'duration = "6d"')
    bus = Bus(parse_scenario(text, "rules.toml"))
    bus.begin()
    sent = [send(bus, n, "kz-pgo", ["uz-pgo"], MLA) for n in range(3)]
    third = sent[2]
    record = delivery(
        third, "uz-pgo", channel="mla", submitted_us=0, due_us=2 * DAY, delivered_us=2 * DAY,
        language="uzb", machine=True, delay_us=delays(channel_latency=2 * DAY),
    )  # fmt: skip
    assert trail_of(bus, third, "uz-pgo") == [
        created(0, "mla_request", "kz-pgo"),
        resolved(0, "mla", []),
        decision(0, "language", "translate", pool="kz-uzb", side="sender", target="uzb"),
        drawn(0, 2 * DAY, due_us=None, after="translation"),
        decision(0, "translation", "machine", pool="kz-uzb", waiting=1),
        finished(0, "kz-uzb", "transit", 2 * DAY, machine=True),
        decision(2 * DAY, "delivery", "delivered"),
        delivered(2 * DAY, third, record),
    ]
    second = trail_of(bus, sent[1], "uz-pgo")
    assert second[4] == queued(0, "kz-uzb", 0, certified=True)
    assert second[-1].t_us == 4 * DAY


OUTAGE = """
[[disruption]]
id = "down"
type = "outage"
target = { agencies = ["uz-police"] }
schedule = { start = "D1 11:00", duration = "3h" }
"""


def test_held_at_due_time_and_released_by_the_heal() -> None:
    """SPEC §8 store and forward: due at 3 h inside an outage (2 h-5 h): held then, with
    its effect, decision and `delivery_held`; the heal at 5 h releases it (caused by the
    heal's record) and it falls due again at once: 2 h on hold."""
    bus = exercise(OUTAGE)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    record = delivery(
        sent, "uz-police", channel="direct", submitted_us=0, due_us=3 * HOUR,
        delivered_us=5 * HOUR, delay_us=delays(channel_latency=3 * HOUR, outage_hold=2 * HOUR),
    )  # fmt: skip
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "native"),
        drawn(0, 3 * HOUR, due_us=3 * HOUR),
        *held(3 * HOUR, "down", "outage", "due"),
        *released(5 * HOUR, "down", 2 * HOUR, "due", None),
        decision(5 * HOUR, "delivery", "delivered"),
        delivered(5 * HOUR, sent, record),
    ]


STORED = """
[[disruption]]
id = "cut"
type = "link_cut"
target = { countries = ["KZ", "UZ"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def test_held_from_submission_then_transit_from_the_heal() -> None:
    """SPEC §8: a question sent across a cut link (store and forward, 0-1 d) is drawn
    (3 h, after the hold) and held from submission; the heal at 1 d starts its transit,
    due 3 h later."""
    bus = exercise(STORED)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    due = DAY + 3 * HOUR
    record = delivery(
        sent, "uz-police", channel="direct", submitted_us=0, due_us=due, delivered_us=due,
        delay_us=delays(channel_latency=3 * HOUR, outage_hold=DAY),
    )  # fmt: skip
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "native"),
        drawn(0, 3 * HOUR, due_us=None, after="hold"),
        *held(0, "cut", "link_cut", "submission"),
        *released(DAY, "cut", DAY, "transit", due),
        decision(due, "delivery", "delivered"),
        delivered(due, sent, record),
    ]


def test_held_from_submission_with_sender_side_translation_queues_at_the_heal() -> None:
    """SPEC §7-8: an MLA request sent across the cut is held from submission; the heal
    at 1 d sends it to the KZ translators (certified, 1 d), then it travels 2 d: delivered
    at 4 d; its new due time is not known at the release."""
    bus = exercise(STORED, days=6)
    sent = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    record = delivery(
        sent, "uz-pgo", channel="mla", submitted_us=0, due_us=4 * DAY, delivered_us=4 * DAY,
        language="uzb", certified=True,
        delay_us=delays(channel_latency=2 * DAY, translation_service=DAY, outage_hold=DAY),
    )  # fmt: skip
    assert trail_of(bus, sent, "uz-pgo") == [
        created(0, "mla_request", "kz-pgo"),
        resolved(0, "mla", []),
        decision(0, "language", "translate", pool="kz-uzb", side="sender", target="uzb"),
        drawn(0, 2 * DAY, due_us=None, after="hold"),
        *held(0, "cut", "link_cut", "submission"),
        *released(DAY, "cut", DAY, "translation", None),
        queued(DAY, "kz-uzb", 0, certified=True),
        started(DAY, "kz-uzb", 0, DAY),
        finished(2 * DAY, "kz-uzb", "transit", 4 * DAY),
        translated(2 * DAY, DAY, "kz-uzb", certified=True),
        decision(4 * DAY, "delivery", "delivered"),
        delivered(4 * DAY, sent, record),
    ]


def test_held_from_submission_with_recipient_side_translation() -> None:
    """SPEC §7-8: a question in Russian sent across the cut sets off at the heal (1 d),
    reaches the UZ translators 3 h later and is delivered after their 4 h."""
    bus = exercise(STORED)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    trail = trail_of(bus, sent, "uz-police")
    assert trail[9:12] == [
        queued(DAY + 3 * HOUR, "uz-uzb", 0),
        started(DAY + 3 * HOUR, "uz-uzb", 0, 4 * HOUR),
        finished(DAY + 7 * HOUR, "uz-uzb", "due", DAY + 7 * HOUR),
    ]
    assert trail[-1][:2] == (DAY + 7 * HOUR, "delivered")


LOSS = """
[[disruption]]
id = "lossy"
type = "loss"
target = { channels = ["direct"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def test_a_loss_disruption_drops_at_submission_naming_itself() -> None:
    """SPEC §8 loss: lost at submission, before any latency is drawn: the effect, the
    `loss` stage's decision and the `dropped` record name the disruption."""
    bus = exercise(LOSS)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "native"),
        effect(0, "lossy", "lost"),
        *dropped(0, "loss", "lossy"),
    ]


LOSSY_CHANNEL = """
[[channel]]
id = "lossy"
from = ["kz-police"]
to = ["uz-police"]
types = ["info_request"]
loss = {loss}
latency = [{{ family = "fixed", median = "1h" }}]
"""


def test_a_channel_that_loses_everything_drops_at_submission() -> None:
    """SPEC §6 channel loss (probability 1): dropped at the `loss` stage, no disruption
    named, once."""
    bus = exercise(LOSSY_CHANNEL.format(loss="1.0"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="lossy", **IN_UZBEK)
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "lossy", ["direct", "direct-slow"], named="lossy"),
        decision(0, "language", "native"),
        *dropped(0, "loss", None),
    ]


def test_a_channel_loss_that_spares_it_is_logged_as_passed() -> None:
    """SPEC §6 channel loss: a delivery whose `loss` draw is above the channel's loss
    (checked against the seeded uniform) passes, and the decision records the loss."""
    bus = exercise(LOSSY_CHANNEL.format(loss="0.25"))
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, channel="lossy", **IN_UZBEK)
    assert uniform(bus.seed, "loss", DeliveryKey(sent.id, "uz-police").draw_key) >= 0.25
    trail = trail_of(bus, sent, "uz-police")
    assert trail[3:5] == [
        decision(0, "loss", "pass", p=0.25),
        drawn(0, HOUR, due_us=HOUR),
    ]
    assert trail[-1][:2] == (HOUR, "delivered")


BLACK_HOLES = """
[[disruption]]
id = "void"
type = "outage"
target = { agencies = ["uz-police"] }
attributes = { mode = "black_hole" }
schedule = { start = "D1 10:00", duration = "1d" }

[[disruption]]
id = "abyss"
type = "link_cut"
target = { countries = ["KZ", "UZ"] }
attributes = { mode = "black_hole" }
schedule = { start = "D1 10:00", duration = "1d" }
"""


def test_a_black_hole_at_due_time_drops_at_the_disruption_stage() -> None:
    """SPEC §8 black hole: sent at 0 before the outage and the cut (from 1 h), due at 3 h
    inside both: the outage, started first, drops it then, naming itself."""
    bus = exercise(BLACK_HOLES)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert trail_of(bus, sent, "uz-police") == [
        created(0, "info_request", "kz-police"),
        resolved(0, "direct", ["direct-slow"]),
        decision(0, "language", "native"),
        drawn(0, 3 * HOUR, due_us=3 * HOUR),
        effect(3 * HOUR, "void", "black_hole", at="due"),
        *dropped(3 * HOUR, "disruption", "void"),
    ]


def test_a_black_hole_at_submission_drops_at_once() -> None:
    """SPEC §8: sent at 2 h across the black-holed link: dropped at once, naming the cut,
    before any latency is drawn."""
    bus = exercise(BLACK_HOLES)
    bus.advance_to(2 * HOUR)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    assert trail_of(bus, sent, "uz-police") == [
        created(2 * HOUR, "info_request", "kz-police"),
        resolved(2 * HOUR, "direct", ["direct-slow"]),
        decision(2 * HOUR, "language", "native"),
        effect(2 * HOUR, "abyss", "black_hole", at="submission"),
        *dropped(2 * HOUR, "disruption", "abyss"),
    ]


def test_consent_and_handling_passes_are_logged() -> None:
    """SPEC §5: a referral of a person under a consent naming shelters, passing on an
    earlier (unrestricted) message: consent passes for its one person, handling passes;
    delivered after the referral channel's 30 min."""
    bus = exercise()
    send(bus, 1, "kz-police", ["kz-ngo"], {**CONSENT, "consent_id": "con-1", "person_id": "p-1"})
    earlier = send(bus, 2, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    body = {
        "kind": "referral",
        "referring_organisation": "kz-police",
        "referred_organisation": ["kz-ngo"],
        "reason_for_outgoing_referral": "AdditionalServicesRequired",
        "services_requested": ["shelter"],
        "persons": [{"person_id": "p-1", "role": "victim", "consent_ref": "con-1"}],
    }
    sent = send(bus, 3, "kz-police", ["kz-ngo"], body, derived_from=[str(earlier.id)])
    record = delivery(
        sent, "kz-ngo", channel="referral", submitted_us=0, due_us=30 * MINUTE,
        delivered_us=30 * MINUTE, delay_us=delays(channel_latency=30 * MINUTE),
    )  # fmt: skip
    assert trail_of(bus, sent, "kz-ngo") == [
        created(0, "referral", "kz-police"),
        resolved(0, "referral", []),
        decision(0, "consent", "pass", persons=1),
        decision(0, "handling", "pass"),
        decision(0, "language", "native"),
        drawn(0, 30 * MINUTE, due_us=30 * MINUTE),
        decision(30 * MINUTE, "delivery", "delivered"),
        delivered(30 * MINUTE, sent, record),
    ]


SLOWER = """
[[disruption]]
id = "slow"
type = "latency_multiplier"
target = { channels = ["direct"] }
attributes = { factor = 1.5 }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def test_a_multiplier_is_logged_with_the_base_draw() -> None:
    """SPEC §8: the 3 h drawn is multiplied by 1.5 while the multiplier is in force: the
    decision gives the base, the factor by id and the 4.5 h added."""
    bus = exercise(SLOWER)
    sent = send(bus, 1, "kz-police", ["uz-police"], REQUEST, **IN_UZBEK)
    trail = trail_of(bus, sent, "uz-police")
    assert trail[3] == decision(
        0, "latency", "drawn", added_us=4 * HOUR + 30 * MINUTE, due_us=4 * HOUR + 30 * MINUTE,
        base_us=3 * HOUR, factors=[["slow", 1.5]],
    )  # fmt: skip
