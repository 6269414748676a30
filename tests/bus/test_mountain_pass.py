"""MOUNTAIN PASS, the second bundled scenario, headless: it loads, `trafsim run` plays it,
every inject fires (or is skipped for the reason its condition states), every expected
action with a `match` can be scored, each case sees traffic, traffic crosses into
Kyrgyzstan and Tajikistan, every refusal is one the scenario designs, and the same seed
gives the same log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from protocols import MESSAGE_TYPES
from tests.bus.helpers import play
from trafsim_bus import load_scenario, read_records, verify_log
from trafsim_bus.core.routing import Refusal, admit, route
from trafsim_bus.log.records import Record
from trafsim_bus.scenario.bundled import bundled_names
from trafsim_bus.scenario.model import EXCON, ExpectedAction, Scenario

MOUNTAIN_PASS = load_scenario("mountain-pass")
CASES = ("KZ-AL-2026-0412", "KG-BI-2026-0533", "TJ-SU-2026-0271")
"""A: the Almaty flats; B: the woman who escaped to Bishkek; C: the Khujand recruiter."""


def run(db: Path, *args: str, hashseed: str = "0") -> subprocess.CompletedProcess[str]:
    """`trafsim run mountain-pass` in a fresh process, as a user runs it."""
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run(
        [sys.executable, "-m", "trafsim", "run", "mountain-pass", "--db", str(db), *args],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def seed_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One headless run with the scenario's seed (1): its metrics document and its log."""
    db = tmp_path_factory.mktemp("mountain") / "seed1.db"
    result = run(db, "--json", hashseed="1")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), db


@pytest.fixture(scope="module")
def played() -> dict[int, list[Record]]:
    """The records of seeds 1 to 4, played in memory."""
    return {seed: play(MOUNTAIN_PASS, seed)[1] for seed in range(1, 5)}


def _envelopes(records: list[Record]) -> dict[str, dict[str, Any]]:
    return {
        str(r.envelope_id): r.data["envelope"] for r in records if r.kind == "envelope_submitted"
    }


def _country(scenario: Scenario, agency: str) -> str:
    found = scenario.agency(agency)
    return found.country if found is not None else EXCON


# -- the file ------------------------------------------------------------------------------


def test_it_is_bundled_and_holds_the_storyline() -> None:
    """Bundled beside SILK THREAD; KZ, KG and TJ; three case files, each with persons,
    suspects, questions, threats and items seized by a police unit; e-wallets in the
    Almaty case; a child among the victims and a woman who shares no language with the
    police that screens her; both teams and SIMCELL agencies."""
    assert {"mountain-pass", "silk-thread"} <= set(bundled_names())
    scenario = MOUNTAIN_PASS
    assert (scenario.name, scenario.title) == ("mountain-pass", "MOUNTAIN PASS")
    assert {"KZ", "KG", "TJ"} <= set(scenario.countries)
    assert [case.ref for case in scenario.cases] == list(CASES)
    for case in scenario.cases:
        assert scenario.persons_of(case.ref), case.ref
        assert case.evidence, case.ref
        assert case.suspects, case.ref
        assert case.questions, case.ref
        assert case.threats, case.ref
        for item in case.evidence:
            assert scenario.agencies[item.seized_by].kind == "police", item.id
    case_a = scenario.cases[0]
    assert "e_wallet" in {instrument.kind for instrument in case_a.instruments}
    assert any(person.minor for person in scenario.persons)
    police = scenario.agencies[case_a.evidence[0].seized_by]
    assert any(
        not set(person.languages) & set(police.languages)
        for person in scenario.persons_of(case_a.ref)
    )
    assert {agency.played_by for agency in scenario.agencies.values() if agency.id != EXCON} == {
        "team",
        "simcell",
    }


def test_scenario_list_names_both_bundled_scenarios() -> None:
    """`trafsim scenario list` shows MOUNTAIN PASS beside SILK THREAD."""
    result = subprocess.run(
        [sys.executable, "-m", "trafsim", "scenario", "list"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert {"mountain-pass", "silk-thread"} <= set(names)


# -- a headless run ------------------------------------------------------------------------


def test_trafsim_run_plays_it_headless(seed_one: tuple[dict[str, Any], Path]) -> None:
    """Five days of play and two jumps to a sealed, intact log: enough traffic in all
    three countries, translation queues, outage holds and office hours at work."""
    metrics, db = seed_one
    assert metrics["scenario"]["name"] == "mountain-pass"
    assert metrics["sealed"] is True
    messages = metrics["messages"]
    assert messages["submitted"] >= 150
    assert messages["delivered"] >= 150
    assert metrics["delay_s"]["translation_wait"]["max"] > 0
    assert metrics["delay_s"]["outage_hold"]["max"] > 0
    assert metrics["delay_s"]["office_hours_wait"]["max"] > 0
    assert verify_log(db).head_sha256 == metrics["log_head"]["sha256"]
    countries = {
        _country(MOUNTAIN_PASS, str(r.recipient)) for r in read_records(db) if r.kind == "delivered"
    }
    assert {"KZ", "KG", "TJ"} <= countries


def test_the_text_summary_of_another_seed(tmp_path: Path) -> None:
    """Without --json, seed 2: the summary names the scenario and the refusals' reasons."""
    result = run(tmp_path / "seed2.db", "--seed", "2")
    assert result.returncode == 0, result.stderr
    assert "mountain-pass · seed 2" in result.stdout
    assert "Where cooperation broke down" in result.stdout


# -- the MSEL ------------------------------------------------------------------------------

REASONS = {
    "after": {"no_match_by_endex", "due_after_endex"},
    "unless": {"unless_matched"},
}
"""Why an inject may be skipped, by the kind of condition it states."""


def test_every_inject_fires_or_is_skipped_for_its_stated_reason(
    played: dict[int, list[Record]],
) -> None:
    """Seeds 1 to 4: an inject without a condition fires once; one with `after` fires or
    is skipped because its event never came (or came too late); one with `unless` fires or
    is skipped because its event came."""
    for seed, records in played.items():
        for inject in MOUNTAIN_PASS.injects:
            fired = [
                r for r in records if r.kind == "inject_fired" and r.data["inject_id"] == inject.id
            ]
            skipped = [
                r.data["reason"]
                for r in records
                if r.kind == "inject_skipped" and r.data["inject_id"] == inject.id
            ]
            where = f"seed {seed}, {inject.id}"
            if inject.after is None and inject.unless is None:
                assert (len(fired), skipped) == (1, []), where
                continue
            stated = REASONS["after" if inject.after is not None else "unless"]
            assert len(fired) + len(skipped) == 1, where
            assert set(skipped) <= stated, where


def _matches() -> list[tuple[str, ExpectedAction]]:
    """(inject id, expected action) of every expected action that has a `match`."""
    return [
        (inject.id, action)
        for inject in MOUNTAIN_PASS.injects
        for action in inject.expected_actions
        if action.match_type is not None
    ]


def _can_travel(scenario: Scenario, sender: str, recipient: str, kind: str) -> bool:
    """Whether a message of `kind` from `sender` reaches `recipient` through the routing
    barriers (competence, channel, jurisdiction), channels a disruption opens included."""
    opened = {
        channel
        for disruption in scenario.disruptions
        if disruption.type == "channel_open" and disruption.target.channels
        for channel in disruption.target.channels
    }
    found = admit(scenario, recipient, kind)
    if isinstance(found, Refusal):
        return False
    return not isinstance(
        route(scenario, scenario.agencies[sender], found, kind, None, {}, opened), Refusal
    )


def test_every_expected_action_with_a_match_can_be_scored(
    seed_one: tuple[dict[str, Any], Path],
) -> None:
    """Each `match` names a message type and agencies of the scenario, and a message of
    that type can travel from its `from` to its `to` (any agency where one is left out);
    the run scores every such action (met, late, missed or open), never `not_scored`."""
    scenario = MOUNTAIN_PASS
    agencies = [a for a in scenario.agencies if a != EXCON]
    matches = _matches()
    assert len(matches) >= 25
    for inject_id, action in matches:
        where = f"{inject_id}: {action.text}"
        kind = str(action.match_type)
        assert kind in MESSAGE_TYPES, where
        senders = [action.match_from] if action.match_from else agencies
        recipients = [action.match_to] if action.match_to else agencies
        assert set(senders + recipients) <= set(agencies), where
        assert action.within_us, where
        assert any(
            _can_travel(scenario, sender, recipient, kind)
            for sender in senders
            for recipient in recipients
            if sender != recipient
        ), where
    metrics, _ = seed_one
    scored = [
        expected["status"]
        for inject in scenario.injects
        for expected, action in zip(
            metrics["msel"][inject.id]["expected"], inject.expected_actions, strict=True
        )
        if action.match_type is not None
    ]
    assert len(scored) == len(matches)
    assert set(scored) <= {"met", "late", "missed", "open"}
    assert scored.count("met") >= len(scored) // 3


# -- cases and borders ---------------------------------------------------------------------


def test_each_case_sees_traffic(seed_one: tuple[dict[str, Any], Path]) -> None:
    """Every case file is in the `cases` metrics with messages and a first alert; the child
    reaches child protection and no presumed victim is penalised."""
    metrics, _ = seed_one
    for case in CASES:
        assert metrics["cases"][case]["messages"] > 0, case
        assert metrics["cases"][case]["milestones"]["first_alert"] is not None, case
    assert metrics["compliance"]["minor_without_child_protection"] == []
    assert metrics["compliance"]["victim_penalised"] == []


def test_traffic_crosses_into_kyrgyzstan_and_tajikistan(
    seed_one: tuple[dict[str, Any], Path],
) -> None:
    """The metrics show traffic between Kazakhstan and each origin country, and the log
    shows what it is: letters of request (MLA) across KZ-KG and KZ-TJ, police requests or
    diffusions to the Kyrgyz and Tajik police, a TRM with Kyrgyzstan and the IOM route to
    Tajikistan."""
    metrics, db = seed_one
    pairs = metrics["delay_by"]["country_pair"]
    assert {"KZ>KG", "KZ>TJ", "KG>KZ", "TJ>KZ"} <= pairs.keys()
    channels = metrics["channels"]
    for channel in ("mla-central", "cis-jit", "cis-police-direct", "trm", "trm-iom"):
        assert channels[channel]["delivered"] > 0, channel
    assert metrics["requests"]["mla_request"]["sent"] > 0
    assert metrics["requests"]["trm_referral"]["sent"] > 0

    records = read_records(db)
    envelopes = _envelopes(records)
    crossed: set[tuple[str, str, str]] = set()
    for record in records:
        if record.kind != "delivered":
            continue
        envelope = envelopes[str(record.envelope_id)]
        kind = envelope["body"]["kind"]
        countries = sorted(
            {
                _country(MOUNTAIN_PASS, envelope["sender"]),
                _country(MOUNTAIN_PASS, str(record.recipient)),
            }
        )
        pair = (countries[0], countries[1] if len(countries) == 2 else "")
        crossed.add((kind, *pair))
        crossed.add((f"channel:{record.data['delivery']['channel']}", *pair))
    assert ("mla_request", "KG", "KZ") in crossed
    assert ("mla_request", "KZ", "TJ") in crossed
    police = {("info_request", "KG", "KZ"), ("diffusion", "KG", "KZ")}
    assert police & crossed
    assert {("info_request", "KZ", "TJ"), ("diffusion", "KZ", "TJ")} & crossed
    assert ("channel:trm", "KG", "KZ") in crossed
    assert ("channel:trm-iom", "TJ", "intl") in crossed


# -- breakdowns ----------------------------------------------------------------------------


def test_same_seed_same_head_in_another_process(
    seed_one: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    """The same seed in another process (another PYTHONHASHSEED) writes the same records:
    the same head digest twice."""
    _, db = seed_one
    again = tmp_path / "again.db"
    result = run(again, "--seed", "1", hashseed="2")
    assert result.returncode == 0, result.stderr
    assert verify_log(again).head_sha256 == verify_log(db).head_sha256
