"""Every refusal says whether the exercise meant it (`rejected.intended`): a disruption, a
teaching error a playbook drew under a scenario parameter, or an inject's own envelope;
null when nothing planned it. What it rests on survives a restore."""

from __future__ import annotations

from typing import Any

from protocols import Delivery, Envelope
from tests.bus.helpers import MINI, make_envelope
from tests.bus.test_restore import same_state
from trafsim_bus import Bus
from trafsim_bus.core import Send
from trafsim_bus.core.participants import Action
from trafsim_bus.core.restore import restore
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR

REFUSED_INJECT = """

[[inject]]
id = "m09"
at = "D1 12:00"
title = "A call the hotline cannot put through"
from = "excon"
as = "sister"
to = ["uz-pgo"]
channel = "hotline"
body = { kind = "alert", alert_source = "hotline", summary = "Wrong number." }
"""

QUESTION = {"kind": "info_request", "questions": ["Who holds this number?"]}


class Hasty:
    """kz-police as a trainee plays it: to the m02 alert it answers with a question over
    the hotline (refused, and not planned by the inject it answers), and sends one
    question wrong now and one later under `wrong_route_share`, and one wrong by no plan
    at all."""

    agency = "kz-police"

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def on_delivery(self, delivery: Delivery, envelope: Envelope, now_us: int) -> list[Action]:
        if envelope.body.kind() != "alert" or envelope.sender != "excon":
            return []

        def wrong(key: str, **fields: Any) -> Envelope:
            return make_envelope(self.bus, key, "kz-police", ["uz-pgo"], QUESTION, **fields)

        answer = wrong("answer", in_reply_to=str(envelope.id), channel="hotline")
        return [
            Send(answer),
            Send(wrong("planted-now", channel="hotline"), 0, "wrong_route_share"),
            Send(wrong("planted-later", channel="hotline"), 2 * HOUR, "custody_gap_share"),
            Send(wrong("unplanned", channel="hotline")),
        ]

    def on_wake(self, token: str, now_us: int) -> list[Action]:
        return []


def played() -> tuple[Bus, list[Record]]:
    scenario = parse_scenario(MINI.read_text(encoding="utf-8") + REFUSED_INJECT, "mini.toml")
    bus = Bus(scenario, seed=3)
    bus.players = {"kz-police": Hasty(bus)}
    bus.state.simcell = {"kz-police"}
    bus.begin()
    return bus, bus.recorder.records


def rejected_by_envelope(records: list[Record]) -> dict[str, dict[str, Any] | None]:
    return {
        str(record.envelope_id): record.data["intended"]
        for record in records
        if record.kind == "rejected"
    }


def test_each_refusal_names_what_planned_it() -> None:
    bus, records = played()
    bus.advance_to(bus.clock.endex_us)
    ids = {
        key: str(make_envelope(bus, key, "kz-police", ["uz-pgo"], QUESTION).id)
        for key in ("answer", "planted-now", "planted-later", "unplanned")
    }
    inject_envelope = next(
        str(r.envelope_id)
        for r in records
        if r.kind == "inject_fired" and r.data["inject_id"] == "m09"
    )
    m02 = next(
        r.data["inject_id"]
        for r in records
        if r.kind == "inject_fired" and r.data["inject_id"] == "m02"
    )
    assert m02 == "m02"
    found = rejected_by_envelope(records)
    assert found[inject_envelope] == {"by": "inject", "id": "m09"}
    # An answer to an inject is its sender's own doing: nothing planned its refusal.
    assert found[ids["answer"]] is None
    assert found[ids["planted-now"]] == {"by": "playbook", "parameter": "wrong_route_share"}
    assert found[ids["planted-later"]] == {"by": "playbook", "parameter": "custody_gap_share"}
    assert found[ids["unplanned"]] is None
    submitted = {
        str(r.envelope_id): r.data.get("planted") for r in records if r.kind == "envelope_submitted"
    }
    assert submitted[ids["planted-now"]] == "wrong_route_share"
    assert submitted[ids["unplanned"]] is None
    (scheduled,) = [r for r in records if r.kind == "send_scheduled"]
    assert scheduled.data["planted"] == "custody_gap_share"


def test_what_a_refusal_rests_on_survives_a_restore() -> None:
    """Restored before the later send is due, the core still knows it is planted, and
    knows which envelopes the MSEL sent."""
    bus, records = played()
    while not bus.state.sends:
        bus.advance_to(bus.clock.now + HOUR // 4)
    live = bus.snapshot()
    cut = len(records)
    assert live["msel"]["sent"]
    assert live["registry"]["planted"]
    restored = restore(list(records))
    same_state(restored, live)
    restored.players = {"kz-police": Hasty(restored)}
    restored.advance_to(restored.clock.endex_us)
    bus.advance_to(bus.clock.endex_us)
    after = rejected_by_envelope(restored.recorder.records)
    assert after == rejected_by_envelope(records[cut:])
    assert {"by": "playbook", "parameter": "custody_gap_share"} in after.values()
