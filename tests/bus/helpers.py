"""Running small exercises in-process for the bus tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec

from agencies import build_playbooks
from protocols import Envelope
from trafsim_bus import Bus, EventLogWriter, Scenario, VirtualDriver, load_scenario, read_records
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
MINI = SCENARIOS / "mini.toml"


def mini() -> Scenario:
    """The small test scenario."""
    return load_scenario(MINI)


def stress() -> Scenario:
    """The small scenario with every disruption type, overlapping capacity cuts and full
    translation queues."""
    text = MINI.read_text(encoding="utf-8") + (SCENARIOS / "stress-additions.toml").read_text(
        encoding="utf-8"
    )
    return parse_scenario(text, "stress.toml")


def offices() -> Scenario:
    """The stress scenario with office hours: Kazakh offices keep the default hours with a
    fixed 20 min duty officer, the Uzbek ones close at 17:00, the shelter is always open."""
    text = stress().text
    for old, new in (
        (
            'utc_offset = "+05:00"\n',
            'utc_offset = "+05:00"\n'
            'office_hours = { duty_officer = { family = "fixed", median = "20min" } }\n',
        ),
        ('languages = ["uzb", "rus"]\nutc_offset = "+05:00"\n', ""),
        ('kind = "ngo_shelter"\n', 'kind = "ngo_shelter"\nalways_open = true\n'),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.replace(
        'id = "UZ"\nname = "Uzbekistan"\n',
        'id = "UZ"\nname = "Uzbekistan"\nlanguages = ["uzb", "rus"]\nutc_offset = "+05:00"\n'
        'office_hours = { closes = "17:00" }\n',
        1,
    )
    return parse_scenario(text, "offices.toml")


def played_bus(scenario: Scenario, seed: int | None = None, **options: object) -> Bus:
    """A bus whose agencies are all played by their playbooks (not begun yet)."""
    bus = Bus(scenario, seed=seed, **options)  # type: ignore[arg-type]
    bus.players = dict(build_playbooks(scenario, bus.exercise_id, bus.seed))
    return bus


def play(scenario: Scenario, seed: int | None = None) -> tuple[Bus, list[Record]]:
    """Play to ENDEX with playbooks, in memory; return the bus and every record."""
    bus = played_bus(scenario, seed)
    records: list[Record] = []
    VirtualDriver(bus, observer=lambda live: records.extend(live.take_records())).run()
    records.extend(bus.take_records())
    return bus, records


def play_to_db(
    scenario: Scenario, db: Path, seed: int | None = None, until_us: int | None = None
) -> list[Record]:
    """Play with the log written to `db` (stopping unsealed after `until_us`)."""
    bus = played_bus(scenario, seed)
    writer = EventLogWriter(db)
    VirtualDriver(bus, writer).run(until_us=until_us)
    writer.close()
    return read_records(db)


def make_envelope(
    bus: Bus, key: str, sender: str, recipients: list[str], body: Any, **fields: Any
) -> Envelope:
    """A valid envelope of this exercise, not submitted, its id derived from `key` (so that
    its draws are the same every run), written in Russian."""
    return envelope_for(bus.exercise_id, key, sender, recipients, body, **fields)


def envelope_for(
    exercise: UUID, key: str, sender: str, recipients: list[str], body: Any, **fields: Any
) -> Envelope:
    """A valid envelope of the exercise `exercise`, its id derived from `key`, written in
    Russian; `fields` add to or replace the envelope's own."""
    return msgspec.convert(
        envelope_document(exercise, key, sender, recipients, body, **fields), Envelope
    )


def envelope_document(
    exercise: UUID, key: str, sender: str, recipients: list[str], body: Any, **fields: Any
) -> dict[str, Any]:
    """`envelope_for`'s document, not checked (so that `fields` may also make it bad)."""
    return {
        "schema_version": "1",
        "id": str(uuid5(exercise, key)),
        "exercise_id": str(exercise),
        "sender": sender,
        "recipients": recipients,
        "created_at": "2026-06-01T09:00:00+05:00",
        "language": "rus",
        "script": "Cyrl",
        "body": body,
        **fields,
    }
