"""The headless writer (`readers=False`, what `trafsim run` uses): projections and indexes
written once at close, the data encoded once for hash and column; the same log as the
writer that keeps them with every commit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from tests.bus.helpers import mini, play, stress
from trafsim_bus import EventLogWriter, verify_log
from trafsim_bus.errors import LogError
from trafsim_bus.log.records import Record, canonical
from trafsim_bus.log.verify import INTACT_UNSEALED
from trafsim_bus.log.writer import encoded

TABLES = ("events", "envelopes", "case_refs", "deliveries")


def written(records: list[Record], path: Path, *, readers: bool, every: int = 500) -> Path:
    """The records through a writer, committed every `every` records, then closed."""
    writer = EventLogWriter(path, readers=readers, clock=lambda: "2026-12-02T00:00:00+00:00")
    for start in range(0, len(records), every):
        writer.append(records[start : start + every])
        writer.commit()
    writer.close()
    return path


def contents(path: Path) -> dict[str, object]:
    """Every row of every table (in key order) and the schema's tables and indexes."""
    with sqlite3.connect(path) as conn:
        found: dict[str, object] = {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in TABLES
        }
        found["schema"] = sorted(
            conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        )
    return found


def test_a_headless_log_is_the_log_a_live_writer_makes(tmp_path: Path) -> None:
    """Same records: the same rows in every table, the same schema, and it verifies."""
    _, records = play(stress(), seed=3)
    live = written(records, tmp_path / "live.db", readers=True)
    headless = written(records, tmp_path / "headless.db", readers=False)
    assert contents(headless) == contents(live)
    verdict = verify_log(headless)
    assert verdict.status() == 0
    assert verdict.problems == []


def test_the_data_is_encoded_once_into_the_canonical_bytes() -> None:
    """`encoded` gives exactly `canonical(record)` and the data's own sorted JSON, for every
    record of a run and for data that holds the keys and text the cut looks for."""
    _, records = play(stress(), seed=5)
    tricky = Record(
        seq=1,
        t_us=2,
        kind="disruption_started",
        cause_seq=None,
        origin="scenario",
        disruption_id='a,"disruption_id":"b',
        data={"disruption_id": "x", "z": ',"disruption_id":{', "data": {"data": 1}},
    )
    for record in [*records, tricky]:
        chained, data = encoded(record)
        assert chained == canonical(record)
        assert data == msgspec.json.encode(record.data, order="sorted")


def test_a_headless_log_stopped_before_close_verifies(tmp_path: Path) -> None:
    """What a killed run leaves: the events and their projections as last committed, no
    secondary indexes yet. verify finds it intact but unsealed."""
    _, records = play(mini(), seed=1)
    path = tmp_path / "killed.db"
    writer = EventLogWriter(path, readers=False)
    writer.append(records[: len(records) // 2])
    writer.commit()
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    writer.close()
    verdict = verify_log(copy)
    assert verdict.problems == []
    assert verdict.status() == INTACT_UNSEALED
    assert verdict.records == len(records) // 2
    with sqlite3.connect(copy) as conn:
        indexes = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert not [name for (name,) in indexes if name.startswith("idx_")]


def test_the_writer_holds_only_the_deliveries_under_way(tmp_path: Path) -> None:
    """After each commit the writer keeps no envelope, case or ended delivery row: what it
    holds is the deliveries still under way (an oracle: those the records leave open)."""
    _, records = play(stress(), seed=2)
    writer = EventLogWriter(tmp_path / "held.db", readers=False)
    open_now: set[tuple[str, str]] = set()
    for start in range(0, len(records), 300):
        batch = records[start : start + 300]
        writer.append(batch)
        writer.commit()
        for record in batch:
            key = (str(record.envelope_id), str(record.recipient))
            if record.kind == "delivery_created":
                open_now.add(key)
            elif record.kind in ("delivered", "rejected", "dropped"):
                open_now.discard(key)
        projector = writer._projector
        assert set(projector.deliveries) == open_now
        assert not projector.envelopes
        assert not projector.cases
        assert projector.changes() == ([], [], [])
    writer.close()
    assert verify_log(tmp_path / "held.db").status() == 0


def test_a_commit_that_fails_is_rolled_back_whole(tmp_path: Path) -> None:
    """A commit SQLite refuses (here a row already at one of its seqs) is a `LogError`
    naming the log; nothing of it reaches the file and what was committed stays."""
    _, records = play(mini(), seed=1)
    path = tmp_path / "refused.db"
    writer = EventLogWriter(path, readers=False)
    writer.append(records[:100])
    writer.commit()
    before = contents(path)
    with sqlite3.connect(path) as other:
        other.execute(
            "INSERT INTO events (seq, t_us, kind, origin, data, hash) "
            "VALUES (150, 0, 'x', 'bus', '{}', '')"
        )
    writer.append(records[100:200])
    with pytest.raises(LogError, match=f"{path}: cannot write to the log"):
        writer.commit()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 101
        assert conn.execute("SELECT count(*) FROM envelopes").fetchone()[0] == len(
            before["envelopes"]  # type: ignore[arg-type]
        )
