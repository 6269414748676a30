"""Persons in the scenario: the loader's checks, the playbooks' use of the scenario's
persons, and interviews with an interpreter wherever no language is shared (SOP)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tests.bus.helpers import MINI, play
from trafsim_bus import ScenarioError, load_scenario
from trafsim_bus.log.records import Record
from trafsim_bus.metrics import compute_metrics
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Scenario

MINI_TEXT = MINI.read_text(encoding="utf-8").split("\n[[person]]", 1)[0]
"""The mini scenario without its own persons."""

GOOD = """

[[person]]
id = "p-uz-01"
case = "KZ-2026-1"
age = 31
sex = "male"
nationality = "UZ"
languages = ["uzb", "rus"]
statement = "My passport was taken."

[[person]]
id = "p-kg-01"
case = "KZ-2026-1"
age = 18
sex = "female"
nationality = "KG"
languages = ["kir"]
role = "witness"
minor = true
"""


def with_persons(text: str) -> Scenario:
    return parse_scenario(MINI_TEXT + text, "mini.toml")


def test_persons_load_with_defaults_and_minor_from_age() -> None:
    scenario = with_persons(GOOD)
    first, second = scenario.persons_of("KZ-2026-1")
    assert (first.id, first.languages, first.role, first.minor) == (
        "p-uz-01",
        ("uzb", "rus"),
        "victim",
        False,
    )
    assert first.statement == "My passport was taken."
    # `minor` given overrides the age (an 18-year-old believed to be younger).
    assert (second.role, second.minor, second.statement) == ("witness", True, "")
    assert scenario.persons_of("KZ-2026-2") == ()
    assert with_persons(GOOD.replace("minor = true\n", "")).persons[1].minor is False
    assert with_persons(GOOD.replace("age = 31", "age = 17")).persons[0].minor is True


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '["uzb", "rus"]',
            '["uzb", "uzbek"]',
            "mini.toml: person[0].languages[1]: expected an ISO 639-3 language code",
        ),
        ('["kir"]', "[]", "mini.toml: person[1].languages: expected at least one language"),
        (
            'id = "p-kg-01"',
            'id = "p-uz-01"',
            "mini.toml: person[1].id: 'p-uz-01' is declared twice",
        ),
        (
            "age = 31",
            "age = 131",
            "mini.toml: person[0].age: expected an age from 0 to 120, got 131",
        ),
        ("age = 18", "age = -1", "mini.toml: person[1].age: expected an age from 0 to 120, got -1"),
        (
            'case = "KZ-2026-1"\nage = 18',
            'case = "KZ-2026-9"\nage = 18',
            "mini.toml: person[1].case: expected a case a [[case]], an inject or background names "
            "(KZ-2026-1), got 'KZ-2026-9'",
        ),
        (
            'nationality = "UZ"',
            'nationality = "Uzbek"',
            "mini.toml: person[0].nationality: expected an ISO 3166 alpha-2 code",
        ),
        ('id = "p-uz-01"', 'id = "P UZ"', "mini.toml: person[0].id: expected a lower-case id"),
        ('sex = "male"', 'sex = "m"', "mini.toml: person[0].sex"),
        ('statement = "My', 'said = "My', "mini.toml: person[0]"),
    ],
)
def test_a_bad_person_is_named_by_its_key_path(old: str, new: str, message: str) -> None:
    assert old in GOOD, old
    with pytest.raises(ScenarioError) as caught:
        with_persons(GOOD.replace(old, new, 1))
    assert str(caught.value).startswith(message), str(caught.value)


def test_no_interpreter_share_is_a_share() -> None:
    text = MINI_TEXT.replace("wrong_route_share = 0.3", "no_interpreter_share = 1.5", 1)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "mini.toml")
    assert str(caught.value) == (
        "mini.toml: playbooks.police.no_interpreter_share: expected a share between 0 and 1, "
        "got 1.5"
    )


# -- silk-thread -------------------------------------------------------------------------


def test_silk_thread_lists_the_people_of_its_three_cases() -> None:
    scenario = load_scenario("silk-thread")
    a = scenario.persons_of("KZ-AT-2026-0141")
    b = scenario.persons_of("KZ-SH-2026-0077")
    c = scenario.persons_of("KZ-AT-2026-0152")
    assert [p.nationality for p in a].count("UZ") == 9
    assert [p.nationality for p in a].count("KG") == 5
    assert {p.sex for p in a} == {"male"}
    assert [(p.id, p.age, p.minor, p.languages) for p in b] == [
        ("b-kg-01", 17, True, ("kir", "rus")),
        ("b-uz-01", 24, False, ("uzb", "rus")),
        ("b-tm-01", 22, False, ("tuk",)),
    ]
    assert sorted((p.nationality, p.languages[0]) for p in c) == [
        ("AF", "prs"),
        ("AF", "prs"),
        ("TJ", "tgk"),
    ]
    assert len(scenario.persons) == 20


def bodies(records: list[Record], kind: str) -> list[tuple[Record, dict[str, Any]]]:
    """The submitted envelopes of a message kind, with their envelope as a dict."""
    return [
        (record, record.data["envelope"])
        for record in records
        if record.kind == "envelope_submitted"
        and record.data["envelope"]["body"].get("kind") == kind
    ]


def unshared(scenario: Scenario, records: list[Record]) -> list[int]:
    """The oracle: seqs of screenings of a person who shares no language with the screening
    agency (languages from the scenario) and no interpreter recorded."""
    spoken = {person.id: set(person.languages) for person in scenario.persons}
    return [
        record.seq
        for record, envelope in bodies(records, "screening")
        if not spoken[envelope["body"]["person_id"]]
        & set(scenario.agencies[envelope["sender"]].languages)
        and envelope["body"].get("interpreter_used") is None
    ]


def test_the_playbooks_use_the_scenarios_persons_and_interpreters() -> None:
    scenario = load_scenario("silk-thread")
    _, records = play(scenario, 1)
    ids = {person.id for person in scenario.persons}
    named: set[str] = set()
    for kind in ("screening", "identification_decision", "consent_record"):
        found = {envelope["body"]["person_id"] for _, envelope in bodies(records, kind)}
        assert found, kind
        named |= found
    for _, envelope in bodies(records, "referral"):
        named |= {person["person_id"] for person in envelope["body"]["persons"]}
    assert named <= ids, named - ids
    # Every case's screened people are the scenario's, the Turkmen-only woman among them.
    screened = {envelope["body"]["person_id"] for _, envelope in bodies(records, "screening")}
    assert {"b-tm-01", "c-af-01", "a-uz-01"} <= screened
    tm = [
        envelope
        for record, envelope in bodies(records, "screening")
        if envelope["body"]["person_id"] == "b-tm-01" and "planted" not in record.data
    ]
    assert tm
    assert all(
        envelope["body"]["interpreter_used"] == {"language": "tuk", "provider_type": "official"}
        for envelope in tm
    )
    # She was screened only after the interpreter booked for her case answered.
    asked = [
        record.seq
        for record, envelope in bodies(records, "translation_delivery")
        if envelope["body"]["from_language"] == "tuk"
    ]
    first_tm = min(
        record.seq
        for record, envelope in bodies(records, "screening")
        if envelope["body"]["person_id"] == "b-tm-01"
    )
    assert asked
    assert min(asked) < first_tm
    # The only screenings without a shared language are the teaching errors the scenario
    # plants (`no_interpreter_share`), each marked so on its submission, and found.
    planted = [
        record.seq
        for record, _ in bodies(records, "screening")
        if record.data.get("planted") == "no_interpreter_share"
    ]
    assert unshared(scenario, records) == planted
    compliance = compute_metrics(records, (records[-1].seq, ""))["compliance"]
    assert [f["seq"] for f in compliance["interview_without_shared_language"]] == planted


def test_an_interview_without_interpreter_is_found_only_when_planted() -> None:
    text = load_scenario("silk-thread").text.replace(
        "no_interpreter_share = 0.2\n", "no_interpreter_share = 1.0\n", 1
    )
    assert "no_interpreter_share = 1.0" in text
    scenario = parse_scenario(text, "silk-thread.toml")
    _, records = play(scenario, 1)
    planted = unshared(scenario, records)
    assert planted
    compliance = compute_metrics(records, (records[-1].seq, ""))["compliance"]
    assert [f["seq"] for f in compliance["interview_without_shared_language"]] == planted


def test_same_seed_same_log() -> None:
    scenario = load_scenario("silk-thread")
    first = play(scenario, 3)[1]
    second = play(scenario, 3)[1]
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
