"""Each sent message's status in words (SPEC §14), on the rules scenario with fixed delays
so that every time is exact: in a translation queue with its ETA (which, with fixed
service times, must be when it really arrives), with a translator, held by a cut, rejected
with the legal route, delivered."""

from __future__ import annotations

from typing import Any

import msgspec

from agencies.node.console.i18n import Labels
from agencies.node.console.words import status_words
from protocols import Envelope
from tests.bus.test_rules import MLA, REQUEST, ending, exercise, send
from trafsim_bus import Bus
from trafsim_bus.live.schemas import MessageView
from trafsim_bus.live.views import calendar_of, message_view
from trafsim_bus.log.trail import step_of
from trafsim_bus.timebase import DAY

ENGLISH = Labels("en")
CUT = """
[[disruption]]
id = "cut"
type = "link_cut"
description = "KZ-UZ link cut"
target = { countries = ["KZ", "UZ"] }
schedule = { start = "D1 09:00", duration = "1d" }
"""


def words(bus: Bus, envelope: Envelope, recipient: str, labels: Labels = ENGLISH) -> str:
    """The recipient's status in words (in English unless told), from the views the API
    serves."""
    trails: dict[str, dict[str, list[Any]]] = {}
    deliveries: dict[tuple[str, str], dict[str, Any]] = {}
    for record in bus.recorder.records:
        if record.envelope_id and record.recipient:
            trails.setdefault(record.envelope_id, {}).setdefault(record.recipient, []).append(
                step_of(record)
            )
            if record.kind == "delivered":
                deliveries[record.envelope_id, record.recipient] = record.data["delivery"]
    view = message_view(bus, envelope.id, trails, deliveries)
    checked = msgspec.to_builtins(msgspec.convert(view, MessageView))
    return status_words(checked["recipients"][recipient], labels)


def test_queued_and_in_service_then_delivered_when_the_eta_said() -> None:
    """Two MLA requests at once: the first is with the Kazakh translator (certified, a
    day), the second waits first in line; its ETA is when it then arrives."""
    bus = exercise(days=6)
    first = send(bus, 1, "kz-pgo", ["uz-pgo"], MLA)
    second = send(bus, 2, "kz-pgo", ["uz-pgo"], MLA)
    label = calendar_of(bus).label
    assert words(bus, first, "uz-pgo") == f"with a translator (kz-uzb), ready {label(DAY)}"
    queued = words(bus, second, "uz-pgo")
    arrived = ending(bus, second, "uz-pgo")
    assert arrived.kind == "delivered"
    assert queued == f"in translation: 1 of 1 in the kz-uzb queue, ETA {label(arrived.t_us)}"
    assert words(bus, second, "uz-pgo") == f"delivered {label(arrived.t_us)}"


def test_held_by_a_cut_names_it_and_since_when() -> None:
    """A request sent across a cut link is held from submission: the words name the cut
    by its description and the time it was held."""
    bus = exercise(CUT)
    held = send(bus, 1, "kz-police", ["uz-police"], REQUEST)
    assert words(bus, held, "uz-police") == "held: KZ-UZ link cut since 1 Jun 09:00 (D1)"


def test_rejected_names_the_reason_and_the_route() -> None:
    """Police sending an MLA request abroad: rejected, the reason in words and the legal
    route the bus advises."""
    bus = exercise()
    wrong = send(bus, 1, "kz-police", ["uz-pgo"], MLA)
    said = words(bus, wrong, "uz-pgo")
    assert said.startswith("rejected 1 Jun 09:00 (D1): ")
    assert "send it through kz-pgo" in said
