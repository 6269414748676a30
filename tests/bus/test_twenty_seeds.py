"""Seeds 1 to 20 of each bundled scenario, headless (issue 11): every delivery-level
refusal is one the exercise meant (a disruption, a playbook's teaching error, an inject),
every reason of SPEC §5 occurs in SILK THREAD, and the default exercise plays its judicial
routes, its evidence and the compliance rules' planted errors."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import pytest

from tests.bus.helpers import play
from trafsim_bus import load_scenario
from trafsim_bus.log.records import Record
from trafsim_bus.metrics import DELIVERY_REASONS, compute_metrics
from trafsim_bus.scenario.bundled import bundled_names

SEEDS = range(1, 21)


@cache
def played(name: str, seed: int) -> tuple[Record, ...]:
    """Every record of one headless run (each run made once per test session)."""
    _, records = play(load_scenario(name), seed)
    return tuple(records)


@cache
def metrics_of(name: str, seed: int) -> dict[str, Any]:
    records = played(name, seed)
    return compute_metrics(records, (records[-1].seq, ""))


def refusals(name: str) -> list[tuple[int, Record]]:
    return [
        (seed, record)
        for seed in SEEDS
        for record in played(name, seed)
        if record.kind == "rejected"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_names())
def test_every_refusal_is_intended(name: str) -> None:
    """No refusal comes from a mismatch between a playbook and the scenario: each names
    the disruption, the teaching-error parameter or the inject behind it."""
    unintended = [
        f"seed {seed} seq {r.seq}: {r.data['sender']} → {r.recipient} {r.data['kind']} "
        f"{r.data['reason']} ({r.data['detail']})"
        for seed, r in refusals(name)
        if r.data["intended"] is None
    ]
    assert unintended == []


@pytest.mark.slow
def test_every_delivery_reason_occurs_in_silk_thread() -> None:
    reasons = Counter(r.data["reason"] for _, r in refusals("silk-thread"))
    assert [reason for reason in DELIVERY_REASONS if not reasons[reason]] == []


@pytest.mark.slow
def test_silk_thread_plays_judicial_routes_evidence_and_planted_errors() -> None:
    """Over the twenty seeds: judicial traffic with Tajikistan and Turkmenistan, evidence
    handed on with a chain of custody, and a finding of each compliance rule the scenario
    plants an error for."""
    findings: Counter[str] = Counter()
    custody = 0
    for seed in SEEDS:
        for rule, found in metrics_of("silk-thread", seed)["compliance"].items():
            findings[rule] += len(found)
        for record in played("silk-thread", seed):
            if record.kind == "envelope_submitted":
                body = record.data["envelope"]["body"]
                if body["kind"] == "evidence_transfer" and body.get("custody"):
                    custody += 1
    judicial = {
        pair
        for seed in SEEDS
        for record in played("silk-thread", seed)
        if record.kind == "delivered"
        and record.data["kind"] in ("mla_request", "mla_execution_report", "jit_proposal")
        for pair in [f"{record.data['sender']}>{record.recipient}"]
    }
    assert {"kz-pgo>tj-pgo", "kz-pgo>tm-pgo"} <= judicial
    assert custody >= 20
    planted = (
        "personal_data_without_consent",
        "h2_passed_on",
        "evidence_over_intelligence_channel",
        "custody_gap",
        "interview_without_shared_language",
    )
    assert [rule for rule in planted if not findings[rule]] == []


@pytest.mark.slow
def test_silk_thread_observers_score_each_check_in_every_seed() -> None:
    """Each observer check SILK THREAD scores gets an observation in every seed: met when
    its message was sent, not met when the deadline passed first."""
    checks = sorted(
        {inject.id.rsplit("-", 1)[0] for inject in load_scenario("silk-thread").injects}
        - {inject.id for inject in load_scenario("silk-thread").injects}
    )
    assert checks == ["o02", "o04", "o06", "o11"]
    for seed in SEEDS:
        scored = {
            record.data["inject_id"].rsplit("-", 1)[0]
            for record in played("silk-thread", seed)
            if record.kind == "inject_fired" and record.data["inject_id"].startswith("o")
        }
        assert scored == set(checks), seed
        observations = [
            record
            for record in played("silk-thread", seed)
            if record.kind == "delivered" and record.data["kind"] == "observation"
        ]
        assert len(observations) >= len(checks), seed
