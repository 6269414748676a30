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


PLANTED_REASONS = {
    "wrong_route_share": {
        "no_channel",
        "wrong_jurisdiction",
        "consent_missing",
        "handling_violation",
        "unknown_recipient",
        "not_competent",
    },
    "custody_gap_share": set(),
    "no_interpreter_share": set(),
}
"""What each planted error may be refused for: a wrong route by a barrier of routing,
consent or handling; a custody gap or an interview without an interpreter never (the
bus carries them, the compliance rules find them)."""


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_names())
def test_every_refusal_is_intended(name: str) -> None:
    """No refusal comes from a mismatch between a playbook and the scenario: each names
    the disruption, the teaching-error parameter or the inject behind it, and a planted
    error is refused only for a reason its kind of error can meet."""
    unintended = []
    for seed, r in refusals(name):
        intended = r.data["intended"]
        planted = intended is not None and intended["by"] == "playbook"
        if intended is None or (
            planted and r.data["reason"] not in PLANTED_REASONS[intended["parameter"]]
        ):
            unintended.append(
                f"seed {seed} seq {r.seq}: {r.data['sender']} → {r.recipient} "
                f"{r.data['kind']} {r.data['reason']} ({r.data['detail']}) {intended}"
            )
    assert unintended == []


@pytest.mark.slow
def test_every_delivery_reason_occurs_in_silk_thread() -> None:
    reasons = Counter(r.data["reason"] for _, r in refusals("silk-thread"))
    assert [reason for reason in DELIVERY_REASONS if not reasons[reason]] == []


PLANTED_RULES = {
    "personal_data_without_consent": "wrong_route_share",
    "h2_passed_on": "wrong_route_share",
    "evidence_over_intelligence_channel": "wrong_route_share",
    "custody_gap": "custody_gap_share",
    "interview_without_shared_language": "no_interpreter_share",
}
"""The compliance rules the scenarios plant an error for (issue 11), and the parameter
under which the playbooks plant it."""


@pytest.mark.slow
def test_silk_thread_metrics_show_judicial_routes_evidence_and_planted_errors() -> None:
    """Over the twenty seeds the metrics document shows judicial traffic with Tajikistan
    and Turkmenistan, evidence transfers (each with its chain of custody), and a finding of
    each compliance rule the scenario plants an error for."""
    pairs: set[str] = set()
    evidence = 0
    findings: Counter[str] = Counter()
    for seed in SEEDS:
        metrics = metrics_of("silk-thread", seed)
        pairs |= set(metrics["delay_by"]["agency_pair"])
        evidence += metrics["messages"]["by_type"].get("evidence_transfer", {}).get("submitted", 0)
        for rule, found in metrics["compliance"].items():
            findings[rule] += len(found)
    assert {"kz-pgo>tj-pgo", "tj-pgo>kz-pgo", "kz-pgo>tm-pgo"} <= pairs
    assert evidence >= 20
    assert [rule for rule in PLANTED_RULES if not findings[rule]] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_names())
def test_every_finding_comes_from_a_planted_step(name: str) -> None:
    """Each finding of those rules is about a message a playbook sent wrong on purpose
    under the parameter that plants that kind of error (its submission names it)."""
    unplanned = []
    for seed in SEEDS:
        records = played(name, seed)
        planted = {
            str(r.envelope_id): r.data.get("planted")
            for r in records
            if r.kind == "envelope_submitted"
        }
        for rule, parameter in PLANTED_RULES.items():
            for finding in metrics_of(name, seed)["compliance"][rule]:
                if planted[finding["envelope_id"]] != parameter:
                    unplanned.append(f"{name} seed {seed} {rule}: {finding['detail']}")
    assert unplanned == []


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_names())
def test_observers_score_each_check_in_every_seed(name: str) -> None:
    """Each observer check a scenario scores (a pair of injects `<check>-met` and
    `<check>-missed`) gets an observation in every seed: met when its message was sent,
    not met when the deadline passed first."""
    ids = {inject.id for inject in load_scenario(name).injects}
    checks = sorted(i.removesuffix("-met") for i in ids if i.endswith("-met"))
    assert len(checks) >= 4
    assert all(f"{check}-missed" in ids for check in checks)
    for seed in SEEDS:
        records = played(name, seed)
        scored = {
            record.data["inject_id"].rsplit("-", 1)[0]
            for record in records
            if record.kind == "inject_fired"
            and record.data["inject_id"].rsplit("-", 1)[0] in checks
        }
        assert scored == set(checks), seed
        observations = [
            r for r in records if r.kind == "delivered" and r.data["kind"] == "observation"
        ]
        assert len(observations) >= len(checks), seed


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_names())
def test_evidence_and_intelligence_are_played(name: str) -> None:
    """Over the twenty seeds each scenario plays evidence transfers, INTERPOL notices
    through the NCB and its diffusions, observations, and FIU exchanges across borders."""
    scenario = load_scenario(name)
    delivered: Counter[str] = Counter()
    exchanges = 0
    for seed in SEEDS:
        metrics = metrics_of(name, seed)
        for kind, counts in metrics["messages"]["by_type"].items():
            delivered[kind] += counts["delivered"]
        for pair in metrics["delay_by"]["agency_pair"]:
            sender, recipient = (scenario.agency(a) for a in pair.split(">"))
            if (
                sender is not None
                and recipient is not None
                and (sender.kind, recipient.kind) == ("fiu", "fiu")
                and sender.country != recipient.country
            ):
                exchanges += 1
    kinds = ("evidence_transfer", "interpol_notice_request", "diffusion", "observation")
    assert [kind for kind in kinds if not delivered[kind]] == []
    assert exchanges
