"""The metrics document: the same bytes from `run --json` and `metrics --json`, and sums
that add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bus.helpers import MINI, mini, play
from trafsim_bus.metrics import DELIVERY_REASONS, ENVELOPE_REASONS, summary


def trafsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "trafsim", *args], capture_output=True, check=False, cwd=cwd
    )


@pytest.fixture(scope="module")
def run_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    db = tmp_path_factory.mktemp("metrics") / "mini.db"
    result = trafsim("run", str(MINI), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout, db


def test_run_and_metrics_print_the_same_bytes(run_json: tuple[bytes, Path]) -> None:
    """`trafsim run --json` and `trafsim metrics DB --json` go through one function."""
    printed, db = run_json
    again = trafsim("metrics", str(db), "--json")
    assert again.returncode == 0
    assert again.stdout == printed


def test_counters_add_up(run_json: tuple[bytes, Path]) -> None:
    """delivered + rejected + dropped + pending = deliveries, overall, by type and by origin;
    every delay count equals messages.delivered; rejections have one key per reason."""
    document = json.loads(run_json[0])
    messages = document["messages"]
    for counters in [messages, *messages["by_type"].values(), *messages["by_origin"].values()]:
        assert (
            counters["delivered"] + counters["rejected"] + counters["dropped"] + counters["pending"]
            == counters["deliveries"]
        )
    assert sum(c["submitted"] for c in messages["by_origin"].values()) == messages["submitted"]
    assert set(messages["rejected_by_reason"]) == set(DELIVERY_REASONS)
    assert set(messages["refused_by_reason"]) == set(ENVELOPE_REASONS)
    assert sum(messages["rejected_by_reason"].values()) == messages["rejected"]
    for part in document["delay_s"].values():
        assert part["count"] == messages["delivered"]
    assert messages["by_origin"]["bus"]["submitted"] == messages["rejected"]
    assert list(document) == sorted(document)


def test_summaries_interpolate_linearly() -> None:
    """p50 and p90 interpolate at (n-1)*p over the sorted values; an empty summary is null."""
    assert summary([4.0, 1.0, 3.0, 2.0]) == {
        "count": 4,
        "mean": 2.5,
        "p50": 2.5,
        "p90": 3.7,
        "max": 4.0,
    }
    assert summary([]) == {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}


def test_the_text_summary_is_rendered_from_the_document(run_json: tuple[bytes, Path]) -> None:
    """Without --json, the same numbers as a readable report."""
    _, db = run_json
    text = trafsim("metrics", str(db)).stdout.decode()
    document = json.loads(run_json[0])
    assert f"{document['messages']['submitted']} envelopes submitted" in text
    assert document["log_head"]["sha256"] in text


def test_the_summary_scores_the_msel_and_counts_compliance_findings(tmp_path: Path) -> None:
    """On silk-thread, the MSEL line counts the document's expected actions by status and
    names the injects with one missed; each rule with findings shows how many."""
    db = tmp_path / "silk.db"
    document = json.loads(trafsim("run", "--seed", "1", "--db", str(db), "--json").stdout)
    text = trafsim("metrics", str(db)).stdout.decode()
    assert document["msel"]
    assert any(document["compliance"].values())
    expected = [
        (inject, action["status"])
        for inject, found in document["msel"].items()
        for action in found["expected"]
    ]
    count = {s: sum(1 for _, status in expected if status == s) for s in ("met", "late", "missed")}
    scored = sum(1 for _, status in expected if status != "not_scored")
    assert (
        f"MSEL expected actions: {scored} scored: {count['met']} met, {count['late']} late, "
        f"{count['missed']} missed" in text
    )
    missed = list(dict.fromkeys(inject for inject, status in expected if status == "missed"))
    assert f"missed after injects {', '.join(missed)}" in text
    for rule, findings in document["compliance"].items():
        shown = [line for line in text.splitlines() if line.startswith(f"  {rule} ")]
        assert len(shown) == (1 if findings else 0), rule
        if findings:
            assert shown[0].split()[1] == str(len(findings))


@pytest.mark.parametrize(
    ("kind", "reason"), [("rejected", "blocked_by_aliens"), ("envelope_refused", "too_long")]
)
def test_an_unknown_reason_fails_loudly(kind: str, reason: str) -> None:
    """A rejection or refusal reason outside SPEC §5 is an error naming the seq, never a
    count quietly left out."""
    from trafsim_bus import LogError
    from trafsim_bus.log.records import Record
    from trafsim_bus.metrics import compute_metrics

    _, records = play(mini(), 1)
    last = records[-2]
    odd = Record(
        seq=last.seq + 1,
        t_us=last.t_us,
        kind=kind,
        cause_seq=None,
        origin="team",
        envelope_id=last.envelope_id,
        recipient=last.recipient,
        data={"reason": reason, "detail": "?", "sender": "kz-police"},
    )
    with pytest.raises(LogError, match=f"seq {odd.seq}: '{reason}'"):
        compute_metrics([*records[:-1], odd], (0, ""))


def test_case_traffic_and_what_is_pending_add_up(run_json: tuple[bytes, Path]) -> None:
    """Case traffic is a part of all traffic with counters that add up; what is pending at
    the end adds up to `messages.pending`; the log of a whole run is sealed."""
    document = json.loads(run_json[0])
    every, case = document["messages"], document["case_traffic"]["messages"]
    assert 0 < case["submitted"] < every["submitted"]
    for key in ("submitted", "deliveries", "delivered", "rejected", "dropped", "pending"):
        assert case[key] <= every[key]
    assert (
        case["delivered"] + case["rejected"] + case["dropped"] + case["pending"]
        == case["deliveries"]
    )
    assert "background" not in case["by_origin"]
    assert document["case_traffic"]["delay_s"]["total"]["count"] == case["delivered"]
    assert sum(document["pending_at_end"].values()) == every["pending"]
    assert document["sealed"] is True


def test_an_unsealed_log_says_so(tmp_path: Path) -> None:
    """A log cut before ENDEX: `sealed` is false and the text summary says UNSEALED."""
    from tests.bus.helpers import play_to_db
    from trafsim_bus.metrics import compute_metrics

    db = tmp_path / "cut.db"
    records = play_to_db(mini(), db, until_us=mini().endex_us // 3)
    assert compute_metrics(records, (0, ""))["sealed"] is False
    assert "UNSEALED" in trafsim("metrics", str(db)).stdout.decode()


def test_a_cut_is_accounted_for_in_its_section() -> None:
    """The two-day link cut of the barrier tests: what it held, released and the hold time
    it added, each worked out from the times of the records that name it."""
    from tests.bus.test_barriers import across_the_cut, run_out
    from trafsim_bus.metrics import compute_metrics

    bus, sent = across_the_cut("store_and_forward", "D1 09:00")
    records = list(run_out(bus))
    document = compute_metrics(records, (0, ""))
    cut = document["disruptions"]["kz-uz-cut"]
    two_days = 2 * 24 * 3600.0
    assert (cut["type"], cut["started_s"], cut["healed_s"]) == ("link_cut", 0.0, two_days)
    held = {
        (r.envelope_id, r.recipient): r.t_us
        for r in records
        if r.kind == "delivery_held" and r.disruption_id == "kz-uz-cut"
    }
    released = [
        r.t_us - held[(r.envelope_id, r.recipient)]
        for r in records
        if r.kind == "delivery_released" and r.disruption_id == "kz-uz-cut"
    ]
    assert (str(sent.id), "uz-police") in held
    assert (cut["deliveries_hit"], cut["held"], cut["released"]) == (
        len(held),
        len(held),
        len(released),
    )
    assert cut["added_delay_s"] == sum(released) / 1_000_000


def test_interpreters_waits_are_the_answers_times_minus_the_requests() -> None:
    """Each answered interpretation request's wait, worked out from the envelopes
    (`available_from` minus the request's submission), is what `interpretation` sums up."""
    from datetime import datetime, timedelta

    from trafsim_bus import load_scenario
    from trafsim_bus.metrics import compute_metrics

    scenario = load_scenario("silk-thread")
    _, records = play(scenario, 1)
    asked = {}
    waits: dict[str, list[float]] = {}
    for record in records:
        if record.kind != "envelope_submitted":
            continue
        envelope = record.data["envelope"]
        if envelope["body"]["kind"] == "translation_request":
            asked[envelope["id"]] = scenario.startex + timedelta(microseconds=record.t_us)
        elif (
            envelope["body"]["kind"] == "translation_delivery" and envelope["in_reply_to"] in asked
        ):
            available = datetime.fromisoformat(envelope["body"]["available_from"])
            waits.setdefault(envelope["sender"], []).append(
                (available - asked.pop(envelope["in_reply_to"])).total_seconds()
            )
    assert waits
    document = compute_metrics(records, (0, ""))
    for service, expected in waits.items():
        measured = document["interpretation"][service]["wait_s"]
        assert measured["count"] == len(expected)
        assert measured["max"] == max(expected)
        assert measured["max"] > 3600


class _Every(frozenset[str]):
    """A set of kinds that holds every kind."""

    def __contains__(self, kind: object) -> bool:
        return True


@pytest.mark.parametrize("seed", [1, 2])
def test_each_section_is_fed_every_kind_it_reads(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The accumulator hands a section only the kinds it names (`KINDS`); handing every
    section every record instead gives the same document, so no section misses a kind."""
    from tests.bus.helpers import stress
    from trafsim_bus.metrics import cases, compliance, delay_by, msel, requests, sections
    from trafsim_bus.metrics.document import compute_metrics

    _, records = play(stress(), seed)
    routed = compute_metrics(records, (records[-1].seq, ""))
    for section in (
        sections.Pools,
        sections.Channels,
        sections.Disruptions,
        sections.Interpretation,
        sections.Pending,
        requests.Requests,
        cases.Cases,
        msel.Msel,
        delay_by.DelayBy,
        compliance.Compliance,
    ):
        monkeypatch.setattr(section, "KINDS", _Every())
    assert compute_metrics(records, (records[-1].seq, "")) == routed
