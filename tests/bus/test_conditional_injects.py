"""Conditional injects (`after`, `unless`): when they fire, when they are skipped, what
they answer, and the loader's checks; each time worked out from the log independently."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bus.helpers import MINI, play
from trafsim_bus import ScenarioError
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.timebase import HOUR, MINUTE

NOTE = 'body = { kind = "excon_note", title = "Note", text = "A controller\'s note." }'
CONDITIONAL = f"""
[[inject]]
id = "c-after"
at = "D1 09:30"
from = "excon"
to = ["kz-police"]
{NOTE}
after = {{ event = "delivered", type = "alert", from = "excon", to = "kz-ngo", delay = "30min" }}

[[inject]]
id = "c-after-at"
at = "D1 20:00"
from = "excon"
to = ["kz-police"]
{NOTE}
after = {{ event = "submitted", type = "alert", from = "excon", delay = "10min" }}

[[inject]]
id = "c-never"
from = "excon"
to = ["kz-police"]
{NOTE}
after = {{ event = "delivered", type = "mla_execution_report", to = "kz-police" }}

[[inject]]
id = "c-called-off"
from = "excon"
to = ["kz-police"]
{NOTE}
unless = {{ event = "submitted", type = "alert", from = "excon", by = "D1 12:00" }}

[[inject]]
id = "c-unless-fires"
from = "excon"
to = ["kz-police"]
{NOTE}
unless = {{ event = "submitted", type = "mla_execution_report", by = "D1 12:00" }}

[[inject]]
id = "c-reply"
from = "excon"
to = ["kz-ngo"]
reply_to = {{ type = "alert", from = "excon" }}
{NOTE}
after = {{ event = "delivered", type = "alert", from = "excon", to = "kz-ngo", delay = "5min" }}
"""
SCENARIO = parse_scenario(MINI.read_text(encoding="utf-8") + CONDITIONAL, "conditional.toml")


@pytest.fixture(scope="module", params=[1, 2, 3])
def records(request: pytest.FixtureRequest) -> list[Record]:
    """Every record of the conditional scenario, three seeds."""
    _, found = play(SCENARIO, request.param)
    return found


def about(records: list[Record], inject: str, kind: str) -> list[Record]:
    """Records of one kind about one inject."""
    return [r for r in records if r.kind == kind and r.data.get("inject_id") == inject]


def first_alert(records: list[Record], event: str, to: str | None = None) -> Record:
    """The first alert from excon submitted, or delivered (to `to`)."""
    for record in records:
        if event == "submitted" and record.kind == "envelope_submitted":
            envelope = record.data["envelope"]
            if envelope["sender"] == "excon" and envelope["body"]["kind"] == "alert":
                return record
        if (
            event == "delivered"
            and record.kind == "delivered"
            and record.data["kind"] == "alert"
            and record.data["sender"] == "excon"
            and record.recipient == to
        ):
            return record
    raise AssertionError("no such alert")


def test_after_fires_at_the_later_of_its_time_and_the_event_plus_delay(
    records: list[Record],
) -> None:
    """`after`: armed at `at`, it fires at max(at, first matching event + delay), once."""
    delivered = first_alert(records, "delivered", "kz-ngo")
    (fired,) = about(records, "c-after", "inject_fired")
    assert fired.t_us == max(30 * MINUTE, delivered.t_us + 30 * MINUTE)
    assert fired.data["matched"] == delivered.envelope_id
    (armed,) = about(records, "c-after", "inject_armed")
    assert armed.t_us == 30 * MINUTE
    submitted = first_alert(records, "submitted")
    (late,) = about(records, "c-after-at", "inject_fired")
    assert late.t_us == max(11 * HOUR, submitted.t_us + 10 * MINUTE) == 11 * HOUR


def test_after_with_no_event_is_skipped_at_endex(records: list[Record]) -> None:
    """Armed at STARTEX with no event by ENDEX: skipped, with the reason, never fired."""
    (armed,) = about(records, "c-never", "inject_armed")
    assert armed.t_us == 0
    (skipped,) = about(records, "c-never", "inject_skipped")
    assert skipped.data["reason"] == "no_match_by_endex"
    assert skipped.t_us == SCENARIO.endex_us
    assert about(records, "c-never", "inject_fired") == []


def test_unless_is_called_off_by_an_event_that_came_first(records: list[Record]) -> None:
    """`unless`: the matching event came before `by`, so it is skipped then; the other
    one, whose event never came, fires at `by`."""
    submitted = first_alert(records, "submitted")
    (skipped,) = about(records, "c-called-off", "inject_skipped")
    assert (skipped.data["reason"], skipped.t_us) == ("unless_matched", submitted.t_us)
    assert skipped.envelope_id == submitted.envelope_id
    assert about(records, "c-called-off", "inject_fired") == []
    (fired,) = about(records, "c-unless-fires", "inject_fired")
    assert fired.t_us == 3 * HOUR


def test_reply_to_prefers_the_envelope_the_condition_matched(records: list[Record]) -> None:
    """An inject that answers a message answers the one whose arrival armed it, which its
    sender has received, not merely the newest logged."""
    delivered = first_alert(records, "delivered", "kz-ngo")
    (fired,) = about(records, "c-reply", "inject_fired")
    assert fired.data["in_reply_to"] == delivered.envelope_id
    envelope = next(
        r.data["envelope"]
        for r in records
        if r.kind == "envelope_submitted" and r.envelope_id == fired.envelope_id
    )
    assert envelope["in_reply_to"] == delivered.envelope_id


@pytest.mark.parametrize(
    ("table", "path", "message"),
    [
        (
            {"at": '"D1 10:00"', "unless": '{ event = "submitted", type = "alert", by = "D1 12:00" }'},
            "inject[3].at",
            "leave `at` out",
        ),
        (
            {
                "after": '{ event = "submitted", type = "alert" }',
                "unless": '{ event = "submitted", type = "alert", by = "D1 12:00" }',
            },
            "inject[3].unless",
            "not both",
        ),
        ({}, "inject[3].at", 'expected a scenario time like "D2 14:00" (or `after` / `unless`)'),
        ({"after": '{ event = "submitted", type = "telegram" }'}, "inject[3].after.type", "expected a message type"),
        ({"after": '{ event = "arrived", type = "alert" }'}, "inject[3].after.event", "expected one of delivered, submitted"),
        ({"after": '{ event = "submitted", type = "alert", from = "kz-nobody" }'}, "inject[3].after.from", "expected an agency id"),
        ({"after": '{ event = "submitted", type = "alert", delay = "soon" }'}, "inject[3].after.delay", "expected a duration"),
        ({"unless": '{ event = "submitted", type = "alert", by = "D9 12:00" }'}, "inject[3].unless.by", "after ENDEX"),
    ],
)  # fmt: skip
def test_the_loader_checks_conditions(table: dict[str, Any], path: str, message: str) -> None:
    """Bad `at`, `after` and `unless` combinations and values name their key path."""
    lines = ["[[inject]]", 'id = "bad"', 'from = "excon"', 'to = ["kz-police"]', NOTE]
    lines += [f"{key} = {value}" for key, value in table.items()]
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(MINI.read_text(encoding="utf-8") + "\n".join(lines) + "\n", "bad.toml")
    assert refused.value.path == path
    assert message in refused.value.message


def test_held_after_injects_release_as_the_controller_s_and_skip_at_endex() -> None:
    """Held past its time and released, an `after` inject is armed and fires at once, as
    the controller's (origin `controller`); one still held at ENDEX with no event is
    skipped."""
    from trafsim_bus.core import Bus, decode_action

    bus = Bus(SCENARIO, live=True)
    bus.begin()

    def act(**document: Any) -> None:
        bus.control(decode_action(document), actor="excon-1")

    act(action="start")
    act(action="hold", inject="c-after")
    act(action="hold", inject="c-never")
    bus.advance_to(10 * HOUR)
    act(action="release", inject="c-after")
    records = bus.take_records()
    fired = about(records, "c-after", "inject_fired")
    assert [(r.origin, r.t_us) for r in fired] == [("controller", 10 * HOUR)]
    assert [r.origin for r in about(records, "c-after", "inject_armed")] == ["controller"]
    bus.advance_to(bus.clock.endex_us)
    (skipped,) = about(bus.take_records(), "c-never", "inject_skipped")
    assert skipped.data["reason"] == "no_match_by_endex"
