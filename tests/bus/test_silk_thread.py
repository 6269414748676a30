"""The default exercise, headless: enough traffic, every barrier busy, and deterministic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trafsim_bus import load_scenario, read_records, verify_log


def run(db: Path, *args: str, hashseed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run(
        [sys.executable, "-m", "trafsim", "run", "--db", str(db), "--json", *args],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def seed_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    db = tmp_path_factory.mktemp("silk") / "seed1.db"
    result = run(db, hashseed="1")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), db


def test_the_default_exercise_is_busy_across_five_countries(
    seed_one: tuple[dict[str, Any], Path],
) -> None:
    """Five days of play and two jumps: 300+ envelopes, 200+ deliveries delivered in all five
    countries, rejections for at least two reasons, translation queues and outage holds."""
    metrics, db = seed_one
    messages = metrics["messages"]
    assert metrics["scenario"]["name"] == "silk-thread"
    assert messages["submitted"] >= 300
    assert messages["delivered"] >= 200
    assert sum(1 for count in messages["rejected_by_reason"].values() if count) >= 2
    assert metrics["delay_s"]["translation_wait"]["max"] > 0
    assert metrics["delay_s"]["outage_hold"]["max"] > 0
    scenario = load_scenario("silk-thread")
    countries = {
        scenario.agencies[r.recipient].country
        for r in read_records(db)
        if r.kind == "delivered" and r.recipient in scenario.agencies
    }
    assert {"KZ", "UZ", "KG", "TJ", "TM"} <= countries


def test_every_agency_kind_acts(seed_one: tuple[dict[str, Any], Path]) -> None:
    """Every agency kind sends something of its own (not only receipts): by playbook, or by
    the MSEL where an inject speaks in its name (then its playbook stays silent on that)."""
    _, db = seed_one
    scenario = load_scenario("silk-thread")
    acting = {
        scenario.agencies[r.data["envelope"]["sender"]].kind
        for r in read_records(db)
        if r.kind == "envelope_submitted"
        and r.origin in ("playbook", "inject")
        and r.data["envelope"]["sender"] != "excon"
        and r.data["envelope"]["body"]["kind"] not in ("ack", "nack")
    }
    kinds = {agency.kind for agency in scenario.agencies.values() if agency.id != "excon"}
    assert kinds - acting == set()


def test_same_seed_same_log_in_another_process(
    seed_one: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    """Another process with another PYTHONHASHSEED writes the same records: same head."""
    _, db = seed_one
    again = tmp_path / "again.db"
    assert run(again, hashseed="2").returncode == 0
    assert verify_log(again).head_sha256 == verify_log(db).head_sha256


def test_another_seed_changes_a_due_time(
    seed_one: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    """Seed 2 draws other latencies: some delivery after the first record falls due at
    another time than with seed 1."""
    _, db = seed_one
    other = tmp_path / "seed2.db"
    assert run(other, "--seed", "2").returncode == 0

    def due_times(path: Path) -> list[int]:
        return [
            r.data["due_us"]
            for r in read_records(path)[1:]
            if r.kind == "barrier_decision" and r.data.get("due_us") is not None
        ]

    assert due_times(other) != due_times(db)
    assert verify_log(other).head_sha256 != verify_log(db).head_sha256
