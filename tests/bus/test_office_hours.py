"""Office hours and duty officers (SPEC §2), one test per rule, every time worked out by
hand. STARTEX is Friday 5 June 2026 09:00 (+05:00); Monday 8 June is a Kazakh public
holiday; Kyrgyzstan is at +06:00; fixed latencies make every time exact."""

from __future__ import annotations

from typing import Any

from agencies.node.console.i18n import Labels
from protocols import Envelope
from tests.bus.helpers import offices, play
from tests.bus.test_draws import spec_lognormal, spec_uniform
from tests.bus.test_restore import same_state
from tests.bus.test_rules import ending, send, trail
from tests.console.test_words import words
from trafsim_bus import Bus
from trafsim_bus.core.restore import restore
from trafsim_bus.log.records import Record
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import DAY, HOUR, MINUTE

OFFICE = """
[exercise]
name = "office"
startex = "2026-06-05T09:00:00+05:00"
duration = "6d"
seed = 11

[[country]]
id = "KZ"
name = "Kazakhstan"
languages = ["rus"]
utc_offset = "+05:00"
office_hours = { holidays = [2026-06-08], duty_officer = { family = "fixed", median = "45min" } }

[[country]]
id = "KG"
name = "Kyrgyzstan"
languages = ["rus"]
utc_offset = "+06:00"
office_hours = { duty_officer = { median = "1h", p90 = "4h" } }

[[country]]
id = "UZ"
name = "Uzbekistan"
languages = ["rus"]
utc_offset = "+05:00"

[[agency]]
id = "kz-police"
name = "KZ police"
country = "KZ"
kind = "police"
languages = ["rus"]

[[agency]]
id = "kz-pgo"
name = "KZ prosecutor"
country = "KZ"
kind = "prosecutor"
languages = ["rus"]
office_hours = { closes = "17:00", days = ["mon", "tue", "wed", "thu", "fri", "sat"] }

[[agency]]
id = "kz-ngo"
name = "KZ hotline"
country = "KZ"
kind = "ngo_shelter"
languages = ["rus"]
always_open = true

[[agency]]
id = "kg-police"
name = "KG police"
country = "KG"
kind = "police"
languages = ["rus"]

[[agency]]
id = "uz-police"
name = "UZ police"
country = "UZ"
kind = "police"
languages = ["rus"]

[[channel]]
id = "police"
from = [{ kind = "police" }]
to = [{ kind = "police" }]
types = ["info_request", "info_response"]
latency = [
  { priority = ["emergency"], family = "fixed", median = "30min" },
  { family = "fixed", median = "1h" },
]

[[channel]]
id = "domestic"
from = ["kz-police"]
to = ["kz-pgo", "kz-ngo"]
types = ["info_request"]
latency = [{ family = "fixed", median = "1h" }]
"""
REQUEST = {"kind": "info_request", "questions": ["Is this number known to you?"]}
TUESDAY_0900 = 4 * DAY
"""Tuesday 9 June 09:00 (+05:00): Kazakh offices open after the weekend and the holiday."""
OUTAGE = """
[[disruption]]
id = "kz-police-down"
type = "outage"
description = "KZ police e-mail server down"
target = { agencies = ["kz-police"] }
attributes = { mode = "store_and_forward" }
schedule = { start = "D1 14:00", duration = "8h" }
"""


def exercise(extra: str = "", *, jumps: str = "", days: int = 6) -> Bus:
    """The office scenario (plus `extra`, `jumps`, lasting `days`), begun, nobody playing."""
    text = OFFICE.replace('duration = "6d"', f'duration = "{days}d"\n{jumps}')
    bus = Bus(parse_scenario(text + extra, "office.toml"))
    bus.begin()
    return bus


def send_at(bus: Bus, t_us: int, n: int, sender: str, to: str, **fields: Any) -> Envelope:
    """Advance to `t_us` and send a question from `sender` to `to` then."""
    bus.advance_to(t_us)
    return send(bus, n, sender, [to], REQUEST, **fields)


def office_decisions(bus: Bus, envelope: Envelope, recipient: str) -> list[dict[str, Any]]:
    """The data of the delivery's office_hours decisions."""
    return [
        record.data
        for record in bus.recorder.records
        if record.kind == "barrier_decision"
        and record.envelope_id == str(envelope.id)
        and record.recipient == recipient
        and record.data["stage"] == "office_hours"
    ]


def delivered(bus: Bus, envelope: Envelope, recipient: str) -> dict[str, Any]:
    """The delivery record of a delivery made."""
    record = ending(bus, envelope, recipient)
    assert record.kind == "delivered"
    data: dict[str, Any] = record.data["delivery"]
    assert data["delivered_us"] == record.t_us
    return data


def test_falling_due_at_1759_it_is_delivered_at_once() -> None:
    """Due Friday 17:59 (sent 16:59, 1 h transit): the office is open, it is delivered
    then, and the trail says the office was open."""
    bus = exercise()
    sent = send_at(bus, 7 * HOUR + 59 * MINUTE, 1, "uz-police", "kz-police")
    assert delivered(bus, sent, "kz-police")["delivered_us"] == 8 * HOUR + 59 * MINUTE
    assert [(d["outcome"], d["added_us"]) for d in office_decisions(bus, sent, "kz-police")] == [
        ("open", 0)
    ]


def test_falling_due_at_1800_it_waits_past_the_weekend_and_the_holiday() -> None:
    """Due Friday 18:00: closed; Saturday and Sunday are no working days and Monday 8 June
    is a holiday, so it is delivered Tuesday 09:00 (87 h later), with the wait as its own
    delay part and the stage between transit and delivery."""
    bus = exercise()
    sent = send_at(bus, 8 * HOUR, 1, "uz-police", "kz-police")
    steps = trail(bus, sent, "kz-police")
    assert steps[-4:] == [
        (8 * HOUR, "barrier_decision", "latency:drawn"),
        (9 * HOUR, "barrier_decision", "office_hours:closed"),
        (TUESDAY_0900, "barrier_decision", "delivery:delivered"),
        (TUESDAY_0900, "delivered", ""),
    ]
    (decision,) = office_decisions(bus, sent, "kz-police")
    assert (decision["added_us"], decision["due_us"]) == (87 * HOUR, TUESDAY_0900)
    record = delivered(bus, sent, "kz-police")
    assert record["due_us"] == 9 * HOUR
    assert record["delay_us"] == {
        "channel_latency": HOUR,
        "translation_wait": 0,
        "translation_service": 0,
        "outage_hold": 0,
        "office_hours_wait": 87 * HOUR,
        "other": 0,
    }


def test_urgent_waits_like_normal() -> None:
    """An urgent question due Friday 19:00 waits for Tuesday 09:00 too (only emergencies
    go to the duty officer)."""
    bus = exercise()
    sent = send_at(bus, 9 * HOUR, 1, "uz-police", "kz-police", priority={"level": "urgent"})
    assert delivered(bus, sent, "kz-police")["delivered_us"] == TUESDAY_0900


def test_an_always_open_agency_takes_it_at_night() -> None:
    """The hotline (`always_open`) takes a message due Friday 18:00 at once: no office
    hours stage at all."""
    bus = exercise()
    sent = send_at(bus, 8 * HOUR, 1, "kz-police", "kz-ngo")
    assert delivered(bus, sent, "kz-ngo")["delivered_us"] == 9 * HOUR
    assert office_decisions(bus, sent, "kz-ngo") == []


def test_an_agency_override_closes_earlier_and_works_saturdays() -> None:
    """The prosecutor closes at 17:00 and works Saturdays, and keeps its country's holiday:
    due Friday 17:30 it waits for Saturday 09:00 (15 h 30 min); due Saturday 17:30 it waits
    past Sunday and the Monday holiday for Tuesday 09:00."""
    bus = exercise()
    friday = send_at(bus, 7 * HOUR + 30 * MINUTE, 1, "kz-police", "kz-pgo")
    saturday = send_at(bus, DAY + 7 * HOUR + 30 * MINUTE, 2, "kz-police", "kz-pgo")
    first = delivered(bus, friday, "kz-pgo")
    assert (first["delivered_us"], first["delay_us"]["office_hours_wait"]) == (
        DAY,
        15 * HOUR + 30 * MINUTE,
    )
    second = delivered(bus, saturday, "kz-pgo")
    assert (second["delivered_us"], second["delay_us"]["office_hours_wait"]) == (
        TUESDAY_0900,
        63 * HOUR + 30 * MINUTE,
    )


def test_a_recipient_in_another_offset_keeps_its_own_calendar() -> None:
    """Kyrgyzstan is an hour ahead and has no holiday on Monday: due Friday 17:30 (+05:00)
    is 18:30 in Osh, closed, delivered Monday 09:00 in Osh = 08:00 (+05:00); due Monday
    08:30 (+05:00) is 09:30 in Osh, open, though every Kazakh office is shut."""
    bus = exercise()
    friday = send_at(bus, 7 * HOUR + 30 * MINUTE, 1, "uz-police", "kg-police")
    monday = send_at(bus, 3 * DAY - 2 * HOUR + 30 * MINUTE, 2, "uz-police", "kg-police")
    assert delivered(bus, friday, "kg-police")["delivered_us"] == 3 * DAY - HOUR
    assert delivered(bus, monday, "kg-police")["delivered_us"] == 3 * DAY - 30 * MINUTE
    assert [d["outcome"] for d in office_decisions(bus, monday, "kg-police")] == ["open"]


def test_an_emergency_goes_to_the_duty_officer_after_its_draw() -> None:
    """An emergency due Friday 19:30 (+05:00) in Osh (20:30 there) goes to the duty
    officer: due time plus the draw of SPEC §1 (purpose `duty_officer`, key
    `{envelope_id}:{recipient}`) from Kyrgyzstan's lognormal (median 1 h, p90 4 h); in
    Kazakhstan, a fixed 45 min."""
    bus = exercise()
    to_osh = send_at(bus, 10 * HOUR, 1, "uz-police", "kg-police", priority={"level": "emergency"})
    to_astana = send(bus, 2, "uz-police", ["kz-police"], REQUEST, priority={"level": "emergency"})
    u = spec_uniform(11, "duty_officer", f"{to_osh.id}:kg-police")
    draw = spec_lognormal(HOUR, 4 * HOUR, u)
    osh = delivered(bus, to_osh, "kg-police")
    assert osh["delivered_us"] == 10 * HOUR + 30 * MINUTE + draw
    assert osh["delay_us"]["office_hours_wait"] == draw
    (decision,) = office_decisions(bus, to_osh, "kg-police")
    assert (decision["outcome"], decision["added_us"]) == ("duty_officer", draw)
    astana = delivered(bus, to_astana, "kz-police")
    assert astana["delivered_us"] == 10 * HOUR + 30 * MINUTE + 45 * MINUTE


def test_released_from_a_hold_at_night_it_waits_for_the_office() -> None:
    """Due Friday 15:00 during an outage (14:00-22:00), held, released at 22:00 when the
    office is closed: it waits until Tuesday 09:00 (83 h); the parts add up."""
    bus = exercise(OUTAGE)
    sent = send_at(bus, 5 * HOUR, 1, "uz-police", "kz-police")
    steps = trail(bus, sent, "kz-police")
    assert [step for step in steps if step[1] != "disruption_effect"][-6:] == [
        (6 * HOUR, "barrier_decision", "disruption:held"),
        (6 * HOUR, "delivery_held", ""),
        (13 * HOUR, "barrier_decision", "disruption:released"),
        (13 * HOUR, "delivery_released", ""),
        (13 * HOUR, "barrier_decision", "office_hours:closed"),
        (TUESDAY_0900, "barrier_decision", "delivery:delivered"),
        (TUESDAY_0900, "delivered", ""),
    ][-6:]
    record = delivered(bus, sent, "kz-police")
    parts = record["delay_us"]
    assert (parts["channel_latency"], parts["outage_hold"], parts["office_hours_wait"]) == (
        HOUR,
        7 * HOUR,
        83 * HOUR,
    )
    assert parts["other"] == 0


def test_a_jump_moves_the_calendar() -> None:
    """A jump at D2 09:00 by 3 days turns Saturday into Tuesday 9 June: a message due at
    D2 11:00 of play is delivered at once (on a Saturday it would wait), and one that
    waits from Friday 18:00 is delivered when Tuesday 09:00 comes, at the jump."""
    bus = exercise(jumps='jumps = [{ at = "D2 09:00", by = "3d" }]')
    waiting = send_at(bus, 8 * HOUR, 1, "uz-police", "kz-police")
    after = send_at(bus, TUESDAY_0900 + HOUR, 2, "uz-police", "kz-police")
    assert delivered(bus, waiting, "kz-police")["delivered_us"] == TUESDAY_0900
    assert delivered(bus, after, "kz-police")["delivered_us"] == TUESDAY_0900 + 2 * HOUR
    assert [d["outcome"] for d in office_decisions(bus, after, "kz-police")] == ["open"]


def test_bus_nacks_are_exempt() -> None:
    """A refusal at Friday 20:00 is nacked to the closed sender at once."""
    bus = exercise()
    sent = send_at(bus, 11 * HOUR, 1, "kz-police", "kz-nowhere")
    assert ending(bus, sent, "kz-nowhere").kind == "rejected"
    nack = next(
        r
        for r in bus.recorder.records
        if r.kind == "delivered" and r.recipient == "kz-police" and r.data["sender"] == "bus"
    )
    assert nack.t_us == 11 * HOUR
    assert not [
        r
        for r in bus.recorder.records
        if r.kind == "barrier_decision" and r.data["stage"] == "office_hours"
    ]


def test_a_delivery_waiting_at_endex_counts_as_office_closed() -> None:
    """Two days of play end Sunday 09:00: the question due Friday 18:00 still waits, and
    the metrics say so; the one delivered Friday 17:59 shows no wait."""
    bus = exercise(days=2)
    send_at(bus, 7 * HOUR + 59 * MINUTE, 1, "uz-police", "kz-police")
    send_at(bus, 8 * HOUR, 2, "uz-police", "kz-police")
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    metrics = compute_metrics(records, (records[-1].seq, ""))
    assert metrics["pending_at_end"]["office_closed"] == 1
    assert metrics["messages"]["pending"] == 1
    assert metrics["delay_s"]["office_hours_wait"]["max"] == 0.0


def test_the_console_says_it_waits_for_the_office() -> None:
    """While it waits, its status in words names the opening, in English and Russian; an
    emergency due Friday 17:30 (+05:00) in Osh names the duty officer and when the draw
    says it is passed on."""
    bus = exercise()
    sent = send_at(bus, 8 * HOUR, 1, "uz-police", "kz-police")
    urgent = send(bus, 2, "uz-police", ["kg-police"], REQUEST, priority={"level": "emergency"})
    draw = spec_lognormal(
        HOUR, 4 * HOUR, spec_uniform(11, "duty_officer", f"{urgent.id}:kg-police")
    )
    bus.advance_to(8 * HOUR + 30 * MINUTE)
    minutes = (17 * 60 + 30) + draw // MINUTE
    passed_on = f"5 Jun {minutes // 60:02d}:{minutes % 60:02d} (D1)"
    assert words(bus, urgent, "kg-police") == (
        f"the office is closed: with the duty officer, to be passed on {passed_on}"
    )
    bus.advance_to(12 * HOUR)
    assert words(bus, sent, "kz-police") == "waiting for the office to open (at 9 Jun 09:00 (D5))"
    assert words(bus, sent, "kz-police", Labels("ru")) == (
        "ждёт начала рабочего дня (откроется 9 июн 09:00 (D5))"
    )


def test_a_core_restored_while_deliveries_wait_equals_the_live_one() -> None:
    """SPEC §14: restored from its records at moments when deliveries wait for an office
    (normal, emergency, released from a hold), the core equals the live one."""
    bus = exercise(OUTAGE)
    send_at(bus, 5 * HOUR, 1, "uz-police", "kz-police")
    send_at(bus, 8 * HOUR, 2, "uz-police", "kz-police")
    send(bus, 3, "uz-police", ["kg-police"], REQUEST, priority={"level": "emergency"})
    waited = 0
    for hours in (9, 10, 13, 14, 30, 71, 95, 96, 97):
        bus.advance_to(hours * HOUR)
        waited += sum(p.stage == "office_closed" for p in bus.state.pending.values())
        same_state(restore(list(bus.recorder.records)), bus.snapshot())
    assert waited >= 5


def test_same_seed_same_log_and_the_wait_shows_in_the_metrics() -> None:
    """The test scenario with office hours, played by its playbooks twice with one seed,
    writes the same records; deliveries waited for offices and one is still waiting."""
    first = play(offices(), 2)[1]
    second = play(offices(), 2)[1]
    assert first == second
    metrics = compute_metrics(first, (first[-1].seq, ""))
    assert metrics["delay_s"]["office_hours_wait"]["max"] > 0
    assert _waits(first) > 0


def _waits(records: list[Record]) -> int:
    return sum(
        r.kind == "barrier_decision"
        and r.data["stage"] == "office_hours"
        and r.data["outcome"] != "open"
        for r in records
    )


def test_due_before_opening_on_a_working_day_it_waits_for_that_morning() -> None:
    """Due Tuesday 07:00 (sent 06:00): closed, but Tuesday is a working day, so it is
    delivered that morning at 09:00, not a day later."""
    bus = exercise()
    sent = send_at(bus, TUESDAY_0900 - 3 * HOUR, 1, "uz-police", "kz-police")
    record = delivered(bus, sent, "kz-police")
    assert (record["delivered_us"], record["delay_us"]["office_hours_wait"]) == (
        TUESDAY_0900,
        2 * HOUR,
    )


def test_due_at_the_opening_minute_it_is_delivered_at_once() -> None:
    """Due Tuesday 09:00 exactly (sent 08:00): the office has just opened."""
    bus = exercise()
    sent = send_at(bus, TUESDAY_0900 - HOUR, 1, "uz-police", "kz-police")
    assert delivered(bus, sent, "kz-police")["delivered_us"] == TUESDAY_0900
    assert [d["outcome"] for d in office_decisions(bus, sent, "kz-police")] == ["open"]


def test_a_holiday_week_is_waited_out() -> None:
    """Kazakhstan closed from Monday 8 to Friday 12 June (five holidays) and the weekends
    around them: due Friday 5 June 18:00, it is delivered Monday 15 June 09:00, ten days
    less nine hours later."""
    holidays = ", ".join(f"2026-06-{day:02d}" for day in range(8, 13))
    extra_days = OFFICE.replace("holidays = [2026-06-08]", f"holidays = [{holidays}]")
    bus = Bus(parse_scenario(extra_days.replace('duration = "6d"', 'duration = "12d"'), "o.toml"))
    bus.begin()
    sent = send_at(bus, 8 * HOUR, 1, "uz-police", "kz-police")
    record = delivered(bus, sent, "kz-police")
    assert record["delivered_us"] == 10 * DAY
    assert record["delay_us"]["office_hours_wait"] == 10 * DAY - 9 * HOUR


def test_the_office_hours_decisions_are_logged_whole() -> None:
    """Each decision is caused by its delivery's creation; the closed one says how long it
    waits, when it falls due and when the office opens."""
    bus = exercise()
    opened = send_at(bus, 0, 1, "uz-police", "kz-police")
    closed = send_at(bus, 8 * HOUR, 2, "uz-police", "kz-police")
    bus.advance_to(bus.clock.endex_us)
    records = bus.recorder.records
    created = {r.envelope_id: r.seq for r in records if r.kind == "delivery_created"}
    decided = {
        r.envelope_id: r
        for r in records
        if r.kind == "barrier_decision" and r.data["stage"] == "office_hours"
    }
    for envelope in (opened, closed):
        assert decided[str(envelope.id)].cause_seq == created[str(envelope.id)]
    record = decided[str(closed.id)]
    assert (record.t_us, record.origin, record.recipient) == (9 * HOUR, "bus", "kz-police")
    assert record.data == {
        "stage": "office_hours",
        "outcome": "closed",
        "reason": None,
        "added_us": 87 * HOUR,
        "due_us": TUESDAY_0900,
        "opens_us": TUESDAY_0900,
    }
    assert decided[str(opened.id)].data["outcome"] == "open"
