"""`trafsim explore`: a silk-thread log opened in Datasette in-process; each canned query's
answer against the same answer worked out from the records, and the log left unchanged."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from trafsim.cli import main
from trafsim.explore_cmd import explorer
from trafsim_bus.log.queries import QUERIES
from trafsim_bus.log.reader import read_records
from trafsim_bus.log.records import Record


@pytest.fixture(scope="module")
def silk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Record]]:
    db = tmp_path_factory.mktemp("explore") / "silk.db"
    assert main(["run", "--seed", "1", "--db", str(db)]) == 0
    return db, read_records(db)


async def answer(db: Path, query: str, **parameters: str) -> list[dict[str, Any]]:
    datasette = explorer(db)
    await datasette.invoke_startup()
    response = await datasette.client.get(
        f"/{db.stem}/{query}.json", params={"_shape": "array", **parameters}
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def submitted(records: list[Record]) -> dict[str, dict[str, Any]]:
    return {
        str(r.envelope_id): r.data["envelope"] for r in records if r.kind == "envelope_submitted"
    }


async def test_deliveries_hold_every_delivery_with_its_delay_parts(
    silk: tuple[Path, list[Record]],
) -> None:
    db, records = silk
    rows = await answer(db, "deliveries")
    created = [(r.envelope_id, r.recipient) for r in records if r.kind == "delivery_created"]
    assert sorted((row["envelope_id"], row["recipient"]) for row in rows) == sorted(created)
    delivered = {
        (r.envelope_id, r.recipient): r.data["delivery"] for r in records if r.kind == "delivered"
    }
    translated = 0
    for row in rows:
        delivery = delivered.get((row["envelope_id"], row["recipient"]))
        assert (row["status"] == "delivered") == (delivery is not None)
        if delivery is None:
            continue
        for part, us in delivery["delay_us"].items():
            assert row[f"{part}_h"] == round(us / 3600e6, 3)
        translated += delivery["delay_us"]["translation_service"] > 0
    assert translated > 0
    letters = await answer(db, "deliveries", kind="mla_request", sender="", recipient="")
    envelopes = submitted(records)
    assert letters
    assert all(envelopes[row["envelope_id"]]["body"]["kind"] == "mla_request" for row in letters)


async def test_a_trail_is_every_barrier_decision_of_the_message(
    silk: tuple[Path, list[Record]],
) -> None:
    db, records = silk
    rejected = next(r for r in records if r.kind == "rejected")
    envelope = str(rejected.envelope_id)
    rows = await answer(db, "trail", envelope=envelope[:8])
    decisions = [
        (r.seq, r.recipient, r.data["stage"], r.data["outcome"])
        for r in records
        if r.kind == "barrier_decision" and r.envelope_id == envelope
    ]
    assert [(row["seq"], row["recipient"], row["stage"], row["outcome"]) for row in rows] == (
        decisions
    )
    assert ("rejected", rejected.data["reason"]) in {
        (row["outcome"], row["reason"]) for row in rows
    }


async def test_rejections_by_reason_and_by_case_count_the_rejected_records(
    silk: tuple[Path, list[Record]],
) -> None:
    db, records = silk
    rejected = [r for r in records if r.kind == "rejected"]
    by_reason = Counter(r.data["reason"] for r in rejected)
    rows = await answer(db, "rejections_by_reason")
    assert {row["reason"]: row["rejected"] for row in rows} == dict(by_reason)
    envelopes = submitted(records)
    by_case = Counter(
        (case, r.data["reason"])
        for r in rejected
        for case in envelopes[str(r.envelope_id)].get("case_refs") or []
    )
    rows = await answer(db, "rejections_by_case")
    assert {(row["case_ref"], row["reason"]): row["rejected"] for row in rows} == dict(by_case)
    assert by_case


async def test_a_case_timeline_lists_the_case_s_envelopes_in_order(
    silk: tuple[Path, list[Record]],
) -> None:
    db, records = silk
    case = "KZ-AT-2026-0141"
    expected = [
        (r.seq, str(r.envelope_id))
        for r in records
        if r.kind == "envelope_submitted" and case in (r.data["envelope"].get("case_refs") or [])
    ]
    rows = await answer(db, "case_timeline", case=case)
    assert [(row["seq"], row["envelope_id"]) for row in rows] == expected
    assert expected


async def test_exploring_leaves_the_log_as_it_was(silk: tuple[Path, list[Record]]) -> None:
    db, _ = silk
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for name in QUERIES:
        await answer(db, name, envelope="", case="", kind="", sender="", recipient="")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert main(["verify", str(db)]) == 0


def test_a_file_that_is_no_log_is_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.db").write_text("not a database")
    assert main(["explore", str(tmp_path / "notes.db")]) == 1
    assert "not a trafsim event log" in capsys.readouterr().err
    assert main(["explore", str(tmp_path / "missing.db")]) == 1
    assert "no such log file" in capsys.readouterr().err
