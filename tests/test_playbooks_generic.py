"""The playbooks are generic: they decide by agency kind and scenario data only, so no
playbook module names anything a bundled scenario defines (an agency, person, case,
country, channel, pool, language, seized item, suspect or card) or a place of its story."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from protocols.vocab import LegalBasis
from trafsim_bus import load_scenario
from trafsim_bus.scenario.bundled import bundled_names

PLAYBOOKS = Path(__file__).resolve().parent.parent / "agencies" / "playbooks"
MODULES = sorted(path.name for path in PLAYBOOKS.glob("*.py"))

PLACES = (
    "Astana",
    "Almaty",
    "Shymkent",
    "Osh",
    "Bishkek",
    "Andijan",
    "Tashkent",
    "Khujand",
    "Dushanbe",
    "Sughd",
    "Ashgabat",
    "Turkmen",
    "Uzbek",
    "Kyrgyz",
    "Tajik",
    "Kazakh",
    "Afghan",
    "Dari",
    "Pashto",
    "Karakalpak",
    "Pamiri",
    "Dubai",
    "Karaganda",
    "Fergana",
    "Nukus",
    "Khorog",
)
"""Places and peoples of the region's stories: a playbook naming one is bound to a story."""

PATTERNS = (
    re.compile(r"\+\d{7,}"),  # a phone number
    re.compile(r"\d{4}-X{4}-\d{4}"),  # a masked card number
    re.compile(r"\b[A-Z]{2} CC \d+"),  # an article of a criminal code
    re.compile(r"\b20\d\d\b"),  # a year: the exercise's calendar is the scenario's
)


VOCABULARY = frozenset(get_args(LegalBasis))
"""Protocol words a scenario id may happen to share (a `consular` channel and the legal
basis `consular`): a playbook may write them."""


def scenario_literals() -> dict[str, str]:
    """Every id and fact the bundled scenarios define → what it is, for the message."""
    found: dict[str, str] = {}
    for name in bundled_names():
        scenario = load_scenario(name)
        for agency in scenario.agencies.values():
            if agency.id != "excon":
                found[agency.id] = f"agency of {name}"
            for retired in agency.retired_ids:
                found[retired] = f"old agency address of {name}"
            for language in agency.languages:
                found[language] = f"language of {name}"
        for country in scenario.countries.values():
            if country.id != "excon":
                found[country.id] = f"country of {name}"
                found[country.name] = f"country name of {name}"
        for channel in scenario.channels:
            found[channel.id] = f"channel of {name}"
        for pool in scenario.pools:
            found[pool.id] = f"translation pool of {name}"
        for player in scenario.role_players:
            found[player] = f"role-player of {name}"
        for person in scenario.persons:
            found[person.id] = f"person of {name}"
            found[person.nationality] = f"nationality of {name}"
        for case in scenario.cases:
            found[case.ref] = f"case of {name}"
            found[case.title] = f"case title of {name}"
            for item in case.evidence:
                found[item.id] = f"seized item of {name}"
                if item.seal_no:
                    found[item.seal_no] = f"seal of {name}"
            for suspect in case.suspects:
                found[suspect.value] = f"suspect of {name}"
            for instrument in case.instruments:
                found[instrument.identifier] = f"card or account of {name}"
        for inject in scenario.injects:
            for ref in inject.envelope.get("case_refs") or []:
                found[ref] = f"case of {name}"
    return found


def strings_of(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of a module (docstrings included), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def named(literal: str, text: str) -> bool:
    """Whether `text` is `literal`, or has it as a word of its own when it is more than a
    plain lower-case word (an id such as `kz-mia-at` or `KZ-AT-2026-0141`, or a name such
    as `Kazakhstan`, inside a sentence or an f-string's fixed part); a plain word such as
    the role-player id `court` is only caught alone, as English uses it too."""
    if text == literal:
        return True
    if re.fullmatch(r"[a-z]+", literal):
        return False
    return re.search(rf"(?<![\w-]){re.escape(literal)}(?![\w-])", text) is not None


@pytest.mark.parametrize("module", MODULES)
def test_no_playbook_module_names_a_scenario_fact(module: str) -> None:
    literals = scenario_literals()
    found = []
    for line, text in strings_of(PLAYBOOKS / module):
        for literal, what in literals.items():
            if literal not in VOCABULARY and named(literal, text):
                found.append(f"{module}:{line}: {text!r} names {literal!r}, a {what}")
        for place in PLACES:
            if re.search(rf"\b{place}", text):
                found.append(f"{module}:{line}: {text!r} names {place}")
        for pattern in PATTERNS:
            if pattern.search(text):
                found.append(f"{module}:{line}: {text!r} matches {pattern.pattern}")
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scan itself: each kind of literal is caught (the test above cannot pass by
    finding nothing)."""
    literals = scenario_literals()
    for known in ("kz-mia-at", "b-tm-01", "KZ-AT-2026-0141", "TM", "interpol", "tuk", "sister-a"):
        assert known in literals, known
    assert named("kz-mia-at", "ask kz-mia-at first")
    assert named("Kazakhstan", "workers placed in Kazakhstan")
    assert not named("kz-mia", "kz-mia-at")
    assert not named("court", "a court decision")
    assert any(pattern.search("+996555123456") for pattern in PATTERNS)
    assert any(pattern.search("card 4400-XXXX-7781") for pattern in PATTERNS)
    assert any(pattern.search("KZ CC 128(3)") for pattern in PATTERNS)
