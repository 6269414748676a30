"""whatif's re-simulation: the log's own records with no change, its head computed as the
writer chains it, another seed under the same exercise id, and added agencies played by
their playbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from agencies import build_playbooks
from tests.bus.helpers import mini, play_to_db
from trafsim_bus import verify_log
from trafsim_bus.core.restore import read_header
from trafsim_bus.log.records import Record
from trafsim_bus.scenario import parse_scenario
from trafsim_bus.whatif import chain_head, resimulate

NEW_SHELTER = """
[[agency]]
id = "kz-ngo-two"
name = "A second shelter"
country = "KZ"
kind = "ngo_shelter"
languages = ["rus"]
"""


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Record], Path]:
    """A headless mini run written to a log."""
    db = tmp_path_factory.mktemp("simulate") / "mini.db"
    return play_to_db(mini(), db), db


def test_with_no_change_the_records_are_the_logs(logged: tuple[list[Record], Path]) -> None:
    """Same scenario, seed and inputs: the same records, seq 0 included."""
    records, _ = logged
    again = resimulate(records, read_header(records[0]), players_for=build_playbooks)
    assert again == records


def test_the_head_is_the_writers(logged: tuple[list[Record], Path]) -> None:
    """The hash chain over the records ends where the log file's verified head does."""
    records, db = logged
    verdict = verify_log(db)
    assert chain_head(records) == (verdict.head_seq, verdict.head_sha256)


def test_another_seed_keeps_the_exercise_id(logged: tuple[list[Record], Path]) -> None:
    """Seed 8 instead of 7: seq 0 says seed 8 under the log's exercise id."""
    records, _ = logged
    again = resimulate(records, read_header(records[0]), seed=8, players_for=build_playbooks)
    assert again[0].data["seed"] == 8
    assert again[0].data["exercise_id"] == records[0].data["exercise_id"]
    assert again != records


def test_an_added_agency_is_played_by_its_playbook(logged: tuple[list[Record], Path]) -> None:
    """An agency the change adds joins the SIMCELL agencies the first record lists."""
    records, _ = logged
    header = read_header(records[0])
    scenario = parse_scenario(records[0].data["scenario"]["text"] + NEW_SHELTER, "mini.toml")
    again = resimulate(records, header, scenario=scenario, players_for=build_playbooks)
    assert again[0].data["simcell"] == sorted([*records[0].data["simcell"], "kz-ngo-two"])
