"""`[[case]]`: the storyline's case files, the loader's checks and the lookups playbooks use."""

from __future__ import annotations

import pytest

from tests.bus.test_persons import MINI_TEXT
from trafsim_bus import ScenarioError, load_scenario
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.scenario.model import Scenario

GOOD = """

[[case]]
ref = "KZ-2026-1"
title = "The brick works"
offence = "KZ CC 128"
summary = "Six men recruited for a brick works; documents withheld."
site = "the brick works"
control = ["WithholdsDocuments", "DebtBondage"]
questions = ["Who recruited you?"]
threats = ["the foreman"]
suspects = [{ kind = "phone", value = "+998901234567", country = "UZ", role_in_process = "RecruiterOrIntermediary" }]
instruments = [{ kind = "bank_card", identifier = "8600-XXXX-0001", country = "UZ" }]

[[case.evidence]]
id = "kz-2026-1-phone-1"
description = "The foreman's phone"
seized_by = "kz-police"
seized_where = "the brick works"
sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
witnesses = ["witness 1"]

[[case]]
ref = "KZ-2026-7"
offence = "KZ CC 128"
qualification = ["KZ CC 128(3)", "KZ CC 135"]
summary = "A second case."
"""


def with_cases(text: str) -> Scenario:
    return parse_scenario(MINI_TEXT + text, "mini.toml")


def test_cases_load_with_their_defaults() -> None:
    scenario = with_cases(GOOD)
    first, second = scenario.cases
    assert (first.ref, first.title, first.qualification) == (
        "KZ-2026-1",
        "The brick works",
        ("KZ CC 128",),
    )
    assert first.control == ("WithholdsDocuments", "DebtBondage")
    assert (first.suspects[0].kind, first.suspects[0].value) == ("phone", "+998901234567")
    assert first.instruments[0].identifier == "8600-XXXX-0001"
    (item,) = first.evidence
    assert (item.id, item.seized_by, item.seal_no, item.witnesses) == (
        "kz-2026-1-phone-1",
        "kz-police",
        None,
        ("witness 1",),
    )
    assert first.isic_section is None
    # Defaults: the title is the reference; no site, questions, threats or evidence.
    assert (second.title, second.qualification, second.evidence) == (
        "KZ-2026-7",
        ("KZ CC 128(3)", "KZ CC 135"),
        (),
    )
    assert scenario.case_file(["LI-1", "KZ-2026-7", "KZ-2026-1"]) is second
    assert scenario.case_file(["LI-1"]) is None


def test_a_person_may_belong_to_a_case_only_a_case_file_names() -> None:
    person = (
        '\n[[person]]\nid = "p-1"\ncase = "KZ-2026-7"\nage = 30\nsex = "male"\n'
        'nationality = "UZ"\nlanguages = ["uzb"]\n'
    )
    scenario = with_cases(GOOD + person)
    assert scenario.persons_of("KZ-2026-7")[0].id == "p-1"
    assert scenario.person("p-1") is scenario.persons[0]
    assert scenario.person("p-2") is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'kind = "phone"',
            'kind = "pager"',
            "mini.toml: case[0].suspects[0].kind: expected one of",
        ),
        (
            '"WithholdsDocuments", "DebtBondage"',
            '"WithholdsDocuments", "Debts"',
            "mini.toml: case[0].control[1]: expected one of",
        ),
        (
            'seized_by = "kz-police"',
            'seized_by = "kz-mia"',
            "mini.toml: case[0].evidence[0].seized_by: expected an agency (kz-police, kz-pgo",
        ),
        ('sha256 = "0011', 'sha256 = "XX11', "mini.toml: case[0].evidence[0].sha256"),
        (
            'ref = "KZ-2026-7"',
            'ref = "KZ-2026-1"',
            "mini.toml: case[1].ref: 'KZ-2026-1' is declared twice",
        ),
        ('ref = "KZ-2026-7"', 'ref = "KZ 2026 7"', "mini.toml: case[1].ref"),
        (
            'summary = "A second case."',
            "",
            "mini.toml: case[1]: object missing required field `summary`",
        ),
        ('identifier = "8600', 'number = "8600', "mini.toml: case[0].instruments[0]"),
        ('id = "kz-2026-1-phone-1"', 'id = "Phone 1"', "mini.toml: case[0].evidence[0].id"),
    ],
)
def test_a_bad_case_is_named_by_its_key_path(old: str, new: str, message: str) -> None:
    assert old in GOOD, old
    with pytest.raises(ScenarioError) as caught:
        with_cases(GOOD.replace(old, new, 1))
    assert str(caught.value).startswith(message), str(caught.value)


def test_two_items_of_one_case_cannot_share_an_id() -> None:
    item = GOOD.split("[[case.evidence]]", 1)[1].split("\n[[case]]", 1)[0]
    text = GOOD.replace(item, item + "\n[[case.evidence]]" + item, 1)
    with pytest.raises(ScenarioError) as caught:
        with_cases(text)
    assert str(caught.value) == (
        "mini.toml: case[0].evidence[1].id: 'kz-2026-1-phone-1' is declared twice"
    )


def test_custody_gap_share_is_a_share() -> None:
    text = MINI_TEXT.replace("wrong_route_share = 0.3", "custody_gap_share = -0.1", 1)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "mini.toml")
    assert "playbooks.police.custody_gap_share: expected a share between 0 and 1" in str(
        caught.value
    )


def test_silk_thread_has_a_file_for_each_of_its_three_cases() -> None:
    scenario = load_scenario("silk-thread")
    refs = [case.ref for case in scenario.cases]
    assert [case.isic_section for case in scenario.cases] == ["F", "S", "G"]
    assert refs == ["KZ-AT-2026-0141", "KZ-SH-2026-0077", "KZ-AT-2026-0152"]
    assert {person.case for person in scenario.persons} == set(refs)
    for case in scenario.cases:
        assert case.suspects, case.ref
        assert case.instruments, case.ref
        assert case.evidence, case.ref
        for item in case.evidence:
            assert scenario.agencies[item.seized_by].kind == "police"
